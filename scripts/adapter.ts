// Adapter tools for a district's admin:
//   npm run adapter -- check <adapter id | adapter.json> <saved page.html> [url] [--json] [--policy <dir>]
//   npm run adapter -- validate <adapter.json> [--policy <dir>]
// `check` prints what the adapter reads from a saved page (identity, role label, student, sections, sensitive
// fields, export controls, data endpoint) and what it misses. The URL defaults to the "saved from url" comment
// Chrome writes into a saved page. Nothing is sent anywhere.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseHTML } from 'linkedom';
import { SisAdapterSchema, type SisAdapter } from '../src/policy/adapter';
import {
  adapterOverlaps,
  longNetworkPatterns,
  networkGaps,
  networkGapWarning,
} from '../src/policy/adapter-overlap';
import { formatIssues, type PolicyBundle } from '../src/policy/bundle';
import { loadPolicy } from '../src/policy/files';
import { checkAdapter, formatCheck } from '../src/sis/check';

const USAGE = `usage:
  npm run adapter -- check <adapter id | adapter.json> <saved page.html> [url] [--json] [--policy <dir>]
  npm run adapter -- validate <adapter.json> [--policy <dir>]`;

class UsageError extends Error {}

async function readAdapterFile(
  path: string,
): Promise<{ ok: true; adapter: SisAdapter } | { ok: false; errors: string[] }> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (error) {
    return { ok: false, errors: [`${path}: ${(error as Error).message}`] };
  }
  const parsed = SisAdapterSchema.safeParse(raw);
  if (!parsed.success) {
    const id =
      typeof raw === 'object' && raw !== null && 'id' in raw
        ? String((raw as { id: unknown }).id)
        : basename(path);
    return {
      ok: false,
      errors: formatIssues(parsed.error).map((line) => `adapter "${id}" ${line}`),
    };
  }
  return { ok: true, adapter: parsed.data };
}

async function policyAt(dir: string): Promise<PolicyBundle> {
  const loaded = await loadPolicy(dir);
  if (!loaded.ok) throw new Error(`policy ${dir} is not valid:\n${loaded.errors.join('\n')}`);
  return loaded.value;
}

/** The adapter named by id (in the policy) or by a JSON file path. */
async function resolveAdapter(name: string, bundle: PolicyBundle): Promise<SisAdapter> {
  if (name.endsWith('.json')) {
    const read = await readAdapterFile(name);
    if (!read.ok) throw new Error(read.errors.join('\n'));
    return read.adapter;
  }
  const found = bundle.adapters.find((adapter) => adapter.id === name);
  if (!found) {
    throw new UsageError(
      `no adapter "${name}" in the policy (have: ${bundle.adapters.map((adapter) => adapter.id).join(', ')})`,
    );
  }
  return found;
}

/**
 * Warnings about one adapter among a bundle's: the network layer it removes, or loses, on shared hosts, and
 * network patterns Chromium may refuse.
 */
function warningsAbout(adapters: readonly SisAdapter[], id: string): string[] {
  return [
    ...networkGaps(adapters)
      .filter((gap) => gap.adapter === id || gap.lower.includes(id))
      .map((gap) => networkGapWarning(gap)),
    ...adapters.filter((adapter) => adapter.id === id).flatMap((adapter) => longNetworkPatterns(adapter)),
  ];
}

const SAVED_FROM = /<!--\s*saved from url=\(\d+\)(\S+?)\s*-->/i;

export async function main(argv: string[]): Promise<number> {
  const flags = new Set<string>(argv.filter((arg) => arg === '--json'));
  const policyIndex = argv.indexOf('--policy');
  const policyDir = policyIndex >= 0 ? argv[policyIndex + 1] : 'policies';
  const args = argv.filter(
    (arg, index) =>
      !flags.has(arg) && (policyIndex < 0 || (index !== policyIndex && index !== policyIndex + 1)),
  );
  const [command, ...rest] = args;
  if (policyDir === undefined) throw new UsageError('--policy needs a directory');
  if (command === 'validate') {
    const [file] = rest;
    if (!file) throw new UsageError('validate needs an adapter file');
    const read = await readAdapterFile(file);
    if (!read.ok) {
      process.stderr.write(`${read.errors.join('\n')}\n`);
      return 1;
    }
    // Beside the policy's own adapters, a new one must not claim their host and path at their priority.
    const bundle = await policyAt(policyDir);
    const others = bundle.adapters.filter((adapter) => adapter.id !== read.adapter.id);
    const overlaps = adapterOverlaps([...others, read.adapter]).filter(
      (overlap) => overlap.index === others.length,
    );
    if (overlaps.length > 0) {
      for (const overlap of overlaps) {
        process.stderr.write(
          `adapter "${read.adapter.id}" match.paths[${overlap.pathIndex}]: claims the same host (${overlap.host}) and path as adapter "${overlap.other}" at the same priority (${overlap.priority})\n`,
        );
      }
      return 1;
    }
    // Valid, but an admin should know: the network rules a cover-only adapter takes off a lower one's hosts.
    for (const warning of warningsAbout([...others, read.adapter], read.adapter.id))
      process.stderr.write(`warning: ${warning}\n`);
    process.stdout.write(`adapter "${read.adapter.id}" is valid\n`);
    return 0;
  }
  if (command !== 'check') throw new UsageError(command ? `unknown command "${command}"` : 'no command');
  const [name, pagePath, urlArg] = rest;
  if (!name || !pagePath) throw new UsageError('check needs an adapter and a saved page');
  const bundle = await policyAt(policyDir);
  const adapter = await resolveAdapter(name, bundle);
  const html = await readFile(pagePath, 'utf8');
  const url = urlArg ?? SAVED_FROM.exec(html)?.[1];
  if (!url)
    throw new UsageError('no URL given and the page has no "saved from url" comment: pass the page URL');
  try {
    new URL(url);
  } catch {
    throw new UsageError(`"${url}" is not a URL`);
  }
  const { document } = parseHTML(html);
  const report = checkAdapter(adapter, document as unknown as Document, url, bundle.policy.categories);
  const others = bundle.adapters.filter((other) => other.id !== adapter.id);
  const warnings = warningsAbout([...others, adapter], adapter.id);
  if (warnings.length > 0) report.warnings = warnings;
  process.stdout.write(flags.has('--json') ? `${JSON.stringify(report, null, 2)}\n` : formatCheck(report));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    if (error instanceof UsageError) process.stderr.write(`${USAGE}\n`);
    process.exitCode = 2;
  },
);
