import type { DistrictPolicy, RosterEntry } from './district-policy';
import { MAX_LOGIN, type Role } from './vocabulary';
import { displayNameKey } from '../sis/limits';

/** What the page and the browser say about the signed-in user. Any of it may be missing. */
export interface IdentitySignals {
  /**
   * The login the SIS shows: matched against the roster's usernames and e-mails (a SIS whose logins are e-mail
   * addresses names an SRO the roster lists only by e-mail).
   */
  username?: string;
  email?: string;
  /**
   * The name the SIS header shows instead of a login (PowerSchool's "Welcome, Jane Doe"): matched against the
   * roster's `displayName` / `displayNames` only, never against a username. Personal: never logged.
   */
  displayName?: string;
  /** The role label the SIS shows for the user, if it shows one. */
  roleLabel?: string;
  /** The role the admin assigned to this managed browser. */
  managedRole?: Role;
}

export interface ResolvedRole {
  /** `unknown` when nothing identifies the user. */
  role: Role | 'unknown';
  /** Every signal that named a role; signals that disagree resolve to the strictest. */
  sources: { source: 'roster' | 'role-label' | 'managed'; role: Role }[];
  /** The roster entry whose agency counts: an SRO among the matches before anyone else. */
  rosterEntry?: RosterEntry;
  /**
   * The login decisions, grants, requests, events and the host's identity are kept under: the roster entry's
   * username (or e-mail) when the roster names the user, else the login the page shows. Never a display name:
   * a display name the roster does not list leaves this undefined.
   */
  username?: string;
}

/** Usernames, e-mails and agency names compare case- and space-insensitively. */
export const sameText = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();

/** Display names compare case-insensitively with any run of white space as one space. */
const sameName = (a: string, b: string): boolean => displayNameKey(a) === displayNameKey(b);

const namesOf = (entry: RosterEntry): string[] =>
  [entry.displayName, ...(entry.displayNames ?? [])].filter((name): name is string => name !== undefined);

/** Every roster entry the page's identity names: a login or e-mail by username or e-mail, a display name by name. */
function rosterMatchesFor(policy: DistrictPolicy, signals: IdentitySignals): RosterEntry[] {
  const displayName = signals.displayName;
  return policy.roles.roster.filter(
    (entry) =>
      sameText(entry.username, signals.username) ||
      sameText(entry.email, signals.username) ||
      sameText(entry.email, signals.email) ||
      // A display name is not unique: every person who has it counts, so one SRO among them guards the page.
      (displayName !== undefined && namesOf(entry).some((name) => sameName(name, displayName))),
  );
}

/**
 * The login a roster entry is known by: its username, else its e-mail (an e-mail too long for a username
 * field names nobody, so an SRO listed only by one is asked to sign in again rather than logged wrongly).
 */
const loginOf = (entry: RosterEntry): string | undefined =>
  entry.username ?? (entry.email !== undefined && entry.email.length <= MAX_LOGIN ? entry.email : undefined);

/**
 * Resolves the user's role from the district roster, the SIS role label and the managed browser's role.
 * Signals that disagree resolve to `sro` if any of them says SRO: a wrong guess must fail closed.
 */
