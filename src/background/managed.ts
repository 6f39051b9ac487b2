import { z } from 'zod';
import { formatIssues } from '../policy/bundle';
import { isUsablePublicKey, TrustedKeySchema } from '../policy/signing';
import { MANAGED_STATUS_KEY, type ManagedStatus } from '../policy/update-status';
import { IdSchema, RoleSchema } from '../policy/vocabulary';

export { MANAGED_STATUS_KEY, ManagedStatusSchema, type ManagedStatus } from '../policy/update-status';

const MASK = '•••••••• (set, hidden)';

const HostSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^(\*\.)?[a-z0-9.-]+(:\d{1,5})?$/, 'must be a host name, optionally with *. and :port');

/**
 * Settings an admin pushes through enterprise policy (public/managed_schema.json describes the same keys for
 * admin consoles; tests/unit/managed.test.ts keeps the two in step). Unknown keys are refused: a misspelt
 * "requireSignedPolicy" must not silently leave a browser accepting the bundled policy.
 */
export const ManagedSettingsSchema = z.strictObject({
  role: RoleSchema.optional(),
  hubUrl: z.url({ protocol: /^https?$/ }).optional(),
  deviceLabel: z.string().min(1).max(120).optional(),
  /** This browser's token for the district hub (issued by `npm run hub -- token issue`). Never logged. */
  hubToken: z.string().min(16).max(400).optional(),
  /** The district this browser belongs to: a signed bundle for another district is refused. */
  district: IdSchema.optional(),
  /** Public keys a signed policy bundle may be signed with (several during a key rotation). */
  policyKeys: z
    .array(TrustedKeySchema)
    .max(8)
    .refine((keys) => new Set(keys.map((key) => key.id)).size === keys.length, 'key ids must be unique')
    .optional(),
  /** No policy applies until a verified signed one arrives: SRO pages stay covered meanwhile. */
  requireSignedPolicy: z.boolean().optional(),
  /** The district's own SIS host names, replacing an adapter's hosts. */
  sisHosts: z
    .array(z.strictObject({ adapter: IdSchema, hosts: z.array(HostSchema).min(1).max(20) }))
    .max(20)
    .optional(),
  reporting: z
    .strictObject({
      /** Events per batch sent to the hub (the policy's batchSize otherwise). */
      batchSize: z.number().int().min(1).max(500).optional(),
      /** Days a delivered event stays in this browser (the policy's retentionDays otherwise). */
      retentionDays: z.number().int().min(1).max(3650).optional(),
    })
    .optional(),
});
export type ManagedSettings = z.infer<typeof ManagedSettingsSchema>;

/** The last managed settings read, kept because the first storage.managed read after start can take seconds. */
const LAST_KNOWN_KEY = 'managed.lastKnown';
export function maskSecrets(settings: ManagedSettings): Record<string, unknown> {
  return { ...settings, ...(settings.hubToken !== undefined ? { hubToken: MASK } : {}) };
}

/** Validates raw managed storage: the settings, or the problems (paths first, never the values). */
export async function validateManagedSettings(
  raw: unknown,
): Promise<{ ok: true; settings: ManagedSettings } | { ok: false; problems: string[] }> {
  const parsed = ManagedSettingsSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problems: formatIssues(parsed.error).slice(0, 20) };
  const problems: string[] = [];
  for (const [index, key] of (parsed.data.policyKeys ?? []).entries()) {
    if (!(await isUsablePublicKey(key.publicKey)))
      problems.push(`policyKeys[${index}].publicKey: is not a public key this browser can use`);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, settings: parsed.data };
}

let live: Promise<ManagedSettings> | undefined;
let current: Promise<ManagedSettings> | undefined;

async function readLive(): Promise<ManagedSettings> {
  let settings: ManagedSettings;
  let status: Omit<ManagedStatus, 'checkedAt' | 'masked'>;
  let raw: unknown;
  try {
    raw = await browser.storage.managed.get();
  } catch {
    // No managed storage (unmanaged browser, or Firefox without policies.json).
    raw = {};
  }
  const checked = await validateManagedSettings(raw);
  if (checked.ok) {
    settings = checked.settings;
    status = { inForce: Object.keys(settings).length > 0 ? 'live' : 'none', problems: [] };
  } else {
    // Paths only: a message never carries the token or any other value.
    console.error('Record Guard: managed settings refused; the last good settings stay', checked.problems);
    const known = await lastKnown();
    if (known) {
      settings = known;
      status = { inForce: 'last-good', problems: checked.problems };
    } else {
      // Nothing good was ever read: a bad entry must not make an SRO browser look like a teacher's.
      settings = (raw as { role?: unknown } | null)?.role === 'sro' ? { role: 'sro' } : {};
      status = { inForce: 'none', problems: checked.problems };
    }
  }
  await browser.storage.local.set({
    [LAST_KNOWN_KEY]: settings,
    [MANAGED_STATUS_KEY]: {
      ...status,
      checkedAt: new Date().toISOString(),
      masked: maskSecrets(settings),
    } satisfies ManagedStatus,
  });
  return settings;
}

async function lastKnown(): Promise<ManagedSettings | undefined> {
  const parsed = ManagedSettingsSchema.safeParse(
    (await browser.storage.local.get(LAST_KNOWN_KEY))[LAST_KNOWN_KEY],
  );
  return parsed.success ? parsed.data : undefined;
}

/** Called when a live read differs from the last known settings that were in use meanwhile. */
let changeListener: (() => void) | undefined;

/** One listener for the whole worker: every read, whoever starts it, reports a change to it. */
export function onManagedSettingsChange(listener: () => void): void {
  changeListener = listener;
}

/**
 * The managed settings in force: the last known ones while the live read is pending (it can take seconds
 * after the browser starts), the live ones before anything was ever known. A live read that differs from what
 * was assumed is reported to the change listener, so enforcement and open pages follow it.
 */
export function managedSettings(): Promise<ManagedSettings> {
  if (current) return current;
  live = readLive();
  current = (async () => {
    const known = await lastKnown();
    if (!known) return live as Promise<ManagedSettings>;
    void (live as Promise<ManagedSettings>).then((fresh) => {
      if (JSON.stringify(fresh) !== JSON.stringify(known)) {
        current = Promise.resolve(fresh);
        changeListener?.();
      }
    });
    return known;
  })();
  return current;
}

/** The settings as the live read found them (waits for it), for what must not act on stale settings. */
export async function liveManagedSettings(): Promise<ManagedSettings> {
  await managedSettings();
  return (live ?? managedSettings()) as Promise<ManagedSettings>;
}

export function forgetManagedSettings(): void {
  current = undefined;
  live = undefined;
}
