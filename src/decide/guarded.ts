// Who is guarded: decided here, once, for a page's verdict, the network rules, the export endpoints' block rules
// and the downloads watcher alike. Pure: no browser, no clock, no storage. The background gathers the facts (the
// policy's setting, the managed role, what this page shows, what this browser session has seen on the host).
import type { Role } from '../policy/vocabulary';

export type KnownRole = Role | 'unknown';

/** Who this browser session last saw signed in on one SIS origin. Never `unknown`: an unknown overwrites nothing. */
export interface HostIdentity {
  username?: string | undefined;
  role: Role;
  adapterId: string;
}

export type GuardReason =
  /** No valid policy, on a browser the admin assigned to an SRO: everything stays covered. */
  | 'no-policy-sro'
  /** No valid policy on anyone else's browser: nothing to enforce. */
  | 'no-policy'
  /** Not a SIS page. */
  | 'not-sis'
  /** The admin assigned this browser to an SRO. */
  | 'managed-sro'
  /** An SRO was seen on this host in this browser session: only the SIS's sign-in or sign-out page ends it. */
  | 'sro-seen-on-host'
  /** This page shows an SRO. */
  | 'sro-on-page'
  /** This page shows someone who is not an SRO. */
  | 'non-sro-on-page'
  /** This page shows nobody, and the host's known user in this session is not an SRO. */
  | 'non-sro-on-host'
  /** Two identity elements disagree: never left alone. */
  | 'identity-conflict'
  /** Nobody known, in a frame (its tab showed nobody either): never left alone. */
  | 'unknown-frame'
  /** Nobody known; the policy's `unidentifiedUser` is `guard`. */
  | 'unknown-guarded'
  /** Nobody known; the policy's `unidentifiedUser` is `leave`. */
  | 'unknown-left';

export interface GuardFacts {
  /** The policy's setting for pages with nobody identified; undefined when no valid policy is in force. */
  unidentifiedUser: 'guard' | 'leave' | undefined;
  /** The role the admin assigned to this browser (honoured only if the policy honours it: resolved by the caller). */
  managedRole?: Role | undefined;
  /** Whether the URL is on a host of one of the policy's SIS adapters. */
  sisHost: boolean;
  /** The role resolved from what the page (or its tab's top page) shows; `unknown` when it shows nobody. */
  pageRole: KnownRole;
  /** The page's user name, when it shows one. */
  pageUsername?: string | undefined;
  /** Two identity elements on the page disagreed. */
  conflicting?: boolean;
  /** The page is a frame (not its tab's top page). */
  frame?: boolean;
  /** Who this browser session has seen on the page's origin. */
  host?: HostIdentity | undefined;
}

export interface GuardVerdict {
  guarded: boolean;
  reason: GuardReason;
  /** The role the verdict treats the user as. */
  role: KnownRole;
  /** The user name decisions are made for: the host's SRO when one is known there, else the page's. */
  username?: string | undefined;
}

const sameName = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();

