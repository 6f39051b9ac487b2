// The tamper-evident local log: every event carries the hash of the one before it (src/report/event-contract.ts),
// so a changed, removed or reordered event is found by verifyChain, which names the first broken link.
//
// Storage (Dexie, src/store/db.ts version 2):
//   events  the chain, primary key = ULID, unique index on seq;
//   outbox  one entry per event the hub has not acknowledged (src/report/outbox.ts);
//   meta    'device' (random id, created once), 'head' {seq, hash} of the last event, 'checkpoint' {seq, hash}
//           of the last pruned event (absent until the first prune).
//
// Appending hashes outside the IndexedDB transaction (Web Crypto is asynchronous, and awaiting anything but
// IndexedDB inside a transaction lets it commit), then writes events, outbox entries and the new head in one
// transaction that first checks the head is still the one the hashes were computed against (compare-and-swap).
// Callers in one JavaScript context are queued, so they never race; two contexts (service worker and an
// extension page) that race retry, and the unique seq index refuses a double position in any case.
import { monotonicFactory } from 'ulid';
import { z } from 'zod';
import { GENESIS_HASH, hashEvent, LogEventSchema, type LogEvent } from '../report/event-contract';
import { toCsv } from '../report/csv';
import type { Category } from '../policy/vocabulary';
import type { RecordGuardDb } from './db';

/** What a caller gives to append: the log fills in id, seq, device, prevHash, hash, and `time` if omitted. */
export type EventDraft = Omit<
  LogEvent,
  'id' | 'seq' | 'prevHash' | 'hash' | 'device' | 'time' | 'categories' | 'citations'
> & {
  /** ISO instant with offset; defaults to `now()`. */
  time?: string;
  categories?: Category[];
  citations?: string[];
};

/** A position in the chain: the seq and hash of an event (or of the genesis, seq 0). */
export interface ChainPoint {
  seq: number;
  hash: string;
}

export type BrokenLinkProblem = 'hash' | 'link' | 'sequence' | 'missing-checkpoint';

export interface BrokenLink {
  /** The event where the chain breaks (for a head mismatch: the last stored event, or '' when there is none). */
  id: string;
  seq: number;
  /**
   * - `hash`: the event's content does not match its hash (it was changed after hashing);
   * - `link`: its prevHash is not the previous event's hash (the previous event was changed and re-hashed,
   *   replaced, or the stored head does not point at the last event);
   * - `sequence`: it is not at the next position (events before it were removed or reordered, or events after
   *   the last stored one are missing);
   * - `missing-checkpoint`: the chain does not start at 1 and no checkpoint says where it starts.
   */
  problem: BrokenLinkProblem;
  detail: string;
}

export type VerifyResult =
  { ok: true; count: number } | { ok: false; count: number; firstBroken: BrokenLink };

export const META_DEVICE = 'device';
export const META_HEAD = 'head';
export const META_CHECKPOINT = 'checkpoint';

const GENESIS: ChainPoint = { seq: 0, hash: GENESIS_HASH };

