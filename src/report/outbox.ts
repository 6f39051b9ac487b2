// The outbox worker: delivers the log's unacknowledged events to the district hub, oldest first.
//
// HTTP contract (src/report/event-contract.ts): POST {hubUrl}/v1/events with body {"events": [...]} (at most 500
// events), `Authorization: Bearer <token>` when a token is configured, added by the transport it is given (the
// one hub client's hubTransport, src/background/hub-client.ts): the outbox never holds the token. Only a 200 whose body parses as
// EventBatchResultSchema counts: ids in `stored` or `duplicates` are delivered and leave the outbox; ids in
// `rejected` (same id, other content at the hub) leave the outbox too and are recorded locally (below); ids
// the answer does not mention stay and are retried. Anything else — another status, a network error, a
// timeout, a body that does not parse — means nothing was delivered: the batch stays and is retried after
// exponential backoff with full jitter (base 5 s, cap 30 min), or after Retry-After on 429/503.
//
// Exactly once at the hub comes from idempotent ids: a batch the hub stored whose answer never arrived (the
// service worker stopped, the network dropped) is sent again and comes back as `duplicates`.
//
// Backoff is head-of-line: the oldest entry's nextAttemptAt gates the whole outbox, so events appended while
// the hub is down wait behind the older ones and arrive in chain order.
//
// Rejected events: the hub refused them as a conflicting copy of an event it already holds (possible
// tampering, flagged at the hub). They are not retried; each is kept in `meta` under `rejected:<id>` with the
// full event, the reason and the time, so pruning the chain later does not lose the evidence. When the hub
// refuses a whole request as malformed (400, 413, 422), the batch is checked locally: events that no longer
// parse as a LogEvent (changed in IndexedDB) are set aside the same way (source 'local') and the rest is sent
// again at once, so one bad event cannot block the outbox forever. An outbox entry whose event is missing
// from the log is set aside too.
import { z } from 'zod';
import { EventBatchResultSchema, LogEventSchema, type LogEvent } from './event-contract';
import type { OutboxEntry, RecordGuardDb } from '../store/db';
import { serialized } from '../store/log';

export const BACKOFF_BASE_MS = 5_000;
export const BACKOFF_CAP_MS = 30 * 60_000;
export const DEFAULT_TIMEOUT_MS = 15_000;
/** Below the hub's default 1 MiB body limit. */
export const DEFAULT_MAX_BODY_BYTES = 900_000;
/** The contract's batch limit. */
export const MAX_BATCH = 500;
/** Retry-After beyond this is not believed. */
const MAX_RETRY_AFTER_MS = 24 * 60 * 60_000;

export const META_DELIVERY = 'delivery';
export const META_REJECTED_PREFIX = 'rejected:';

export interface DeliverOptions {
  /** The hub's base URL, e.g. https://recordguard.district.example (a trailing slash is ignored). */
  hubUrl: string;
  batchSize: number;
  /** The transport, which authenticates (src/background/hub-client.ts hubTransport adds the token). */
  fetch: typeof fetch;
  /** Epoch milliseconds. */
  now: () => number;
  /** In [0, 1): the jitter. */
  random: () => number;
  /** Abort the request after this long (default 15 s). */
  timeoutMs?: number;
  /** Stop adding events to a batch once its body would exceed this (default 900,000 bytes; at least one event). */
  maxBodyBytes?: number;
}

export interface DeliverResult {
  /** Events acknowledged (stored or duplicates) and removed from the outbox. */
  delivered: number;
  /** Events refused (by the hub, or unreadable locally) and removed from the outbox. */
  rejected: number;
  /** A request was made and (some of) the batch was not acknowledged: it will be retried. */
  failed: boolean;
  /** When to call again: the backoff or the head entry's due time; now if more is due; absent when empty. */
  nextAttemptAt?: number;
  /** Entries left in the outbox. */
  pending: number;
}

export interface OutboxStatus {
  pending: number;
  /** Time of the oldest undelivered event. */
  oldestPendingTime?: string;
  oldestPendingSeq?: number;
  /** Epoch ms of the next attempt; absent when nothing is pending, `0` when due now. */
  nextAttemptAt?: number;
  /** Failed attempts of the oldest pending event. */
  attempts: number;
  lastError?: string;
  lastAttemptAt?: number;
  lastSuccessAt?: number;
  /** Events refused and kept under `rejected:<id>` in meta. */
  rejected: number;
}