/** Whether someone is guarded: one answer, with its reason, for every caller. */
export function guardedFor(facts: GuardFacts): GuardVerdict {
  const page = facts.pageUsername !== undefined ? { username: facts.pageUsername } : {};
  if (facts.unidentifiedUser === undefined) {
    return facts.managedRole === 'sro'
      ? { guarded: true, reason: 'no-policy-sro', role: 'sro', ...page }
      : { guarded: false, reason: 'no-policy', role: facts.pageRole, ...page };
  }
  if (!facts.sisHost) return { guarded: false, reason: 'not-sis', role: facts.pageRole, ...page };
  const host = facts.host;
  if (host?.role === 'sro') {
    // Page content cannot un-guard the host, nor move it to another SRO's access: decisions stay with the SRO
    // seen here. After the SIS's sign-in or sign-out page (the host's SRO known without a name), the next
    // person's identity is read afresh.
    if (host.username !== undefined) {
      return { guarded: true, reason: 'sro-seen-on-host', role: 'sro', username: host.username };
    }
    if (facts.pageRole === 'unknown' || facts.conflicting) {
      return { guarded: true, reason: 'sro-seen-on-host', role: 'unknown' };
    }
  }
  if (facts.managedRole === 'sro') {
    return { guarded: true, reason: 'managed-sro', role: facts.conflicting ? 'unknown' : 'sro', ...page };
  }
  if (facts.conflicting) return { guarded: true, reason: 'identity-conflict', role: 'unknown' };
  if (facts.pageRole === 'sro') return { guarded: true, reason: 'sro-on-page', role: 'sro', ...page };
  if (facts.pageRole !== 'unknown') {
    return { guarded: false, reason: 'non-sro-on-page', role: facts.pageRole, ...page };
  }
  // The page shows nobody (a JSON URL, a page whose header arrives late): a known non-SRO session on this host
  // is not demoted by it.
  if (host !== undefined && host.role !== 'sro') {
    return {
      guarded: false,
      reason: 'non-sro-on-host',
      role: host.role,
      ...(host.username !== undefined ? { username: host.username } : {}),
    };
  }
  if (facts.frame) return { guarded: true, reason: 'unknown-frame', role: 'unknown' };
  return facts.unidentifiedUser === 'guard'
    ? { guarded: true, reason: 'unknown-guarded', role: 'unknown' }
    : { guarded: false, reason: 'unknown-left', role: 'unknown' };
}

/**
 * Whether an SRO may be signed in on the host: what the network rules block for. A teacher's requests, and a
 * host where nobody has been seen on a browser not assigned to an SRO, are never matched (the in-page cover
 * handles those).
 */
export const srosMayBeSignedIn = (verdict: GuardVerdict): boolean =>
  verdict.reason === 'managed-sro' ||
  verdict.reason === 'sro-seen-on-host' ||
  verdict.reason === 'no-policy-sro';

/** What a page told the background about who is signed in on its origin. */
export type IdentityObservation =
  | { kind: 'page'; role: KnownRole; username?: string | undefined; adapterId: string }
  /** The SIS's own sign-in or sign-out page (the adapter declares them). */
  | { kind: 'sign-in-page' };

/**
 * The host's identity after an observation. Once an SRO is seen on a host, that host stays guarded until the
 * SIS's sign-in or sign-out page: a page claiming someone else changes nothing. A page that shows nobody never
 * overwrites a known identity. After the sign-in page an SRO's host keeps its guard with nobody named (the
 * network rules stay, with no student opened) until the next person is read; anyone else is forgotten.
 */
export function observeIdentity(
  known: HostIdentity | undefined,
  observation: IdentityObservation,
): HostIdentity | undefined {
  if (observation.kind === 'sign-in-page') {
    if (known?.role !== 'sro') return undefined;
    return known.username === undefined ? known : { role: 'sro', adapterId: known.adapterId };
  }
  if (observation.role === 'unknown') return known;
  if (known?.role === 'sro' && known.username !== undefined) return known;
  const next: HostIdentity = {
    role: observation.role,
    adapterId: observation.adapterId,
    ...(observation.username !== undefined ? { username: observation.username } : {}),
  };
  return sameHostIdentity(known, next) ? known : next;
}

export const sameHostIdentity = (a: HostIdentity | undefined, b: HostIdentity | undefined): boolean =>
  a === b ||
  (a !== undefined &&
    b !== undefined &&
    a.role === b.role &&
    a.adapterId === b.adapterId &&
    (a.username === b.username || sameName(a.username, b.username)));

/** The late-identity wait: how long a page that is parsed without a header waits for one before deciding. */
export const DEFAULT_LATE_IDENTITY_MS = 300;

export function lateIdentityWaitMs(adapter: { identity: unknown }): number {
  const declared = (adapter.identity as { lateWaitMs?: unknown }).lateWaitMs;
  return typeof declared === 'number' && Number.isFinite(declared) && declared >= 0
    ? Math.min(declared, 5000)
    : DEFAULT_LATE_IDENTITY_MS;
}
