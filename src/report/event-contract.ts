import { z } from 'zod';
import { ActionSchema, CategorySchema, IdSchema, InstantSchema, RoleSchema } from '../policy/vocabulary';
import { InteractionDetailsSchema } from './board/interaction';
import { canonicalJson, sha256Hex } from './canonical-json';

/** The first event of a device's chain points at this instead of a previous hash. */
export const GENESIS_HASH = '0'.repeat(64);

export const EVENT_TYPES = [
  'decision',
  'justification',
  'request-filed',
  'request-decided',
  'grant-issued',
  'grant-expired',
  'export-blocked',
  'policy-applied',
  'policy-rejected',
  // The SRO browser's hardening changed (src/background/hardening.ts); the findings are in `evidence`.
  'browser-hardening',
  // What the options page shows about the managed settings changed (src/background/managed-report.ts):
  // in force, refused count, warnings and whether a signed policy is required, in `evidence`.
  'managed-settings',
  // An SRO's interaction with a student, from the interaction form (details in `interaction`).
  'interaction',
  'checkpoint',
] as const;
export const EventTypeSchema = z.enum(EVENT_TYPES);

/** A ULID: 26 Crockford base32 characters, sortable by time. */
export const EventIdSchema = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a ULID');

const HashSchema = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex SHA-256');

/**
 * One entry of the tamper-evident log, as stored in the browser and as sent to the hub.
 * `hash` is SHA-256 of the canonical JSON of every other member (prevHash included), so changing,
 * removing or reordering an event breaks the chain from there on.
 */
export const LogEventSchema = z.strictObject({
  id: EventIdSchema,
  /** Position in the device's chain, from 1. */
  seq: z.number().int().positive(),
  time: InstantSchema,
  type: EventTypeSchema,
  device: z.string().min(1).max(80),
  district: IdSchema,
  actor: z.strictObject({
    username: z.string().min(1).max(120).optional(),
    role: RoleSchema.or(z.literal('unknown')),
  }),
  studentId: z.string().min(1).max(40).optional(),
  categories: z.array(CategorySchema).max(20),
  action: ActionSchema.optional(),
  outcome: z.enum(['allow', 'redact', 'justify', 'request', 'block']).optional(),
  basis: IdSchema.optional(),
  citations: z.array(z.string().min(1).max(200)).max(30),
  justification: z.string().max(20_000).optional(),
  evidence: z.record(z.string().min(1).max(80), z.string().max(5000)).optional(),
  /** Request or grant this event is about. */
  ref: z.string().min(1).max(80).optional(),
  /**
   * Every consent, approved request and grant an access relied on, in decide()'s order (`basis` and `ref` above
   * are the first of them). Absent on events written before it existed.
   */
  coverage: z
    .array(
      z.strictObject({
        kind: z.enum(['consent', 'request', 'grant']),
        id: z.string().min(1).max(80),
        basis: IdSchema,
        until: z.string().min(1).max(40).optional(),
      }),
    )
    .max(20)
    .optional(),
  /** What an `interaction` event records. */
  interaction: InteractionDetailsSchema.optional(),
  policyVersion: z.number().int().nonnegative(),
  prevHash: HashSchema,
  hash: HashSchema,
});
export type LogEvent = z.infer<typeof LogEventSchema>;

export async function hashEvent(event: Omit<LogEvent, 'hash'> & { hash?: string }): Promise<string> {
  const { hash: _ignored, ...hashed } = event;
  return sha256Hex(canonicalJson(hashed));
}

/** POST /v1/events body. At most 500 events; the hub also caps the body size. */
export const EventBatchSchema = z.strictObject({
  events: z.array(LogEventSchema).min(1).max(500),
});

/**
 * POST /v1/events answer (200). An event counts as delivered once its id is in `stored` or `duplicates`
 * (already stored with identical content). `rejected` ids were refused (409 conflict: same id, other content,
 * flagged as possible tampering) and are not retried. Any other answer, or a body that does not parse,
 * means nothing was delivered and the batch is retried.
 */
export const EventBatchResultSchema = z.strictObject({
  stored: z.array(EventIdSchema),
  duplicates: z.array(EventIdSchema),
  rejected: z.array(z.strictObject({ id: EventIdSchema, reason: z.string().max(500) })),
});
export type EventBatchResult = z.infer<typeof EventBatchResultSchema>;
