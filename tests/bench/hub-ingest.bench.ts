// Hub event ingest: events/s through the HTTP API (a real listening hub, batches of 100 valid chained events,
// one client per device as browsers do) beside the raw multi-row INSERT of the same rows into the same table,
// measured in the same run — on PGlite (file-backed, the default) and, when DATABASE_URL or
// HUB_TEST_DATABASE_URL is set, on that PostgreSQL server (in a schema created and dropped here).
//
//   npx tsx tests/bench/hub-ingest.bench.ts            # prints the table on its own
//   register benchHubIngest in tests/bench/run.ts      # for npm run bench
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { monotonicFactory } from 'ulid';
import { buildApp } from '../../src/hub/app';
import { defaultConfig } from '../../src/hub/config';
import { openPglite, openPostgres, type Db } from '../../src/hub/db';
import { eventHash } from '../../src/hub/hashing';
import { migrate } from '../../src/hub/migrate';
import { PolicyStore } from '../../src/hub/policy';
import { unsignedPolicies } from '../../src/hub/policy-signing';
import { issueToken } from '../../src/hub/tokens';
import { GENESIS_HASH, type LogEvent } from '../../src/report/event-contract';
import { compared, formatTable, type BenchRow } from './report';

/** The demo district of policies/district.json (its policy is seeded for the approval round trip). */
const DISTRICT = 'newman-crows-landing-usd';
const BATCH = 100;

export interface HubIngestOptions {
  /** Events per path in all (default 20,000: 200 batches), split over the rounds. */
  events?: number;
  /** Devices posting at once, each its own chain in order (default 4). */
  devices?: number;
  /** Alternating raw/API rounds (default 5). */
  rounds?: number;
  databaseUrl?: string;
}

/** A few hundred bytes per event, like a real decision with a justification. */
export function makeEvents(total: number, devices: number, runId: string): LogEvent[][] {
  const nextId = monotonicFactory();
  const perDevice = Math.ceil(total / devices);
  const time = new Date(Date.now() - 60_000).toISOString();
  return Array.from({ length: devices }, (_, d) => {
    let prevHash = GENESIS_HASH;
    const chain: LogEvent[] = [];
    for (let seq = 1; seq <= perDevice; seq++) {
      const unhashed: Omit<LogEvent, 'hash'> = {
        id: nextId(),
        seq,
        time,
        type: 'decision',
        device: `bench-${runId}-${d}`,
        district: DISTRICT,
        actor: { username: 'officer.bench', role: 'sro' },
        studentId: String(100000 + (seq % 5000)),
        categories: ['grades', 'attendance'],
        action: 'view',
        outcome: 'justify',
        basis: 'health-safety-emergency',
        citations: ['34 CFR 99.31(a)(10)', '34 CFR 99.36'],
        justification:
          'Student reported a credible threat against a classmate at lunch; checking emergency contacts now.',
        policyVersion: 1,
        prevHash,
      };
      const event = { ...unhashed, hash: eventHash(unhashed) } as LogEvent;
      chain.push(event);
      prevHash = event.hash;
    }
    return chain;
  });
}

