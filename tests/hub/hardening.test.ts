// Issue 11: bad input never answers 500, devices belong to their owner, bodies are decoded or refused, every
// error has one shape, and nothing secret reaches a log line.
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggableError } from '../../src/hub/errors';
import { EventBatchResultSchema } from '../../src/report/event-contract';
import {
  BACKENDS,
  bundleFor,
  consentBody,
  createHarness,
  json,
  makeChain,
  newId,
  rehash,
  type Harness,
} from './helpers';

/** The element at `index`, which the test has just made sure exists. */
function nth<T>(list: readonly T[], index: number): T {
  const value = list[index];
  if (value === undefined) throw new Error(`no element ${index}`);
  return value;
}

const expectErrorShape = (body: unknown, code: string) => {
  expect(body).toMatchObject({ error: { code, message: expect.any(String) } });
  expect(Object.keys(body as object)).toEqual(['error']);
};

describe.each(BACKENDS)('issue 11 hardening on $name', (backend) => {
  let hub: Harness;
  const logLines: string[] = [];
  beforeAll(async () => {
    const logStream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logLines.push(chunk.toString('utf8'));
        callback();
      },
    });
    hub = await createHarness(backend, { logLevel: 'trace' }, { logStream });
  });
  afterAll(async () => {
    await hub?.close();
  });

  const postEvents = (events: unknown[], who: 'sro' | 'sro2' | 'admin' = 'sro') =>
    hub.call(who, { method: 'POST', url: '/v1/events', payload: { events } });

  describe('dates, offsets and versions the database can store', () => {
    it.each([
      ['year 0000', '0000-01-01T00:00:00Z', /year/],
      ['year 1899', '1899-12-31T23:59:59Z', /year/],
      ['offset +23:59', '2026-11-01T10:00:00+23:59', /offset/],
      ['offset -15:00', '2026-11-01T10:00:00-15:00', /offset/],
    ])('refuses an event time with %s (400 naming the field)', async (_label, time, message) => {
      const event = nth(await makeChain(1, { device: `bounds-${newId()}` }), 0);
      const response = await postEvents([await rehash({ ...event, time })]);
      expect(response.statusCode).toBe(400);
      expect(json(response)).toMatchObject({
        error: { code: 'invalid_request', field: 'events[0].time', message: expect.stringMatching(message) },
      });
    });

    it('stores an event time at the edge (+14:00 and -12:00)', async () => {
      const device = `edge-${newId()}`;
      const events = await makeChain(2, { device });
      const at = new Date(Date.now() - 3_600_000);
      const plus = new Date(at.getTime() + 14 * 3_600_000).toISOString().replace('Z', '+14:00');
      const minus = new Date(at.getTime() - 12 * 3_600_000).toISOString().replace('Z', '-12:00');
      const first = await rehash({ ...nth(events, 0), time: plus });
      const second = await rehash({ ...nth(events, 1), time: minus, prevHash: first.hash });
      const response = await postEvents([first, second]);
      expect(response.statusCode).toBe(200);
      expect(EventBatchResultSchema.parse(json(response)).stored).toHaveLength(2);
    });

    it.each([
      ['signedOn', { signedOn: '0000-01-01', expiresOn: '2099-01-01' }],
      ['studentBirthDate', { studentBirthDate: '0000-01-01' }],
      ['expiresOn', { expiresOn: '0000-01-01' }],
    ])('refuses a consent %s in year 0000 (400 naming the field)', async (field, overrides) => {
      const response = await hub.call('clerk', {
        method: 'POST',
        url: '/v1/consents',
        payload: consentBody(overrides),
      });
      expect(response.statusCode).toBe(400);
      expect(json(response)).toMatchObject({ error: { code: 'invalid_request', field } });
    });

    it('publishes past 2^31 − 1 (no wedge), and refuses a version with no room after it', async () => {
      const publish = async (version: number) =>
        hub.call('admin', { method: 'PUT', url: '/v1/policy', payload: await bundleFor(undefined, version) });
      expect((await publish(2147483647)).statusCode).toBe(200);
      const next = await publish(2147483648);
      expect(next.statusCode).toBe(200);
      expect(json(next)).toMatchObject({ version: 2147483648 });
      // Requests filed under it store that version (a bigint column now).
      const filed = await hub.call('sro', {
        method: 'POST',
        url: '/v1/requests',
        payload: {
          basis: 'judicial-order',
          studentId: '100777',
          categories: ['attendance'],
          actions: ['view'],
          justification: 'Court order for attendance records in case 25-JV-0001, served this morning.',
          evidence: {
            'case-number': '25-JV-0001',
            'issuing-court': 'Stanislaus County Superior Court',
            'order-date': '2026-11-20',
          },
        },
      });
      expect(filed.statusCode).toBe(201);
      const jump = await publish(2147483648 + 2 ** 32 + 1);
      expect(jump.statusCode).toBe(400);
      expect(json(jump)).toMatchObject({ error: { code: 'invalid_request', field: 'policy.version' } });
      const unsafe = await publish(2 ** 53);
      expect(unsafe.statusCode).toBe(400);
      expect(json(unsafe)).toMatchObject({ error: { field: 'policy.version' } });
      const still = await hub.call('admin', { method: 'GET', url: '/v1/policy' });
      expect(json(still)).toMatchObject({ version: 2147483648 });
      expect((await publish(2147483649)).statusCode).toBe(200);
    });
  });

  describe('devices belong to their owner', () => {
    it("refuses another user's events for a device (403, audited, not flagged), stores its owner's", async () => {
      const device = `owned-${newId()}`;
      const mine = await makeChain(2, { device });
      expect((await postEvents(mine)).statusCode).toBe(200);

      const intruder = await makeChain(1, {
        device,
        username: 'officer.kim',
        startSeq: 3,
        prevHash: nth(mine, 1).hash,
      });
      const refused = await postEvents(intruder, 'sro2');
      expect(refused.statusCode).toBe(403);
      expectErrorShape(json(refused), 'forbidden');
      // A device event with no user is refused too: the device, not the actor, decides.
      const anonymous = await rehash({ ...nth(intruder, 0), actor: { role: 'unknown' } });
      expect((await postEvents([anonymous], 'sro2')).statusCode).toBe(403);

      const audit = await hub.call('admin', { method: 'GET', url: '/v1/audit?action=device.refused' });
      const entries = json<{ entries: { target: string; actor: string }[] }>(audit).entries;
      expect(entries.filter((entry) => entry.target === `device:${device}`)).toHaveLength(2);
      expect(entries.every((entry) => entry.actor === 'officer.kim')).toBe(true);
      const flags = await hub.call('admin', { method: 'GET', url: `/v1/device-flags?device=${device}` });
      expect(json<{ flags: unknown[] }>(flags).flags).toEqual([]);
      const stored = await hub.db.query<{ n: number }>('SELECT count(*) AS n FROM events WHERE device = $1', [
        device,
      ]);
      expect(stored.rows[0]?.n).toBe(2);

      // The owner goes on as before.
      const more = await makeChain(1, { device, startSeq: 3, prevHash: nth(mine, 1).hash });
      expect(EventBatchResultSchema.parse(json(await postEvents(more))).stored).toEqual([nth(more, 0).id]);
    });

    it("cannot pre-empt another device's event ids", async () => {
      const victimDevice = `victim-${newId()}`;
      const victimEvent = nth(await makeChain(1, { device: victimDevice }), 0);
      // Another SRO stores content under the id the victim's device will send, on their own device.
      const squat = nth(await makeChain(1, { device: `squatter-${newId()}`, username: 'officer.kim' }), 0);
      const squatted = await rehash({ ...squat, id: victimEvent.id });
      expect(EventBatchResultSchema.parse(json(await postEvents([squatted], 'sro2'))).stored).toEqual([
        victimEvent.id,
      ]);
      // The victim's real event is stored, not refused as a conflict, and nothing is flagged.
      const result = EventBatchResultSchema.parse(json(await postEvents([victimEvent])));
      expect(result).toEqual({ stored: [victimEvent.id], duplicates: [], rejected: [] });
      const flags = await hub.call('admin', {
        method: 'GET',
        url: `/v1/device-flags?device=${victimDevice}`,
      });
      expect(json<{ flags: unknown[] }>(flags).flags).toEqual([]);
    });
  });

  describe('bodies', () => {
    it('answers a valid JSON body nested 6,000 levels with a 400 naming the depth, not malformed_json', async () => {
      const deep = `{"events":${'['.repeat(6000)}${']'.repeat(6000)}}`;
      const response = await hub.call('sro', {
        method: 'POST',
        url: '/v1/events',
        payload: deep,
        headers: { 'content-type': 'application/json' },
      });
      expect(response.statusCode).toBe(400);
      expect(json(response)).toMatchObject({
        error: { code: 'invalid_request', field: 'body', message: expect.stringMatching(/nested/) },
      });
    });

    it.each([
      ['gzip', gzipSync],
      ['deflate', deflateSync],
      ['br', brotliCompressSync],
    ] as const)('decodes a %s body', async (encoding, encode) => {
      const events = await makeChain(3, { device: `enc-${encoding}-${newId()}` });
      const response = await hub.call('sro', {
        method: 'POST',
        url: '/v1/events',
        payload: encode(Buffer.from(JSON.stringify({ events }))),
        headers: { 'content-type': 'application/json', 'content-encoding': encoding },
      });
      expect(response.statusCode).toBe(200);
      expect(EventBatchResultSchema.parse(json(response)).stored).toHaveLength(3);
    });

    it('refuses an unknown or stacked encoding (415), a body that does not decode (400), a bomb (413)', async () => {
      const events = await makeChain(1, { device: `enc-bad-${newId()}` });
      const plain = JSON.stringify({ events });
      const send = (payload: string | Buffer, encoding: string) =>
        hub.call('sro', {
          method: 'POST',
          url: '/v1/events',
          payload,
          headers: { 'content-type': 'application/json', 'content-encoding': encoding },
        });
      for (const encoding of ['compress', 'zstd', 'gzip, br']) {
        const response = await send(plain, encoding);
        expect(response.statusCode).toBe(415);
        expectErrorShape(json(response), 'unsupported_media_type');
      }
      const notBrotli = await send(plain, 'br');
      expect(notBrotli.statusCode).toBe(400);
      expectErrorShape(json(notBrotli), 'malformed_json');
      const bomb = gzipSync(Buffer.alloc(hub.config.bodyLimit * 4, 0x20));
      const tooLarge = await send(bomb, 'gzip');
      expect(tooLarge.statusCode).toBe(413);
      expectErrorShape(json(tooLarge), 'body_too_large');
      expect((await send(plain, 'identity')).statusCode).toBe(200);
    });
  });

  describe('one error shape', () => {
    it('for a URL that does not decode and a path segment too long', async () => {
      const bad = await hub.call('clerk', {
        method: 'POST',
        url: '/v1/consents/%E0%A4%A/revoke',
        payload: {},
      });
      expect(bad.statusCode).toBe(400);
      expectErrorShape(json(bad), 'invalid_request');
      const long = await hub.call('clerk', {
        method: 'POST',
        url: `/v1/consents/${'x'.repeat(200)}/revoke`,
        payload: {},
      });
      expect(long.statusCode).toBe(414);
      expectErrorShape(json(long), 'uri_too_long');
    });
  });

  describe('logs', () => {
    it('never holds a token pasted into a URL path', async () => {
      await hub.call(null, { method: 'GET', url: `/v1/tokens/${hub.tokens.admin}/revoke` });
      await hub.call('admin', { method: 'POST', url: `/v1/tokens/${hub.tokens.sro}/revoke` });
      const log = logLines.join('');
      expect(log).toContain('/v1/tokens/rgh_[redacted]');
      for (const token of Object.values(hub.tokens)) expect(log).not.toContain(token);
    });

    it("keeps a database error's code and drops its parameters", async () => {
      const secret = 'Ana Lopez, justification for student 100234';
      const error = await hub.db.query('SELECT $1::int AS n', [secret]).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(Error);
      expect(loggableError(error)).toMatchObject({ type: 'DbError', code: '22P02' });
      expect(JSON.stringify(loggableError(error))).not.toContain('Ana Lopez');
      expect(inspect(error, { depth: 10 })).not.toContain('Ana Lopez');
      expect(JSON.stringify(error)).not.toContain('Ana Lopez');
    });
  });
});

