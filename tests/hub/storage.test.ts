// Issue 11: a full disk and a read-only data directory under a running hub on the embedded database. The hub
// answers 503 (with Retry-After) or exits non-zero with one log line, never hangs, never acknowledges what it
// did not store, and recovers. Needs root (a small tmpfs per test); every wait is bounded.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DbTimeoutError, openPglite, openPostgres } from '../../src/hub/db';
import { EventBatchResultSchema, type LogEvent } from '../../src/report/event-contract';
import { makeChain } from './helpers';
import { boundedFetch, prepareDatabase, startHub, type HubProcess } from './processes';

const isRoot = process.getuid?.() === 0;
const REASON = 'needs root to mount a small tmpfs (the CI runs as root)';

const mounts: string[] = [];
const hubs: HubProcess[] = [];

function mountTmpfs(sizeMb: number): string {
  const dir = join(tmpdir(), `hub-disk-${process.pid}-${mounts.length}`);
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir]);
  mounts.push(dir);
  return dir;
}

/** Fills the file system of `dir` until `leaveMb` MiB are left. */
function fill(dir: string, leaveMb: number): string {
  const path = join(dir, 'filler');
  const free = Number(execFileSync('df', ['--output=avail', '-B1', dir]).toString().trim().split('\n').pop());
  const size = free - leaveMb * 1024 * 1024;
  if (size > 0) execFileSync('fallocate', ['-l', String(size), path]);
  return path;
}

