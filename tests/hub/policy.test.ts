import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicyBundle } from '../../src/policy/bundle';
import { BACKENDS, bundleFor, createHarness, DISTRICT, json, OTHER_DISTRICT, type Harness } from './helpers';

interface PolicyAnswer {
  district: string;
  policyId: string;
  version: number;
  publishedBy: string;
  signature: string | null;
  bundle: unknown;
}

describe.each(BACKENDS)('policy on $name', (backend) => {
  let hub: Harness;
  beforeAll(async () => {
    hub = await createHarness(backend);
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('serves the seeded bundle to every role of the district, valid and unsigned for now', async () => {
    for (const who of ['sro', 'clerk', 'admin'] as const) {
      const response = await hub.call(who, { method: 'GET', url: '/v1/policy' });
      expect(response.statusCode).toBe(200);
      const answer = json<PolicyAnswer>(response);
      expect(answer).toMatchObject({ district: DISTRICT, version: 1, publishedBy: 'hub', signature: null });
      expect(parsePolicyBundle(answer.bundle).ok).toBe(true);
      expect(response.headers.etag).toBe(`"${answer.policyId}-1"`);
    }
  });

  it('answers 304 to a browser that already has the version', async () => {
    const first = await hub.call('sro', { method: 'GET', url: '/v1/policy' });
    const again = await hub.call('sro', {
      method: 'GET',
      url: '/v1/policy',
      headers: { 'if-none-match': String(first.headers.etag) },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('publishes a greater version (admin), audited, and serves it', async () => {
    const response = await hub.call('admin', {
      method: 'PUT',
      url: '/v1/policy',
      payload: await bundleFor(DISTRICT, 2),
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(json(response)).toMatchObject({ version: 2, publishedBy: 'admin.lee', signature: null });
    expect(json<PolicyAnswer>(await hub.call('sro', { method: 'GET', url: '/v1/policy' })).version).toBe(2);
    const audit = json<{ entries: { action: string; actor: string; target: string }[] }>(
      await hub.call('admin', { method: 'GET', url: '/v1/audit?action=policy.publish' }),
    );
    expect(audit.entries.at(-1)).toMatchObject({ actor: 'admin.lee', target: expect.stringMatching(/@2$/) });
    const seed = json<{ entries: { actor: string }[] }>(
      await hub.call('admin', { method: 'GET', url: '/v1/audit?action=policy.seed' }),
    );
    expect(seed.entries).toEqual([expect.objectContaining({ actor: 'hub' })]);
  });

  it('refuses a replayed or lower version, keeping the one in force', async () => {
    for (const version of [1, 2]) {
      const response = await hub.call('admin', {
        method: 'PUT',
        url: '/v1/policy',
        payload: await bundleFor(DISTRICT, version),
      });
      expect(response.statusCode).toBe(400);
      expect(json(response)).toMatchObject({ error: { code: 'invalid_request', field: 'policy.version' } });
    }
    expect(json<PolicyAnswer>(await hub.call('sro', { method: 'GET', url: '/v1/policy' })).version).toBe(2);
  });

  it('refuses an invalid bundle naming the field', async () => {
    const bundle = await bundleFor(DISTRICT, 9);
    const [rule] = (bundle.policy as { rules: { effect: string }[] }).rules;
    if (!rule) throw new Error('the policy has no rules');
    rule.effect = 'sometimes';
    const response = await hub.call('admin', { method: 'PUT', url: '/v1/policy', payload: bundle });
    expect(response.statusCode).toBe(400);
    expect(json(response)).toMatchObject({ error: { field: 'policy.rules[0].effect' } });
    const unknown = await hub.call('admin', {
      method: 'PUT',
      url: '/v1/policy',
      payload: { ...(await bundleFor(DISTRICT, 9)), extra: true },
    });
    expect(unknown.statusCode).toBe(400);
    expect(json<PolicyAnswer>(await hub.call('sro', { method: 'GET', url: '/v1/policy' })).version).toBe(2);
  });

  it("refuses a bundle for another district (403), and lets that district's admin publish its own", async () => {
    const foreign = await hub.call('admin', {
      method: 'PUT',
      url: '/v1/policy',
      payload: await bundleFor(OTHER_DISTRICT, 50),
    });
    expect(foreign.statusCode).toBe(403);
    expect((await hub.call('otherSro', { method: 'GET', url: '/v1/policy' })).statusCode).toBe(404);
    const own = await hub.call('otherAdmin', {
      method: 'PUT',
      url: '/v1/policy',
      payload: await bundleFor(OTHER_DISTRICT, 1),
    });
    expect(own.statusCode, own.body).toBe(200);
    const theirs = json<PolicyAnswer>(await hub.call('otherSro', { method: 'GET', url: '/v1/policy' }));
    expect(theirs).toMatchObject({ district: OTHER_DISTRICT, version: 1 });
    expect(json<PolicyAnswer>(await hub.call('sro', { method: 'GET', url: '/v1/policy' })).version).toBe(2);
  });
});