describe.each(BACKENDS)('the database away on $name', (backend) => {
  it('answers 503 with Retry-After (never 500), and health and readiness say so', async () => {
    const hub = await createHarness(backend);
    try {
      const ready = await hub.call(null, { method: 'GET', url: '/v1/ready' });
      expect(ready.statusCode).toBe(200);
      expect(json(ready)).toMatchObject({ status: 'ready', checks: { read: true, write: true } });
      await hub.db.close();
      const events = await makeChain(1, { device: `away-${newId()}` });
      const posted = await hub.call('sro', { method: 'POST', url: '/v1/events', payload: { events } });
      expect(posted.statusCode).toBe(503);
      expect(posted.headers['retry-after']).toBeDefined();
      expectErrorShape(json(posted), 'unavailable');
      expect((await hub.call(null, { method: 'GET', url: '/v1/health' })).statusCode).toBe(503);
      const notReady = await hub.call(null, { method: 'GET', url: '/v1/ready' });
      expect(notReady.statusCode).toBe(503);
      expect(json(notReady)).toMatchObject({ status: 'unavailable', error: { code: 'unavailable' } });
    } finally {
      await hub.close();
    }
  });
});

describe.each(BACKENDS)('HTTP parser errors and timeouts on $name', (backend) => {
  let hub: Harness;
  let port: number;
  const logLines: string[] = [];
  beforeAll(async () => {
    const logStream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logLines.push(chunk.toString('utf8'));
        callback();
      },
    });
    hub = await createHarness(backend, { logLevel: 'trace', requestTimeoutMs: 1000 }, { logStream });
    const address = await hub.app.listen({ port: 0, host: '127.0.0.1' });
    port = Number(new URL(address).port);
  });
  afterAll(async () => {
    await hub?.close();
  });

  /** Writes raw bytes and reads until the server closes (bounded). */
  const raw = (bytes: string, waitMs = 8000): Promise<{ text: string; ms: number }> =>
    new Promise((resolve, reject) => {
      const started = Date.now();
      const socket = connect(port, '127.0.0.1');
      let text = '';
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no answer within ${waitMs} ms; got ${JSON.stringify(text)}`));
      }, waitMs);
      socket.on('data', (chunk) => (text += chunk.toString('utf8')));
      socket.on('close', () => {
        clearTimeout(timer);
        resolve({ text, ms: Date.now() - started });
      });
      socket.on('error', () => undefined);
      socket.write(bytes);
    });

  const bodyOf = (text: string): unknown => JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));

  it('answers a malformed request in the error shape, logging none of its bytes', async () => {
    const { text } = await raw(
      `GET /v1/policy HTTP/1.1\r\nAuthorization: Bearer ${hub.tokens.admin}\r\nBad Header\r\n\r\n`,
    );
    expect(text).toMatch(/^HTTP\/1\.1 400/);
    expectErrorShape(bodyOf(text), 'invalid_request');
    expect(logLines.join('')).not.toContain(hub.tokens.admin);
  });

  it('answers headers too large with 431 in the error shape', async () => {
    const { text } = await raw(`GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(text).toMatch(/^HTTP\/1\.1 431/);
    expectErrorShape(bodyOf(text), 'headers_too_large');
  });

  it('answers a body that stops arriving with 408 within the request timeout', async () => {
    const { text, ms } = await raw(
      `POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${hub.tokens.sro}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"events":[',
    );
    expect(text).toMatch(/^HTTP\/1\.1 408/);
    expectErrorShape(bodyOf(text), 'request_timeout');
    expect(ms).toBeLessThan(4000);
  });
});
