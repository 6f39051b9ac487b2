import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/report/event-contract';
import {
  BACKOFF_BASE_MS,
  BACKOFF_CAP_MS,
  backoffDelay,
  deliverAll,
  deliverBatch,
  outboxStatus,
  parseRetryAfter,
  rejectedEvents,
  type DeliverOptions,
} from '../../src/report/outbox';
import { hubTransport } from '../../src/background/hub-client';
import { RecordGuardDb } from '../../src/store/db';
import { appendEvents, verifyChain, verifyEvents, type EventDraft } from '../../src/store/log';
import { startReceiver, type Receiver } from '../fixtures/receiver';

let receiver: Receiver;
const opened: RecordGuardDb[] = [];
let counter = 0;
function freshDb(name = `outbox-test-${Date.now()}-${counter++}`): RecordGuardDb {
  const db = new RecordGuardDb(name);
  opened.push(db);
  return db;
}

beforeEach(async () => {
  receiver = await startReceiver({ slowMillis: 600 });
});
afterEach(async () => {
  await receiver.close();
  for (const db of opened.splice(0)) {
    db.close();
    await db.delete();
  }
});

/** The fake clock every delivery reads (epoch ms); tests move it by hand. */
let clockMs = Date.parse('2026-11-10T18:00:00.000Z');
const now = () => clockMs;

function options(change: Partial<DeliverOptions> = {}): DeliverOptions {
  return {
    hubUrl: receiver.url,
    batchSize: 10,
    fetch: globalThis.fetch,
    now,
    random: () => 0.5,
    timeoutMs: 2_000,
    ...change,
  };
}

function draft(index: number): EventDraft {
  return {
    type: 'decision',
    district: 'newman-crows-landing-usd',
    actor: { username: 'officer.diaz', role: 'sro' },
    studentId: String(100_000 + index),
    categories: ['grades'],
    action: 'view',
    outcome: 'justify',
    citations: ['34 CFR 99.31(a)'],
    policyVersion: 3,
  };
}

async function seeded(count: number, db = freshDb()): Promise<{ db: RecordGuardDb; events: LogEvent[] }> {
  const events = await appendEvents(
    db,
    Array.from({ length: count }, (_, i) => draft(i)),
    () => new Date(clockMs).toISOString(),
  );
  return { db, events };
}

/** A fetch that answers with a fixed status, headers and body, and counts calls. */
function answering(status: number, body: string, headers: Record<string, string> = {}) {
  const calls: unknown[] = [];
  const fetch: typeof globalThis.fetch = async (_url, init) => {
    calls.push(JSON.parse(String(init?.body)));
    return new Response(body, { status, headers });
  };
  return { fetch, calls };
}

const ids = (events: readonly LogEvent[]) => events.map((event) => event.id);

describe('backoff', () => {
  it('grows exponentially from 5 s, capped at 30 min, with full jitter', () => {
    for (let attempts = 1; attempts <= 14; attempts += 1) {
      const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempts - 1));
      expect(backoffDelay(attempts, () => 0)).toBe(0);
      expect(backoffDelay(attempts, () => 0.5)).toBe(Math.floor(ceiling / 2));
      const top = backoffDelay(attempts, () => 0.999_999_9);
      expect(top).toBeLessThan(ceiling);
      expect(top).toBeGreaterThanOrEqual(ceiling - 1_000);
    }
    expect(backoffDelay(1, () => 0.999_999_9)).toBeLessThan(5_000);
    expect(backoffDelay(4, () => 0.999_999_9)).toBeGreaterThan(39_000);
    expect(backoffDelay(100, () => 0.999_999_9)).toBeLessThan(BACKOFF_CAP_MS);
    expect(backoffDelay(100, () => 0.999_999_9)).toBeGreaterThan(BACKOFF_CAP_MS - 1_000);
    // A random source out of range cannot push past the ceiling.
    expect(backoffDelay(3, () => 7)).toBeLessThan(20_000);
  });

  it('jitter spreads delays over the whole window', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const delays = Array.from({ length: 2_000 }, () => backoffDelay(5, random));
    const ceiling = BACKOFF_BASE_MS * 16;
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(ceiling);
    expect(delays.filter((delay) => delay < ceiling / 4).length).toBeGreaterThan(300);
    expect(delays.filter((delay) => delay > (ceiling * 3) / 4).length).toBeGreaterThan(300);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('120', 0)).toBe(120_000);
    expect(parseRetryAfter(new Date(1_000_000 + 30_000).toUTCString(), 1_000_000)).toBe(30_000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(null, 0)).toBeUndefined();
    expect(parseRetryAfter('99999999', 0)).toBe(24 * 3_600_000);
  });
});

