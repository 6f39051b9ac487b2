// What changes between two policy bundles, in the terms an admin reviews: rules, roster, adapters, legal
// bases, and anything else in the district policy. Pure; shared by `npm run policy -- diff` and the options page.
import { canonicalJson } from '../report/canonical-json';
import type { PolicyBundle } from './bundle';

export interface ListChange {
  added: string[];
  removed: string[];
  changed: string[];
}

export interface PolicyChanges {
  from: { id: string; version: number } | null;
  to: { id: string; version: number };
  rules: ListChange;
  roster: ListChange;
  adapters: ListChange;
  bases: ListChange;
  /** Other district-policy settings that differ (top-level member names: "grants", "reporting"…). */
  settings: string[];
}

function compare<T>(before: readonly T[], after: readonly T[], key: (item: T) => string): ListChange {
  const old = new Map(before.map((item) => [key(item), canonicalJson(item)]));
  const now = new Map(after.map((item) => [key(item), canonicalJson(item)]));
  return {
    added: [...now.keys()].filter((id) => !old.has(id)).sort(),
    removed: [...old.keys()].filter((id) => !now.has(id)).sort(),
    changed: [...now.keys()].filter((id) => old.has(id) && old.get(id) !== now.get(id)).sort(),
  };
}

/** A roster entry is named by who it is and the role: an entry moving from one role to another is both. */
const rosterKey = (entry: PolicyBundle['policy']['roles']['roster'][number]): string =>
  `${entry.role}:${(entry.username ?? entry.email ?? '').toLowerCase()}`;

export function diffBundles(before: PolicyBundle | undefined, after: PolicyBundle): PolicyChanges {
  const oldPolicy = (before?.policy ?? {}) as Record<string, unknown>;
  const newPolicy = after.policy as unknown as Record<string, unknown>;
  const skip = new Set(['rules', 'roles', 'version']);
  const settings = [...new Set([...Object.keys(oldPolicy), ...Object.keys(newPolicy)])]
    .filter((name) => !skip.has(name) && canonicalJson(oldPolicy[name]) !== canonicalJson(newPolicy[name]))
    .sort();
  const oldRoles = before?.policy.roles;
  const { roster: _oldRoster, ...oldRoleRest } = oldRoles ?? { roster: [] };
  const { roster: _newRoster, ...newRoleRest } = after.policy.roles;
  if (before && canonicalJson(oldRoleRest) !== canonicalJson(newRoleRest)) settings.push('roles');
  return {
    from: before ? { id: before.policy.id, version: before.policy.version } : null,
    to: { id: after.policy.id, version: after.policy.version },
    rules: compare(before?.policy.rules ?? [], after.policy.rules, (rule) => rule.id),
    roster: compare(oldRoles?.roster ?? [], after.policy.roles.roster, rosterKey),
    adapters: compare(before?.adapters ?? [], after.adapters, (adapter) => adapter.id),
    bases: compare(before?.legalBases.bases ?? [], after.legalBases.bases, (basis) => basis.id),
    settings: settings.sort(),
  };
}

/** Whether anything at all changed besides the version number. */
export function hasChanges(changes: PolicyChanges): boolean {
  const lists = [changes.rules, changes.roster, changes.adapters, changes.bases];
  return (
    changes.settings.length > 0 ||
    lists.some((list) => list.added.length + list.removed.length + list.changed.length > 0)
  );
}