afterEach(async () => {
  for (const hub of hubs.splice(0)) await hub.stop();
  for (const dir of mounts.splice(0)) {
    try {
      execFileSync('umount', ['-l', dir]);
    } catch {
      // already unmounted
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

const ENV = {
  HUB_DB_TIMEOUT_MS: '3000',
  HUB_DB_STUCK_MS: '8000',
  HUB_LOW_DISK_MB: '48',
  HUB_POLICY_SEED: 'policies',
};

async function preparedDir(root: string): Promise<{ dataDir: string; sro: string; admin: string }> {
  const dataDir = join(root, 'data');
  const db = await openPglite(dataDir);
  try {
    return { dataDir, ...(await prepareDatabase(db)) };
  } finally {
    await db.close();
  }
}

async function post(
  hub: HubProcess,
  token: string,
  events: readonly LogEvent[],
): Promise<{ status: number; body: unknown; retryAfter: string | null }> {
  const response = await boundedFetch(`${hub.base}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
  });
  return {
    status: response.status,
    body: await response.json(),
    retryAfter: response.headers.get('retry-after'),
  };
}

async function storedCount(dataDir: string, device: string): Promise<number> {
  const db = await openPglite(dataDir);
  try {
    const { rows } = await db.query<{ n: number }>('SELECT count(*) AS n FROM events WHERE device = $1', [
      device,
    ]);
    return rows[0]?.n ?? 0;
  } finally {
    await db.close();
  }
}

/**
 * Posts batches of 200 events (~300 KB of WAL each) for `device` until the hub refuses one (503), goes away
 * (exited), or `ms` pass. Every answer must be 200 or 503 with Retry-After: never 500, never a hang (each
 * request is bounded by boundedFetch).
 */
async function writeUntilRefused(
  hub: HubProcess,
  token: string,
  device: string,
  ms: number,
): Promise<{ acknowledged: string[]; refused: number; gone: boolean }> {
  const acknowledged: string[] = [];
  let refused = 0;
  let prevHash: string | undefined;
  let seq = 1;
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const batch = await makeChain(200, {
      device,
      startSeq: seq,
      ...(prevHash ? { prevHash } : {}),
      extra: { justification: 'x'.repeat(1000) },
    });
    let answer: Awaited<ReturnType<typeof post>>;
    try {
      answer = await post(hub, token, batch);
    } catch {
      return { acknowledged, refused, gone: true }; // the process exited (connection refused or reset)
    }
    if (answer.status !== 200) {
      expect(answer.status).toBe(503);
      expect(answer.retryAfter).not.toBeNull();
      refused++;
      if (refused >= 5) break;
      continue;
    }
    acknowledged.push(...EventBatchResultSchema.parse(answer.body).stored);
    prevHash = batch.at(-1)?.hash;
    seq += batch.length;
  }
  return { acknowledged, refused, gone: false };
}

/** The hub's exit code, or 'running' if it is still up after `ms`. */
const exitWithin = (hub: HubProcess, ms: number) =>
  Promise.race([hub.exited, new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), ms))]);

describe.skipIf(!isRoot)(`the embedded database on a full or read-only disk (${REASON})`, () => {
  it('refuses writes with 503 no_space before the disk is full, keeps reading, and recovers', async () => {
    const root = mountTmpfs(160);
    const { dataDir, sro, admin } = await preparedDir(root);
    const hub = await startHub({ ...ENV, HUB_DATA_DIR: dataDir, HUB_MIN_FREE_MB: '24' }, 'disk-guard');
    hubs.push(hub);
    const chain = await makeChain(40, { device: 'disk-guard' });
    expect((await post(hub, sro, chain.slice(0, 10))).status).toBe(200);

    const filler = fill(root, 8);
    await new Promise((resolve) => setTimeout(resolve, 1200)); // the free-space reading is at most 1 s old
    const refused = await post(hub, sro, chain.slice(10, 20));
    expect(refused.status).toBe(503);
    expect(refused.retryAfter).not.toBeNull();
    expect(refused.body).toMatchObject({ error: { code: 'no_space' } });
    const ready = await boundedFetch(`${hub.base}/v1/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ error: { code: 'no_space' }, checks: { read: true } });
    // Reads still work: liveness stays up and an admin can look at the devices.
    expect((await boundedFetch(`${hub.base}/v1/health`)).status).toBe(200);
    const devices = await boundedFetch(`${hub.base}/v1/devices`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(devices.status).toBe(200);

    // The low-disk warning came first (checked every 5 s), in one line.
    const warned = Date.now();
    while (!/low disk space/.test(hub.output()) && Date.now() - warned < 8000) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(hub.output().match(/low disk space/g)).toHaveLength(1);

    await rm(filler);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const again = await post(hub, sro, chain.slice(10, 20));
    expect(again.status).toBe(200);
    expect(EventBatchResultSchema.parse(again.body).stored).toHaveLength(10);
    expect((await boundedFetch(`${hub.base}/v1/ready`)).status).toBe(200);
    expect(await hub.stop()).toBe(0);
    expect(await storedCount(dataDir, 'disk-guard')).toBe(20);
  });

  it('without the guard, a disk that fills under it gives 503s or one log line and exit 70, never a hang', async () => {
    const root = mountTmpfs(160);
    const { dataDir, sro } = await preparedDir(root);
    const hub = await startHub({ ...ENV, HUB_DATA_DIR: dataDir, HUB_MIN_FREE_MB: '0' }, 'disk-full');
    hubs.push(hub);
    // 12 MiB left: room for the table to grow, not for the next 16 MiB WAL segment (the hang of the README).
    const filler = fill(root, 12);
    const { acknowledged, refused } = await writeUntilRefused(hub, sro, 'disk-full', 60_000);
    // Either it answered 503 for lack of space, or it said it was stuck and exited 70 (bounded wait).
    const code = await exitWithin(hub, 15_000);
    if (code === 'running') {
      expect(refused).toBeGreaterThan(0);
      await hub.stop();
    } else {
      expect(code).toBe(70);
      expect(hub.output()).toMatch(/the embedded database stopped answering/);
    }
    // Space returns; a restarted hub (what systemd does) has every acknowledged event and takes new ones.
    await rm(filler);
    const restarted = await startHub(
      { ...ENV, HUB_DATA_DIR: dataDir, HUB_MIN_FREE_MB: '0' },
      'disk-full-restart',
    );
    hubs.push(restarted);
    expect((await boundedFetch(`${restarted.base}/v1/ready`)).status).toBe(200);
    const next = await makeChain(1, { device: 'disk-full-after' });
    expect((await post(restarted, sro, next)).status).toBe(200);
    expect(await restarted.stop()).toBe(0);
    expect(await storedCount(dataDir, 'disk-full')).toBeGreaterThanOrEqual(acknowledged.length);
  }, 180_000);

  it('a data directory made read-only answers 503 (or exits 70), and works again once writable', async () => {
    const root = mountTmpfs(160);
    const { dataDir, sro } = await preparedDir(root);
    let current = await startHub({ ...ENV, HUB_DATA_DIR: dataDir, HUB_MIN_FREE_MB: '0' }, 'read-only');
    hubs.push(current);
    // A read-only bind mount over the data directory: every file the database opens from now on (a new WAL
    // segment, a table's next segment) is on a read-only file system; files already open stay writable.
    execFileSync('mount', ['--bind', dataDir, dataDir]);
    execFileSync('mount', ['-o', 'remount,bind,ro', dataDir]);
    const { acknowledged, refused, gone } = await writeUntilRefused(current, sro, 'read-only', 60_000);
    expect(refused > 0 || gone).toBe(true);
    if (!gone) expect((await boundedFetch(`${current.base}/v1/ready`)).status).toBe(503);
    execFileSync('umount', [dataDir]);
    const code = await exitWithin(current, gone ? 15_000 : 500);
    if (code !== 'running') {
      expect(code).toBe(70);
      expect(current.output()).toMatch(/the embedded database stopped answering/);
      current = await startHub({ ...ENV, HUB_DATA_DIR: dataDir, HUB_MIN_FREE_MB: '0' }, 'read-only-restart');
      hubs.push(current);
    }
    // Writable again: the same hub (or its restart) stores new events.
    const deadline = Date.now() + 20_000;
    let status = 0;
    const next = await makeChain(1, { device: 'read-only-after' });
    while (Date.now() < deadline && status !== 200) {
      status = await post(current, sro, next).then(
        (answer) => answer.status,
        () => 0,
      );
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(status).toBe(200);
    expect(await current.stop()).toBe(0);
    expect(await storedCount(dataDir, 'read-only')).toBeGreaterThanOrEqual(acknowledged.length);
  }, 180_000);

  it('starting on a full disk says why in one line and exits non-zero', async () => {
    const root = mountTmpfs(40);
    fill(root, 0);
    const result = await startHub({ ...ENV, HUB_DATA_DIR: join(root, 'data') }, 'start-full').then(
      () => 'started',
      (error: unknown) => String(error),
    );
    expect(result).toMatch(/exited \(1\) before listening/);
    expect(result).not.toContain('[object Object]');
    expect(result).toMatch(/error: .*(space|ENOSPC|errno)/i);
  });
});

describe('a stuck embedded database call', () => {
  it('times the caller out (503) while the event loop stays free, then reports it stuck once', async () => {
    const stuck: { op: string; ms: number }[] = [];
    const db = await openPglite(undefined, {
      timeoutMs: 400,
      stuckMs: 1200,
      onStuck: (detail) => stuck.push(detail),
    });
    try {
      const started = Date.now();
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 50);
      // pg_sleep blocks the worker thread as a spinning WASM call does.
      const error = await db.query('SELECT pg_sleep(3)').then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(DbTimeoutError);
      expect(Date.now() - started).toBeLessThan(1500);
      // While that call still runs, the next one does not queue behind it: it fails at once.
      const next = Date.now();
      await expect(db.query('SELECT 1')).rejects.toBeInstanceOf(DbTimeoutError);
      expect(Date.now() - next).toBeLessThan(100);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      clearInterval(ticker);
      expect(ticks).toBeGreaterThan(20); // the main thread kept running meanwhile
      expect(stuck).toHaveLength(1);
      expect(stuck[0]?.op).toBe('query');
    } finally {
      await db.close();
    }
  });
});

const PG_BIN = (() => {
  try {
    return execFileSync('bash', ['-c', 'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1'])
      .toString()
      .trim();
  } catch {
    return '';
  }
})();

describe.skipIf(!isRoot || PG_BIN === '')(
  `PostgreSQL on a full disk (${REASON}, and PostgreSQL installed)`,
  () => {
    it('answers 503 no_space (never 500, never a hang), readiness says so, and recovers', async () => {
      const root = mountTmpfs(200);
      execFileSync('chown', ['postgres:postgres', root]);
      const data = join(root, 'data');
      const asPostgres = (...args: string[]) =>
        execFileSync('runuser', ['-u', 'postgres', '--', ...args], { stdio: 'pipe' });
      asPostgres(
        `${PG_BIN}/initdb`,
        '-D',
        data,
        '-U',
        'postgres',
        '--auth=trust',
        '-E',
        'UTF8',
        '--locale=C.UTF-8',
      );
      const port = 20_000 + (process.pid % 20_000);
      const start = () =>
        asPostgres(
          `${PG_BIN}/pg_ctl`,
          '-D',
          data,
          '-l',
          join(root, 'pg.log'),
          '-w',
          '-t',
          '60',
          '-o',
          `-p ${port} -k ${root} -h 127.0.0.1 -c min_wal_size=32MB -c max_wal_size=64MB`,
          'start',
        );
      const running = () => {
        try {
          asPostgres(`${PG_BIN}/pg_ctl`, '-D', data, 'status');
          return true;
        } catch {
          return false;
        }
      };
      start();
      try {
        const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
        const setup = await openPostgres(url);
        const tokens = await prepareDatabase(setup).finally(() => setup.close());
        const hub = await startHub({ ...ENV, DATABASE_URL: url }, 'pg-full');
        hubs.push(hub);
        const filler = fill(root, 1);
        const { acknowledged, refused, gone } = await writeUntilRefused(hub, tokens.sro, 'pg-full', 60_000);
        expect(gone).toBe(false); // a PostgreSQL hub never exits over a full disk
        expect(refused).toBeGreaterThan(0);
        expect((await boundedFetch(`${hub.base}/v1/ready`)).status).toBe(503);
        await rm(filler);
        // A server that PANICked for lack of WAL space and could not recover is restarted, as systemd would.
        if (!running()) start();
        const next = await makeChain(1, { device: 'pg-full-after' });
        const deadline = Date.now() + 30_000;
        let status = 0;
        while (Date.now() < deadline && status !== 200) {
          status = await post(hub, tokens.sro, next).then(
            (answer) => answer.status,
            () => 0,
          );
          if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 500));
        }
        expect(status).toBe(200);
        expect((await boundedFetch(`${hub.base}/v1/ready`)).status).toBe(200);
        expect(await hub.stop()).toBe(0);
        const check = await openPostgres(url);
        const { rows } = await check
          .query<{ n: number }>("SELECT count(*) AS n FROM events WHERE device = 'pg-full'")
          .finally(() => check.close());
        expect(rows[0]?.n).toBeGreaterThanOrEqual(acknowledged.length);
      } finally {
        try {
          asPostgres(`${PG_BIN}/pg_ctl`, '-D', data, '-m', 'immediate', 'stop');
        } catch {
          // not running
        }
      }
    }, 180_000);
  },
);
