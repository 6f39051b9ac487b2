import type { DistrictPolicy, RosterEntry } from './district-policy';
import type { Role } from './vocabulary';
import { DISPLAY_NAME_PREFIX } from '../sis/limits';

/** What the page and the browser say about the signed-in user. Any of it may be missing. */
export interface IdentitySignals {
  /** A login, or `name:<display name>` where the SIS header shows only a display name (src/sis/limits.ts). */
  username?: string;
  email?: string;
  /** The role label the SIS shows for the user, if it shows one. */
  roleLabel?: string;
  /** The role the admin assigned to this managed browser. */
  managedRole?: Role;
}

export interface ResolvedRole {
  /** `unknown` when nothing identifies the user. */
  role: Role | 'unknown';
  /** Every signal that named a role; more than one distinct role is ambiguous and resolves to the strictest. */
  sources: { source: 'roster' | 'role-label' | 'managed'; role: Role }[];
  ambiguous: boolean;
  rosterEntry?: RosterEntry;
}

/** Usernames, e-mails and agency names compare case- and space-insensitively. */
export const sameText = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();

/** Display names compare case-insensitively with any run of white space as one space. */
const sameName = (a: string, b: string): boolean =>
  a.replace(/\s+/gu, ' ').trim().toLowerCase() === b.replace(/\s+/gu, ' ').trim().toLowerCase();

export { DISPLAY_NAME_PREFIX };

/** The display name a `name:` identity carries, or undefined for a login. */
export function displayNameOf(username: string | undefined): string | undefined {
  return username?.startsWith(DISPLAY_NAME_PREFIX) ? username.slice(DISPLAY_NAME_PREFIX.length) : undefined;
}

/** Every roster entry the page's identity names (by login or e-mail, or by display name). */
function rosterMatchesFor(policy: DistrictPolicy, signals: IdentitySignals): RosterEntry[] {
  const displayName = displayNameOf(signals.username);
  if (displayName !== undefined) {
    // A display name is not unique: every person who has it counts, so one SRO among them guards the page.
    return policy.roles.roster.filter((entry) =>
      [entry.displayName, ...(entry.displayNames ?? [])].some(
        (name) => name !== undefined && sameName(name, displayName),
      ),
    );
  }
  return policy.roles.roster.filter(
    (entry) => sameText(entry.username, signals.username) || sameText(entry.email, signals.email),
  );
}

/**
 * Resolves the user's role from the district roster, the SIS role label and the managed browser's role.
 * Signals that disagree resolve to `sro` if any of them says SRO: a wrong guess must fail closed.
 */
export function resolveRole(policy: DistrictPolicy, signals: IdentitySignals): ResolvedRole {
  const sources: ResolvedRole['sources'] = [];
  // Every entry the username or the e-mail names counts: when they name different people, the roster's
  // order must not decide which one wins (a non-SRO entry listed first would let an SRO through).
  const rosterMatches = rosterMatchesFor(policy, signals);
  for (const entry of rosterMatches) sources.push({ source: 'roster', role: entry.role });
  const rosterEntry = rosterMatches.find((entry) => entry.role === 'sro') ?? rosterMatches[0];
  if (signals.roleLabel !== undefined) {
    const label = signals.roleLabel;
    const matched = policy.roles.roleLabels.find((rule) => new RegExp(rule.pattern, 'iu').test(label));
    if (matched) sources.push({ source: 'role-label', role: matched.role });
  }
  if (signals.managedRole !== undefined && policy.roles.honourManagedRole) {
    sources.push({ source: 'managed', role: signals.managedRole });
  }
  const roles = new Set(sources.map((source) => source.role));
  const ambiguous = roles.size > 1;
  let role: ResolvedRole['role'];
  if (roles.has('sro')) role = 'sro';
  else if (sources[0]) role = sources[0].role;
  // A login the roster does not list is staff; a display name it does not list identifies nobody (any
  // SRO could be shown by a name the roster lacks), so it falls to the policy's unidentifiedUser.
  else if (
    (signals.username !== undefined && displayNameOf(signals.username) === undefined) ||
    signals.email !== undefined
  )
    role = 'staff';
  else role = 'unknown';
  return { role, sources, ambiguous, ...(rosterEntry ? { rosterEntry } : {}) };
}
