// Every key the extension keeps in browser storage: its area, the version of its shape, who writes it and how
// a read is checked. A read that does not pass its check is treated as absent (never half-applied).
// tests/unit/contracts.test.ts fails when a module uses a storage key this table does not list.
export type StorageArea = 'local' | 'session';

export interface StorageKey {
  key: string;
  area: StorageArea;
  /** Bumped when the shape changes; a reader ignores a shape it does not know. */
  version: number;
  /** The only module that writes it. */
  writer: string;
  /** How a read is checked. */
  schema: string;
}

export const STORAGE_KEYS = [
  {
    key: 'policy.bundle',
    area: 'local',
    version: 1,
    writer: 'src/background/policy-update.ts',
    schema: 'parsePolicyBundle (src/policy/bundle.ts)',
  },
  {
    key: 'managed.lastKnown',
    area: 'local',
    version: 1,
    writer: 'src/background/managed.ts',
    schema: 'ManagedSettingsSchema (src/background/managed.ts)',
  },
  {
    key: 'sync.cursors',
    area: 'local',
    version: 1,
    writer: 'src/background/sync.ts',
    schema: 'CursorsSchema (src/background/sync.ts)',
  },
  {
    key: 'guard.plan',
    area: 'session',
    version: 1,
    writer: 'src/background/guard-plan.ts',
    schema: "isGuardPlan (src/contracts/guard-plan.ts), format 'record-guard-plan/1'",
  },
  {
    key: 'identities',
    area: 'session',
    version: 1,
    writer: 'src/background/identities.ts',
    schema: 'StoredSchema and SeenSchema (src/background/identities.ts), per entry',
  },
  {
    key: 'export.allow.expiry',
    area: 'session',
    version: 1,
    writer: 'src/enforce/export-allow.ts',
    schema: 'rule id → epoch ms, checked in src/enforce/export-allow.ts',
  },
  {
    key: 'hardening.attempts',
    area: 'local',
    version: 1,
    writer: 'src/enforce/hardening.ts',
    schema: 'AttemptsSchema (src/enforce/hardening.ts)',
  },
  {
    key: 'hardening.logged',
    area: 'local',
    version: 1,
    writer: 'src/background/hardening.ts',
    schema: 'SummarySchema (src/background/hardening.ts)',
  },
  {
    key: 'justifications.recent',
    area: 'local',
    version: 1,
    writer: 'src/background/gate-service.ts',
    schema: 'RecentSchema (src/background/gate-service.ts)',
  },
  {
    key: 'gate.nonce',
    area: 'session',
    version: 1,
    writer: 'src/background/gate-nonce.ts',
    schema: 'NonceSchema (src/background/gate-nonce.ts)',
  },
  {
    key: 'gate.',
    area: 'session',
    version: 1,
    writer: 'src/background/gate-service.ts',
    schema: 'a prefix: one gate record per gate id, checked in src/background/gate-service.ts',
  },
  {
    key: 'policy.status',
    area: 'local',
    version: 1,
    writer: 'src/background/policy-source.ts',
    schema: 'parsePolicyStatus (src/policy/update-status.ts)',
  },
  {
    key: 'managed.logged',
    area: 'local',
    version: 1,
    writer: 'src/background/managed-report.ts',
    schema: 'SummarySchema (src/background/managed-report.ts)',
  },
  {
    key: 'managed.status',
    area: 'local',
    version: 1,
    writer: 'src/background/managed.ts',
    schema: 'ManagedStatusSchema (src/policy/update-status.ts)',
  },
  {
    // A switch for measuring the 30 s alarm fallback alone (the fast poll off); the extension never writes it.
    key: 'bench.fastPollOff',
    area: 'local',
    version: 1,
    writer: 'tests/e2e and tests/bench only (set through the worker)',
    schema: 'exactly true, anything else is off (src/background/pending-poll.ts)',
  },
] as const satisfies readonly StorageKey[];

export type StorageKeyName = (typeof STORAGE_KEYS)[number]['key'];