const ChainPointSchema = z.object({
  seq: z.number().int().nonnegative(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});

const CheckpointSchema = ChainPointSchema.extend({
  id: z.string().optional(),
  time: z.string().optional(),
  prunedAt: z.string().optional(),
});
export type Checkpoint = z.infer<typeof CheckpointSchema>;

/** Events read per IndexedDB request when walking the chain. */
const PAGE = 2_000;
/** Events hashed concurrently while verifying. */
const HASH_CHUNK = 500;
/** Compare-and-swap attempts before appendEvents gives up (only another context appending can cause a retry). */
const MAX_APPEND_ATTEMPTS = 20;

const nextUlid = monotonicFactory();

// --- one queue per database and purpose: callers in this context never race each other -------------------

const queues = new WeakMap<object, Map<string, Promise<unknown>>>();
/** Per database connection: its device id, and the head after this context's last append (a guess only). */
const devices = new WeakMap<RecordGuardDb, string>();
const lastHeads = new WeakMap<RecordGuardDb, ChainPoint>();

/** Runs `task` after every earlier task queued under the same database and name has settled. */
export function serialized<T>(db: object, name: string, task: () => Promise<T>): Promise<T> {
  let byName = queues.get(db);
  if (!byName) queues.set(db, (byName = new Map()));
  const previous = byName.get(name) ?? Promise.resolve();
  const run = previous.then(task, task);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  byName.set(name, settled);
  void settled.then(() => {
    if (byName.get(name) === settled) byName.delete(name);
  });
  return run;
}

// --- meta ------------------------------------------------------------------------------------------------

/** This browser's device id: a random id created the first time the log is used, then kept. */
export async function deviceId(db: RecordGuardDb): Promise<string> {
  const cached = devices.get(db);
  if (cached !== undefined) return cached;
  const id = await db.transaction('rw', db.meta, async () => {
    const stored = await db.meta.get(META_DEVICE);
    if (typeof stored?.value === 'string' && stored.value.length > 0) return stored.value;
    const created = crypto.randomUUID();
    await db.meta.put({ key: META_DEVICE, value: created });
    return created;
  });
  devices.set(db, id);
  return id;
}

async function readPoint<T extends z.ZodType<ChainPoint>>(
  db: RecordGuardDb,
  key: string,
  schema: T,
): Promise<z.infer<T> | undefined> {
  const parsed = schema.safeParse((await db.meta.get(key))?.value);
  return parsed.success ? parsed.data : undefined;
}

export function readCheckpoint(db: RecordGuardDb): Promise<Checkpoint | undefined> {
  return readPoint(db, META_CHECKPOINT, CheckpointSchema);
}

/** The stored head, or undefined before the first event. */
export function readHead(db: RecordGuardDb): Promise<ChainPoint | undefined> {
  return readPoint(db, META_HEAD, ChainPointSchema);
}

/**
 * Where the next event links to: the furthest of the stored head, the last stored event and the checkpoint.
 * (A head that was deleted or moved back must not make the next append collide with a stored position.)
 */
async function effectiveHead(db: RecordGuardDb): Promise<ChainPoint> {
  const head = await readHead(db);
  // The usual case, cheaply: a head with no event stored after it.
  if (
    head &&
    (await db.events
      .where('seq')
      .equals(head.seq + 1)
      .count()) === 0
  )
    return head;
  const [last, checkpoint] = await Promise.all([db.events.orderBy('seq').last(), readCheckpoint(db)]);
  let point = GENESIS;
  for (const candidate of [checkpoint, last, head]) {
    if (candidate && candidate.seq >= point.seq) point = { seq: candidate.seq, hash: candidate.hash };
  }
  return point;
}

// --- append ----------------------------------------------------------------------------------------------

async function buildEvents(
  drafts: readonly EventDraft[],
  head: ChainPoint,
  device: string,
  now: () => string,
): Promise<LogEvent[]> {
  const events: LogEvent[] = [];
  let previous = head;
  for (const draft of drafts) {
    const time = draft.time ?? now();
    const millis = Date.parse(time);
    const unhashed = {
      ...draft,
      categories: draft.categories ?? [],
      citations: draft.citations ?? [],
      time,
      id: nextUlid(Number.isNaN(millis) ? undefined : millis),
      seq: previous.seq + 1,
      device,
      prevHash: previous.hash,
    };
    // Validated before hashing, so the hash covers exactly what the contract allows (unknown members refused).
    const event = LogEventSchema.parse({ ...unhashed, hash: GENESIS_HASH });
    event.hash = await hashEvent(event);
    events.push(event);
    previous = { seq: event.seq, hash: event.hash };
  }
  return events;
}

/**
 * Appends events to the chain and to the outbox in one transaction, and returns them as stored.
 * Throws (nothing written) if a draft does not make a valid LogEvent.
 */
export function appendEvents(
  db: RecordGuardDb,
  drafts: readonly EventDraft[],
  now: () => string = () => new Date().toISOString(),
): Promise<LogEvent[]> {
  if (drafts.length === 0) return Promise.resolve([]);
  return serialized(db, 'append', async () => {
    const device = await deviceId(db);
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt += 1) {
      // This context's last head is the likely one; the transaction checks it and a miss costs a retry.
      const guess = attempt === 0 ? lastHeads.get(db) : undefined;
      const head = guess ?? (await effectiveHead(db));
      const events = await buildEvents(drafts, head, device, now);
      const last = events[events.length - 1];
      if (!last) return [];
      lastHeads.delete(db);
      const committed = await db.transaction('rw', db.events, db.outbox, db.meta, async () => {
        const current = await effectiveHead(db);
        if (current.seq !== head.seq || current.hash !== head.hash) return false;
        await db.events.bulkAdd(events);
        await db.outbox.bulkAdd(
          events.map((event) => ({ id: event.id, seq: event.seq, attempts: 0, nextAttemptAt: 0 })),
        );
        await db.meta.put({ key: META_HEAD, value: { seq: last.seq, hash: last.hash } });
        return true;
      });
      if (committed) {
        lastHeads.set(db, { seq: last.seq, hash: last.hash });
        return events;
      }
    }
    throw new Error(
      `appendEvents: the chain head kept moving (${MAX_APPEND_ATTEMPTS} attempts); nothing was written`,
    );
  });
}

