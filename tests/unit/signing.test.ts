// Signed policy bundles: every check a browser makes, in order, with the failed one named.
import { describe, expect, it } from 'vitest';
import {
  fingerprintKeyId,
  generateKeyPair,
  isUsablePublicKey,
  readSignedPayload,
  signBundle,
  verifySignedBundle,
  type SignedBundle,
  type TrustedKey,
} from '../../src/policy/signing';
import { policyWith, realBundle } from './support';

const DISTRICT = realBundle.policy.district.id;
const AT = new Date('2026-12-01T12:00:00Z');

async function keyNamed(id: string) {
  const pair = await generateKeyPair();
  return { ...pair, keyId: id, trusted: { id, publicKey: pair.publicKey } satisfies TrustedKey };
}

const withVersion = (version: number) =>
  policyWith((bundle) => {
    bundle.policy.version = version;
  });

/** Flips one bit of the character at `index` of the payload (a byte changed in transit). */
function flipped(envelope: SignedBundle, index: number): SignedBundle {
  const code = envelope.payload.charCodeAt(index) ^ 1;
  return {
    ...envelope,
    payload: `${envelope.payload.slice(0, index)}${String.fromCharCode(code)}${envelope.payload.slice(index + 1)}`,
  };
}

describe('signed policy bundles', () => {
  it('a bundle signed by a trusted key, for this district, with a higher version, verifies', async () => {
    const key = await keyNamed('district-2026');
    const signed = await signBundle(withVersion(2), key, AT);
    const outcome = await verifySignedBundle(signed, {
      trustedKeys: [key.trusted],
      district: DISTRICT,
      currentVersion: 1,
    });
    expect(outcome).toMatchObject({
      ok: true,
      keyId: 'district-2026',
      version: 2,
      signedAt: AT.toISOString(),
    });
    if (outcome.ok) expect(outcome.bundle.policy.version).toBe(2);
  });

  it('one flipped byte anywhere in the payload fails the signature check', async () => {
    const key = await keyNamed('k1');
    const signed = await signBundle(withVersion(2), key, AT);
    for (const index of [0, 10, Math.floor(signed.payload.length / 2), signed.payload.length - 2]) {
      const outcome = await verifySignedBundle(flipped(signed, index), {
        trustedKeys: [key.trusted],
        district: DISTRICT,
      });
      expect(outcome).toMatchObject({ ok: false, check: 'signature' });
    }
    const badSignature = { ...signed, signature: `${signed.signature.slice(0, -4)}AAA=` };
    expect(
      await verifySignedBundle(badSignature, { trustedKeys: [key.trusted], district: DISTRICT }),
    ).toMatchObject({ ok: false, check: 'signature', reason: expect.stringContaining('does not verify') });
  });

  it('a key the managed settings do not trust is refused, even when the bundle names a trusted id', async () => {
    const trusted = await keyNamed('k1');
    const stranger = await keyNamed('k9');
    const signed = await signBundle(withVersion(2), stranger, AT);
    expect(
      await verifySignedBundle(signed, { trustedKeys: [trusted.trusted], district: DISTRICT }),
    ).toMatchObject({ ok: false, check: 'signature', reason: expect.stringContaining('"k9"') });
    // The attacker claims the trusted key's id: the signature then fails.
    const impostor = await signBundle(withVersion(2), { ...stranger, keyId: 'k1' }, AT);
    expect(
      await verifySignedBundle(impostor, { trustedKeys: [trusted.trusted], district: DISTRICT }),
    ).toMatchObject({ ok: false, check: 'signature', reason: expect.stringContaining('does not verify') });
    expect(await verifySignedBundle(signed, { trustedKeys: [], district: DISTRICT })).toMatchObject({
      ok: false,
      check: 'signature',
    });
  });

  it('key rotation: either of two trusted keys verifies its own bundles', async () => {
    const old = await keyNamed('k-2025');
    const next = await keyNamed('k-2026');
    const trustedKeys = [old.trusted, next.trusted];
    const byOld = await signBundle(withVersion(2), old, AT);
    const byNext = await signBundle(withVersion(3), next, AT);
    expect(await verifySignedBundle(byOld, { trustedKeys, district: DISTRICT })).toMatchObject({
      ok: true,
      keyId: 'k-2025',
    });
    expect(
      await verifySignedBundle(byNext, { trustedKeys, district: DISTRICT, currentVersion: 2 }),
    ).toMatchObject({ ok: true, keyId: 'k-2026' });
  });

  it('rollback: a validly signed older or equal version is refused by the version check', async () => {
    const key = await keyNamed('k1');
    const v1 = await signBundle(withVersion(1), key, AT);
    const context = { trustedKeys: [key.trusted], district: DISTRICT, currentVersion: 2 };
    expect(await verifySignedBundle(v1, context)).toMatchObject({ ok: false, check: 'version', version: 1 });
    const v2 = await signBundle(withVersion(2), key, AT);
    expect(await verifySignedBundle(v2, context)).toMatchObject({ ok: false, check: 'version' });
  });

  it('another district’s bundle is refused by the district check', async () => {
    const key = await keyNamed('k1');
    const other = policyWith((bundle) => {
      bundle.policy.version = 5;
      bundle.policy.district.id = 'other-usd';
    });
    const outcome = await verifySignedBundle(await signBundle(other, key, AT), {
      trustedKeys: [key.trusted],
      district: DISTRICT,
    });
    expect(outcome).toMatchObject({
      ok: false,
      check: 'district',
      reason: expect.stringContaining('other-usd'),
    });
  });

  it('a schema-invalid bundle, even signed, is refused with the bad field’s path', async () => {
    const key = await keyNamed('k1');
    const bad = policyWith((bundle) => {
      bundle.policy.version = 3;
      (bundle.policy.rules[0] as { effect: string }).effect = 'sometimes';
    });
    const outcome = await verifySignedBundle(await signBundle(bad, key, AT), {
      trustedKeys: [key.trusted],
      district: DISTRICT,
    });
    expect(outcome).toMatchObject({ ok: false, check: 'schema', path: 'bundle.policy.rules[0].effect' });
    expect(outcome.ok ? '' : outcome.reason).toMatch(/^bundle\.policy\.rules\[0\]\.effect: /);
  });

  it('not a signed bundle at all (an old unsigned one, junk) fails the signature check first', async () => {
    const key = await keyNamed('k1');
    for (const junk of [realBundle, null, 'x', { format: 'record-guard-signed-bundle/1' }]) {
      expect(
        await verifySignedBundle(junk, { trustedKeys: [key.trusted], district: DISTRICT }),
      ).toMatchObject({
        ok: false,
        check: 'signature',
      });
    }
  });

  it('public keys: a real one is usable, junk is not; key ids derive from the key', async () => {
    const { publicKey } = await generateKeyPair();
    expect(await isUsablePublicKey(publicKey)).toBe(true);
    expect(await isUsablePublicKey('AAAA')).toBe(false);
    expect(await isUsablePublicKey('not base64!')).toBe(false);
    expect(await fingerprintKeyId(publicKey)).toMatch(/^rg-[0-9a-f]{16}$/);
    expect(await fingerprintKeyId(publicKey)).toBe(await fingerprintKeyId(publicKey));
  });

  it('the hub reads a signed bundle without keys, and refuses a payload that does not parse', async () => {
    const key = await keyNamed('k1');
    const signed = await signBundle(withVersion(4), key, AT);
    expect(readSignedPayload(signed)).toMatchObject({
      ok: true,
      version: 4,
      district: DISTRICT,
      keyId: 'k1',
    });
    expect(readSignedPayload({ ...signed, payload: '{"x":1}' })).toMatchObject({ ok: false });
    expect(readSignedPayload({ ...signed, keyId: 'k2' })).toMatchObject({ ok: false });
  });
});
