// Where the policy in force comes from, kept in one status record the options page reads: the verified signed
// bundle (if any), the bundled default, or none; the SIS host overrides from the managed settings; whether a
// signed policy is required and missing (then SRO pages stay covered). No hub calls here (policy-update.ts).
import { parsePolicyBundle, type PolicyBundle } from '../policy/bundle';
import { networkGaps } from '../policy/adapter-overlap';
import { parsePolicyStatus, POLICY_STATUS_KEY, type PolicyStatus } from '../policy/update-status';
import { signedPolicyRequired, type ManagedSettings } from './managed';

/** The cover's reason while a signed policy is required and none has verified yet. */
export const HELD_REASON = {
  en: 'Blocked: this browser requires a signed district policy and none has been verified yet. Record Guard keeps student records hidden until one arrives. Contact district IT if this lasts.',
  es: 'Bloqueado: este navegador requiere una política del distrito firmada y aún no se ha verificado ninguna. Record Guard mantiene ocultos los expedientes hasta que llegue. Comuníquese con TI del distrito si esto continúa.',
};

let writes: Promise<unknown> = Promise.resolve();

export async function readPolicyStatus(): Promise<PolicyStatus> {
  return parsePolicyStatus((await browser.storage.local.get(POLICY_STATUS_KEY))[POLICY_STATUS_KEY]);
}

/** Status writes in order, each reading the latest (a check and a load can run at once). */
export function updateStatus(
  change: (status: PolicyStatus) => PolicyStatus,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const next = writes.then(async () => {
    const status = change(await readPolicyStatus());
    await browser.storage.local.set({ ...extra, [POLICY_STATUS_KEY]: status });
  });
  writes = next.catch(() => undefined);
  return next;
}

/** The stored bundle, only when it is the verified signed one the status names (nothing else counts). */
export function verifiedStoredBundle(stored: unknown, status: PolicyStatus): PolicyBundle | undefined {
  if (stored === undefined || !status.signed) return undefined;
  const parsed = parsePolicyBundle(stored);
  if (!parsed.ok) return undefined;
  const { policyId, version } = status.signed;
  return parsed.value.policy.id === policyId && parsed.value.policy.version === version
    ? parsed.value
    : undefined;
}

/** The managed SIS host overrides applied to a bundle's adapters (the district's own host names). */
export function withHostOverrides(
  bundle: PolicyBundle,
  overrides: ManagedSettings['sisHosts'],
): PolicyBundle {
  if (!overrides || overrides.length === 0) return bundle;
  return {
    ...bundle,
    adapters: bundle.adapters.map((adapter) => {
      const override = overrides.find((entry) => entry.adapter === adapter.id);
      return override ? { ...adapter, match: { ...adapter.match, hosts: override.hosts } } : adapter;
    }),
  };
}

/** Records what policy.ts loaded, for the options page. */
export function noteInForce(
  bundle: PolicyBundle | undefined,
  source: 'signed' | 'stored' | 'bundled' | 'none',
  held: boolean,
): Promise<void> {
  const gaps = networkGaps(bundle?.adapters ?? []);
  return updateStatus((status) => ({
    ...status,
    inForce: {
      source,
      held,
      ...(bundle
        ? { policyId: bundle.policy.id, version: bundle.policy.version, district: bundle.policy.district.id }
        : {}),
      adapters: (bundle?.adapters ?? []).map((adapter) => {
        const gap = gaps.find((one) => one.adapter === adapter.id);
        return {
          id: adapter.id,
          name: adapter.name,
          hosts: adapter.match.hosts,
          paths: adapter.match.paths,
          ...(gap ? { networkGap: { hosts: gap.hosts, lower: gap.lower } } : {}),
        };
      }),
    },
  }));
}

/** What, in the managed settings, changes which policy is in force (not the hub URL or the token). */
export const policySettingsFingerprint = (managed: ManagedSettings): string =>
  JSON.stringify([signedPolicyRequired(managed), managed.sisHosts ?? [], managed.district ?? null]);
