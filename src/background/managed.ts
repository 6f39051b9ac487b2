import { z } from 'zod';
import { formatIssues } from '../policy/bundle';
import { isUsablePublicKey, TrustedKeySchema } from '../policy/signing';
import { MANAGED_STATUS_KEY, type ManagedNotice, type ManagedStatus } from '../policy/update-status';
import { IdSchema, RoleSchema } from '../policy/vocabulary';

export {
  MANAGED_STATUS_KEY,
  ManagedStatusSchema,
  type ManagedNotice,
  type ManagedStatus,
} from '../policy/update-status';

const MASK = '•••••••• (set, hidden)';

const HostSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^(\*\.)?[a-z0-9.-]+(:\d{1,5})?$/, 'must be a host name, optionally with *. and :port');

/**
 * Settings an admin pushes through enterprise policy (public/managed_schema.json describes the same keys for
 * admin consoles; tests/unit/managed.test.ts keeps the two in step). Unknown keys are refused where they reach
 * the extension (Firefox passes them; Chromium drops every key and value that fails managed_schema.json before
 * the extension can see it). Either way a misspelt or wrong-typed "requireSignedPolicy" cannot leave a browser
 * with trusted keys accepting the bundled policy: see signedPolicyRequired.
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
  /**
   * No policy applies until a verified signed one arrives: SRO pages stay covered meanwhile. When unset, it
   * follows policyKeys (keys trusted: required); only an explicit false turns it off with keys set.
   */
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

/**
 * Whether a signed policy is required: as requireSignedPolicy says when it is set, otherwise whenever a key is
 * trusted. Fail closed: a district that configured signing keys wants signed policy, and a misspelt or
 * wrong-typed requireSignedPolicy arrives as unset (Chromium drops it), never as false. An explicit false stays
 * possible for a rollout where keys are pushed before the hub has a signed bundle (the bundled policy applies
 * meanwhile); the options page then says so.
 */
export function signedPolicyRequired(settings: ManagedSettings): boolean {
  return settings.requireSignedPolicy ?? (settings.policyKeys?.length ?? 0) > 0;
}

/** The known setting names at each level of the schema ("[]" stands for any list index). */
const KNOWN_KEYS: Record<string, readonly string[]> = {
  '': Object.keys(ManagedSettingsSchema.shape),
  reporting: ['batchSize', 'retentionDays'],
  'policyKeys[]': ['id', 'publicKey'],
  'sisHosts[]': ['adapter', 'hosts'],
};

function pathText(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    return text === '' ? String(key) : `${text}.${String(key)}`;
  }, '');
}

/** Edit distance (insert, delete, replace, swap of neighbours), for "did you mean". Short names only. */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3 || a.length > 80 || b.length > 80) return Infinity;
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i += 1)
    for (let j = 1; j <= b.length; j += 1) {
      const row = rows[i] as number[];
      const above = rows[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (above[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (above[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = best;
    }
  return (rows[a.length] as number[])[b.length] as number;
}

/** The known name an unknown one is most likely a misspelling of (case ignored), if any is close. */
export function closestKnownKey(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: { key: string; score: number } | undefined;
  for (const key of known) {
    const score = distance(lower, key.toLowerCase());
    if (score <= Math.max(2, Math.floor(key.length / 4)) && (!best || score < best.score))
      best = { key, score };
  }
  return best?.key;
}

/**
 * What the admin should see about raw managed storage beside refusals (pure): every unknown setting name with
 * the known one it is closest to, every value of the wrong type, and how keys and requireSignedPolicy decide
 * whether a signed policy is required for the settings in force. Values are never copied: only paths and types.
 */
export function managedNotices(raw: unknown, inForce: ManagedSettings): ManagedNotice[] {
  const notices: ManagedNotice[] = [];
  const parsed = ManagedSettingsSchema.safeParse(raw);
  for (const issue of parsed.success ? [] : parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const level = pathText(issue.path.map((key) => (typeof key === 'number' ? '[]' : key))).replace(
        /\.\[\]/g,
        '[]',
      );
      for (const key of issue.keys) {
        const suggestion = closestKnownKey(key, KNOWN_KEYS[level] ?? []);
        notices.push({
          kind: 'unknown-key',
          path: pathText([...issue.path, key]).slice(0, 200),
          ...(suggestion ? { suggestion } : {}),
        });
      }
    } else if (issue.code === 'invalid_type') {
      notices.push({
        kind: 'wrong-type',
        path: pathText(issue.path).slice(0, 200),
        expected: issue.expected,
      });
    }
  }
  const keys = (inForce.policyKeys?.length ?? 0) > 0;
  if (keys && inForce.requireSignedPolicy === undefined) notices.push({ kind: 'signing-implied' });
  if (keys && inForce.requireSignedPolicy === false) notices.push({ kind: 'signing-off' });
  if (!keys && signedPolicyRequired(inForce)) notices.push({ kind: 'no-keys' });
  return notices.slice(0, 30);
}

/**
 * A refused read still says whether the admin meant signed policy: trusted keys or requireSignedPolicy in any
 * form but false. Then the settings used instead keep a signed policy required (fail closed), even when the
 * last good ones did not ask for it.
 */
function rawWantsSigned(raw: unknown): boolean {
  if (typeof raw !== 'object' || raw === null) return false;
  const { policyKeys, requireSignedPolicy } = raw as Record<string, unknown>;
  return policyKeys !== undefined || (requireSignedPolicy !== undefined && requireSignedPolicy !== false);
}

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
    // Everything in managed storage, unknown names included (where the browser passes them on): they are named
    // on the options page rather than ignored.
    raw = await browser.storage.managed.get(null);
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
    // Nor may it make a browser whose admin asked for signed policy accept the bundled one.
    if (rawWantsSigned(raw) && !signedPolicyRequired(settings))
      settings = { ...settings, requireSignedPolicy: true };
  }
  status = { ...status, notices: managedNotices(raw, settings) };
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
