// The local log: (a) appending through appendEvents (hash chain + outbox + head in one Dexie transaction), in
// calls of 1 and of 100 events, beside raw IndexedDB puts of the same objects (one transaction per call);
// (b) verifying a chain of 100,000 events with verifyChain beside hashing the same 100,000 canonical strings
// alone; (c) delivering the outbox to the local receiver (tests/fixtures/receiver.ts) beside raw POSTs of the
// same batches. All measured in the same run, in Node on fake-indexeddb (an in-memory IndexedDB written in
// JavaScript: slower than a browser's, so read the ratios more than the absolute figures).
//
//   npx tsx tests/bench/log.bench.ts      # prints the table on its own
import 'fake-indexeddb/auto';
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import Dexie from 'dexie';
import { IDBKeyRange as FakeKeyRange, indexedDB as fakeIndexedDB } from 'fake-indexeddb';
import { monotonicFactory } from 'ulid';
import { canonicalJson, sha256Hex } from '../../src/report/canonical-json';
import { GENESIS_HASH, type LogEvent } from '../../src/report/event-contract';
import { deliverAll } from '../../src/report/outbox';
import { RecordGuardDb } from '../../src/store/db';
import { appendEvents, deviceId, verifyChain, type EventDraft } from '../../src/store/log';
import { startReceiver } from '../fixtures/receiver';
import { compared, formatTable, type BenchRow } from './report';

export interface LogBenchOptions {
  /** appendEvents calls of one event (default 400). */
  singles?: number;
  /** appendEvents calls of 100 events (default 30). */
  hundreds?: number;
  /** Chain length to verify (default 100,000). */
  chain?: number;
  /** Events to deliver (default 5,000, in batches of 100). */
  deliver?: number;
}

const DISTRICT = 'newman-crows-landing-usd';
let runs = 0;

function useFakeIndexedDb(): void {
  // Whatever imported Dexie first, it uses the in-memory IndexedDB here.
  Dexie.dependencies.indexedDB = fakeIndexedDB;
  Dexie.dependencies.IDBKeyRange = FakeKeyRange;
}

/** A realistic event: a justification of a few sentences, evidence, citations. */
function draft(index: number): EventDraft {
  return {
    type: index % 3 === 0 ? 'justification' : 'decision',
    district: DISTRICT,
    actor: { username: 'officer.diaz', role: 'sro' },
    studentId: String(100_000 + (index % 2_500)),
    categories: ['grades', 'attendance', 'contacts'],
    action: 'view',
    outcome: 'justify',
    basis: 'health-safety-emergency',
    citations: ['34 CFR 99.31(a)(10)', '34 CFR 99.36', 'Education Code 49076'],
    justification:
      'Student reported to the counselor that a classmate brought a knife to campus; I need the emergency contacts to reach the parents now.',
    evidence: { threat: 'Knife seen in backpack during 3rd period', 'incident-number': `CAD-2026-${index}` },
    policyVersion: 3,
  };
}

const fresh = (label: string) => {
  const db = new RecordGuardDb(`bench-${label}-${process.pid}-${runs++}`);
  return db;
};

async function drop(db: Dexie): Promise<void> {
  db.close();
  await db.delete();
}

