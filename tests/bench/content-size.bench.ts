// Gzipped size of the content script that every guarded SIS page (and frame) loads at document_start,
// against the 12 KB target of issue 3 (no Preact, no full zod in it).
import { spawnSync } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { constants, gzipSync } from 'node:zlib';
import type { BenchRow } from './report';

export const EXTENSION_OUTPUT = resolve('.output/chrome-mv3');
const CONTENT_SCRIPT = join(EXTENSION_OUTPUT, 'sis-guard.js');
/** What the build reads: a change in any of these makes the built extension stale. */
const SOURCES = ['src', 'entrypoints', 'policies', 'public', 'wxt.config.ts', 'package.json'];
const TARGET_BYTES = 12 * 1024;

async function newestChange(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  const entries = await readdir(path);
  const times = await Promise.all(entries.map((entry) => newestChange(join(path, entry))));
  return Math.max(info.mtimeMs, ...times);
}

let built: Promise<void> | undefined;

/**
 * Builds the Chrome extension (`npx wxt build`) when `.output/chrome-mv3` is missing or older than its
 * sources; once per `npm run bench` at most. Browser benchmarks and this one call it first.
 */
export function ensureExtensionBuilt(): Promise<void> {
  built ??= (async () => {
    const manifest = await stat(join(EXTENSION_OUTPUT, 'manifest.json')).catch(() => undefined);
    const sources = Math.max(...(await Promise.all(SOURCES.map((source) => newestChange(resolve(source))))));
    if (manifest && manifest.mtimeMs >= sources) return;
    console.error(manifest ? 'extension build is older than src: building…' : 'building the extension…');
    const result = spawnSync('npx', ['wxt', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (result.status !== 0) throw new Error(`npx wxt build failed (exit ${String(result.status)})`);
  })();
  return built;
}

export async function benchContentSize(): Promise<BenchRow[]> {
  await ensureExtensionBuilt();
  const source = await readFile(CONTENT_SCRIPT);
  const gzipped = gzipSync(source, { level: constants.Z_BEST_COMPRESSION }).length;
  const kb = (bytes: number): number => bytes / 1024;
  return [
    {
      name: 'content script size, gzipped',
      value: kb(gzipped),
      unit: 'KB',
      baseline: { name: 'target (issue 3)', value: kb(TARGET_BYTES), unit: 'KB' },
      ratio: gzipped / TARGET_BYTES,
      note: `.output/chrome-mv3/sis-guard.js: ${source.length.toLocaleString('en-US')} B, gzip -9 ${gzipped.toLocaleString('en-US')} B; ratio ≤ 1 meets the target`,
    },
  ];
}
