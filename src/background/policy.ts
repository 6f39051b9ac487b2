import { parsePolicyBundle, type PolicyBundle } from '../policy/bundle';
import { loadDefaultBundle } from '../policy/default-bundle';
import { managedSettings, signedPolicyRequired, type ManagedSettings } from './managed';
import {
  noteInForce,
  policySettingsFingerprint,
  readPolicyStatus,
  verifiedStoredBundle,
  withHostOverrides,
} from './policy-source';

/** The verified signed bundle in force (written with its status by policy-update.ts, never anything else). */
export const STORED_POLICY_KEY = 'policy.bundle';

interface Loaded {
  bundle: PolicyBundle | undefined;
  /** A signed policy is required and none has verified: SRO pages stay covered (teachers are untouched). */
  held: boolean;
  /** The managed settings it was worked out with (policySettingsFingerprint). */
  fingerprint: string;
}

let cached: Promise<Loaded> | undefined;

function storedBundle(stored: unknown): PolicyBundle | undefined {
  if (stored === undefined) return undefined;
  const parsed = parsePolicyBundle(stored);
  if (parsed.ok) return parsed.value;
  // A stored policy that no longer parses is ignored, never half-applied; the bundled one takes over.
  console.error('Record Guard: stored policy rejected', parsed.errors);
  return undefined;
}

async function load(): Promise<Loaded> {
  const [managed, status, stored] = await Promise.all([
    managedSettings(),
    readPolicyStatus(),
    browser.storage.local.get(STORED_POLICY_KEY).then((items) => items[STORED_POLICY_KEY]),
  ]);
  // policy-update.ts is the only writer of the stored bundle, after verifying it; the status says which signed
  // bundle that was (tests put a bundle there directly: it applies, but does not count as signed).
  const verified = verifiedStoredBundle(stored, status);
  let bundle = verified ?? storedBundle(stored);
  const source = verified ? 'signed' : bundle ? 'stored' : 'bundled';
  if (!bundle) {
    const bundled = loadDefaultBundle();
    if (bundled.ok) bundle = bundled.value;
    else console.error('Record Guard: bundled policy rejected', bundled.errors);
  }
  // The bundled policy still tells who is an SRO while a signed one is awaited: teachers stay untouched.
  // Required when requireSignedPolicy says so or, unset, whenever a key is trusted (signedPolicyRequired).
  const held = signedPolicyRequired(managed) && source !== 'signed';
  if (bundle) bundle = withHostOverrides(bundle, managed.sisHosts);
  void noteInForce(bundle, bundle ? source : 'none', held).catch(() => undefined);
  return { bundle, held, fingerprint: policySettingsFingerprint(managed) };
}

/** The policy in force. Undefined means none is valid: SRO pages stay covered (fail closed). */
export async function activePolicy(): Promise<PolicyBundle | undefined> {
  cached ??= load();
  return (await cached).bundle;
}

/** Whether SRO pages are held covered until a signed policy verifies (signedPolicyRequired). */
export async function policyHeld(): Promise<boolean> {
  cached ??= load();
  return (await cached).held;
}

/** Makes the next read come from storage again (after an update is stored or the managed settings changed). */
export function forgetActivePolicy(): void {
  cached = undefined;
}

/** Whether the policy in force was worked out with these managed settings (or none is loaded yet). */
export async function policyFollows(managed: ManagedSettings): Promise<boolean> {
  if (!cached) return true;
  return (await cached).fingerprint === policySettingsFingerprint(managed);
}
