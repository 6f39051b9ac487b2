// Signed policy bundles: the canonical bytes a district signs with its private key (offline, `npm run policy`)
// and every browser verifies with the public keys in its managed settings, through WebCrypto (Ed25519), the
// same in Node 20 and in Chromium. Pure: no browser API, no clock, no storage.
import { z } from 'zod';
import { canonicalJson } from '../report/canonical-json';
import { formatIssues, parsePolicyBundle, type PolicyBundle } from './bundle';
import { IdSchema } from './vocabulary';

export const SIGNED_BUNDLE_FORMAT = 'record-guard-signed-bundle/1';
export const SIGNED_PAYLOAD_FORMAT = 'record-guard-signed-payload/1';

/** A key id names one district key pair; a bundle names the key that signed it, so several can be trusted at once. */
export const KeyIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be 1–64 lower-case letters, digits, ".", "_" or "-"');

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** An Ed25519 public key: its 32 raw bytes in base64 (44 characters), as `npm run policy -- keygen` prints it. */
export const PublicKeyTextSchema = z
  .string()
  .regex(BASE64, 'must be base64')
  .refine((text) => decodeBase64(text)?.length === 32, 'must be a 32-byte Ed25519 public key in base64');

export const TrustedKeySchema = z.strictObject({ id: KeyIdSchema, publicKey: PublicKeyTextSchema });
export type TrustedKey = z.infer<typeof TrustedKeySchema>;

/** What the hub stores and serves, exactly as `npm run policy -- sign` wrote it. */
export const SignedBundleSchema = z.strictObject({
  format: z.literal(SIGNED_BUNDLE_FORMAT),
  keyId: KeyIdSchema,
  /** Canonical JSON of the signed payload: the signature covers these bytes (UTF-8), nothing else. */
  payload: z.string().min(2).max(4_000_000),
  /** Ed25519 signature of `payload`, base64. */
  signature: z.string().regex(BASE64, 'must be base64').max(200),
});
export type SignedBundle = z.infer<typeof SignedBundleSchema>;

/** The signed payload: the bundle and what a browser checks before applying it, all under the signature. */
const PayloadHeaderSchema = z.strictObject({
  format: z.literal(SIGNED_PAYLOAD_FORMAT),
  keyId: KeyIdSchema,
  district: IdSchema,
  policyId: IdSchema,
  version: z.number().int().positive(),
  signedAt: z.iso.datetime(),
  bundle: z.unknown(),
});

/** The checks a browser makes, in this order; a rejection names the first that failed. */
export const POLICY_CHECKS = ['signature', 'schema', 'district', 'version'] as const;
export type PolicyCheck = (typeof POLICY_CHECKS)[number];

export interface VerifiedPolicy {
  ok: true;
  bundle: PolicyBundle;
  keyId: string;
  version: number;
  signedAt: string;
}
export interface RejectedPolicy {
  ok: false;
  check: PolicyCheck;
  /** Why, in English, for the log and the admin (never a secret: nothing here is one). */
  reason: string;
  /** The bad field's path, for a schema rejection ("bundle.policy.rules[2].effect"). */
  path?: string;
  keyId?: string;
  version?: number;
}
export type VerifyOutcome = VerifiedPolicy | RejectedPolicy;

