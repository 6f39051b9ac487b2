// The hub stores and serves signed bundles exactly as published, cannot sign, and shows admins what every
// browser runs and the published policy history.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyBundle } from '../../src/policy/bundle';
import { generateKeyPair, signBundle, verifySignedBundle, type SignedBundle } from '../../src/policy/signing';
import { BACKENDS, bundleFor, createHarness, DISTRICT, json, makeChain, type Harness } from './helpers';

interface PolicyAnswer {
  version: number;
  keyId: string | null;
  signature: string | null;
  signed: SignedBundle | null;
}

describe.each(BACKENDS)('signed policy bundles at the hub on $name', (backend) => {
  let hub: Harness;
  let key: { keyId: string; publicKey: string; privateKey: string };
  const signed = async (version: number, district = DISTRICT): Promise<SignedBundle> =>
    signBundle((await bundleFor(district, version)) as unknown as PolicyBundle, key, new Date());
  beforeAll(async () => {
    hub = await createHarness(backend);
    key = { keyId: 'district-2026', ...(await generateKeyPair()) };
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('stores a signed bundle as published and serves it byte for byte, so browsers can verify it', async () => {
    const bundle = await signed(2);
    const put = await hub.call('admin', { method: 'PUT', url: '/v1/policy', payload: bundle });
    expect(put.statusCode, put.body).toBe(200);
    expect(json(put)).toMatchObject({ version: 2, keyId: 'district-2026', signature: bundle.signature });
    const served = json<PolicyAnswer>(await hub.call('sro', { method: 'GET', url: '/v1/policy' }));
    expect(served.signed).toEqual(bundle);
    expect(
      await verifySignedBundle(served.signed, {
        trustedKeys: [{ id: key.keyId, publicKey: key.publicKey }],
        district: DISTRICT,
        currentVersion: 1,
      }),
    ).toMatchObject({ ok: true, version: 2 });
  });

  it('refuses a signed bundle whose payload does not parse, for another district, or not newer', async () => {
    const good = await signed(3);
    const broken = await hub.call('admin', {
      method: 'PUT',
      url: '/v1/policy',
      payload: { ...good, payload: good.payload.replace('"version":3', '"version":"3"') },
    });
    expect(broken.statusCode).toBe(400);
    expect(json(broken)).toMatchObject({ error: { field: expect.stringMatching(/^payload/) } });
    const other = await hub.call('admin', {
      method: 'PUT',
      url: '/v1/policy',
      payload: await signed(3, 'other-unified'),
    });
    expect(other.statusCode).toBe(403);
    const rollback = await hub.call('admin', { method: 'PUT', url: '/v1/policy', payload: await signed(2) });
    expect(rollback.statusCode).toBe(400);
    expect(json<PolicyAnswer>(await hub.call('sro', { method: 'GET', url: '/v1/policy' })).version).toBe(2);
  });

  it('the history says who published which version, when, signed with which key, and what changed', async () => {
    const response = await hub.call('admin', { method: 'GET', url: '/v1/policy/history' });
    expect(response.statusCode).toBe(200);
    const { versions } = json<{
      versions: {
        version: number;
        publishedBy: string;
        signed: boolean;
        keyId: string | null;
        changes: { from: unknown };
      }[];
    }>(response);
    expect(versions.map((entry) => entry.version)).toEqual([2, 1]);
    expect(versions[0]).toMatchObject({ publishedBy: 'admin.lee', signed: true, keyId: 'district-2026' });
    expect(versions[0]?.changes.from).toMatchObject({ version: 1 });
    expect(versions[1]).toMatchObject({ publishedBy: 'hub', signed: false, keyId: null });
    expect((await hub.call('sro', { method: 'GET', url: '/v1/policy/history' })).statusCode).toBe(403);
  });

  it('lists every device with the policy it runs, its last report and rejection; old ones stand out', async () => {
    const current = await makeChain(2, { device: 'laptop-new', extra: { policyVersion: 2 } });
    const behind = await makeChain(1, {
      device: 'laptop-old',
      username: 'officer.diaz',
      extra: { policyVersion: 1 },
    });
    const [rejected] = await makeChain(1, {
      device: 'laptop-new',
      startSeq: 3,
      prevHash: current[1]?.hash,
      extra: {
        type: 'policy-rejected',
        policyVersion: 2,
        categories: [],
        citations: [],
        evidence: { check: 'signature', reason: 'the signature does not verify with key "district-2026"' },
      },
    });
    for (const batch of [[...current, rejected], behind])
      expect(
        (await hub.call('sro', { method: 'POST', url: '/v1/events', payload: { events: batch } })).statusCode,
      ).toBe(200);
    const response = await hub.call('admin', { method: 'GET', url: '/v1/admin/devices' });
    expect(response.statusCode, response.body).toBe(200);
    const answer = json<{
      publishedVersion: number;
      devices: {
        device: string;
        policyVersion: number;
        stale: string[];
        lastRejection: { check: string } | null;
        backlog: number;
      }[];
    }>(response);
    expect(answer.publishedVersion).toBe(2);
    const byId = Object.fromEntries(answer.devices.map((device) => [device.device, device]));
    expect(byId['laptop-new']).toMatchObject({
      policyVersion: 2,
      stale: [],
      backlog: 0,
      lastRejection: { check: 'signature' },
    });
    expect(byId['laptop-old']).toMatchObject({
      policyVersion: 1,
      stale: ['old-policy'],
      lastRejection: null,
    });
    hub.clock.advanceMinutes(25 * 60);
    const later = json<{ devices: { device: string; stale: string[] }[] }>(
      await hub.call('admin', { method: 'GET', url: '/v1/admin/devices' }),
    );
    expect(later.devices.find((device) => device.device === 'laptop-new')?.stale).toEqual(['no-report']);
    const bad = await hub.call('admin', { method: 'GET', url: '/v1/admin/devices?staleAfterHours=zero' });
    expect(bad.statusCode).toBe(400);
    expect((await hub.call('sro', { method: 'GET', url: '/v1/admin/devices' })).statusCode).toBe(403);
  });

  it("shows each device's last managed-settings report: signing required, the warnings; unreadable notices left out", async () => {
    const notices = [
      { kind: 'signing-implied' },
      { kind: 'unknown-key', path: 'requireSignedPolicies', suggestion: 'requireSignedPolicy' },
    ];
    const managedEvent = (evidence: Record<string, string>) => ({
      type: 'managed-settings' as const,
      policyVersion: 1,
      categories: [],
      citations: [],
      evidence,
    });
    const [first, second] = await makeChain(2, {
      device: 'laptop-managed',
      extra: managedEvent({ inForce: 'none', signedPolicyRequired: 'true', problems: '1', notices: '[' }),
    });
    const [latest] = await makeChain(1, {
      device: 'laptop-managed',
      startSeq: 3,
      prevHash: second?.hash,
      extra: managedEvent({
        inForce: 'live',
        signedPolicyRequired: 'true',
        problems: '0',
        notices: JSON.stringify(notices),
      }),
    });
    const posted = await hub.call('sro', {
      method: 'POST',
      url: '/v1/events',
      payload: { events: [first, second, latest] },
    });
    expect(posted.statusCode, posted.body).toBe(200);
    const devices = json<{ devices: { device: string; managed: unknown }[] }>(
      await hub.call('admin', { method: 'GET', url: '/v1/admin/devices' }),
    ).devices;
    expect(devices.find((device) => device.device === 'laptop-managed')?.managed).toEqual({
      at: latest?.time,
      inForce: 'live',
      problems: 0,
      signedPolicyRequired: true,
      notices,
    });
    expect(devices.find((device) => device.device === 'laptop-old')?.managed).toBeNull();
  });
});