describe('deliverBatch', () => {
  it('delivers the outbox in chain order, batch by batch, and empties it', async () => {
    const { db, events } = await seeded(25);
    const first = await deliverBatch(db, options());
    expect(first).toEqual({ delivered: 10, rejected: 0, failed: false, nextAttemptAt: clockMs, pending: 15 });
    expect(await deliverBatch(db, options())).toMatchObject({ delivered: 10, pending: 5 });
    expect(await deliverBatch(db, options())).toEqual({
      delivered: 5,
      rejected: 0,
      failed: false,
      pending: 0,
    });
    expect(await deliverBatch(db, options())).toEqual({
      delivered: 0,
      rejected: 0,
      failed: false,
      pending: 0,
    });
    expect(ids(receiver.events())).toEqual(ids(events));
    expect(receiver.requests).toBe(3);
    expect(await verifyEvents(receiver.events())).toEqual({ ok: true, count: 25 });
    // Delivery does not touch the chain.
    expect(await verifyChain(db)).toEqual({ ok: true, count: 25 });
    expect(await outboxStatus(db)).toMatchObject({
      pending: 0,
      attempts: 0,
      rejected: 0,
      lastSuccessAt: clockMs,
    });
  });

  it('sends the bearer token when given (through the one hub client’s transport)', async () => {
    await receiver.close();
    receiver = await startReceiver({ token: 'sro-token-123' });
    const { db } = await seeded(3);
    expect(await deliverBatch(db, options())).toMatchObject({ delivered: 0, failed: true });
    expect((await outboxStatus(db)).lastError).toMatch(/401/);
    clockMs += BACKOFF_CAP_MS;
    const fetch = hubTransport({ hubUrl: receiver.url, token: 'sro-token-123' });
    expect(await deliverBatch(db, options({ fetch }))).toMatchObject({
      delivered: 3,
      pending: 0,
    });
  });

  it.each([
    ['error-500', /hub answered 500/],
    ['garbage', /not JSON/],
    ['down', /network error/],
  ] as const)('%s: nothing is removed, the batch is retried after backoff', async (mode, error) => {
    const { db, events } = await seeded(12);
    receiver.setMode(mode);
    const started = clockMs;
    const result = await deliverBatch(db, options({ random: () => 0.5 }));
    expect(result).toEqual({
      delivered: 0,
      rejected: 0,
      failed: true,
      nextAttemptAt: started + BACKOFF_BASE_MS / 2,
      pending: 12,
    });
    expect(await db.outbox.count()).toBe(12);
    const entries = await db.outbox.orderBy('seq').toArray();
    expect(
      entries.slice(0, 10).every((entry) => entry.attempts === 1 && entry.nextAttemptAt === started + 2_500),
    ).toBe(true);
    expect(entries.slice(10).every((entry) => entry.attempts === 0)).toBe(true);
    expect(await outboxStatus(db)).toMatchObject({
      pending: 12,
      attempts: 1,
      nextAttemptAt: started + 2_500,
      oldestPendingTime: events[0]?.time,
      lastError: expect.stringMatching(error),
    });

    // Not due yet: no request at all.
    const requests = receiver.requests;
    expect(await deliverBatch(db, options())).toMatchObject({
      delivered: 0,
      failed: false,
      nextAttemptAt: started + 2_500,
    });
    expect(receiver.requests).toBe(requests);

    // Due, hub back: everything arrives once, in order.
    receiver.setMode('ok');
    clockMs = started + 2_500;
    expect(await deliverAll(db, options())).toMatchObject({ delivered: 12, failed: false, pending: 0 });
    expect(ids(receiver.events())).toEqual(ids(events));
    expect((await outboxStatus(db)).lastError).toBeUndefined();
  });

  it('a timeout is a failure; the hub had stored the batch, so the retry comes back as duplicates', async () => {
    const { db, events } = await seeded(5);
    receiver.setMode('slow');
    const result = await deliverBatch(db, options({ timeoutMs: 150 }));
    expect(result).toMatchObject({ delivered: 0, failed: true });
    expect((await outboxStatus(db)).lastError).toMatch(/no answer within/);
    await expect.poll(() => receiver.events().length, { timeout: 3_000 }).toBe(5);

    receiver.setMode('ok');
    clockMs += BACKOFF_CAP_MS;
    expect(await deliverBatch(db, options())).toMatchObject({ delivered: 5, failed: false, pending: 0 });
    expect(receiver.posted).toBe(10);
    expect(ids(receiver.events())).toEqual(ids(events));
  });

  it('backoff grows with each failure, survives a restart, and is capped', async () => {
    const name = `outbox-restart-${counter++}`;
    const { db } = await seeded(3, freshDb(name));
    receiver.setMode('error-500');
    const top = () => 0.999_999;
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 12; attempt += 1) {
      const result = await deliverBatch(db, options({ random: top }));
      delays.push((result.nextAttemptAt as number) - clockMs);
      clockMs = result.nextAttemptAt as number;
    }
    expect(delays.slice(0, 4).map((delay) => Math.round(delay / 1000))).toEqual([5, 10, 20, 40]);
    expect(delays.every((delay, i) => i === 0 || delay >= (delays[i - 1] as number) - 1)).toBe(true);
    expect(Math.max(...delays)).toBeLessThanOrEqual(BACKOFF_CAP_MS);
    expect(delays.at(-1)).toBeGreaterThan(BACKOFF_CAP_MS - 1000);

    // The service worker dies; a new one opens the database: the backoff state is still there.
    db.close();
    const reopened = freshDb(name);
    expect(await outboxStatus(reopened)).toMatchObject({ pending: 3, attempts: 12 });
    receiver.setMode('ok');
    expect(await deliverBatch(reopened, options())).toMatchObject({ delivered: 3, pending: 0 });
    expect(receiver.events()).toHaveLength(3);
  });

  it('a 429 honours Retry-After', async () => {
    const { db } = await seeded(2);
    const { fetch } = answering(429, 'slow down', { 'retry-after': '120' });
    expect(await deliverBatch(db, options({ fetch }))).toMatchObject({
      failed: true,
      nextAttemptAt: clockMs + 120_000,
    });
    expect((await outboxStatus(db)).lastError).toMatch(/429/);
  });

  it('a 200 whose body is outside the contract is not a delivery', async () => {
    const { db } = await seeded(2);
    const { fetch } = answering(200, JSON.stringify({ stored: 'all of them' }));
    expect(await deliverBatch(db, options({ fetch }))).toMatchObject({ delivered: 0, failed: true });
    expect(await db.outbox.count()).toBe(2);
  });

  it('partial acknowledgement: acknowledged events leave, the rest is retried', async () => {
    const { db, events } = await seeded(6);
    const { fetch } = answering(
      200,
      JSON.stringify({
        stored: ids(events.slice(0, 2)),
        duplicates: [events[2]?.id],
        // An id this batch did not hold is ignored.
        rejected: [{ id: '01ARZ3NDEKTSV4RRFFQ69G5FAV', reason: 'not ours' }],
      }),
    );
    const result = await deliverBatch(db, options({ fetch }));
    expect(result).toMatchObject({ delivered: 3, rejected: 0, failed: true, pending: 3 });
    expect((await db.outbox.orderBy('seq').toArray()).map((entry) => [entry.id, entry.attempts])).toEqual(
      events.slice(3).map((event) => [event.id, 1]),
    );
    expect((await outboxStatus(db)).lastError).toMatch(/did not acknowledge 3 of 6/);
  });

  it('crash between the POST and the outbox update: resent, acknowledged as duplicates, counted once', async () => {
    const name = `outbox-crash-${counter++}`;
    const { db, events } = await seeded(8, freshDb(name));
    // The request reaches the hub, then the service worker is killed before the answer is handled.
    const dying: typeof fetch = async (url, init) => {
      await fetch(url, init);
      return new Promise<Response>(() => undefined);
    };
    void deliverBatch(db, options({ fetch: dying }));
    await expect.poll(() => receiver.events().length).toBe(8);
    db.close();

    const restarted = freshDb(name);
    expect(await db.outbox.count().catch(() => 'closed')).toBe('closed');
    expect(await outboxStatus(restarted)).toMatchObject({ pending: 8 });
    expect(await deliverBatch(restarted, options())).toMatchObject({
      delivered: 8,
      failed: false,
      pending: 0,
    });
    expect(receiver.posted).toBe(16);
    expect(ids(receiver.events())).toEqual(ids(events));
  });

  it('a thrown error after the hub stored the batch is a failure, and the retry is a duplicate', async () => {
    const { db, events } = await seeded(4);
    const broken: typeof fetch = async (url, init) => {
      await fetch(url, init);
      throw new TypeError('connection reset');
    };
    expect(await deliverBatch(db, options({ fetch: broken }))).toMatchObject({ delivered: 0, failed: true });
    clockMs += BACKOFF_CAP_MS;
    expect(await deliverBatch(db, options())).toMatchObject({ delivered: 4 });
    expect(receiver.events()).toEqual(events);
  });

  it('an event the hub rejects leaves the outbox and is kept as a rejected record', async () => {
    const { db, events } = await seeded(3);
    const conflicting = { ...(events[1] as LogEvent), studentId: '999999' };
    await fetch(`${receiver.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ events: [conflicting] }),
    });
    expect(await deliverBatch(db, options())).toEqual({
      delivered: 2,
      rejected: 1,
      failed: false,
      pending: 0,
    });
    const rejected = await rejectedEvents(db);
    expect(rejected).toEqual([
      {
        id: events[1]?.id,
        seq: 2,
        reason: expect.stringMatching(/conflict/),
        at: clockMs,
        source: 'hub',
        event: events[1],
      },
    ]);
    expect((await outboxStatus(db)).rejected).toBe(1);
  });

  it('a stored event that no longer parses is set aside and does not block the rest', async () => {
    const { db, events } = await seeded(4);
    await db.events.put({ ...(events[0] as LogEvent), seq: -1 });
    // The hub (here the receiver) refuses the whole request; the bad event is found and set aside at once.
    expect(await deliverBatch(db, options())).toEqual({
      delivered: 0,
      rejected: 1,
      failed: true,
      nextAttemptAt: clockMs,
      pending: 3,
    });
    expect(await deliverBatch(db, options())).toMatchObject({
      delivered: 3,
      rejected: 0,
      failed: false,
      pending: 0,
    });
    expect((await rejectedEvents(db))[0]).toMatchObject({ id: events[0]?.id, source: 'local' });
    expect(ids(receiver.events())).toEqual(ids(events.slice(1)));
  });

  it('an outbox entry whose event was removed from the log is set aside, the rest is delivered', async () => {
    const { db, events } = await seeded(3);
    await db.events.delete(events[1]?.id as string);
    expect(await deliverBatch(db, options())).toMatchObject({
      delivered: 2,
      rejected: 1,
      failed: false,
      pending: 0,
    });
    expect(await rejectedEvents(db)).toMatchObject([{ id: events[1]?.id, source: 'local', event: null }]);
  });

  it('events appended during a backoff wait behind the older ones and arrive in order', async () => {
    const { db } = await seeded(4);
    receiver.setMode('error-500');
    const failed = await deliverBatch(db, options());
    await seeded(4, db);
    receiver.setMode('ok');
    expect(await deliverBatch(db, options())).toMatchObject({
      delivered: 0,
      nextAttemptAt: failed.nextAttemptAt,
    });
    expect(receiver.events()).toHaveLength(0);
    clockMs = failed.nextAttemptAt as number;
    await deliverAll(db, options({ batchSize: 3 }));
    expect(receiver.events().map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('keeps batches under the body budget', async () => {
    const { db } = await seeded(6);
    const { fetch, calls } = answering(200, JSON.stringify({ stored: [], duplicates: [], rejected: [] }));
    await deliverBatch(db, options({ fetch, maxBodyBytes: 1_200 }));
    const body = calls[0] as { events: unknown[] };
    expect(body.events.length).toBeGreaterThanOrEqual(1);
    expect(body.events.length).toBeLessThan(6);
    expect(JSON.stringify(body).length).toBeLessThanOrEqual(1_200);
  });

  it('never sends more than the contract allows in one batch', async () => {
    const { db } = await seeded(520);
    expect(await deliverBatch(db, options({ batchSize: 1000 }))).toMatchObject({
      delivered: 500,
      pending: 20,
    });
  });
});