function batches(chain: LogEvent[]): LogEvent[][] {
  const out: LogEvent[][] = [];
  for (let index = 0; index < chain.length; index += BATCH) out.push(chain.slice(index, index + BATCH));
  return out;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** The raw baseline: one multi-row INSERT … VALUES per batch of the same rows, nothing else. */
async function rawInsertRate(db: Db, chains: LogEvent[][]): Promise<number> {
  const all = chains.flatMap(batches);
  const received = new Date().toISOString();
  const start = performance.now();
  for (const batch of all) {
    const params: unknown[] = [];
    const rows: string[] = [];
    for (const event of batch) {
      const n = params.length;
      params.push(
        event.id,
        event.device,
        event.seq,
        event.time,
        event.type,
        event.actor.username ?? null,
        event.studentId ?? null,
        event.hash,
        event.prevHash,
        JSON.stringify(event),
      );
      rows.push(
        `('${DISTRICT}', $${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6}, $${n + 7}, $${n + 8}, $${n + 9}, true, $${n + 10}::jsonb, '${received}', 'bench')`,
      );
    }
    await db.query(
      `INSERT INTO events (district, id, device, seq, time, type, username, student_id, hash, prev_hash, hash_ok,
                           body, received_at, token_id) VALUES ${rows.join(', ')}`,
      params,
    );
  }
  return (all.reduce((sum, batch) => sum + batch.length, 0) / (performance.now() - start)) * 1000;
}

/**
 * The clients run in a worker thread, as browsers run elsewhere: their JSON and socket work does not take the
 * hub's own thread. One sequential client per device (a chain is posted in order), all devices at once.
 */
const CLIENT_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
(async () => {
  const { base, token, bodies } = workerData;
  const latencies = [];
  let stored = 0;
  let failure = null;
  const start = performance.now();
  await Promise.all(bodies.map(async (deviceBodies) => {
    for (const body of deviceBodies) {
      const sent = performance.now();
      const response = await fetch(base + '/v1/events', {
        method: 'POST',
        headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' },
        body,
      });
      const result = await response.json();
      latencies.push(performance.now() - sent);
      if (response.status !== 200 || !result.stored) failure = 'ingest answered ' + response.status;
      else stored += result.stored.length;
    }
  }));
  parentPort.postMessage({ elapsed: performance.now() - start, latencies, stored, failure });
})();
`;

export async function apiIngestRate(
  base: string,
  token: string,
  chains: LogEvent[][],
): Promise<{ rate: number; latencies: number[] }> {
  const bodies = chains.map((chain) => batches(chain).map((batch) => JSON.stringify({ events: batch })));
  const worker = new Worker(CLIENT_SOURCE, { eval: true, workerData: { base, token, bodies } });
  const outcome = await new Promise<{
    elapsed: number;
    latencies: number[];
    stored: number;
    failure: string | null;
  }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  if (outcome.failure) throw new Error(outcome.failure);
  const expected = chains.reduce((sum, chain) => sum + chain.length, 0);
  if (outcome.stored !== expected) throw new Error(`stored ${outcome.stored} of ${expected} events`);
  return { rate: (outcome.stored / outcome.elapsed) * 1000, latencies: outcome.latencies };
}

/** A policy directory from the repository's policy data with only the demo adapter (others are being edited). */
async function seedPolicy(db: Db): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'hub-bench-policy-'));
  try {
    await mkdir(join(dir, 'adapters'));
    await copyFile('policies/district.json', join(dir, 'district.json'));
    await copyFile('policies/legal-bases.json', join(dir, 'legal-bases.json'));
    await copyFile('policies/adapters/demo-sis.json', join(dir, 'adapters', 'demo-sis.json'));
    await new PolicyStore(db, unsignedPolicies).seed(dir, new Date());
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The hub's share of an approval reaching a polling SRO browser: a clerk's decision, then the SRO's next poll of
 * GET /v1/requests/mine that returns it (the browser's polling interval comes on top).
 */
async function approvalRoundTrips(
  base: string,
  sro: string,
  clerk: string,
  count: number,
): Promise<number[]> {
  const call = async (token: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (response.status >= 300) throw new Error(`${method} ${path} answered ${response.status}`);
    return (await response.json()) as Record<string, unknown>;
  };
  const times: number[] = [];
  for (let n = 0; n < count; n++) {
    const filed = (await call(sro, 'POST', '/v1/requests', {
      basis: 'judicial-order',
      studentId: String(200000 + n),
      categories: ['attendance'],
      actions: ['view'],
      justification: 'Subpoena duces tecum for attendance records in case 24-JV-0193, served this morning.',
      evidence: {
        'case-number': '24-JV-0193',
        'issuing-court': 'Superior Court',
        'order-date': '2026-11-20',
      },
    })) as { request: { request: { id: string }; cursor: string } };
    const start = performance.now();
    await call(clerk, 'POST', `/v1/requests/${filed.request.request.id}/decision`, {
      decision: 'approve',
      minutes: 60,
      reason: 'Verified with the court clerk.',
    });
    const page = (await call(sro, 'GET', `/v1/requests/mine?since=${filed.request.cursor}`)) as {
      requests: { request: { id: string; status: string } }[];
    };
    if (!page.requests.some((entry) => entry.request.status === 'approved'))
      throw new Error('approval not visible');
    times.push(performance.now() - start);
  }
  return times;
}

async function benchBackend(
  label: string,
  open: () => Promise<{ db: Db; dispose: () => Promise<void> }>,
  options: Required<Omit<HubIngestOptions, 'databaseUrl'>>,
): Promise<BenchRow[]> {
  const { db, dispose } = await open();
  try {
    await migrate(db);
    await seedPolicy(db);
    const issue = async (user: string, role: 'sro' | 'clerk') =>
      (
        await db.transaction((tx) =>
          issueToken(
            tx,
            { user, role, district: DISTRICT },
            { username: 'bench', role: 'operator', tokenId: null },
            new Date(),
          ),
        )
      ).token;
    const token = await issue('officer.bench', 'sro');
    const clerkToken = await issue('clerk.bench', 'clerk');
    // Warm-up: a small run through both paths, then empty the table.
    await rawInsertRate(db, makeEvents(1000, 2, 'warm-raw'));
    const config = defaultConfig({
      logLevel: 'warn',
      rateLimit: { max: 1_000_000, windowMs: 60_000 },
      bodyLimit: 4 * 1024 * 1024,
    });
    const app = await buildApp(config, db);
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      await apiIngestRate(base, token, makeEvents(2000, options.devices, 'warm-api'));
      await db.query('TRUNCATE events');

      // Rounds alternate the raw insert and the API on fresh rows into an emptied table, so both see the same
      // machine (other work on it comes and goes); each figure is the median of its rounds.
      const rawRates: number[] = [];
      const apiRates: number[] = [];
      const latencies: number[] = [];
      const perRound = Math.ceil(options.events / options.rounds);
      for (let round = 0; round < options.rounds; round++) {
        rawRates.push(await rawInsertRate(db, makeEvents(perRound, options.devices, `raw${round}`)));
        await db.query('TRUNCATE events');
        const api = await apiIngestRate(base, token, makeEvents(perRound, options.devices, `api${round}`));
        apiRates.push(api.rate);
        latencies.push(...api.latencies);
        await db.query('TRUNCATE events');
      }
      const raw = percentile(rawRates, 50);
      const api = { rate: percentile(apiRates, 50), latencies };
      const approvals = await approvalRoundTrips(base, token, clerkToken, 40);

      const baseline = { name: `raw multi-row INSERT (${label})`, value: raw, unit: 'rows/s' };
      const note = `median of ${options.rounds} rounds of ${perRound} events, batches of ${BATCH}, ${options.devices} devices at once`;
      return [
        compared(
          { name: `hub ingest via HTTP (${label})`, value: api.rate, unit: 'events/s' },
          baseline,
          note,
        ),
        {
          name: `hub ingest batch latency p95 (${label})`,
          value: percentile(api.latencies, 95),
          unit: 'ms',
          note: `p50 ${percentile(api.latencies, 50).toFixed(1)} ms per batch of ${BATCH}`,
        },
        {
          name: `approval to polling SRO p95 (${label})`,
          value: percentile(approvals, 95),
          unit: 'ms',
          note: `clerk's decision + the SRO's next poll, ${approvals.length} requests (p50 ${percentile(approvals, 50).toFixed(1)} ms); the browser's poll interval comes on top`,
        },
      ];
    } finally {
      await app.close();
    }
  } finally {
    await dispose();
  }
}

export async function benchHubIngest(options: HubIngestOptions = {}): Promise<BenchRow[]> {
  const settings = {
    events: options.events ?? 20_000,
    devices: options.devices ?? 4,
    rounds: options.rounds ?? 5,
  };
  const rows: BenchRow[] = [];
  rows.push(
    ...(await benchBackend(
      'PGlite',
      async () => {
        const dir = await mkdtemp(join(tmpdir(), 'hub-bench-'));
        const db = await openPglite(dir);
        return {
          db,
          dispose: async () => {
            await db.close();
            await rm(dir, { recursive: true, force: true });
          },
        };
      },
      settings,
    )),
  );
  const url = options.databaseUrl ?? process.env.DATABASE_URL ?? process.env.HUB_TEST_DATABASE_URL;
  if (url) {
    rows.push(
      ...(await benchBackend(
        'PostgreSQL',
        async () => {
          const schema = `hub_bench_${process.pid}`;
          const db = await openPostgres(url, { schema });
          return {
            db,
            dispose: async () => {
              await db.exec(`DROP SCHEMA ${schema} CASCADE`);
              await db.close();
            },
          };
        },
        settings,
      )),
    );
  }
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await benchHubIngest();
  console.log(formatTable(rows));
}