const DeliveryStateSchema = z.object({
  lastAttemptAt: z.number().optional(),
  lastSuccessAt: z.number().optional(),
  lastError: z.string().optional(),
});
type DeliveryState = z.infer<typeof DeliveryStateSchema>;

export const RejectedRecordSchema = z.object({
  id: z.string(),
  seq: z.number(),
  reason: z.string(),
  at: z.number(),
  source: z.enum(['hub', 'local']),
  event: z.unknown(),
});
export type RejectedRecord = z.infer<typeof RejectedRecordSchema>;

/** Full jitter: a uniformly random delay in [0, min(cap, base · 2^(attempts−1))). `attempts` counts from 1. */
export function backoffDelay(
  attempts: number,
  random: () => number,
  base = BACKOFF_BASE_MS,
  cap = BACKOFF_CAP_MS,
): number {
  const ceiling = Math.min(cap, base * 2 ** Math.min(Math.max(attempts, 1) - 1, 40));
  const r = Math.min(Math.max(random(), 0), 1 - Number.EPSILON);
  return Math.floor(r * ceiling);
}

/** Retry-After as delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const trimmed = header.trim();
  let delay: number;
  if (/^\d+$/.test(trimmed)) delay = Number(trimmed) * 1000;
  else {
    const date = Date.parse(trimmed);
    if (Number.isNaN(date)) return undefined;
    delay = date - now;
  }
  return Math.min(Math.max(delay, 0), MAX_RETRY_AFTER_MS);
}

async function readState(db: RecordGuardDb): Promise<DeliveryState> {
  const parsed = DeliveryStateSchema.safeParse((await db.meta.get(META_DELIVERY))?.value);
  return parsed.success ? parsed.data : {};
}

async function writeState(db: RecordGuardDb, change: DeliveryState): Promise<void> {
  const state = { ...(await readState(db)), ...change };
  if (change.lastError === undefined && 'lastError' in change) delete state.lastError;
  await db.meta.put({ key: META_DELIVERY, value: state });
}

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

function truncate(text: string, max = 300): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

type Attempt =
  | { kind: 'answer'; result: z.infer<typeof EventBatchResultSchema> }
  | { kind: 'failure'; status?: number; error: string; retryAfterMs?: number };

async function post(body: string, options: DeliverOptions): Promise<Attempt> {
  const url = `${options.hubUrl.replace(/\/+$/, '')}/v1/events`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    // Called as a plain function: a browser's fetch throws "Illegal invocation" when `this` is another object.
    const send = options.fetch;
    const response = await send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: controller.signal,
      credentials: 'omit',
      cache: 'no-store',
    });
    const text = await response.text();
    if (response.status !== 200) {
      const retryAfterMs =
        response.status === 429 || response.status === 503
          ? parseRetryAfter(response.headers.get('retry-after'), options.now())
          : undefined;
      return {
        kind: 'failure',
        status: response.status,
        error: `hub answered ${response.status}: ${truncate(text.replace(/\s+/g, ' '))}`,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      };
    }
    let parsedBody: unknown;
    try {
      parsedBody = JSON.parse(text);
    } catch {
      return { kind: 'failure', error: 'hub answered 200 with a body that is not JSON' };
    }
    const parsed = EventBatchResultSchema.safeParse(parsedBody);
    if (!parsed.success)
      return { kind: 'failure', error: 'hub answered 200 with a body outside the contract' };
    return { kind: 'answer', result: parsed.data };
  } catch (error) {
    return {
      kind: 'failure',
      error: controller.signal.aborted
        ? `no answer within ${Math.round(timeoutMs / 1000)} s`
        : `network error: ${truncate(error instanceof Error ? error.message : String(error))}`,
    };
  } finally {
    clearTimeout(timer);
  }
}

function rejectedRecord(
  entry: OutboxEntry,
  event: unknown,
  reason: string,
  at: number,
  source: 'hub' | 'local',
) {
  const record: RejectedRecord = {
    id: entry.id,
    seq: entry.seq,
    reason: truncate(reason, 500),
    at,
    source,
    event,
  };
  return { key: `${META_REJECTED_PREFIX}${entry.id}`, value: record };
}

interface Unreadable {
  entry: OutboxEntry;
  event: unknown;
  reason: string;
}

/** Sets aside outbox entries whose event is missing or no longer a valid event: they would block the outbox. */
async function setAside(db: RecordGuardDb, unreadable: readonly Unreadable[], at: number): Promise<void> {
  if (unreadable.length === 0) return;
  await db.transaction('rw', db.outbox, db.meta, async () => {
    await db.outbox.bulkDelete(unreadable.map(({ entry }) => entry.id));
    await db.meta.bulkPut(
      unreadable.map(({ entry, event, reason }) => rejectedRecord(entry, event, reason, at, 'local')),
    );
  });
}

