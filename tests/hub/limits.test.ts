import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createHarness, json, makeChain, type Harness } from './helpers';

describe.each(BACKENDS)('limits on $name', (backend) => {
  let hub: Harness;
  beforeAll(async () => {
    hub = await createHarness(backend, { rateLimit: { max: 5, windowMs: 60_000 }, bodyLimit: 4096 });
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('limits requests per token with 429, Retry-After and a JSON body; other tokens keep going', async () => {
    const statuses: number[] = [];
    let last;
    for (let n = 0; n < 7; n++) {
      last = await hub.call('clerk', { method: 'GET', url: '/v1/requests' });
      statuses.push(last.statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(Number(last?.headers['retry-after'])).toBeGreaterThan(0);
    expect(json(last as never)).toMatchObject({
      error: { code: 'rate_limited', message: expect.stringMatching(/retry in/) },
    });
    expect((await hub.call('sro', { method: 'GET', url: '/v1/requests/mine' })).statusCode).toBe(200);
  });

  it('limits callers without a valid token per address, so guessing tokens does not help', async () => {
    const statuses: number[] = [];
    for (let n = 0; n < 7; n++) {
      const token = `rgh_${String(n).repeat(43)}`;
      statuses.push(
        (
          await hub.app.inject({
            method: 'GET',
            url: '/v1/policy',
            headers: { authorization: `Bearer ${token}` },
          })
        ).statusCode,
      );
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429]);
  });

  it('applies the configured body limit with 413', async () => {
    const events = await makeChain(10, { device: 'limit' });
    const response = await hub.call('admin', { method: 'POST', url: '/v1/events', payload: { events } });
    expect(response.statusCode).toBe(413);
    expect(json(response)).toMatchObject({ error: { code: 'body_too_large' } });
  });
});
