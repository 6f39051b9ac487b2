import { afterEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH, hashEvent, LogEventSchema, type LogEvent } from '../../src/report/event-contract';
import { RecordGuardDb } from '../../src/store/db';
import {
  appendEvents,
  deviceId,
  exportLogCsv,
  exportLogJson,
  pruneDelivered,
  readCheckpoint,
  readHead,
  verifyChain,
  verifyEvents,
  type EventDraft,
} from '../../src/store/log';

const opened: RecordGuardDb[] = [];
let counter = 0;
function freshDb(name = `log-test-${Date.now()}-${counter++}`): RecordGuardDb {
  const db = new RecordGuardDb(name);
  opened.push(db);
  return db;
}
afterEach(async () => {
  for (const db of opened.splice(0)) {
    db.close();
    await db.delete();
  }
});

/** A fake clock: every call one second later. */
function clock(start = '2026-11-10T18:00:00.000Z', stepMillis = 1000): () => string {
  let at = Date.parse(start);
  return () => {
    const now = new Date(at).toISOString();
    at += stepMillis;
    return now;
  };
}

function draft(index: number, change: Partial<EventDraft> = {}): EventDraft {
  return {
    type: 'decision',
    district: 'newman-crows-landing-usd',
    actor: { username: 'officer.diaz', role: 'sro' },
    studentId: String(100_000 + (index % 50)),
    categories: ['grades', 'attendance'],
    action: 'view',
    outcome: 'justify',
    citations: ['34 CFR 99.31(a)', 'Education Code 49076'],
    policyVersion: 3,
    ...change,
  };
}

const drafts = (count: number, from = 0): EventDraft[] =>
  Array.from({ length: count }, (_, i) => draft(from + i));

async function chainOf(db: RecordGuardDb): Promise<LogEvent[]> {
  return db.events.orderBy('seq').toArray();
}

/** Replaces stored events with raw Dexie writes, as someone with DevTools could (unique seq: delete first). */
async function rawReplace(db: RecordGuardDb, events: LogEvent[]): Promise<void> {
  await db.transaction('rw', db.events, async () => {
    await db.events.bulkDelete(events.map((event) => event.id));
    await db.events.bulkPut(events);
  });
}

describe('appendEvents', () => {
  it('chains events: positions from 1, each linked to the previous hash, hashed per the contract', async () => {
    const db = freshDb();
    const first = await appendEvents(db, drafts(1), clock());
    const more = await appendEvents(db, drafts(3, 1), clock('2026-11-10T18:05:00.000Z'));
    const events = [...first, ...more];
    expect(events.map((event) => event.seq)).toEqual([1, 2, 3, 4]);
    expect(events[0]?.prevHash).toBe(GENESIS_HASH);
    for (let i = 0; i < events.length; i += 1) {
      const event = events[i] as LogEvent;
      expect(LogEventSchema.parse(event)).toEqual(event);
      expect(event.hash).toBe(await hashEvent(event));
      if (i > 0) expect(event.prevHash).toBe(events[i - 1]?.hash);
    }
    // ULIDs sort like the chain; one device id for the browser.
    expect([...events.map((event) => event.id)].sort()).toEqual(events.map((event) => event.id));
    expect(new Set(events.map((event) => event.device))).toEqual(new Set([await deviceId(db)]));
    expect(await chainOf(db)).toEqual(events);
    expect(await readHead(db)).toEqual({ seq: 4, hash: events[3]?.hash });
    expect(
      (await db.outbox.orderBy('seq').toArray()).map((entry) => [
        entry.id,
        entry.attempts,
        entry.nextAttemptAt,
      ]),
    ).toEqual(events.map((event) => [event.id, 0, 0]));
  });

  it('takes time from the draft or the clock, and defaults categories and citations', async () => {
    const db = freshDb();
    const [given, defaulted] = await appendEvents(
      db,
      [
        draft(0, { time: '2026-11-10T09:00:00-08:00' }),
        {
          type: 'policy-applied',
          district: 'newman-crows-landing-usd',
          actor: { role: 'unknown' },
          policyVersion: 4,
        },
      ],
      () => '2026-11-10T17:30:00.000Z',
    );
    expect(given?.time).toBe('2026-11-10T09:00:00-08:00');
    expect(defaulted).toMatchObject({ time: '2026-11-10T17:30:00.000Z', categories: [], citations: [] });
  });

  it('refuses an invalid draft and writes nothing', async () => {
    const db = freshDb();
    await appendEvents(db, drafts(2), clock());
    const bad = { ...draft(2), studentId: '' };
    const unknown = { ...draft(3), secret: 'x' } as EventDraft;
    await expect(appendEvents(db, [draft(4), bad], clock())).rejects.toThrow();
    await expect(appendEvents(db, [unknown], clock())).rejects.toThrow();
    expect(await db.events.count()).toBe(2);
    expect(await db.outbox.count()).toBe(2);
    expect((await readHead(db))?.seq).toBe(2);
    expect(await verifyChain(db)).toEqual({ ok: true, count: 2 });
  });

  it('keeps one unbroken chain under many concurrent appends', async () => {
    const db = freshDb();
    const calls = Array.from({ length: 60 }, (_, i) =>
      appendEvents(db, i % 5 === 0 ? drafts(7, i * 10) : [draft(i)], clock()),
    );
    const results = await Promise.all(calls);
    const total = results.reduce((sum, batch) => sum + batch.length, 0);
    expect(total).toBe(48 + 12 * 7);
    const events = await chainOf(db);
    expect(events.map((event) => event.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(await verifyChain(db)).toEqual({ ok: true, count: total });
    expect(await db.outbox.count()).toBe(total);
    // Each call's events are contiguous in the chain.
    for (const batch of results) {
      const seqs = batch.map((event) => event.seq);
      expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] as number) + i));
    }
  });

  it('keeps one chain when two connections (two extension contexts) append at once', async () => {
    const name = `log-two-contexts-${counter++}`;
    const one = freshDb(name);
    const two = freshDb(name);
    await appendEvents(one, drafts(1), clock());
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => appendEvents(i % 2 === 0 ? one : two, drafts(2, i * 2), clock())),
    );
    expect(await verifyChain(one)).toEqual({ ok: true, count: 41 });
    expect(new Set((await chainOf(two)).map((event) => event.device)).size).toBe(1);
  });
});