/** Raw IndexedDB: one readwrite transaction per call putting `objects` into one store. */
async function rawPutRate(batches: readonly (readonly LogEvent[])[]): Promise<number> {
  const name = `bench-raw-${process.pid}-${runs++}`;
  const open = fakeIndexedDB.open(name, 1);
  open.onupgradeneeded = () => {
    const store = open.result.createObjectStore('events', { keyPath: 'id' });
    store.createIndex('seq', 'seq', { unique: true });
  };
  const idb = await new Promise<IDBDatabase>((resolve, reject) => {
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const start = performance.now();
  let count = 0;
  for (const batch of batches) {
    await new Promise<void>((resolve, reject) => {
      const tx = idb.transaction('events', 'readwrite');
      const store = tx.objectStore('events');
      for (const event of batch) store.put(event);
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
    count += batch.length;
  }
  const elapsed = performance.now() - start;
  idb.close();
  fakeIndexedDB.deleteDatabase(name);
  return (count / elapsed) * 1000;
}

async function appendRows(singles: number, hundreds: number): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [size, calls] of [
    [1, singles],
    [100, hundreds],
  ] as const) {
    const db = fresh(`append-${size}`);
    await deviceId(db);
    await appendEvents(db, [draft(0)]); // open the database and warm up outside the timing
    const appended: LogEvent[][] = [];
    const start = performance.now();
    for (let call = 0; call < calls; call += 1) {
      appended.push(
        await appendEvents(
          db,
          Array.from({ length: size }, (_, i) => draft(call * size + i)),
        ),
      );
    }
    const rate = ((calls * size) / (performance.now() - start)) * 1000;
    await drop(db);
    const raw = await rawPutRate(appended);
    rows.push(
      compared(
        { name: `log: appendEvents, ${size} per call`, value: rate, unit: 'events/s' },
        { name: `raw IndexedDB put, ${size} per transaction`, value: raw, unit: 'events/s' },
        `${calls * size} events; hash chain + outbox + head in one transaction; Node + fake-indexeddb`,
      ),
    );
  }
  return rows;
}

/** A valid chain of `count` events, hashed with node:crypto (same bytes as hashEvent, faster to build). */
function buildChain(count: number, device: string): { events: LogEvent[]; canonical: string[] } {
  const nextId = monotonicFactory();
  const base = Date.parse('2026-09-01T08:00:00.000Z');
  const events: LogEvent[] = [];
  const canonical: string[] = [];
  let prevHash = GENESIS_HASH;
  for (let i = 0; i < count; i += 1) {
    const time = new Date(base + i * 1_000).toISOString();
    const { time: _omit, ...rest } = draft(i);
    const unhashed = {
      ...rest,
      categories: rest.categories ?? [],
      citations: rest.citations ?? [],
      time,
      id: nextId(base + i * 1_000),
      seq: i + 1,
      device,
      prevHash,
    };
    const text = canonicalJson(unhashed);
    const hash = createHash('sha256').update(text, 'utf8').digest('hex');
    events.push({ ...unhashed, hash });
    canonical.push(text);
    prevHash = hash;
  }
  return { events, canonical };
}

async function verifyRows(length: number): Promise<BenchRow[]> {
  const db = fresh('verify');
  const device = await deviceId(db);
  const { events, canonical } = buildChain(length, device);
  for (let offset = 0; offset < events.length; offset += 5_000) {
    await db.events.bulkAdd(events.slice(offset, offset + 5_000));
  }
  const last = events[events.length - 1] as LogEvent;
  await db.meta.put({ key: 'head', value: { seq: last.seq, hash: last.hash } });

  let start = performance.now();
  const result = await verifyChain(db);
  const verifySeconds = (performance.now() - start) / 1000;
  if (!result.ok || result.count !== length)
    throw new Error(`bench chain does not verify: ${JSON.stringify(result)}`);
  await drop(db);

  start = performance.now();
  for (let offset = 0; offset < canonical.length; offset += 500) {
    await Promise.all(canonical.slice(offset, offset + 500).map(sha256Hex));
  }
  const hashSeconds = (performance.now() - start) / 1000;
  return [
    compared(
      {
        name: `log: verifyChain, ${length.toLocaleString('en-US')} events`,
        value: length / verifySeconds,
        unit: 'events/s',
      },
      {
        name: 'SHA-256 (Web Crypto) of the same canonical strings',
        value: length / hashSeconds,
        unit: 'events/s',
      },
      `${verifySeconds.toFixed(1)} s for the chain: paged reads of 2,000 by seq, hashes 500 at a time; Node + fake-indexeddb`,
    ),
  ];
}

async function deliveryRows(count: number): Promise<BenchRow[]> {
  const batchSize = 100;
  const db = fresh('deliver');
  const events: LogEvent[] = [];
  for (let offset = 0; offset < count; offset += 500) {
    events.push(
      ...(await appendEvents(
        db,
        Array.from({ length: Math.min(500, count - offset) }, (_, i) => draft(offset + i)),
      )),
    );
  }
  const receiver = await startReceiver();
  let start = performance.now();
  const result = await deliverAll(db, {
    hubUrl: receiver.url,
    batchSize,
    fetch: globalThis.fetch,
    now: () => Date.now(),
    random: Math.random,
  });
  const deliverSeconds = (performance.now() - start) / 1000;
  if (result.delivered !== count || receiver.events().length !== count) {
    throw new Error(`bench delivery incomplete: ${JSON.stringify(result)}`);
  }
  await receiver.close();
  await drop(db);

  const rawReceiver = await startReceiver();
  const bodies: string[] = [];
  for (let offset = 0; offset < events.length; offset += batchSize) {
    bodies.push(JSON.stringify({ events: events.slice(offset, offset + batchSize) }));
  }
  start = performance.now();
  for (const body of bodies) {
    const response = await fetch(`${rawReceiver.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    await response.text();
  }
  const rawSeconds = (performance.now() - start) / 1000;
  await rawReceiver.close();
  return [
    compared(
      { name: `outbox: deliverAll to the local receiver`, value: count / deliverSeconds, unit: 'events/s' },
      { name: 'raw POST of the same batches', value: count / rawSeconds, unit: 'events/s' },
      `${count.toLocaleString('en-US')} events in batches of ${batchSize}; receiver validates each batch with zod; Node + fake-indexeddb`,
    ),
  ];
}

export async function benchLog(options: LogBenchOptions = {}): Promise<BenchRow[]> {
  useFakeIndexedDb();
  return [
    ...(await appendRows(options.singles ?? 400, options.hundreds ?? 30)),
    ...(await verifyRows(options.chain ?? 100_000)),
    ...(await deliveryRows(options.deliver ?? 5_000)),
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(formatTable(await benchLog()));
}
