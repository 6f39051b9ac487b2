// Real hub processes for the tests that need them (full disks, replicas): `tsx src/hub/main.ts` with an
// environment, its output kept in the run's log directory (global-setup.ts checks it for secrets).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { migrate } from '../../src/hub/migrate';
import type { Db } from '../../src/hub/db';
import { PolicyStore } from '../../src/hub/policy';
import { issueToken } from '../../src/hub/tokens';
import { childLogPath, DISTRICT, makePolicyDir, recordSecrets } from './helpers';

export interface HubProcess {
  child: ChildProcess;
  base: string;
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal) once the process has ended. */
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

let started = 0;

export async function startHub(env: Record<string, string>, name: string): Promise<HubProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/hub/main.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logPath = childLogPath(`${name}-${++started}`);
  const file = logPath ? createWriteStream(logPath) : undefined;
  let text = '';
  const take = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    file?.write(chunk);
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => file?.end());
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub ${name} did not start in 60 s:\n${text}`)), 60_000);
    const look = () => {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(text);
      if (match?.[1]) {
        clearTimeout(timer);
        child.stdout?.off('data', look);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', look);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`hub ${name} exited (${String(code)}) before listening:\n${text}`));
    });
  });
  return {
    child,
    base,
    output: () => text,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        const code = await exited;
        clearTimeout(timer);
        return code;
      }
      return exited;
    },
  };
}

/** Migrates, seeds the policy and issues an SRO and an admin token, straight in the database. */
export async function prepareDatabase(
  db: Db,
): Promise<{ sro: string; admin: string; sroTokenId: string; admin2: string }> {
  await migrate(db);
  const policyDir = await makePolicyDir();
  await new PolicyStore(db).seed(policyDir, new Date());
  const operator = { username: 'cli:test', role: 'operator' as const, tokenId: null };
  const sro = await db.transaction((tx) =>
    issueToken(tx, { user: 'officer.diaz', role: 'sro', district: DISTRICT }, operator, new Date()),
  );
  const admin = await db.transaction((tx) =>
    issueToken(tx, { user: 'admin.lee', role: 'admin', district: DISTRICT }, operator, new Date()),
  );
  const admin2 = await db.transaction((tx) =>
    issueToken(tx, { user: 'admin.kim', role: 'admin', district: DISTRICT }, operator, new Date()),
  );
  recordSecrets([sro.token, admin.token, admin2.token]);
  return { sro: sro.token, admin: admin.token, sroTokenId: sro.info.id, admin2: admin2.token };
}

/** fetch with a bound: a hub that hangs fails the test instead of holding it. */
export async function boundedFetch(url: string, init: RequestInit = {}, ms = 20_000): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(ms) });
}
