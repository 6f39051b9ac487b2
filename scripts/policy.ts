// Signed policy bundles for district admins: `npm run policy -- keygen | sign | verify | publish | diff`.
// Private keys live with the admin who signs (outside the repository, never on the hub); the hub only stores
// and serves what was signed here; browsers verify it with the public keys in their managed settings.
import { chmod, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { decide, FactsSchema } from '../src/decide';
import { bundleWarnings, formatIssues, parsePolicyBundle, type PolicyBundle } from '../src/policy/bundle';
import { diffBundles, hasChanges, type ListChange, type PolicyChanges } from '../src/policy/diff';
import { loadPolicy } from '../src/policy/files';
import {
  fingerprintKeyId,
  generateKeyPair,
  KeyIdSchema,
  PublicKeyTextSchema,
  readSignedPayload,
  SIGNED_BUNDLE_FORMAT,
  SignedBundleSchema,
  signBundle,
  TrustedKeySchema,
  verifySignedBundle,
  type TrustedKey,
} from '../src/policy/signing';

const USAGE = `Record Guard signed policies

  npm run policy -- keygen --out <dir outside the repository> [--id <key-id>]
      new Ed25519 key pair: <dir>/<key-id>.private.json (mode 600, for the signer only); prints the
      {"id","publicKey"} entry for the managed setting policyKeys
  npm run policy -- sign --key <key.private.json> [--policy policies] [--version <n>] --out <bundle.signed.json>
      validates the policy directory (or bundle file), sets the version if given, signs it
  npm run policy -- verify --keys <keys.json> --district <id> [--current-version <n>] <bundle.signed.json>
      the browser's checks, in order: signature (a key in keys.json: [{"id","publicKey"}] or a managed
      settings file with policyKeys), schema, district, version
  npm run policy -- publish --hub <url> <bundle.signed.json>
      PUT /v1/policy with the admin token in RECORD_GUARD_ADMIN_TOKEN (never on the command line)
  npm run policy -- diff [--hub <url> | --from <dir|bundle|signed>] [--to policies|<signed>] [--scenarios <dir>] [--json]
      what changes from the policy in force (at the hub, or --from) to the new one: rules, roster, adapters,
      legal bases, settings; and every scenario (dry-run facts, as npm run decide reads) whose outcome changes
`;

class UsageError extends Error {}
const say = (line: string): void => void process.stderr.write(`${line}\n`);

const PrivateKeyFileSchema = z.strictObject({
  format: z.literal('record-guard-private-key/1'),
  keyId: KeyIdSchema,
  /** PKCS #8, base64. */
  privateKey: z.string().min(40).max(200),
  publicKey: PublicKeyTextSchema,
});

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${path}: not valid JSON (${(error as Error).message})`);
  }
}

/** Whether a path is inside the repository (the working directory of `npm run`): private keys never are. */
function insideRepository(path: string): boolean {
  const rel = relative(process.cwd(), resolve(path));
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith('/'));
}

async function keygen(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { out: { type: 'string' }, id: { type: 'string' } } });
  if (!values.out) throw new UsageError('keygen needs --out <directory outside the repository>');
  if (insideRepository(values.out))
    throw new UsageError(
      `--out ${values.out} is inside the repository: a private key must never be committed`,
    );
  const pair = await generateKeyPair();
  const keyId = values.id ?? (await fingerprintKeyId(pair.publicKey));
  const id = KeyIdSchema.safeParse(keyId);
  if (!id.success) throw new UsageError(`--id: ${id.error.issues[0]?.message ?? 'invalid'}`);
  await mkdir(values.out, { recursive: true });
  const file = join(values.out, `${keyId}.private.json`);
  const exists = await stat(file).then(
    () => true,
    () => false,
  );
  if (exists) throw new UsageError(`${file} exists: choose another --id (keys are never overwritten)`);
  const content = { format: 'record-guard-private-key/1', keyId, ...pair };
  await writeFile(file, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(file, 0o600);
  say(`private key written to ${file} (mode 600): keep it offline, never in the repository or on the hub`);
  say('add this entry to the managed setting policyKeys of every browser:');
  process.stdout.write(`${JSON.stringify({ id: keyId, publicKey: pair.publicKey })}\n`);
  return 0;
}

async function loadBundle(path: string): Promise<PolicyBundle> {
  const raw = (await stat(path).catch(() => undefined))?.isFile() ? await readJson(path) : undefined;
  if ((raw as { format?: unknown } | undefined)?.format === SIGNED_BUNDLE_FORMAT) {
    const envelope = SignedBundleSchema.safeParse(raw);
    if (!envelope.success) throw new UsageError(`${path}: ${formatIssues(envelope.error).join('; ')}`);
    const read = readSignedPayload(envelope.data);
    if (!read.ok) throw new UsageError(`${path}: ${read.errors.join('; ')}`);
    return read.bundle;
  }
  const loaded = await loadPolicy(path);
  if (!loaded.ok)
    throw new UsageError(`${path}: policy rejected (nothing signed):\n  ${loaded.errors.join('\n  ')}`);
  return loaded.value;
}

async function sign(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      key: { type: 'string' },
      policy: { type: 'string' },
      version: { type: 'string' },
      out: { type: 'string' },
    },
  });
  if (!values.key || !values.out)
    throw new UsageError('sign needs --key <key.private.json> and --out <file>');
  const key = PrivateKeyFileSchema.safeParse(await readJson(values.key));
  if (!key.success) throw new UsageError(`${values.key}: ${formatIssues(key.error).join('; ')}`);
  const bundle = structuredClone(await loadBundle(values.policy ?? 'policies'));
  // Signed all the same: what the admin signs should not hide that a network layer is gone on some hosts.
  for (const warning of bundleWarnings(bundle)) process.stderr.write(`warning: ${warning}\n`);
  if (values.version !== undefined) {
    const version = Number(values.version);
    if (!Number.isSafeInteger(version) || version < 1)
      throw new UsageError('--version must be a positive integer');
    bundle.policy.version = version;
  }
  const signed = await signBundle(bundle, key.data, new Date());
  // Verified with the key's own public half before anything is written: a wrong key file fails here.
  const check = await verifySignedBundle(signed, {
    trustedKeys: [{ id: key.data.keyId, publicKey: key.data.publicKey }],
    district: bundle.policy.district.id,
  });
  if (!check.ok) throw new UsageError(`the signed bundle does not verify (${check.check}): ${check.reason}`);
  await writeFile(values.out, `${JSON.stringify(signed, null, 2)}\n`);
  say(
    `signed ${bundle.policy.id} v${bundle.policy.version} for ${bundle.policy.district.id} with key ${key.data.keyId}: ${values.out}`,
  );
  return 0;
}

/** Trusted keys from a key list or a managed settings file (its policyKeys, or a 3rdparty block's). */
async function readTrustedKeys(path: string): Promise<TrustedKey[]> {
  const raw = await readJson(path);
  // A key list, managed settings, or a Chromium policy file ({"3rdparty":{"extensions":{"<id>":{…}}}}).
  const third = (raw as { '3rdparty'?: { extensions?: Record<string, unknown> } } | null)?.['3rdparty'];
  const settings = third?.extensions ? Object.values(third.extensions)[0] : raw;
  const list = Array.isArray(settings) ? settings : (settings as { policyKeys?: unknown } | null)?.policyKeys;
  const parsed = z.array(TrustedKeySchema).min(1).safeParse(list);
  if (!parsed.success)
    throw new UsageError(`${path}: ${formatIssues(parsed.error, 'policyKeys').join('; ')}`);
  return parsed.data;
}

async function verify(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      keys: { type: 'string' },
      district: { type: 'string' },
      'current-version': { type: 'string' },
    },
  });
  const file = positionals[0];
  if (!file || !values.keys || !values.district)
    throw new UsageError('verify needs --keys <keys.json>, --district <id> and a signed bundle file');
  const current = values['current-version'] === undefined ? undefined : Number(values['current-version']);
  const outcome = await verifySignedBundle(await readJson(file), {
    trustedKeys: await readTrustedKeys(values.keys),
    district: values.district,
    currentVersion: current,
  });
  if (!outcome.ok) {
    const { ok: _ok, ...rejection } = outcome;
    process.stdout.write(`${JSON.stringify({ result: 'rejected', ...rejection }, null, 2)}\n`);
    return 1;
  }
  process.stdout.write(
    `${JSON.stringify({ result: 'verified', policyId: outcome.bundle.policy.id, version: outcome.version, keyId: outcome.keyId, signedAt: outcome.signedAt }, null, 2)}\n`,
  );
  return 0;
}

function adminToken(): string {
  const token = process.env.RECORD_GUARD_ADMIN_TOKEN;
  if (!token) throw new UsageError('set RECORD_GUARD_ADMIN_TOKEN to an admin token of the hub');
  return token;
}

async function hubFetch(hub: string, path: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(`${hub.replace(/\/$/, '')}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${adminToken()}`, 'content-type': 'application/json' },
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${hub}: ${(error as Error).message}`);
  }
}