describe('verifyChain', () => {
  async function seeded(count = 10): Promise<{ db: RecordGuardDb; events: LogEvent[] }> {
    const db = freshDb();
    const events = await appendEvents(db, drafts(count), clock());
    return { db, events };
  }

  it('verifies an intact chain, and an empty one', async () => {
    expect(await verifyChain(freshDb())).toEqual({ ok: true, count: 0 });
    const { db } = await seeded(10);
    expect(await verifyChain(db)).toEqual({ ok: true, count: 10 });
  });

  it('names a stored event whose field was changed', async () => {
    const { db, events } = await seeded();
    const target = events[4] as LogEvent;
    await db.events.put({ ...target, justification: 'nothing to see here, move along please officer' });
    expect(await verifyChain(db)).toEqual({
      ok: false,
      count: 4,
      firstBroken: expect.objectContaining({ id: target.id, seq: 5, problem: 'hash' }),
    });
  });

  it('names the next event when a changed event was re-hashed', async () => {
    const { db, events } = await seeded();
    const changed = { ...(events[4] as LogEvent), outcome: 'allow' as const };
    changed.hash = await hashEvent(changed);
    await db.events.put(changed);
    expect(await verifyChain(db)).toMatchObject({
      ok: false,
      count: 5,
      firstBroken: { id: events[5]?.id, seq: 6, problem: 'link' },
    });
  });

  it('names the event after one that was removed', async () => {
    const { db, events } = await seeded();
    await db.events.delete(events[3]?.id as string);
    expect(await verifyChain(db)).toMatchObject({
      ok: false,
      count: 3,
      firstBroken: { id: events[4]?.id, seq: 5, problem: 'sequence' },
    });
  });

  it('finds two swapped events, with or without their hashes recomputed', async () => {
    const { db, events } = await seeded();
    const [a, b] = [events[2] as LogEvent, events[3] as LogEvent];
    // Positions exchanged, hashes left alone.
    await rawReplace(db, [
      { ...a, seq: b.seq },
      { ...b, seq: a.seq },
    ]);
    expect(await verifyChain(db)).toMatchObject({
      ok: false,
      count: 2,
      firstBroken: { id: b.id, seq: 3, problem: 'hash' },
    });

    // Positions exchanged and each moved event re-hashed: the links give it away.
    const movedB = { ...b, seq: a.seq };
    movedB.hash = await hashEvent(movedB);
    const movedA = { ...a, seq: b.seq };
    movedA.hash = await hashEvent(movedA);
    await rawReplace(db, [movedA, movedB]);
    expect(await verifyChain(db)).toMatchObject({
      ok: false,
      count: 2,
      firstBroken: { id: b.id, seq: 3, problem: 'link' },
    });
  });

  it('finds a changed or moved head, and events missing at the end', async () => {
    const { db, events } = await seeded();
    const last = events[9] as LogEvent;
    await db.meta.put({ key: 'head', value: { seq: 10, hash: 'f'.repeat(64) } });
    expect(await verifyChain(db)).toMatchObject({
      ok: false,
      count: 10,
      firstBroken: { id: last.id, seq: 10, problem: 'link' },
    });

    await db.meta.put({ key: 'head', value: { seq: 10, hash: last.hash } });
    await db.events.delete(last.id);
    expect(await verifyChain(db)).toMatchObject({
      ok: false,
      count: 9,
      firstBroken: { id: events[8]?.id, seq: 10, problem: 'sequence' },
    });
  });

  it('reports a chain that starts after 1 without a checkpoint', async () => {
    const { db, events } = await seeded();
    await db.events.bulkDelete([events[0]?.id as string, events[1]?.id as string]);
    expect(await verifyChain(db)).toMatchObject({
      ok: false,
      count: 0,
      firstBroken: { id: events[2]?.id, seq: 3, problem: 'missing-checkpoint' },
    });
  });

  it('keeps appending after the head was tampered with, and the tampering stays visible', async () => {
    const { db } = await seeded(5);
    await db.meta.delete('head');
    const [next] = await appendEvents(db, drafts(1), clock());
    expect(next?.seq).toBe(6);
    expect(await verifyChain(db)).toEqual({ ok: true, count: 6 });
  });

  it('walks a chain longer than one page and names a break near the end', async () => {
    const db = freshDb();
    for (let i = 0; i < 5; i += 1) await appendEvents(db, drafts(500, i * 500), clock());
    expect(await verifyChain(db)).toEqual({ ok: true, count: 2500 });
    const target = (await db.events.where('seq').equals(2321).first()) as LogEvent;
    await db.events.put({ ...target, studentId: '999999' });
    expect(await verifyChain(db)).toMatchObject({
      ok: false,
      count: 2320,
      firstBroken: { id: target.id, problem: 'hash' },
    });
  });

  it('verifyEvents is pure: verifies any run from a start point', async () => {
    const { events } = await seeded(6);
    expect(await verifyEvents(events)).toEqual({ ok: true, count: 6 });
    const tail = events.slice(3);
    expect(await verifyEvents(tail, { seq: 3, hash: events[2]?.hash as string })).toEqual({
      ok: true,
      count: 3,
    });
    expect(await verifyEvents(tail)).toMatchObject({
      ok: false,
      firstBroken: { problem: 'sequence', seq: 4 },
    });
    expect(await verifyEvents([events[0] as LogEvent, events[2] as LogEvent])).toMatchObject({
      ok: false,
      count: 1,
      firstBroken: { id: events[2]?.id, problem: 'sequence' },
    });
  });
});

