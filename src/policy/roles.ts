import type { DistrictPolicy, RosterEntry } from './district-policy';
import type { Role } from './vocabulary';

/** What the page and the browser say about the signed-in user. Any of it may be missing. */
export interface IdentitySignals {
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

/**
 * Resolves the user's role from the district roster, the SIS role label and the managed browser's role.
 * Signals that disagree resolve to `sro` if any of them says SRO: a wrong guess must fail closed.
 */
export function resolveRole(policy: DistrictPolicy, signals: IdentitySignals): ResolvedRole {
  const sources: ResolvedRole['sources'] = [];
  // Every entry the username or the e-mail names counts: when they name different people, the roster's
  // order must not decide which one wins (a non-SRO entry listed first would let an SRO through).
  const rosterMatches = policy.roles.roster.filter(
    (entry) => sameText(entry.username, signals.username) || sameText(entry.email, signals.email),
  );
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
  else if (signals.username !== undefined || signals.email !== undefined) role = 'staff';
  else role = 'unknown';
  return { role, sources, ambiguous, ...(rosterEntry ? { rosterEntry } : {}) };
}