/** Statuses by which the hub says the request itself is bad: worth checking the batch locally. */
const BAD_REQUEST = new Set([400, 413, 422]);

/**
 * Sends the oldest due batch of the outbox to the hub and records the outcome. Safe to call at any time (an
 * alarm, after an append, at start-up): it does nothing when the head of the outbox is not due yet.
 */
export function deliverBatch(db: RecordGuardDb, options: DeliverOptions): Promise<DeliverResult> {
  return serialized(db, 'deliver', async () => {
    const now = options.now();
    const size = Math.min(Math.max(Math.floor(options.batchSize), 1), MAX_BATCH);
    const entries = await db.outbox.orderBy('seq').limit(size).toArray();
    const head = entries[0];
    if (!head) return { delivered: 0, rejected: 0, failed: false, pending: 0 };
    if (head.nextAttemptAt > now) {
      return {
        delivered: 0,
        rejected: 0,
        failed: false,
        nextAttemptAt: head.nextAttemptAt,
        pending: await db.outbox.count(),
      };
    }

    // The batch: stored events in chain order, within the body budget. Each is serialised once, for both the
    // budget and the body. Events were validated when appended; they are checked again only if the hub
    // refuses the request (below), so a changed event cannot block the outbox.
    const stored = await db.events.bulkGet(entries.map((entry) => entry.id));
    const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    const batch: { entry: OutboxEntry; event: LogEvent }[] = [];
    const json: string[] = [];
    const missing: Unreadable[] = [];
    let bytes = 13;
    for (const [index, entry] of entries.entries()) {
      const event = stored[index];
      if (event === undefined) {
        missing.push({ entry, event: null, reason: 'local: the event is missing from the log' });
        continue;
      }
      const text = JSON.stringify(event);
      const size = utf8Length(text) + 1;
      if (batch.length > 0 && bytes + size > maxBytes) break;
      bytes += size;
      batch.push({ entry, event });
      json.push(text);
    }
    await setAside(db, missing, now);
    if (batch.length === 0) {
      const pending = await db.outbox.count();
      return {
        delivered: 0,
        rejected: missing.length,
        failed: false,
        ...(pending > 0 ? { nextAttemptAt: now } : {}),
        pending,
      };
    }

    const attempt = await post(`{"events":[${json.join(',')}]}`, options);
    const after = options.now();
    const sent = new Map(batch.map((item) => [item.entry.id, item]));

    let acknowledged: string[] = [];
    let refused: { id: string; reason: string }[] = [];
    let failure: { error: string; retryAfterMs?: number } | undefined;
    let invalid: Unreadable[] = [];
    if (attempt.kind === 'answer') {
      const rejectedIds = new Set(attempt.result.rejected.map((item) => item.id));
      acknowledged = [...new Set([...attempt.result.stored, ...attempt.result.duplicates])].filter(
        (id) => sent.has(id) && !rejectedIds.has(id),
      );
      const seen = new Set<string>();
      refused = attempt.result.rejected.filter((item) => {
        if (!sent.has(item.id) || seen.has(item.id)) return false;
        seen.add(item.id);
        return true;
      });
      const unanswered = batch.length - acknowledged.length - refused.length;
      if (unanswered > 0)
        failure = { error: `hub did not acknowledge ${unanswered} of ${batch.length} events` };
    } else {
      failure = attempt;
      if (attempt.status !== undefined && BAD_REQUEST.has(attempt.status)) {
        invalid = batch.flatMap(({ entry, event }) =>
          LogEventSchema.safeParse(event).success
            ? []
            : [{ entry, event, reason: 'local: the stored event is not a valid event' }],
        );
      }
    }

    const answered = new Set([...acknowledged, ...refused.map((item) => item.id)]);
    const invalidIds = new Set(invalid.map(({ entry }) => entry.id));
    const retry = batch
      .filter(({ entry }) => !answered.has(entry.id) && !invalidIds.has(entry.id))
      .map(({ entry }) => entry.id);
    // Invalid events set aside: the rest is due again at once, without counting a failed attempt.
    const backoff = failure !== undefined && invalid.length === 0;
    const nextAttemptAt =
      failure === undefined
        ? undefined
        : backoff
          ? after + (failure.retryAfterMs ?? backoffDelay(head.attempts + 1, options.random))
          : after;

    await db.transaction('rw', db.outbox, db.meta, async () => {
      await db.outbox.bulkDelete([...answered]);
      if (refused.length > 0) {
        await db.meta.bulkPut(
          refused.map(({ id, reason }) => {
            const item = sent.get(id) as { entry: OutboxEntry; event: LogEvent };
            return rejectedRecord(item.entry, item.event, reason, after, 'hub');
          }),
        );
      }
      if (failure && backoff && nextAttemptAt !== undefined && retry.length > 0) {
        const error = failure.error;
        await db.outbox
          .where('id')
          .anyOf(retry)
          .modify((entry) => {
            entry.attempts = Math.max(entry.attempts, head.attempts) + 1;
            entry.nextAttemptAt = nextAttemptAt;
            entry.lastError = error;
          });
      }
      await writeState(
        db,
        failure
          ? { lastAttemptAt: after, lastError: failure.error }
          : { lastAttemptAt: after, lastSuccessAt: after, lastError: undefined },
      );
    });
    await setAside(db, invalid, after);

    const pending = await db.outbox.count();
    return {
      delivered: acknowledged.length,
      rejected: refused.length + missing.length + invalid.length,
      failed: failure !== undefined,
      ...(nextAttemptAt !== undefined ? { nextAttemptAt } : pending > 0 ? { nextAttemptAt: after } : {}),
      pending,
    };
  });
}