describe('pruneDelivered', () => {
  const DAY = 86_400_000;
  const NOW = Date.parse('2026-12-31T12:00:00.000Z');

  /** 30 events one day apart, from 60 days before NOW. */
  async function aged(): Promise<{ db: RecordGuardDb; events: LogEvent[] }> {
    const db = freshDb();
    const events = await appendEvents(db, drafts(30), clock(new Date(NOW - 60 * DAY).toISOString(), DAY));
    return { db, events };
  }
  const deliver = (db: RecordGuardDb, events: LogEvent[]) =>
    db.outbox.bulkDelete(events.map((event) => event.id));

  it('prunes delivered events past retention as a prefix and keeps a checkpoint that verifies the rest', async () => {
    const { db, events } = await aged();
    await deliver(db, events.slice(0, 25));
    // Older than 30 days: the first 30 events are 60…31 days old.
    const result = await pruneDelivered(db, 30, NOW);
    expect(result.pruned).toBe(25);
    expect(result.checkpoint).toMatchObject({ seq: 25, hash: events[24]?.hash, id: events[24]?.id });
    expect(await readCheckpoint(db)).toMatchObject({ seq: 25, hash: events[24]?.hash });
    expect(await db.events.count()).toBe(5);
    expect(await verifyChain(db)).toEqual({ ok: true, count: 5 });

    await appendEvents(db, drafts(3), clock('2026-12-31T12:00:00.000Z'));
    expect(await verifyChain(db)).toEqual({ ok: true, count: 8 });
    // The export carries the checkpoint so the rest verifies elsewhere.
    const exported = JSON.parse(await exportLogJson(db)) as {
      checkpoint: { seq: number; hash: string };
      events: LogEvent[];
    };
    expect(await verifyEvents(exported.events, exported.checkpoint)).toEqual({ ok: true, count: 8 });
  });

  it('never prunes undelivered events, nor anything after one', async () => {
    const { db, events } = await aged();
    await deliver(db, [...events.slice(0, 10), ...events.slice(11)]);
    expect((await pruneDelivered(db, 1, NOW)).pruned).toBe(10);
    expect(await db.events.get(events[10]?.id as string)).toBeDefined();
    expect(await db.events.count()).toBe(20);
    expect(await verifyChain(db)).toEqual({ ok: true, count: 20 });
    // Once it is delivered, the rest goes too.
    await deliver(db, [events[10] as LogEvent]);
    expect((await pruneDelivered(db, 1, NOW)).pruned).toBe(20);
    expect(await verifyChain(db)).toEqual({ ok: true, count: 0 });
    const [next] = await appendEvents(db, drafts(1), clock('2026-12-31T12:00:00.000Z'));
    expect(next).toMatchObject({ seq: 31, prevHash: events[29]?.hash });
    expect(await verifyChain(db)).toEqual({ ok: true, count: 1 });
  });

  it('keeps events within retention', async () => {
    const { db, events } = await aged();
    await deliver(db, events);
    expect((await pruneDelivered(db, 45, NOW)).pruned).toBe(15);
    expect(await db.events.count()).toBe(15);
    expect((await pruneDelivered(db, 45, NOW)).pruned).toBe(0);
    expect(await verifyChain(db)).toEqual({ ok: true, count: 15 });
  });

  it('prunes a long prefix in several steps', async () => {
    const db = freshDb();
    const events: LogEvent[] = [];
    for (let i = 0; i < 12; i += 1)
      events.push(...(await appendEvents(db, drafts(100), clock('2026-01-01T00:00:00.000Z'))));
    await deliver(db, events.slice(0, 1150));
    expect((await pruneDelivered(db, 30, NOW)).pruned).toBe(1150);
    expect(await verifyChain(db)).toEqual({ ok: true, count: 50 });
  });

  it('stops before a broken link: tampered events are kept as evidence', async () => {
    const { db, events } = await aged();
    await deliver(db, events);
    await db.events.put({ ...(events[6] as LogEvent), basis: 'judicial-order' });
    const result = await pruneDelivered(db, 1, NOW);
    expect(result.pruned).toBe(6);
    expect(result.stoppedAt).toMatchObject({ id: events[6]?.id, problem: 'hash' });
    expect(await verifyChain(db)).toMatchObject({
      ok: false,
      firstBroken: { id: events[6]?.id, problem: 'hash' },
    });
  });

  it('a removed checkpoint is reported', async () => {
    const { db, events } = await aged();
    await deliver(db, events.slice(0, 5));
    await pruneDelivered(db, 1, NOW);
    await db.meta.delete('checkpoint');
    expect(await verifyChain(db)).toMatchObject({
      ok: false,
      firstBroken: { seq: 6, problem: 'missing-checkpoint' },
    });
  });
});

