import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBatchResultSchema, type LogEvent } from '../../src/report/event-contract';
import {
  BACKENDS,
  createHarness,
  DISTRICT,
  json,
  makeChain,
  OTHER_DISTRICT,
  rehash,
  type Harness,
} from './helpers';

interface Flag {
  device: string;
  kind: string;
  eventId: string;
  seq: number;
  detail: string;
}

describe.each(BACKENDS)('POST /v1/events on $name', (backend) => {
  let hub: Harness;
  beforeAll(async () => {
    hub = await createHarness(backend);
  });
  afterAll(async () => {
    await hub?.close();
  });

  const post = (events: unknown[], who: 'sro' | 'admin' | 'sro2' | 'clerk' | 'otherSro' = 'sro') =>
    hub.call(who, { method: 'POST', url: '/v1/events', payload: { events } });

  const flagsOf = async (device: string): Promise<Flag[]> => {
    const response = await hub.call('admin', { method: 'GET', url: `/v1/device-flags?device=${device}` });
    expect(response.statusCode).toBe(200);
    return json<{ flags: Flag[] }>(response).flags;
  };

  const countStored = async (ids: string[]): Promise<number> => {
    const { rows } = await hub.db.query<{ n: number }>(
      'SELECT count(*) AS n FROM events WHERE id = ANY($1::text[])',
      [ids],
    );
    return rows[0]?.n ?? -1;
  };

  it("stores an SRO browser's 'browser-hardening' event as the extension writes it", async () => {
    const [event] = await makeChain(1, {
      device: 'dev-hardening',
      extra: {
        type: 'browser-hardening',
        actor: { role: 'sro' },
        studentId: undefined,
        categories: [],
        action: undefined,
        outcome: undefined,
        basis: undefined,
        citations: [],
        justification: undefined,
        evidence: { state: 'unhardened', 'not-force-installed': 'finding', 'incognito-disabled': 'ok' },
      },
    });
    const sent = JSON.parse(JSON.stringify(event)) as LogEvent;
    const response = await post([sent]);
    expect(response.statusCode).toBe(200);
    expect(EventBatchResultSchema.parse(json(response)).stored).toEqual([sent.id]);
    const { rows } = await hub.db.query<{ type: string; body: LogEvent; hash_ok: boolean }>(
      'SELECT type, body, hash_ok FROM events WHERE district = $1 AND id = $2',
      [DISTRICT, sent.id],
    );
    expect(rows[0]?.type).toBe('browser-hardening');
    expect(rows[0]?.hash_ok).toBe(true);
    expect(rows[0]?.body.evidence).toEqual(sent.evidence);
  });

  it('stores a valid chain and answers per the contract', async () => {
    const events = await makeChain(20, { device: 'dev-store' });
    const response = await post(events);
    expect(response.statusCode).toBe(200);
    const result = EventBatchResultSchema.parse(json(response));
    expect(result.stored).toEqual(events.map((event) => event.id));
    expect(result.duplicates).toEqual([]);
    expect(result.rejected).toEqual([]);
    expect(await countStored(result.stored)).toBe(20);
    expect(await flagsOf('dev-store')).toEqual([]);
    // The stored body is the event as sent.
    const { rows } = await hub.db.query<{ body: LogEvent; hash_ok: boolean }>(
      'SELECT body, hash_ok FROM events WHERE district = $1 AND id = $2',
      [DISTRICT, events[3]?.id],
    );
    expect(rows[0]?.body).toEqual(events[3]);
    expect(rows[0]?.hash_ok).toBe(true);
  });

  it('continues a chain across batches without flags', async () => {
    const first = await makeChain(10, { device: 'dev-batches' });
    const second = await makeChain(10, { device: 'dev-batches', startSeq: 11, prevHash: first.at(-1)?.hash });
    expect((await post(first)).statusCode).toBe(200);
    expect(json<{ stored: string[] }>(await post(second)).stored).toHaveLength(10);
    expect(await flagsOf('dev-batches')).toEqual([]);
  });

  it('accepts batches out of order without a false flag', async () => {
    const chain = await makeChain(6, { device: 'dev-order' });
    expect(json<{ stored: string[] }>(await post(chain.slice(3))).stored).toHaveLength(3);
    expect(json<{ stored: string[] }>(await post(chain.slice(0, 3))).stored).toHaveLength(3);
    expect(await flagsOf('dev-order')).toEqual([]);
    const devices = json<{ devices: { device: string; missing: number; events: number }[] }>(
      await hub.call('admin', { method: 'GET', url: '/v1/devices' }),
    ).devices;
    expect(devices.find((device) => device.device === 'dev-order')).toMatchObject({ events: 6, missing: 0 });
  });

  it('is idempotent: a resent batch is acknowledged as duplicates and stored once', async () => {
    const events = await makeChain(5, { device: 'dev-idem' });
    await post(events);
    const again = await post(events);
    expect(again.statusCode).toBe(200);
    const result = EventBatchResultSchema.parse(json(again));
    expect(result.stored).toEqual([]);
    expect(result.duplicates).toEqual(events.map((event) => event.id));
    expect(await countStored(events.map((event) => event.id))).toBe(5);
    // A batch with old and new events: the old ones are duplicates, the new ones stored.
    const more = await makeChain(2, { device: 'dev-idem', startSeq: 6, prevHash: events.at(-1)?.hash });
    const mixed = EventBatchResultSchema.parse(json(await post([...events.slice(3), ...more])));
    expect(mixed.duplicates).toEqual(events.slice(3).map((event) => event.id));
    expect(mixed.stored).toEqual(more.map((event) => event.id));
    expect(await flagsOf('dev-idem')).toEqual([]);
  });

  it('refuses the same id with other content, keeps the original and flags possible tampering', async () => {
    const events = await makeChain(3, { device: 'dev-tamper' });
    await post(events);
    const original = events[1] as LogEvent;
    const changed = await rehash({ ...original, justification: 'Rewritten after the fact.' });
    const response = await post([changed]);
    expect(response.statusCode).toBe(200);
    const result = EventBatchResultSchema.parse(json(response));
    expect(result.stored).toEqual([]);
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0]?.id).toBe(original.id);
    expect(result.rejected[0]?.reason).toMatch(/conflict.*tampering/);
    const { rows } = await hub.db.query<{ body: LogEvent }>('SELECT body FROM events WHERE id = $1', [
      original.id,
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.body.justification).toBe(original.justification);
    const flags = await flagsOf('dev-tamper');
    expect(flags).toEqual([expect.objectContaining({ kind: 'id-conflict', eventId: original.id })]);
  });

  it('flags a conflicting id repeated inside one batch', async () => {
    const [event] = await makeChain(1, { device: 'dev-dup-in-batch' });
    if (!event) throw new Error('no event');
    const twin = await rehash({ ...event, justification: 'Another text entirely.' });
    const result = EventBatchResultSchema.parse(json(await post([event, event, twin])));
    expect(result.stored).toEqual([event.id]);
    expect(result.rejected.map((entry) => entry.id)).toEqual([event.id]);
    expect((await flagsOf('dev-dup-in-batch')).map((flag) => flag.kind)).toEqual(['id-conflict']);
  });

  it('stores a broken chain anyway and flags the device', async () => {
    const chain = await makeChain(5, { device: 'dev-break' });
    // Event 3 is replaced by one that does not link to event 2 (say, the browser's log was edited).
    const forged = await rehash({ ...(chain[2] as LogEvent), prevHash: 'f'.repeat(64) });
    const sent = [chain[0], chain[1], forged, chain[3], chain[4]] as LogEvent[];
    const result = EventBatchResultSchema.parse(json(await post(sent)));
    expect(result.stored).toHaveLength(5);
    const flags = await flagsOf('dev-break');
    // Event 3 does not link to event 2, and event 4 does not link to the event now at position 3.
    expect(flags.map((flag) => [flag.kind, flag.seq])).toEqual([
      ['chain-break', 3],
      ['chain-break', 4],
    ]);
    expect(flags[0]?.detail).toMatch(/prevHash does not match the hash of event \w+ at position 2/);
    expect(flags[1]?.detail).toMatch(/at position 3/);
  });

  it('flags a chain break found when the earlier half arrives late', async () => {
    const chain = await makeChain(4, { device: 'dev-late-break' });
    await post(chain.slice(2)); // 3 and 4 first
    const forged = await rehash({
      ...(chain[1] as LogEvent),
      justification: 'changed, so its hash changed too',
    });
    await post([chain[0], forged]);
    const flags = await flagsOf('dev-late-break');
    expect(flags.map((flag) => [flag.kind, flag.seq])).toEqual([['chain-break', 2]]);
  });

  it('flags an event whose hash does not match its content, and one that does not start at genesis', async () => {
    const [event] = await makeChain(1, { device: 'dev-hash' });
    if (!event) throw new Error('no event');
    const result = EventBatchResultSchema.parse(json(await post([{ ...event, justification: 'edited' }])));
    expect(result.stored).toEqual([event.id]);
    const [stray] = await makeChain(1, { device: 'dev-genesis', prevHash: 'a'.repeat(64) });
    await post([stray]);
    expect((await flagsOf('dev-hash')).map((flag) => flag.kind)).toEqual(['hash-mismatch']);
    expect((await flagsOf('dev-genesis')).map((flag) => flag.kind)).toEqual(['chain-break']);
    const { rows } = await hub.db.query<{ hash_ok: boolean }>('SELECT hash_ok FROM events WHERE id = $1', [
      event.id,
    ]);
    expect(rows[0]?.hash_ok).toBe(false);
  });

  it('flags two events claiming the same position (a forked chain)', async () => {
    const chain = await makeChain(2, { device: 'dev-fork' });
    await post(chain);
    const [fork] = await makeChain(1, { device: 'dev-fork', startSeq: 2, prevHash: chain[0]?.hash });
    await post([fork]);
    expect((await flagsOf('dev-fork')).map((flag) => flag.kind)).toEqual(['seq-reused']);
  });

  it('counts a gap without flagging it', async () => {
    const chain = await makeChain(5, { device: 'dev-gap' });
    await post([chain[0], chain[1], chain[4]]);
    expect(await flagsOf('dev-gap')).toEqual([]);
    const devices = json<{ devices: { device: string; missing: number }[] }>(
      await hub.call('admin', { method: 'GET', url: '/v1/devices' }),
    ).devices;
    expect(devices.find((device) => device.device === 'dev-gap')?.missing).toBe(2);
  });

  it('refuses events from the future with the field named, storing nothing', async () => {
    const ok = await makeChain(1, { device: 'dev-future' });
    const [late] = await makeChain(1, {
      device: 'dev-future',
      startSeq: 2,
      prevHash: ok[0]?.hash,
      time: new Date(hub.clock.now().getTime() + 6 * 60_000),
    });
    const response = await post([...ok, late]);
    expect(response.statusCode).toBe(400);
    expect(json(response)).toMatchObject({ error: { code: 'invalid_request', field: 'events[1].time' } });
    expect(json<{ error: { message: string } }>(response).error.message).toMatch(/future/);
    expect(await countStored([ok[0]?.id ?? ''])).toBe(0);
    // Within the allowed skew (5 minutes) it is fine.
    const [soon] = await makeChain(1, {
      device: 'dev-future-ok',
      time: new Date(hub.clock.now().getTime() + 4 * 60_000),
    });
    expect((await post([soon])).statusCode).toBe(200);
  });

  it('refuses a batch over 500 events and an empty one', async () => {
    const many = await makeChain(501, { device: 'dev-big' });
    const response = await post(many);
    expect(response.statusCode).toBe(400);
    expect(json(response)).toMatchObject({ error: { code: 'invalid_request', field: 'events' } });
    expect((await post([])).statusCode).toBe(400);
    expect(await countStored(many.map((event) => event.id))).toBe(0);
  });

  it('takes a full batch of 500', async () => {
    const many = await makeChain(500, { device: 'dev-500' });
    const response = await post(many);
    expect(response.statusCode).toBe(200);
    expect(json<{ stored: string[] }>(response).stored).toHaveLength(500);
  });

  it("lets an SRO post only its own events, and nobody another district's", async () => {
    const others = await makeChain(2, { device: 'dev-other-user', username: 'officer.kim' });
    expect((await post(others, 'sro')).statusCode).toBe(403);
    expect((await post(others, 'sro2')).statusCode).toBe(200);
    // Usernames compare as the roster does: case and surrounding spaces do not matter.
    const shouty = await makeChain(1, { device: 'dev-case', username: 'Officer.Diaz' });
    expect((await post(shouty, 'sro')).statusCode).toBe(200);
    // Device events with no user (a policy applied before anyone signed in) are the browser's own: an SRO token
    // may post them, but never events in another user's name.
    const anonymous = await makeChain(1, { device: 'dev-anon', extra: { actor: { role: 'unknown' } } });
    expect((await post(anonymous, 'sro')).statusCode).toBe(200);
    // An admin token (a managed device's account) may post any event of its district.
    const someone = await makeChain(1, { device: 'dev-admin', username: 'teacher.park' });
    expect((await post(someone, 'sro')).statusCode).toBe(403);
    expect((await post(someone, 'admin')).statusCode).toBe(200);
    const foreign = await makeChain(1, { device: 'dev-foreign', district: OTHER_DISTRICT });
    expect((await post(foreign, 'sro')).statusCode).toBe(403);
    expect((await post(foreign, 'admin')).statusCode).toBe(403);
    expect((await post(await makeChain(1, { device: 'dev-x' }), 'otherSro')).statusCode).toBe(403);
    expect((await post(await makeChain(1, { device: 'dev-x' }), 'clerk')).statusCode).toBe(403);
    expect(await countStored(foreign.map((event) => event.id))).toBe(0);
  });

  it('keeps each district to itself: the same ids in two districts do not collide', async () => {
    const events = await makeChain(1, { device: 'dev-shared-id', district: OTHER_DISTRICT });
    expect((await post(events, 'otherSro')).statusCode).toBe(200);
    const flags = await hub.call('otherAdmin', { method: 'GET', url: '/v1/device-flags' });
    expect(json<{ flags: unknown[] }>(flags).flags).toEqual([]);
    // DISTRICT's admin does not see OTHER_DISTRICT's devices.
    const devices = json<{ devices: { device: string }[] }>(
      await hub.call('admin', { method: 'GET', url: '/v1/devices' }),
    );
    expect(devices.devices.map((device) => device.device)).not.toContain('dev-shared-id');
  });

  it('survives concurrent batches from several devices', async () => {
    const chains = await Promise.all(
      [1, 2, 3, 4].map((n) => makeChain(50, { device: `dev-concurrent-${n}`, username: 'officer.diaz' })),
    );
    const responses = await Promise.all(chains.map((chain) => post(chain)));
    expect(responses.map((response) => response.statusCode)).toEqual([200, 200, 200, 200]);
    // The same batch posted twice at once: stored once, acknowledged twice.
    const [twice] = chains;
    const replies = await Promise.all([post(twice ?? []), post(twice ?? [])]);
    for (const reply of replies) expect(json<{ duplicates: string[] }>(reply).duplicates).toHaveLength(50);
    for (const chain of chains) expect(await flagsOf(chain[0]?.device ?? '')).toEqual([]);
  });
});
