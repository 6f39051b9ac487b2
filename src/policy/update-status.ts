// The storage record of this browser's policy: what is in force and where it came from, the last check of
// the hub and the last rejection. Written by the background (src/background/policy-update.ts), read by the
// options page. Pure schema: no browser API.
import { z } from 'zod';
import { POLICY_CHECKS } from './signing';

export const POLICY_STATUS_KEY = 'policy.status';

const ListChangeSchema = z.strictObject({
  added: z.array(z.string()),
  removed: z.array(z.string()),
  changed: z.array(z.string()),
});

export const PolicyChangesSchema = z.strictObject({
  from: z.strictObject({ id: z.string(), version: z.number() }).nullable(),
  to: z.strictObject({ id: z.string(), version: z.number() }),
  rules: ListChangeSchema,
  roster: ListChangeSchema,
  adapters: ListChangeSchema,
  bases: ListChangeSchema,
  settings: z.array(z.string()),
});

export const PolicyRejectionSchema = z.strictObject({
  at: z.string(),
  check: z.enum(POLICY_CHECKS),
  reason: z.string().max(2000),
  path: z.string().max(500).optional(),
  keyId: z.string().max(80).optional(),
  version: z.number().optional(),
  /** SHA-256 of what was refused: the same bundle refused again is not logged twice. */
  digest: z.string().max(64),
});
export type PolicyRejection = z.infer<typeof PolicyRejectionSchema>;

export const AdapterSummarySchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  hosts: z.array(z.string()),
  paths: z.array(z.string()),
  /**
   * Set when this adapter has no network section and sits above a lower adapter that has one on shared hosts
   * (src/policy/adapter-overlap.ts networkGaps): there only the in-page cover guards. Absent in older records.
   */
  networkGap: z.strictObject({ hosts: z.array(z.string()), lower: z.array(z.string()) }).optional(),
});

export const PolicyStatusSchema = z.strictObject({
  /** The verified signed bundle last applied (its bundle is stored at policy.bundle). */
  signed: z
    .strictObject({
      policyId: z.string(),
      version: z.number().int(),
      keyId: z.string(),
      signedAt: z.string(),
      appliedAt: z.string(),
    })
    .optional(),
  /** What is in force now, as the background last loaded it. */
  inForce: z
    .strictObject({
      source: z.enum(['signed', 'stored', 'bundled', 'none']),
      policyId: z.string().optional(),
      version: z.number().optional(),
      district: z.string().optional(),
      /** Set when a signed policy is required and none has verified yet. */
      held: z.boolean(),
      adapters: z.array(AdapterSummarySchema),
    })
    .optional(),
  lastCheckedAt: z.string().optional(),
  lastCheck: z.enum(['applied', 'unchanged', 'rejected', 'none-published', 'no-hub', 'failed']).optional(),
  lastCheckError: z.string().max(500).optional(),
  etag: z.string().max(200).optional(),
  lastRejection: PolicyRejectionSchema.optional(),
  changes: PolicyChangesSchema.optional(),
});
export type PolicyStatus = z.infer<typeof PolicyStatusSchema>;

export function parsePolicyStatus(raw: unknown): PolicyStatus {
  const parsed = PolicyStatusSchema.safeParse(raw);
  return parsed.success ? parsed.data : {};
}

/** What the options page shows: the settings in force with secrets masked, and why a read was refused. */
export const MANAGED_STATUS_KEY = 'managed.status';

/**
 * What an admin should look at in the managed settings, beside outright refusals (`problems`): a setting whose
 * name the extension does not know (with the known name it is closest to), a value of the wrong type, and how
 * the trusted keys and `requireSignedPolicy` together decide whether a signed policy is required. Codes, not
 * sentences, so the options page says them in the admin's language.
 */
export const ManagedNoticeSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('unknown-key'),
    path: z.string().max(200),
    suggestion: z.string().max(80).optional(),
  }),
  z.strictObject({ kind: z.literal('wrong-type'), path: z.string().max(200), expected: z.string().max(40) }),
  /** Keys are trusted and requireSignedPolicy is not set: a signed policy is required anyway (fail closed). */
  z.strictObject({ kind: z.literal('signing-implied') }),
  /** Keys are trusted and requireSignedPolicy is explicitly false: the bundled policy applies until one verifies. */
  z.strictObject({ kind: z.literal('signing-off') }),
  /** A signed policy is required and no key is trusted: nothing can verify, SRO pages stay covered. */
  z.strictObject({ kind: z.literal('no-keys') }),
]);
export type ManagedNotice = z.infer<typeof ManagedNoticeSchema>;

export const ManagedStatusSchema = z.strictObject({
  /** live: the settings read now; last-good: the read was refused and the last good settings stay; none. */
  inForce: z.enum(['live', 'last-good', 'none']),
  problems: z.array(z.string().max(500)).max(20),
  /** Absent in records written before notices existed. */
  notices: z.array(ManagedNoticeSchema).max(30).optional(),
  checkedAt: z.string(),
  /** The settings in force, secrets replaced by a mask (never the token itself). */
  masked: z.record(z.string(), z.unknown()),
});
export type ManagedStatus = z.infer<typeof ManagedStatusSchema>;