describe('exports', () => {
  it('JSON holds the device, head and every event in order', async () => {
    const db = freshDb();
    const events = await appendEvents(db, drafts(3), clock());
    const exported = JSON.parse(await exportLogJson(db)) as Record<string, unknown>;
    expect(exported).toEqual({
      format: 'record-guard-log/1',
      device: await deviceId(db),
      checkpoint: null,
      head: { seq: 3, hash: events[2]?.hash },
      events,
    });
    expect(JSON.parse(await exportLogJson(freshDb()))).toMatchObject({ events: [] });
  });

  it('CSV has the documented columns, one row per event, and neutralises formulas', async () => {
    const db = freshDb();
    await appendEvents(
      db,
      [
        draft(0, {
          type: 'justification',
          basis: 'health-safety-emergency',
          justification:
            '=HYPERLINK("http://evil.example","click") student threatened, "quoted", with commas',
          evidence: { threat: '@SUM(A1:A9)', 'incident-number': 'CAD-1' },
          ref: 'grant-1',
        }),
      ],
      clock(),
    );
    const csv = await exportLogCsv(db);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(
      'id,seq,time,type,device,username,role,studentId,categories,action,outcome,basis,citations,justification,evidence,ref,policyVersion,prevHash,hash',
    );
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(lines[1]).toContain(
      `"'=HYPERLINK(""http://evil.example"",""click"") student threatened, ""quoted"", with commas"`,
    );
    expect(lines[1]).toContain('"{""threat"":""@SUM(A1:A9)"",""incident-number"":""CAD-1""}"');
    expect(lines[1]).toContain(
      ',grades; attendance,view,justify,health-safety-emergency,34 CFR 99.31(a); Education Code 49076,',
    );
    expect((await exportLogCsv(db, { bom: true })).startsWith('\uFEFFid,')).toBe(true);
  });
});
