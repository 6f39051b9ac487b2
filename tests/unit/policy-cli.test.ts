// `npm run policy`: keys made outside the repository, bundles signed and verified as browsers verify them,
// published with the admin token from the environment, and a diff that lists every scenario a change flips.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLICY_DIR, REPO_ROOT } from './support';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function policyCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['tsx', 'scripts/policy.ts', ...args],
      { cwd: REPO_ROOT, env: { ...process.env, ...env } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const DISTRICT = 'newman-crows-landing-usd';
let work: string;
let keyFile: string;
let keysFile: string;
let signedFile: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'record-guard-policy-cli-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('npm run policy', () => {
  it('keygen writes the private key outside the repository only, mode 600, and prints the public entry', async () => {
    const refused = await policyCli(['keygen', '--out', 'record-guard-keys', '--id', 'k']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('inside the repository');
    await expect(stat(join(REPO_ROOT, 'record-guard-keys'))).rejects.toThrow();

    const made = await policyCli(['keygen', '--out', join(work, 'keys'), '--id', 'district-2026']);
    expect(made.code, made.stderr).toBe(0);
    const entry = JSON.parse(made.stdout) as { id: string; publicKey: string };
    expect(entry).toMatchObject({
      id: 'district-2026',
      publicKey: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/),
    });
    keyFile = join(work, 'keys', 'district-2026.private.json');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(made.stdout).not.toContain(JSON.parse(await readFile(keyFile, 'utf8')).privateKey);
    keysFile = join(work, 'keys.json');
    await writeFile(keysFile, JSON.stringify({ policyKeys: [entry] }));
    const again = await policyCli(['keygen', '--out', join(work, 'keys'), '--id', 'district-2026']);
    expect(again.code).toBe(2);
  });

  it('sign then verify: verified; a flipped byte, a rollback, another district and an unknown key are rejected', async () => {
    signedFile = join(work, 'v2.signed.json');
    const signed = await policyCli([
      'sign',
      '--key',
      keyFile,
      '--policy',
      'policies',
      '--version',
      '2',
      '--out',
      signedFile,
    ]);
    expect(signed.code, signed.stderr).toBe(0);
    const ok = await policyCli([
      'verify',
      '--keys',
      keysFile,
      '--district',
      DISTRICT,
      '--current-version',
      '1',
      signedFile,
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ result: 'verified', version: 2, keyId: 'district-2026' });

    const rollback = await policyCli([
      'verify',
      '--keys',
      keysFile,
      '--district',
      DISTRICT,
      '--current-version',
      '2',
      signedFile,
    ]);
    expect(rollback.code).toBe(1);
    expect(JSON.parse(rollback.stdout)).toMatchObject({ result: 'rejected', check: 'version' });

    const other = await policyCli(['verify', '--keys', keysFile, '--district', 'other-usd', signedFile]);
    expect(JSON.parse(other.stdout)).toMatchObject({ result: 'rejected', check: 'district' });

    const envelope = JSON.parse(await readFile(signedFile, 'utf8')) as { payload: string };
    const tampered = join(work, 'tampered.json');
    await writeFile(
      tampered,
      JSON.stringify({ ...envelope, payload: envelope.payload.replace('"version":2', '"version":9') }),
    );
    const flipped = await policyCli(['verify', '--keys', keysFile, '--district', DISTRICT, tampered]);
    expect(flipped.code).toBe(1);
    expect(JSON.parse(flipped.stdout)).toMatchObject({ result: 'rejected', check: 'signature' });

    const stranger = await policyCli(['keygen', '--out', join(work, 'other-keys'), '--id', 'stranger']);
    const strangerKeys = join(work, 'stranger.json');
    await writeFile(strangerKeys, JSON.stringify([JSON.parse(stranger.stdout)]));
    const unknown = await policyCli(['verify', '--keys', strangerKeys, '--district', DISTRICT, signedFile]);
    expect(JSON.parse(unknown.stdout)).toMatchObject({
      result: 'rejected',
      check: 'signature',
      keyId: 'district-2026',
    });
  });

  it('sign refuses an invalid policy and names the field', async () => {
    const dir = join(work, 'bad-policy');
    await cp(POLICY_DIR, dir, { recursive: true });
    const district = JSON.parse(await readFile(join(dir, 'district.json'), 'utf8')) as {
      rules: { effect: string }[];
    };
    (district.rules[0] as { effect: string }).effect = 'sometimes';
    await writeFile(join(dir, 'district.json'), JSON.stringify(district));
    const run = await policyCli(['sign', '--key', keyFile, '--policy', dir, '--out', join(work, 'bad.json')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('policy.rules[0].effect');
    await expect(stat(join(work, 'bad.json'))).rejects.toThrow();
  });

  it('publish sends the signed file as is, with the token from the environment', async () => {
    let seen: { method?: string; url?: string; headers?: IncomingHttpHeaders; body?: string } = {};
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        seen = { method: request.method, url: request.url, headers: request.headers, body };
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"version":2}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const missing = await policyCli(['publish', '--hub', `http://127.0.0.1:${port}`, signedFile], {
        RECORD_GUARD_ADMIN_TOKEN: '',
      });
      expect(missing.code).toBe(2);
      const run = await policyCli(['publish', '--hub', `http://127.0.0.1:${port}`, signedFile], {
        RECORD_GUARD_ADMIN_TOKEN: 'admin-token-0123456789',
      });
      expect(run.code, run.stderr).toBe(0);
      expect(seen).toMatchObject({ method: 'PUT', url: '/v1/policy' });
      expect(seen.headers?.authorization).toBe('Bearer admin-token-0123456789');
      expect(JSON.parse(seen.body ?? '')).toEqual(JSON.parse(await readFile(signedFile, 'utf8')));
    } finally {
      server.close();
    }
  });

  it('diff lists what changed and every scenario whose outcome a change flips', async () => {
    const dir = join(work, 'stricter');
    await cp(POLICY_DIR, dir, { recursive: true });
    const district = JSON.parse(await readFile(join(dir, 'district.json'), 'utf8')) as {
      version: number;
      rules: { id: string; effect: string }[];
    };
    district.version = 3;
    const guarded = district.rules.find((rule) => rule.id === 'sro-records-guarded');
    if (!guarded) throw new Error('no sro-records-guarded rule');
    guarded.effect = 'deny';
    await writeFile(join(dir, 'district.json'), JSON.stringify(district));
    const run = await policyCli([
      'diff',
      '--from',
      signedFile,
      '--to',
      dir,
      '--scenarios',
      join(POLICY_DIR, 'examples'),
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const { changes, scenarios } = JSON.parse(run.stdout) as {
      changes: { from: { version: number }; rules: { changed: string[] }; roster: { added: string[] } };
      scenarios: { replayed: number; changed: { scenario: string; before: string; after: string }[] };
    };
    expect(changes.from.version).toBe(2);
    expect(changes.rules.changed).toEqual(['sro-records-guarded']);
    expect(changes.roster.added).toEqual([]);
    expect(scenarios.replayed).toBe(3);
    expect(scenarios.changed.map((change) => change.scenario)).toEqual([
      'sro-grades-with-consent.json',
      'sro-health-no-consent.json',
    ]);
    expect(scenarios.changed[0]).toMatchObject({ before: 'allow', after: 'redact' });

    const text = await policyCli([
      'diff',
      '--from',
      signedFile,
      '--to',
      dir,
      '--scenarios',
      join(POLICY_DIR, 'examples'),
    ]);
    expect(text.stdout).toContain('~ sro-records-guarded');
    expect(text.stdout).toContain('3 replayed, 2 change outcome');
    const same = await policyCli([
      'diff',
      '--from',
      'policies',
      '--to',
      'policies',
      '--scenarios',
      join(POLICY_DIR, 'examples'),
    ]);
    expect(same.stdout).toContain('3 replayed, 0 change outcome');
  });
});
