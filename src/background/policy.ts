import { parsePolicyBundle, type PolicyBundle } from '../policy/bundle';
import { loadDefaultBundle } from '../policy/default-bundle';

export const STORED_POLICY_KEY = 'policy.bundle';

let cached: Promise<PolicyBundle | undefined> | undefined;

async function load(): Promise<PolicyBundle | undefined> {
  const stored = (await browser.storage.local.get(STORED_POLICY_KEY))[STORED_POLICY_KEY];
  if (stored !== undefined) {
    const parsed = parsePolicyBundle(stored);
    if (parsed.ok) return parsed.value;
    // A stored policy that no longer parses is ignored, never half-applied; the bundled one takes over.
    console.error('Record Guard: stored policy rejected', parsed.errors);
  }
  const bundled = loadDefaultBundle();
  if (bundled.ok) return bundled.value;
  console.error('Record Guard: bundled policy rejected', bundled.errors);
  return undefined;
}

/** The policy in force. Undefined means none is valid: SRO pages stay covered (fail closed). */
export function activePolicy(): Promise<PolicyBundle | undefined> {
  cached ??= load();
  return cached;
}

/** Makes the next read come from storage again (after an update is stored). */
export function forgetActivePolicy(): void {
  cached = undefined;
}