export function encodeBase64(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

export function decodeBase64(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined;
  try {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
    return bytes;
  } catch {
    return undefined;
  }
}

// WebCrypto wants an ArrayBuffer-backed view; a fresh copy keeps TypeScript's BufferSource typing exact.
const buffer = (bytes: Uint8Array): ArrayBuffer => {
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  return copy;
};

export async function importPublicKey(publicKey: string): Promise<CryptoKey> {
  const raw = decodeBase64(publicKey);
  if (!raw || raw.length !== 32) throw new Error('not a 32-byte Ed25519 public key');
  return crypto.subtle.importKey('raw', buffer(raw), { name: 'Ed25519' }, false, ['verify']);
}

/** Whether a text is a public key WebCrypto accepts (managed settings are checked with this). */
export async function isUsablePublicKey(publicKey: string): Promise<boolean> {
  try {
    await importPublicKey(publicKey);
    return true;
  } catch {
    return false;
  }
}

/** A new key pair: the public key for managed settings, the private key (PKCS #8, base64) for the signer only. */
export async function generateKeyPair(): Promise<{ publicKey: string; privateKey: string }> {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  const privateKey = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
  return { publicKey: encodeBase64(publicKey), privateKey: encodeBase64(privateKey) };
}

/** A key id derived from the public key (first 16 hex digits of its SHA-256), when the admin names none. */
export async function fingerprintKeyId(publicKey: string): Promise<string> {
  const raw = decodeBase64(publicKey) ?? new Uint8Array();
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', buffer(raw)));
  return `rg-${[...digest.slice(0, 8)].map((byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

/** Signs a validated bundle. The payload's version and district are the bundle's own. */
export async function signBundle(
  bundle: PolicyBundle,
  key: { keyId: string; privateKey: string },
  signedAt: Date,
): Promise<SignedBundle> {
  const der = decodeBase64(key.privateKey);
  if (!der) throw new Error('the private key is not base64');
  const privateKey = await crypto.subtle.importKey('pkcs8', buffer(der), { name: 'Ed25519' }, false, [
    'sign',
  ]);
  const payload = canonicalJson({
    format: SIGNED_PAYLOAD_FORMAT,
    keyId: key.keyId,
    district: bundle.policy.district.id,
    policyId: bundle.policy.id,
    version: bundle.policy.version,
    signedAt: signedAt.toISOString(),
    bundle,
  });
  const signature = new Uint8Array(
    await crypto.subtle.sign({ name: 'Ed25519' }, privateKey, new TextEncoder().encode(payload)),
  );
  return { format: SIGNED_BUNDLE_FORMAT, keyId: key.keyId, payload, signature: encodeBase64(signature) };
}

export interface VerifyContext {
  trustedKeys: readonly TrustedKey[];
  /** The district this browser belongs to. */
  district: string;
  /** The version in force when it came from a verified bundle (a bundled default counts as none). */
  currentVersion?: number | undefined;
}

const reject = (check: PolicyCheck, reason: string, extra: Partial<RejectedPolicy> = {}): RejectedPolicy => ({
  ok: false,
  check,
  reason,
  ...extra,
});

/**
 * The browser's checks, in order: signature (by a trusted key the bundle names), schema (the bundle and its
 * header), district, version higher than the one in force. Nothing is read from the payload before its
 * signature verifies.
 */
export async function verifySignedBundle(input: unknown, context: VerifyContext): Promise<VerifyOutcome> {
  const envelope = SignedBundleSchema.safeParse(input);
  if (!envelope.success) {
    return reject('signature', `not a signed policy bundle: ${formatIssues(envelope.error)[0] ?? ''}`);
  }
  const { keyId, payload, signature } = envelope.data;
  if (context.trustedKeys.length === 0) {
    return reject('signature', 'no policy key is trusted: the managed settings name none', { keyId });
  }
  const trusted = context.trustedKeys.find((key) => key.id === keyId);
  if (!trusted) {
    return reject('signature', `signed by key "${keyId}", which the managed settings do not trust`, {
      keyId,
    });
  }
  const signatureBytes = decodeBase64(signature);
  let verified = false;
  try {
    verified =
      signatureBytes !== undefined &&
      (await crypto.subtle.verify(
        { name: 'Ed25519' },
        await importPublicKey(trusted.publicKey),
        buffer(signatureBytes),
        buffer(new TextEncoder().encode(payload)),
      ));
  } catch {
    verified = false;
  }
  if (!verified) {
    return reject('signature', `the signature does not verify with key "${keyId}"`, { keyId });
  }

  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return reject('schema', 'the signed payload is not JSON', { keyId, path: 'payload' });
  }
  const header = PayloadHeaderSchema.safeParse(json);
  if (!header.success) {
    const first = formatIssues(header.error)[0] ?? '(root): invalid';
    return reject('schema', first, { keyId, path: first.slice(0, first.indexOf(': ')) });
  }
  if (header.data.keyId !== keyId) {
    return reject('signature', `the payload names key "${header.data.keyId}", the envelope "${keyId}"`, {
      keyId,
    });
  }
  const version = header.data.version;
  const parsed = parsePolicyBundle(header.data.bundle);
  if (!parsed.ok) {
    const first = `bundle.${parsed.errors[0] ?? '(root): invalid'}`;
    const more = parsed.errors.length > 1 ? ` (and ${parsed.errors.length - 1} more)` : '';
    return reject('schema', `${first}${more}`, { keyId, version, path: first.slice(0, first.indexOf(': ')) });
  }
  const bundle = parsed.value;
  if (bundle.policy.version !== version || bundle.policy.id !== header.data.policyId) {
    return reject('schema', 'the payload header and the bundle disagree on the policy id or version', {
      keyId,
      version,
      path: 'version',
    });
  }
  if (header.data.district !== context.district || bundle.policy.district.id !== context.district) {
    return reject(
      'district',
      `the bundle is for district "${bundle.policy.district.id}", this browser belongs to "${context.district}"`,
      { keyId, version },
    );
  }
  if (context.currentVersion !== undefined && version <= context.currentVersion) {
    return reject(
      'version',
      `version ${version} is not higher than the version in force (${context.currentVersion})`,
      { keyId, version },
    );
  }
  return { ok: true, bundle, keyId, version, signedAt: header.data.signedAt };
}

/** What the hub and the CLI read from a signed bundle without verifying it (they hold no trusted keys). */
export function readSignedPayload(
  envelope: SignedBundle,
):
  | { ok: true; bundle: PolicyBundle; version: number; district: string; keyId: string }
  | { ok: false; errors: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(envelope.payload);
  } catch {
    return { ok: false, errors: ['payload: is not JSON'] };
  }
  const header = PayloadHeaderSchema.safeParse(json);
  if (!header.success) return { ok: false, errors: formatIssues(header.error, 'payload') };
  if (header.data.keyId !== envelope.keyId)
    return { ok: false, errors: ["payload.keyId: differs from the envelope's keyId"] };
  const parsed = parsePolicyBundle(header.data.bundle);
  if (!parsed.ok) return { ok: false, errors: parsed.errors.map((error) => `payload.bundle.${error}`) };
  if (
    parsed.value.policy.version !== header.data.version ||
    parsed.value.policy.district.id !== header.data.district
  )
    return { ok: false, errors: ['payload.version: the header and the bundle disagree'] };
  return {
    ok: true,
    bundle: parsed.value,
    version: header.data.version,
    district: header.data.district,
    keyId: envelope.keyId,
  };
}