async function publish(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { hub: { type: 'string' } },
  });
  const file = positionals[0];
  if (!file || !values.hub) throw new UsageError('publish needs --hub <url> and a signed bundle file');
  const envelope = SignedBundleSchema.safeParse(await readJson(file));
  if (!envelope.success)
    throw new UsageError(
      `${file} is not a signed bundle (npm run policy -- sign): ${formatIssues(envelope.error)[0]}`,
    );
  const response = await hubFetch(values.hub, '/v1/policy', {
    method: 'PUT',
    body: JSON.stringify(envelope.data),
  });
  const body = (await response.json().catch(() => null)) as unknown;
  if (!response.ok) {
    say(`the hub refused it (HTTP ${response.status}): ${JSON.stringify(body)}`);
    return 1;
  }
  process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  return 0;
}

interface ScenarioChange {
  scenario: string;
  before: string;
  after: string;
  reasonBefore: string;
  reasonAfter: string;
}

/** Replays every dry-run scenario under both policies; lists those whose outcome changes. */
export async function replayScenarios(
  dir: string,
  before: PolicyBundle,
  after: PolicyBundle,
): Promise<{ replayed: number; changed: ScenarioChange[] }> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
  const changed: ScenarioChange[] = [];
  for (const name of files) {
    const facts = FactsSchema.safeParse(await readJson(join(dir, name)));
    if (!facts.success)
      throw new UsageError(`${join(dir, name)}: facts rejected: ${formatIssues(facts.error)[0]}`);
    const old = decide(before, facts.data);
    const now = decide(after, facts.data);
    if (old.outcome !== now.outcome) {
      changed.push({
        scenario: name,
        before: old.outcome,
        after: now.outcome,
        reasonBefore: old.reason.code,
        reasonAfter: now.reason.code,
      });
    }
  }
  return { replayed: files.length, changed };
}

