// `npm run hub -- token …` against an embedded database directory, in a child process as an operator runs it.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/hub/app';
import { defaultConfig } from '../../src/hub/config';
import { openPglite } from '../../src/hub/db';
import { DISTRICT, makePolicyDir } from './helpers';

const run = promisify(execFile);

describe('the token command', () => {
  let dir: string;
  let policyDir: string;
  const hub = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'src/hub/main.ts', ...args], {
      env: { ...process.env, HUB_DATA_DIR: dir, HUB_POLICY_SEED: policyDir, DATABASE_URL: '' },
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hub-cli-'));
    policyDir = await makePolicyDir();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(policyDir, { recursive: true, force: true });
  });

  it('issues a token printed once, lists it without the token, and revokes it', async () => {
    const issued = await hub(
      'token',
      'issue',
      '--user',
      'officer.diaz',
      '--role',
      'sro',
      '--district',
      DISTRICT,
    );
    const token = issued.stdout.trim();
    expect(token).toMatch(/^rgh_[A-Za-z0-9_-]{43}$/);
    // The agency came from the roster of the seeded policy.
    expect(issued.stderr).toMatch(/Newman Police Department/);
    const id = /token (\w{26}) for officer\.diaz/.exec(issued.stderr)?.[1];
    expect(id).toBeDefined();

    const listed = await hub('token', 'list');
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).not.toContain(token);

    // The token works against a hub on that directory, then stops working once revoked.
    const check = async () => {
      const db = await openPglite(dir);
      try {
        const app = await buildApp(defaultConfig({ logLevel: 'silent' }), db);
        const response = await app.inject({
          method: 'GET',
          url: '/v1/policy',
          headers: { authorization: `Bearer ${token}` },
        });
        await app.close();
        return response.statusCode;
      } finally {
        await db.close();
      }
    };
    expect(await check()).toBe(200);
    const revoked = await hub('token', 'revoke', id ?? '');
    expect(revoked.stderr).toMatch(/revoked/);
    expect(await check()).toBe(401);
    const after = await hub('token', 'list');
    expect(after.stdout).toMatch(new RegExp(`${id}.*\\t20\\d\\d-`));
  }, 240_000);

  it('explains a bad command and a bad role', async () => {
    await expect(
      hub('token', 'issue', '--user', 'x', '--role', 'chief', '--district', DISTRICT),
    ).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--role/),
    });
    await expect(hub('token', 'frobnicate')).rejects.toMatchObject({ code: 2 });
    await expect(hub('token', 'issue', '--colour', 'red')).rejects.toMatchObject({ code: 2 });
  }, 120_000);
});