// --- verify ----------------------------------------------------------------------------------------------

interface RunResult {
  ok: boolean;
  count: number;
  last: ChainPoint;
  broken?: BrokenLink;
}

async function hashOrNull(event: LogEvent): Promise<string | null> {
  try {
    return await hashEvent(event);
  } catch {
    return null;
  }
}

async function verifyRun(events: readonly LogEvent[], start: ChainPoint): Promise<RunResult> {
  let previous = start;
  let count = 0;
  for (let offset = 0; offset < events.length; offset += HASH_CHUNK) {
    const chunk = events.slice(offset, offset + HASH_CHUNK);
    const hashes = await Promise.all(chunk.map(hashOrNull));
    for (let i = 0; i < chunk.length; i += 1) {
      const event = chunk[i] as LogEvent;
      const at = { id: String(event.id), seq: event.seq };
      if (event.seq !== previous.seq + 1) {
        return {
          ok: false,
          count,
          last: previous,
          broken: {
            ...at,
            problem: 'sequence',
            detail: `expected position ${previous.seq + 1}, found ${String(event.seq)}`,
          },
        };
      }
      if (hashes[i] !== event.hash) {
        return {
          ok: false,
          count,
          last: previous,
          broken: {
            ...at,
            problem: 'hash',
            detail: 'the content does not match its hash: changed after it was written',
          },
        };
      }
      if (event.prevHash !== previous.hash) {
        return {
          ok: false,
          count,
          last: previous,
          broken: {
            ...at,
            problem: 'link',
            detail: `prevHash does not match the hash of position ${previous.seq}`,
          },
        };
      }
      previous = { seq: event.seq, hash: event.hash };
      count += 1;
    }
  }
  return { ok: true, count, last: previous };
}

/**
 * Verifies events given in chain order, starting after `start` (the genesis {seq: 0, hash: GENESIS_HASH} or a
 * checkpoint). Pure: also used by the hub and the benchmarks.
 */
export async function verifyEvents(
  events: readonly LogEvent[],
  start: ChainPoint = GENESIS,
): Promise<VerifyResult> {
  const run = await verifyRun(events, start);
  return run.broken
    ? { ok: false, count: run.count, firstBroken: run.broken }
    : { ok: true, count: run.count };
}

function readPage(db: RecordGuardDb, afterSeq: number, limit = PAGE): Promise<LogEvent[]> {
  return db.events.where('seq').above(afterSeq).limit(limit).toArray();
}

/**
 * Recomputes every stored event's hash from the checkpoint (or the genesis), checks each link and position,
 * and that the stored head points at the last event. Names the first broken link.
 */
