// The contracts are complete: every storage key a module uses is in the table with its area, and every channel
// the router parses has its request schema and reply type in the channel map.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHANNELS } from '../../src/contracts/channels';
import { ExtensionPageRequestSchema } from '../../src/contracts/gate';
import { PageRequestSchema } from '../../src/contracts/page-guard';
import { STORAGE_KEYS } from '../../src/contracts/storage';
import { REPO_ROOT } from './support';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'hub' ? [] : sources(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

describe('storage keys', () => {
  it('every key a module keeps in storage.local or storage.session is listed, with its area', () => {
    const found: { key: string; area: string; file: string }[] = [];
    for (const file of sources(join(REPO_ROOT, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/const ([A-Z_]+(?:KEY|PREFIX)) = '([^']+)'/g)) {
        const [, name, key] = match as unknown as [string, string, string];
        const area = new RegExp(`storage\\.(local|session)\\.(?:get|set|remove)\\([^)]*${name}`).exec(
          text,
        )?.[1];
        if (area) found.push({ key, area, file });
      }
    }
    expect(found.length).toBeGreaterThanOrEqual(10);
    for (const { key, area, file } of found) {
      const listed = STORAGE_KEYS.find((entry) => entry.key === key);
      expect(listed, `${key} (${file}) is not in src/contracts/storage.ts`).toBeDefined();
      expect(listed?.area, key).toBe(area);
    }
  });

  it('keys are unique', () => {
    const keys = STORAGE_KEYS.map((entry) => entry.key);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('the channel map', () => {
  it('names every channel the router parses, with that channel’s own schema', () => {
    const routed = [...PageRequestSchema.options, ...ExtensionPageRequestSchema.options].map(
      (schema) => schema.shape.channel.value,
    );
    expect(Object.keys(CHANNELS).sort()).toEqual([...routed].sort());
    for (const [channel, entry] of Object.entries(CHANNELS)) {
      expect(entry.request.shape.channel.value).toBe(channel);
    }
  });

  it('a request is parsed by its channel’s schema and refused by another’s', () => {
    const hello = { channel: 'page.hello', url: 'http://127.0.0.1/admin/' };
    expect(CHANNELS['page.hello'].request.safeParse(hello).success).toBe(true);
    expect(CHANNELS['page.evaluate'].request.safeParse(hello).success).toBe(false);
  });
});