/**
 * Delivers batch after batch until the outbox is empty, a batch fails, or the head is not due; returns the
 * totals and when to try again. What an alarm handler calls.
 */
export async function deliverAll(
  db: RecordGuardDb,
  options: DeliverOptions & { maxBatches?: number },
): Promise<DeliverResult> {
  const total: DeliverResult = { delivered: 0, rejected: 0, failed: false, pending: 0 };
  const maxBatches = options.maxBatches ?? 1_000;
  for (let i = 0; i < maxBatches; i += 1) {
    const result = await deliverBatch(db, options);
    total.delivered += result.delivered;
    total.rejected += result.rejected;
    total.pending = result.pending;
    total.failed = result.failed;
    if (result.nextAttemptAt !== undefined) total.nextAttemptAt = result.nextAttemptAt;
    else delete total.nextAttemptAt;
    if (result.failed || result.pending === 0 || (result.delivered === 0 && result.rejected === 0)) break;
  }
  return total;
}

/** What the popup and the options page show about delivery. */
export async function outboxStatus(db: RecordGuardDb): Promise<OutboxStatus> {
  const [pending, head, state, rejected] = await Promise.all([
    db.outbox.count(),
    db.outbox.orderBy('seq').first(),
    readState(db),
    db.meta.where('key').startsWith(META_REJECTED_PREFIX).count(),
  ]);
  const oldest = head ? await db.events.get(head.id) : undefined;
  return {
    pending,
    ...(oldest ? { oldestPendingTime: oldest.time } : {}),
    ...(head ? { oldestPendingSeq: head.seq, nextAttemptAt: head.nextAttemptAt } : {}),
    attempts: head?.attempts ?? 0,
    ...(state.lastError !== undefined ? { lastError: state.lastError } : {}),
    ...(state.lastAttemptAt !== undefined ? { lastAttemptAt: state.lastAttemptAt } : {}),
    ...(state.lastSuccessAt !== undefined ? { lastSuccessAt: state.lastSuccessAt } : {}),
    rejected,
  };
}

/** The events refused by the hub (or unreadable locally), for an admin to look at. */
export async function rejectedEvents(db: RecordGuardDb): Promise<RejectedRecord[]> {
  const rows = await db.meta.where('key').startsWith(META_REJECTED_PREFIX).toArray();
  return rows.flatMap((row) => {
    const parsed = RejectedRecordSchema.safeParse(row.value);
    return parsed.success ? [parsed.data] : [];
  });
}
