import { z } from 'zod';
import { RoleSchema } from '../policy/vocabulary';

/** Settings an admin pushes through enterprise policy (public/managed_schema.json). */
export const ManagedSettingsSchema = z.object({
  role: RoleSchema.optional(),
  hubUrl: z.url({ protocol: /^https?$/ }).optional(),
  deviceLabel: z.string().min(1).max(120).optional(),
  /** This browser's token for the district hub (issued by `npm run hub -- token issue`). Never logged. */
  hubToken: z.string().min(16).max(400).optional(),
});
export type ManagedSettings = z.infer<typeof ManagedSettingsSchema>;

/** The last managed settings read, kept because the first storage.managed read after start can take seconds. */
const LAST_KNOWN_KEY = 'managed.lastKnown';

let live: Promise<ManagedSettings> | undefined;
let current: Promise<ManagedSettings> | undefined;

async function readLive(): Promise<ManagedSettings> {
  let settings: ManagedSettings;
  try {
    const raw = await browser.storage.managed.get();
    const parsed = ManagedSettingsSchema.safeParse(raw);
    if (parsed.success) settings = parsed.data;
    else {
      console.error('Record Guard: managed settings rejected', parsed.error.issues);
      // A bad managed entry must not make an SRO browser look like a teacher's: keep an SRO role if it was set.
      settings = (raw as { role?: unknown }).role === 'sro' ? { role: 'sro' } : {};
    }
  } catch {
    // No managed storage (unmanaged browser, or Firefox without policies.json).
    settings = {};
  }
  await browser.storage.local.set({ [LAST_KNOWN_KEY]: settings });
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

export function forgetManagedSettings(): void {
  current = undefined;
  live = undefined;
}
