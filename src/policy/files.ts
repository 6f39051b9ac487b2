// Node-only: reads policy files from disk for the CLI, the demo and the hub. The extension never imports this.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePolicyBundle, type ParseResult, type PolicyBundle } from './bundle';

async function readJson(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
  }
}

/** Assembles a bundle from a policies/ directory (district.json, legal-bases.json, adapters/*.json). */
export async function readPolicyDirectory(dir: string): Promise<unknown> {
  const adapterDir = join(dir, 'adapters');
  const adapterFiles = (await readdir(adapterDir)).filter((name) => name.endsWith('.json')).sort();
  return {
    format: 'record-guard-bundle/1',
    policy: await readJson(join(dir, 'district.json')),
    legalBases: await readJson(join(dir, 'legal-bases.json')),
    adapters: await Promise.all(adapterFiles.map((name) => readJson(join(adapterDir, name)))),
  };
}

/** Loads and validates a policy directory or a bundle file. Errors name the file's field path. */
export async function loadPolicy(path: string): Promise<ParseResult<PolicyBundle>> {
  let raw: unknown;
  try {
    raw = (await stat(path)).isDirectory() ? await readPolicyDirectory(path) : await readJson(path);
  } catch (error) {
    return { ok: false, errors: [(error as Error).message] };
  }
  return parsePolicyBundle(raw);
}