export async function verifyChain(db: RecordGuardDb): Promise<VerifyResult> {
  const [checkpoint, head] = await Promise.all([readCheckpoint(db), readHead(db)]);
  const start: ChainPoint = checkpoint ? { seq: checkpoint.seq, hash: checkpoint.hash } : GENESIS;

  let page = await readPage(db, Number.NEGATIVE_INFINITY);
  const first = page[0];
  if (!checkpoint && first && first.seq > 1) {
    return {
      ok: false,
      count: 0,
      firstBroken: {
        id: first.id,
        seq: first.seq,
        problem: 'missing-checkpoint',
        detail: `the chain starts at position ${first.seq} and no checkpoint of pruned events is stored`,
      },
    };
  }

  let point = start;
  let count = 0;
  let lastId = '';
  while (page.length > 0) {
    const lastOfPage = page[page.length - 1] as LogEvent;
    // Read the next page while this one is hashed.
    const next = page.length === PAGE ? readPage(db, lastOfPage.seq) : Promise.resolve([]);
    const run = await verifyRun(page, point);
    count += run.count;
    if (run.broken) {
      await next.catch(() => undefined);
      return { ok: false, count, firstBroken: run.broken };
    }
    point = run.last;
    lastId = lastOfPage.id;
    page = await next;
  }

  if (head && (head.seq !== point.seq || head.hash !== point.hash)) {
    return {
      ok: false,
      count,
      firstBroken: {
        id: lastId,
        seq: head.seq,
        problem: head.seq !== point.seq ? 'sequence' : 'link',
        detail:
          head.seq !== point.seq
            ? `the head says the chain ends at position ${head.seq}, the stored events end at ${point.seq}`
            : `the head's hash is not the hash of the last stored event (position ${point.seq})`,
      },
    };
  }
  return { ok: true, count };
}

// --- export ----------------------------------------------------------------------------------------------

async function* allEvents(db: RecordGuardDb): AsyncGenerator<LogEvent[]> {
  let after = Number.NEGATIVE_INFINITY;
  for (;;) {
    const page = await readPage(db, after);
    if (page.length === 0) return;
    yield page;
    after = (page[page.length - 1] as LogEvent).seq;
    if (page.length < PAGE) return;
  }
}

export const LOG_EXPORT_FORMAT = 'record-guard-log/1';

/**
 * The whole local log as JSON: `{ format, device, checkpoint, head, events }`, one event per line. With the
 * checkpoint, `verifyEvents(events, checkpoint ?? genesis)` verifies it anywhere.
 */
export async function exportLogJson(db: RecordGuardDb): Promise<string> {
  const [device, checkpoint, head] = await Promise.all([deviceId(db), readCheckpoint(db), readHead(db)]);
  const lines: string[] = [];
  for await (const page of allEvents(db)) for (const event of page) lines.push(JSON.stringify(event));
  const header = JSON.stringify({
    format: LOG_EXPORT_FORMAT,
    device,
    checkpoint: checkpoint ? { seq: checkpoint.seq, hash: checkpoint.hash } : null,
    head: head ?? null,
  });
  return `${header.slice(0, -1)},"events":[${lines.length > 0 ? `\n${lines.join(',\n')}\n` : ''}]}\n`;
}

export const LOG_CSV_COLUMNS = [
  'id',
  'seq',
  'time',
  'type',
  'device',
  'username',
  'role',
  'studentId',
  'categories',
  'action',
  'outcome',
  'basis',
  'citations',
  'justification',
  'evidence',
  'ref',
  'policyVersion',
  'prevHash',
  'hash',
] as const;

export function eventCsvRow(event: LogEvent): (string | number | undefined)[] {
  return [
    event.id,
    event.seq,
    event.time,
    event.type,
    event.device,
    event.actor.username,
    event.actor.role,
    event.studentId,
    event.categories.join('; '),
    event.action,
    event.outcome,
    event.basis,
    event.citations.join('; '),
    event.justification,
    event.evidence === undefined ? undefined : JSON.stringify(event.evidence),
    event.ref,
    event.policyVersion,
    event.prevHash,
    event.hash,
  ];
}