function listLine(name: string, list: ListChange): string[] {
  const parts = [
    ...list.added.map((id) => `+ ${id}`),
    ...list.removed.map((id) => `- ${id}`),
    ...list.changed.map((id) => `~ ${id}`),
  ];
  return parts.length === 0 ? [`${name}: no change`] : [`${name}:`, ...parts.map((part) => `  ${part}`)];
}

function describeChanges(changes: PolicyChanges): string[] {
  return [
    `from ${changes.from ? `${changes.from.id} v${changes.from.version}` : '(nothing)'} to ${changes.to.id} v${changes.to.version}`,
    ...listLine('rules', changes.rules),
    ...listLine('roster', changes.roster),
    ...listLine('adapters', changes.adapters),
    ...listLine('legal bases', changes.bases),
    changes.settings.length === 0
      ? 'other settings: no change'
      : `other settings: ${changes.settings.join(', ')}`,
  ];
}

async function diff(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      hub: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      scenarios: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if ((values.hub === undefined) === (values.from === undefined))
    throw new UsageError('diff needs either --hub <url> (the policy in force there) or --from <policy>');
  let before: PolicyBundle;
  if (values.hub) {
    const response = await hubFetch(values.hub, '/v1/policy');
    if (!response.ok) throw new UsageError(`${values.hub}: GET /v1/policy answered HTTP ${response.status}`);
    const body = (await response.json()) as { signed?: unknown; bundle?: unknown };
    const envelope = SignedBundleSchema.safeParse(body.signed);
    const read = envelope.success ? readSignedPayload(envelope.data) : undefined;
    // The signed bundle when there is one (what browsers run); an unsigned hub policy is still compared.
    before = read?.ok ? read.bundle : loadPolicyValue(body.bundle);
  } else before = await loadBundle(values.from as string);
  const after = await loadBundle(values.to ?? 'policies');
  const changes = diffBundles(before, after);
  const scenarios = values.scenarios ? await replayScenarios(values.scenarios, before, after) : undefined;
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ changes, scenarios }, null, 2)}\n`);
  } else {
    const lines = describeChanges(changes);
    if (!hasChanges(changes)) lines.push('nothing changes but the version');
    if (scenarios) {
      lines.push(`scenarios: ${scenarios.replayed} replayed, ${scenarios.changed.length} change outcome`);
      for (const change of scenarios.changed)
        lines.push(
          `  ${change.scenario}: ${change.before} (${change.reasonBefore}) -> ${change.after} (${change.reasonAfter})`,
        );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return 0;
}

function loadPolicyValue(value: unknown): PolicyBundle {
  const parsed = parsePolicyBundle(value);
  if (!parsed.ok) throw new UsageError(`the hub's policy does not validate: ${parsed.errors[0]}`);
  return parsed.value;
}

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = { keygen, sign, verify, publish, diff };

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const run = command ? COMMANDS[command] : undefined;
  if (!run) {
    say(USAGE);
    return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
  try {
    return await run(rest);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      say((error as Error).message);
      return 2;
    }
    throw error;
  }
}

if (process.argv[1] && resolve(process.argv[1]).endsWith(join('scripts', 'policy.ts'))) {
  process.exitCode = await main(process.argv.slice(2));
}
