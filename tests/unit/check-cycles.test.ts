// The import-cycle check in `npm test` finds a cycle, type-only imports included, and passes this repository.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cycles, importGraph } from '../../scripts/check-cycles';

describe('check-cycles', () => {
  it('finds a cycle through a type-only import, as store/db.ts → background/sync.ts was', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rg-cycles-'));
    mkdirSync(join(dir, 'store'));
    mkdirSync(join(dir, 'background'));
    writeFileSync(
      join(dir, 'store/db.ts'),
      "import type { Filing } from '../background/sync';\nexport const db = 1;\n",
    );
    writeFileSync(
      join(dir, 'background/sync.ts'),
      "import { db } from '../store/db';\nexport type Filing = typeof db;\n",
    );
    writeFileSync(join(dir, 'leaf.ts'), "export { db } from './store/db';\n");
    const files = ['store/db.ts', 'background/sync.ts', 'leaf.ts'].map((file) => join(dir, file));
    const found = cycles(importGraph(files));
    expect(found).toHaveLength(1);
    expect(found[0]?.map((file) => file.slice(dir.length + 1)).sort()).toEqual([
      'background/sync.ts',
      'store/db.ts',
    ]);
  });

  it('a graph without cycles passes', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', []],
    ]);
    expect(cycles(graph)).toEqual([]);
    expect(cycles(new Map([['self', ['self']]]))).toEqual([['self']]);
  });
});