/**
 * The whole local log as CSV (RFC 4180, CRLF, formula-injection safe; see src/report/csv.ts). `bom` prefixes a
 * UTF-8 byte-order mark so spreadsheet programs read accents right.
 */
export async function exportLogCsv(db: RecordGuardDb, options: { bom?: boolean } = {}): Promise<string> {
  const rows: (string | number | undefined)[][] = [[...LOG_CSV_COLUMNS]];
  for await (const page of allEvents(db)) for (const event of page) rows.push(eventCsvRow(event));
  return toCsv(rows, options);
}

// --- prune -----------------------------------------------------------------------------------------------

export interface PruneResult {
  pruned: number;
  checkpoint?: Checkpoint;
  /** Set when pruning stopped before a broken link: tampered events are kept as evidence. */
  stoppedAt?: BrokenLink;
}

function toMillis(now: number | string | Date): number {
  const millis = typeof now === 'number' ? now : typeof now === 'string' ? Date.parse(now) : now.getTime();
  if (Number.isNaN(millis)) throw new Error(`pruneDelivered: invalid time ${String(now)}`);
  return millis;
}

/**
 * Deletes events older than `retentionDays` that the hub has acknowledged (no longer in the outbox), only as
 * a contiguous prefix of the chain and only where that prefix verifies, and records the last one deleted as
 * the checkpoint so verifyChain still verifies the rest. Undelivered events are never deleted.
 */
export async function pruneDelivered(
  db: RecordGuardDb,
  retentionDays: number,
  now: number | string | Date,
): Promise<PruneResult> {
  const cutoff = toMillis(now) - retentionDays * 86_400_000;
  const prunedAt = new Date(toMillis(now)).toISOString();
  return serialized(db, 'prune', async () => {
    const result: PruneResult = { pruned: 0 };
    let conflicts = 0;
    while (conflicts < 10) {
      const checkpoint = await readCheckpoint(db);
      const start: ChainPoint = checkpoint ? { seq: checkpoint.seq, hash: checkpoint.hash } : GENESIS;
      const page = await readPage(db, Number.NEGATIVE_INFINITY, 500);
      const pending = await db.outbox.bulkGet(page.map((event) => event.id));
      const candidates: LogEvent[] = [];
      for (const [index, event] of page.entries()) {
        if (pending[index] !== undefined || !(Date.parse(event.time) < cutoff)) break;
        candidates.push(event);
      }
      const run = await verifyRun(candidates, start);
      const deletable = candidates.slice(0, run.count);
      if (run.broken) result.stoppedAt = run.broken;
      const lastDeleted = deletable[deletable.length - 1];
      if (!lastDeleted) return result;

      const next: Checkpoint = {
        seq: lastDeleted.seq,
        hash: lastDeleted.hash,
        id: lastDeleted.id,
        time: lastDeleted.time,
        prunedAt,
      };
      const done = await db.transaction('rw', db.events, db.outbox, db.meta, async () => {
        // Compare-and-swap: nothing moved since the page was read and verified.
        const current = await readCheckpoint(db);
        if ((current?.seq ?? 0) !== start.seq || (current?.hash ?? GENESIS_HASH) !== start.hash) return false;
        const ids = deletable.map((event) => event.id);
        const [stored, queued] = await Promise.all([db.events.bulkGet(ids), db.outbox.bulkGet(ids)]);
        const unchanged = stored.every(
          (event, index) => event?.hash === deletable[index]?.hash && event?.seq === deletable[index]?.seq,
        );
        if (!unchanged || queued.some((entry) => entry !== undefined)) return false;
        await db.events.bulkDelete(ids);
        await db.meta.put({ key: META_CHECKPOINT, value: next });
        return true;
      });
      if (!done) {
        conflicts += 1;
        continue;
      }
      result.pruned += deletable.length;
      result.checkpoint = next;
      if (run.broken || deletable.length < page.length || page.length < 500) return result;
    }
    return result;
  });
}