export function resolveRole(policy: DistrictPolicy, signals: IdentitySignals): ResolvedRole {
  const sources: ResolvedRole['sources'] = [];
  // Every entry the username, the e-mail or the display name names counts: when they name different people,
  // the roster's order must not decide which one wins (a non-SRO entry listed first would let an SRO through).
  const rosterMatches = rosterMatchesFor(policy, signals);
  for (const entry of rosterMatches) sources.push({ source: 'roster', role: entry.role });
  const sros = rosterMatches.filter((entry) => entry.role === 'sro');
  if (signals.roleLabel !== undefined) {
    const label = signals.roleLabel;
    const matched = policy.roles.roleLabels.find((rule) => new RegExp(rule.pattern, 'iu').test(label));
    if (matched) sources.push({ source: 'role-label', role: matched.role });
  }
  if (signals.managedRole !== undefined && policy.roles.honourManagedRole) {
    sources.push({ source: 'managed', role: signals.managedRole });
  }
  const roles = new Set(sources.map((source) => source.role));
  const people = distinctLogins(rosterMatches);
  let role: ResolvedRole['role'];
  if (roles.has('sro')) role = 'sro';
  else if (sources[0]) role = sources[0].role;
  // A login the roster does not list is staff; a display name it does not list identifies nobody (any
  // SRO could be shown by a name the roster lacks), so it falls to the policy's unidentifiedUser.
  else if (signals.username !== undefined || signals.email !== undefined) role = 'staff';
  else role = 'unknown';
  const username = canonicalLogin(signals, rosterMatches, role, people);
  // The entry whose agency counts: an SRO before anyone else; none when several SROs match and the page
  // names none of them by login (either one's agency could be named on a consent the other must not use),
  // and none when the user is an SRO (by role label or managed role) but no SRO entry matched: a teacher's
  // entry is not the SRO's, and its agency is nobody's to use on a consent.
  const rosterEntry =
    role === 'sro' && sros.length === 0
      ? undefined
      : distinctLogins(sros).length > 1
        ? sros.find((entry) => sameText(loginOf(entry), username))
        : (sros[0] ?? rosterMatches[0]);
  return {
    role,
    sources,
    ...(rosterEntry ? { rosterEntry } : {}),
    ...(username !== undefined ? { username } : {}),
  };
}

/** The roster's logins of the matched entries, once each (case-insensitively). */
function distinctLogins(entries: readonly RosterEntry[]): string[] {
  const seen = new Map<string, string>();
  for (const entry of entries) {
    const login = loginOf(entry);
    if (login !== undefined && !seen.has(login.trim().toLowerCase()))
      seen.set(login.trim().toLowerCase(), login);
  }
  return [...seen.values()];
}

/**
 * Whom the page's user is kept under. A login the page shows is that login (in the roster's spelling when
 * the roster lists it, by username or e-mail), as it always was. Without one, the matched entries must name
 * exactly one person: a display name (or an e-mail and a display name) that names several people, two SROs or
 * an SRO and a teacher alike, is nobody in particular (the page is still covered when one of them is an SRO),
 * since keeping the user under either would put one person's grants, requests or events in the other's name.
 * One person matched is that person, unless the user is an SRO and that person is not (a role label or the
 * managed role says SRO, the roster's entry says teacher: the entry is not who is signed in). Nothing matched:
 * an e-mail the page shows is the e-mail itself.
 */
function canonicalLogin(
  signals: IdentitySignals,
  matches: readonly RosterEntry[],
  role: ResolvedRole['role'],
  people: readonly string[],
): string | undefined {
  const login = signals.username?.trim();
  if (login !== undefined && login !== '') {
    const listed =
      matches.find((entry) => sameText(entry.username, login)) ??
      matches.find((entry) => sameText(entry.email, login));
    return (listed && loginOf(listed)) ?? login;
  }
  if (matches.length > 0) {
    // An entry without a usable login (an e-mail too long for a login field) is a person who cannot be named.
    if (people.length !== 1 || matches.some((entry) => loginOf(entry) === undefined)) return undefined;
    if (role === 'sro' && !matches.some((entry) => entry.role === 'sro')) return undefined;
    return people[0];
  }
  const email = signals.email?.trim();
  return email !== undefined && email !== '' && email.length <= MAX_LOGIN ? email : undefined;
}

/**
 * The display names (as `displayNameKey`s) that can only mean one of these non-SRO logins: what lets a content
 * script leave a known teacher's page alone at once when the header shows only a name. A name any SRO on the
 * roster also has is left out (it guards the page), and so is a name the roster gives nobody.
 */
export function nonSroDisplayNames(policy: DistrictPolicy, logins: readonly string[]): string[] {
  const sroNames = new Set(
    policy.roles.roster
      .filter((entry) => entry.role === 'sro')
      .flatMap((entry) => namesOf(entry).map(displayNameKey)),
  );
  const names = new Set<string>();
  for (const entry of policy.roles.roster) {
    if (entry.role === 'sro') continue;
    const login = loginOf(entry);
    if (login === undefined || !logins.some((known) => sameText(known, login))) continue;
    for (const name of namesOf(entry).map(displayNameKey)) if (!sroNames.has(name)) names.add(name);
  }
  return [...names];
}
