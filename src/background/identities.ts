import { z } from 'zod';
import { RoleSchema } from '../policy/vocabulary';

/** Who was last seen signed in on each SIS origin, and in each tab (frames without a header borrow it). */
const SeenSchema = z.object({
  username: z.string().max(120).optional(),
  role: RoleSchema.or(z.literal('unknown')),
  adapterId: z.string().max(80),
});
export type SeenIdentity = z.infer<typeof SeenSchema>;

const StoredSchema = z.object({
  origins: z.record(z.string(), SeenSchema),
  nonSro: z.record(z.string(), z.array(z.string().max(120)).max(200)),
});

const SESSION_KEY = 'identities';
const byOrigin = new Map<string, SeenIdentity>();
const byTab = new Map<number, SeenIdentity>();
const nonSroByOrigin = new Map<string, Set<string>>();
let loaded: Promise<void> | undefined;

/** Restores what this browser session has seen after the service worker was stopped. */
export function loadIdentities(): Promise<void> {
  loaded ??= (async () => {
    const raw = (await browser.storage.session.get(SESSION_KEY))[SESSION_KEY];
    const parsed = StoredSchema.safeParse(raw);
    if (!parsed.success) return;
    for (const [origin, seen] of Object.entries(parsed.data.origins)) byOrigin.set(origin, seen);
    for (const [origin, names] of Object.entries(parsed.data.nonSro))
      nonSroByOrigin.set(origin, new Set(names));
  })();
  return loaded;
}

export const identitiesLoaded = (): boolean => loaded !== undefined;

async function persist(): Promise<void> {
  await browser.storage.session.set({
    [SESSION_KEY]: {
      origins: Object.fromEntries(byOrigin),
      nonSro: Object.fromEntries([...nonSroByOrigin].map(([origin, names]) => [origin, [...names]])),
    },
  });
}

export async function rememberIdentity(
  origin: string,
  tabId: number | undefined,
  seen: SeenIdentity,
): Promise<void> {
  await loadIdentities();
  byOrigin.set(origin, seen);
  if (tabId !== undefined) byTab.set(tabId, seen);
  const username = seen.username?.toLowerCase();
  if (username) {
    const names = nonSroByOrigin.get(origin) ?? new Set<string>();
    if (seen.role === 'sro' || seen.role === 'unknown') names.delete(username);
    else names.add(username);
    nonSroByOrigin.set(origin, names);
  }
  await persist();
}

export const identityForTab = (tabId: number | undefined): SeenIdentity | undefined =>
  tabId === undefined ? undefined : byTab.get(tabId);

/** In memory only: the downloads watcher must decide without awaiting. */
export const identityForOrigin = (origin: string): SeenIdentity | undefined => byOrigin.get(origin);

export const allIdentities = (): SeenIdentity[] => [...byOrigin.values()];

export const allOrigins = (): [string, SeenIdentity][] => [...byOrigin];

export const knownNonSro = (origin: string): string[] => [...(nonSroByOrigin.get(origin) ?? [])];

export const knownNonSroByOrigin = (): Record<string, string[]> =>
  Object.fromEntries([...nonSroByOrigin].map(([origin, names]) => [origin, [...names]]));

/**
 * The SIS's sign-in or sign-out page was seen on an origin: nobody is known to be signed in there any more. An
 * origin an SRO was seen on stays guarded (its network blocks stay, with no student opened) until the next
 * person's identity is read: opening the sign-in page must not be a way to lift the rules.
 */
export async function signedOut(origin: string): Promise<boolean> {
  await loadIdentities();
  const known = byOrigin.get(origin);
  if (!known) return false;
  if (known.role === 'sro') {
    if (known.username === undefined) return false;
    byOrigin.set(origin, { role: 'sro', adapterId: known.adapterId });
  } else {
    byOrigin.delete(origin);
  }
  await persist();
  return true;
}

export function forgetTab(tabId: number): void {
  byTab.delete(tabId);
}

/** A new policy may move people between roles: nobody stays "known" across it. */
export async function forgetIdentities(): Promise<void> {
  await loadIdentities();
  byOrigin.clear();
  byTab.clear();
  nonSroByOrigin.clear();
  await persist();
}
