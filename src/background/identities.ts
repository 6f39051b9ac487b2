import { z } from 'zod';
import { MAX_LOGIN, RoleSchema } from '../policy/vocabulary';
import {
  observeIdentity,
  sameHostIdentity,
  type HostIdentity,
  type IdentityObservation,
} from '../decide/guarded';

/**
 * Who was last seen signed in on each SIS origin, and in each tab (frames without a header borrow it). The
 * rules (an SRO's host stays guarded, a page showing nobody overwrites nothing) are `observeIdentity`'s, in
 * the core; this module only keeps its answers in memory and in storage.session.
 */
const SeenSchema = z.object({
  username: z.string().max(MAX_LOGIN).optional(),
  role: RoleSchema,
  adapterId: z.string().max(80),
});
export type SeenIdentity = HostIdentity;

const StoredSchema = z.object({
  // An entry that does not parse (an `unknown` role an older version stored) is dropped, not the whole record.
  origins: z.record(z.string(), z.unknown()),
  nonSro: z.record(z.string(), z.array(z.string().max(MAX_LOGIN)).max(200)),
});

export const IDENTITIES_KEY = 'identities';
const byOrigin = new Map<string, SeenIdentity>();
const byTab = new Map<number, SeenIdentity>();
const nonSroByOrigin = new Map<string, Set<string>>();
let loaded: Promise<void> | undefined;
let settled = false;

/** Restores what this browser session has seen after the service worker was stopped. */
export function loadIdentities(): Promise<void> {
  loaded ??= (async () => {
    try {
      const raw = (await browser.storage.session.get(IDENTITIES_KEY))[IDENTITIES_KEY];
      const parsed = StoredSchema.safeParse(raw);
      if (!parsed.success) return;
      for (const [origin, value] of Object.entries(parsed.data.origins)) {
        const seen = SeenSchema.safeParse(value);
        if (seen.success) byOrigin.set(origin, seen.data);
      }
      for (const [origin, names] of Object.entries(parsed.data.nonSro))
        nonSroByOrigin.set(origin, new Set(names));
    } finally {
      settled = true;
    }
  })();
  return loaded;
}

/** Whether the session's identities are in memory (the downloads watcher decides without awaiting). */
export const identitiesLoaded = (): boolean => settled;

async function persist(): Promise<void> {
  await browser.storage.session.set({
    [IDENTITIES_KEY]: {
      origins: Object.fromEntries(byOrigin),
      nonSro: Object.fromEntries([...nonSroByOrigin].map(([origin, names]) => [origin, [...names]])),
    },
  });
}

/**
 * Applies what a page showed to its origin (and tab). Returns whether the origin's identity or its list of
 * known non-SROs changed, which is when enforcement has to follow.
 */
export async function observe(
  origin: string,
  tabId: number | undefined,
  observation: IdentityObservation,
): Promise<boolean> {
  await loadIdentities();
  const before = byOrigin.get(origin);
  const after = observeIdentity(before, observation);
  let changed = !sameHostIdentity(before, after);
  if (after) byOrigin.set(origin, after);
  else byOrigin.delete(origin);
  if (observation.kind === 'sign-in-page') {
    if (tabId !== undefined) byTab.delete(tabId);
    // Whoever signs in next may be anyone: the origin's known non-SROs (and so the display names the guard plan
    // derives from them) no longer release its pages at once.
    if (nonSroByOrigin.delete(origin)) changed = true;
  } else if (after && tabId !== undefined) {
    // The tab's record is what frames without a header borrow: the origin's identity, not a claim it refused.
    byTab.set(tabId, after);
  }
  const username = observation.kind === 'page' ? observation.username?.toLowerCase() : undefined;
  const accepted =
    observation.kind === 'page' &&
    after !== undefined &&
    after.role === observation.role &&
    after.username?.toLowerCase() === username;
  if (accepted && username) {
    const names = nonSroByOrigin.get(origin) ?? new Set<string>();
    const had = names.has(username);
    if (after.role === 'sro') names.delete(username);
    else names.add(username);
    nonSroByOrigin.set(origin, names);
    if (had !== names.has(username)) changed = true;
  }
  if (changed) await persist();
  return changed;
}

/** Kept for callers that record an identity the page showed (the tab's record is what frames borrow). */
export async function rememberIdentity(
  origin: string,
  tabId: number | undefined,
  seen: SeenIdentity,
): Promise<boolean> {
  return observe(origin, tabId, { kind: 'page', ...seen });
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
 * The SIS's sign-in or sign-out page was seen on an origin: nobody is known to be signed in there any more
 * (an SRO's origin stays guarded, with nobody named, until the next person is read). Returns whether that
 * changed anything.
 */
export function signedOut(origin: string, tabId?: number): Promise<boolean> {
  return observe(origin, tabId, { kind: 'sign-in-page' });
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

/** For tests: a fresh worker's memory. */
export function resetIdentitiesForTest(): void {
  byOrigin.clear();
  byTab.clear();
  nonSroByOrigin.clear();
  loaded = undefined;
  settled = false;
}
