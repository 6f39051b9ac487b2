// Issue 11: two hub processes on one PostgreSQL database share the rate limit and see a revocation made on the
// other within a second or so. Needs HUB_TEST_DATABASE_URL (scripts/ci-postgres.sh); skipped without it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/hub/db';
import { makeChain } from './helpers';
import { boundedFetch, prepareDatabase, startHub, type HubProcess } from './processes';

const url = process.env.HUB_TEST_DATABASE_URL;

describe.skipIf(url === undefined)('two hub replicas on one PostgreSQL (needs HUB_TEST_DATABASE_URL)', () => {
  const schema = `hub_replicas_${process.pid}`;
  let a: HubProcess;
  let b: HubProcess;
  let tokens: { sro: string; admin: string; sroTokenId: string; admin2: string };
  const LIMIT = 40;

  beforeAll(async () => {
    const db = await openPostgres(url as string, { schema });
    try {
      tokens = await prepareDatabase(db);
    } finally {
      await db.close();
    }
    const env = {
      DATABASE_URL: url as string,
      HUB_DATABASE_SCHEMA: schema,
      HUB_RATE_LIMIT_MAX: String(LIMIT),
      // An hour-long window: the test never straddles a window boundary.
      HUB_RATE_LIMIT_WINDOW_MS: String(60 * 60 * 1000),
      HUB_TOKEN_CACHE_MS: '1000',
    };
    [a, b] = await Promise.all([startHub(env, 'replica-a'), startHub(env, 'replica-b')]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    const db = await openPostgres(url as string);
    await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.close();
  });

  const get = (hub: HubProcess, token: string) =>
    boundedFetch(`${hub.base}/v1/policy`, { headers: { authorization: `Bearer ${token}` } });

  it('shares the rate limit: the two together allow the configured number, not twice it', async () => {
    const statuses: number[] = [];
    for (let index = 0; index < LIMIT; index++) {
      // Alternating replicas, a token of its own: LIMIT + 2 requests in all, 2 over the limit.
      statuses.push((await get(index % 2 === 0 ? a : b, tokens.admin2)).status);
    }
    const over = await get(a, tokens.admin2);
    const overB = await get(b, tokens.admin2);
    expect(statuses.every((status) => status === 200)).toBe(true);
    expect(over.status).toBe(429);
    expect(overB.status).toBe(429);
    expect(await overB.json()).toMatchObject({ error: { code: 'rate_limited' } });
  });

  it("one device's batches alternating between the replicas: no broken chain, no duplicate, no false tamper flag", async () => {
    const chain = await makeChain(40, { device: 'laptop-replicas' });
    const batches = Array.from({ length: 8 }, (_, index) => chain.slice(index * 5, index * 5 + 5));
    const post = (hub: HubProcess, events: unknown[]) =>
      boundedFetch(`${hub.base}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.sro}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events }),
      });
    const stored: string[] = [];
    // In turn, a, b, a, …
    for (const [index, batch] of batches.slice(0, 6).entries()) {
      const response = await post(index % 2 === 0 ? a : b, batch);
      expect(response.status).toBe(200);
      stored.push(...((await response.json()) as { stored: string[] }).stored);
    }
    // Two batches at once, the later one on the other replica (it may land first: a gap, not a break).
    const [seventh, eighth] = await Promise.all([post(a, batches[6] ?? []), post(b, batches[7] ?? [])]);
    for (const response of [seventh, eighth]) {
      expect(response.status).toBe(200);
      stored.push(...((await response.json()) as { stored: string[] }).stored);
    }
    // A retry of a batch the other replica stored (a lost answer): duplicates, nothing stored twice.
    const retry = await post(b, batches[2] ?? []);
    expect(await retry.json()).toMatchObject({
      stored: [],
      duplicates: (batches[2] ?? []).map((event) => event.id),
    });
    expect(new Set(stored).size).toBe(40);

    const devices = (await (
      await boundedFetch(`${a.base}/v1/devices`, { headers: { authorization: `Bearer ${tokens.admin}` } })
    ).json()) as { devices: { device: string; events: number; missing: number; flags: number }[] };
    expect(devices.devices.find((device) => device.device === 'laptop-replicas')).toMatchObject({
      events: 40,
      missing: 0,
      flags: 0,
    });
    const flags = (await (
      await boundedFetch(`${b.base}/v1/device-flags?device=laptop-replicas`, {
        headers: { authorization: `Bearer ${tokens.admin}` },
      })
    ).json()) as { flags: unknown[] };
    expect(flags.flags).toEqual([]);
  });

  it('a token revoked on one replica stops working on the other within about a second', async () => {
    expect((await get(b, tokens.sro)).status).toBe(200); // now in b's token cache
    const revoke = await boundedFetch(`${a.base}/v1/tokens/${tokens.sroTokenId}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.admin}` },
    });
    expect(revoke.status).toBe(200);
    const revokedAt = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < 5000) {
      status = (await get(b, tokens.sro)).status;
      if (status === 200) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(1600);
  });
});
