// The one hub client: where the hub is and its token come from the managed settings; every answer is data,
// "unavailable" (try later) or "refused" (status, code, reason); the token is sent only as the Authorization
// header and never appears in a result or a thrown message.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { fakeBrowser } from 'wxt/testing';
import {
  describeFailure,
  hubAuthorization,
  hubRequest,
  hubTransport,
  NOT_CONFIGURED,
} from '../../src/background/hub-client';
import { forgetManagedSettings } from '../../src/background/managed';

const TOKEN = 'tok-ABCDEFGHIJKLMNOPQRSTUVWXYZ-secret';
const HUB = 'http://hub.test:4300/';
const Feed = z.object({ cursor: z.string(), more: z.boolean() });

type FetchArgs = [input: RequestInfo | URL, init?: RequestInit];
let calls: FetchArgs[];

function stubFetch(answer: (...args: FetchArgs) => Promise<Response>): void {
  calls = [];
  vi.stubGlobal('fetch', (...args: FetchArgs) => {
    calls.push(args);
    return answer(...args);
  });
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

beforeEach(() => {
  fakeBrowser.reset();
  vi.restoreAllMocks();
  forgetManagedSettings();
  vi.spyOn(browser.storage.managed, 'get').mockResolvedValue({
    role: 'sro',
    hubUrl: HUB,
    hubToken: TOKEN,
  } as never);
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('hubRequest', () => {
  it('sends the token as a bearer header to the managed hub URL and parses the answer with the schema', async () => {
    stubFetch(async () => json(200, { cursor: '7', more: false, extra: 1 }, { etag: '"v3"' }));
    const result = await hubRequest({ path: '/v1/consents/mine?since=3', schema: Feed });
    expect(result).toEqual({ ok: true, status: 200, data: { cursor: '7', more: false }, etag: '"v3"' });
    expect(String(calls[0]?.[0])).toBe('http://hub.test:4300/v1/consents/mine?since=3');
    const headers = calls[0]?.[1]?.headers as Record<string, string>;
    expect(headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(calls[0]?.[1]?.signal).toBeInstanceOf(AbortSignal);
    expect(calls[0]?.[1]?.credentials).toBe('omit');
  });

  it('posts a JSON body with its content type', async () => {
    stubFetch(async () => json(201, { id: 'r1' }));
    const result = await hubRequest({
      path: '/v1/requests',
      method: 'POST',
      body: { id: 'r1' },
      schema: z.object({ id: z.string() }),
    });
    expect(result).toMatchObject({ ok: true, status: 201 });
    expect(calls[0]?.[1]?.method).toBe('POST');
    expect(calls[0]?.[1]?.body).toBe('{"id":"r1"}');
    expect((calls[0]?.[1]?.headers as Record<string, string>)['content-type']).toBe('application/json');
  });

  it('without a token configured, asks nothing and answers unavailable (not configured)', async () => {
    vi.spyOn(browser.storage.managed, 'get').mockResolvedValue({ role: 'sro', hubUrl: HUB } as never);
    stubFetch(async () => json(200, {}));
    expect(await hubRequest({ path: '/v1/policy', schema: z.unknown() })).toEqual({
      ok: false,
      kind: 'unavailable',
      reason: NOT_CONFIGURED,
    });
    expect(calls).toHaveLength(0);
  });

  it('a hub that does not answer in time is unavailable, within the bound', async () => {
    stubFetch(
      (_input, init) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
        }),
    );
    const started = Date.now();
    const result = await hubRequest({ path: '/v1/policy', schema: z.unknown(), timeoutMs: 50 });
    expect(result).toEqual({ ok: false, kind: 'unavailable', reason: 'no answer within 50 ms' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a network error is unavailable, and the token in its message is removed', async () => {
    stubFetch(async () => {
      throw new TypeError(`failed to fetch with Bearer ${TOKEN}`);
    });
    const result = await hubRequest({ path: '/v1/policy', schema: z.unknown() });
    expect(result).toMatchObject({ ok: false, kind: 'unavailable' });
    expect(JSON.stringify(result)).not.toContain(TOKEN);
    expect(JSON.stringify(result)).toContain('[token]');
  });

  it('401 is refused with the hub error code and message', async () => {
    stubFetch(async () => json(401, { error: { code: 'bad_token', message: 'the token is not known' } }));
    const result = await hubRequest({ path: '/v1/consents/mine', schema: Feed });
    expect(result).toEqual({
      ok: false,
      kind: 'refused',
      status: 401,
      code: 'bad_token',
      reason: 'hub answered 401: the token is not known',
    });
    if (result.ok) throw new Error('unreachable');
    expect(describeFailure(result)).toBe(
      'hub refused (401 bad_token): hub answered 401: the token is not known',
    );
  });

  it('a hub echoing the token in an error message never hands it back', async () => {
    stubFetch(async () => json(403, { error: { code: 'forbidden', message: `token ${TOKEN} revoked` } }));
    const result = await hubRequest({ path: '/v1/consents/mine', schema: Feed });
    expect(result).toMatchObject({ ok: false, kind: 'refused', status: 403, code: 'forbidden' });
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it('a 200 that is not JSON is refused with the reason', async () => {
    stubFetch(async () => new Response('<html>proxy login</html>', { status: 200 }));
    expect(await hubRequest({ path: '/v1/consents/mine', schema: Feed })).toEqual({
      ok: false,
      kind: 'refused',
      status: 200,
      reason: 'hub answered 200 with a body that is not JSON',
    });
  });

  it('a 200 outside the schema is refused naming the field', async () => {
    stubFetch(async () => json(200, { cursor: 7, more: false }));
    const result = await hubRequest({ path: '/v1/consents/mine', schema: Feed });
    expect(result).toMatchObject({ ok: false, kind: 'refused', status: 200 });
    if (result.ok || result.kind !== 'refused') throw new Error('unreachable');
    expect(result.reason).toMatch(/outside the contract at cursor/);
  });

  it('a conditional GET answered 304 is not-modified; without if-none-match a 304 is refused', async () => {
    stubFetch(async () => new Response(null, { status: 304 }));
    expect(await hubRequest({ path: '/v1/policy', schema: z.unknown(), ifNoneMatch: '"v3"' })).toEqual({
      ok: false,
      kind: 'not-modified',
    });
    expect((calls[0]?.[1]?.headers as Record<string, string>)['if-none-match']).toBe('"v3"');
    expect(await hubRequest({ path: '/v1/policy', schema: z.unknown() })).toMatchObject({
      ok: false,
      kind: 'refused',
      status: 304,
    });
  });

  it('never throws, and no failure carries the token, whatever fetch does', async () => {
    const failures: Array<() => Promise<Response>> = [
      async () => {
        throw new Error(TOKEN);
      },
      async () => json(500, { error: { code: 'internal', message: TOKEN } }),
      async () => new Response(TOKEN, { status: 502 }),
      async () => json(200, { cursor: TOKEN }),
    ];
    for (const failure of failures) {
      stubFetch(failure);
      const result = await hubRequest({ path: '/v1/consents/mine', schema: Feed });
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(JSON.stringify(result)).not.toContain(TOKEN);
      expect(describeFailure(result)).not.toContain(TOKEN);
    }
  });
});

describe('hubTransport (the outbox worker’s transport)', () => {
  it('adds the endpoint’s token as the Authorization header and keeps the caller’s own headers and options', async () => {
    stubFetch(async () => json(200, {}));
    const send = hubTransport({ hubUrl: HUB, token: TOKEN });
    const signal = new AbortController().signal;
    await send('http://hub.test:4300/v1/events', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"events":[]}',
      signal,
      credentials: 'omit',
    });
    const init = calls[0]?.[1];
    const headers = new Headers(init?.headers);
    expect(headers.get('authorization')).toBe(`Bearer ${TOKEN}`);
    expect(headers.get('content-type')).toBe('application/json');
    expect(init).toMatchObject({ method: 'POST', body: '{"events":[]}', signal, credentials: 'omit' });
  });

  it('without a token sends no Authorization header, and a caller cannot put another in', async () => {
    stubFetch(async () => json(200, {}));
    await hubTransport({ hubUrl: HUB })('http://hub.test:4300/v1/events', { method: 'POST' });
    expect(new Headers(calls[0]?.[1]?.headers).has('authorization')).toBe(false);
    await hubTransport({ hubUrl: HUB, token: TOKEN })('http://hub.test:4300/v1/events', {
      headers: { authorization: 'Bearer someone-else' },
    });
    expect(new Headers(calls[1]?.[1]?.headers).get('authorization')).toBe(`Bearer ${TOKEN}`);
  });

  it('hubAuthorization is the one header both use', () => {
    expect(hubAuthorization(TOKEN)).toEqual({ authorization: `Bearer ${TOKEN}` });
    expect(hubAuthorization(undefined)).toEqual({});
  });
});
