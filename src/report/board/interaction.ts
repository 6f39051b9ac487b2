// An SRO's interaction with a student (the Board report's "interactions by type"), as the interaction form
// records it and as it travels inside a log event. Pure: shared by the extension page, the background and the hub.
import { z } from 'zod';
import { InstantSchema } from '../../policy/vocabulary';

export const INTERACTION_TYPES = [
  'arrest',
  'citation',
  'referral-for-prosecution',
  'report-of-misconduct',
  'warning',
  'counselling-or-referral',
  'other',
] as const;
export const InteractionTypeSchema = z.enum(INTERACTION_TYPES);
export type InteractionType = z.infer<typeof InteractionTypeSchema>;

/** A student id as the SIS writes it (the roster's and the events' studentId). */
export const StudentIdSchema = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'must be letters, digits, - or _');

/** A school code as the roster writes it. */
export const SchoolCodeSchema = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'must be letters, digits, - or _');

export const InteractionDetailsSchema = z.strictObject({
  /** When the interaction happened (not when it was logged). */
  occurredAt: InstantSchema,
  school: SchoolCodeSchema,
  type: InteractionTypeSchema,
  reason: z.string().trim().min(3).max(2000),
  forceUsed: z.boolean(),
  parentNotified: z.boolean(),
  administratorPresent: z.boolean(),
});
export type InteractionDetails = z.infer<typeof InteractionDetailsSchema>;

/** Allowed clock skew between a browser and whoever checks "not in the future". */
export const FUTURE_SKEW_MS = 5 * 60_000;

/** An interaction as a form or an API sends it: the details, the student, and "not in the future" checked. */
export function interactionInputSchema(now: () => Date) {
  return InteractionDetailsSchema.extend({ studentId: StudentIdSchema }).superRefine((value, ctx) => {
    if (Date.parse(value.occurredAt) > now().getTime() + FUTURE_SKEW_MS) {
      ctx.addIssue({ code: 'custom', path: ['occurredAt'], message: 'is in the future' });
    }
  });
}
export type InteractionInput = InteractionDetails & { studentId: string };

/** Extension page → background: what the interaction form needs, and the interaction it records. */
export const InteractionContextRequestSchema = z.strictObject({ channel: z.literal('interaction.context') });
export const InteractionRecordRequestSchema = z.strictObject({
  channel: z.literal('interaction.record'),
  /** The SRO's SIS username (filled in from who was last seen signed in). */
  officer: z.string().trim().min(1).max(120),
  interaction: z.unknown(),
});
export const InteractionRequestSchema = z.discriminatedUnion('channel', [
  InteractionContextRequestSchema,
  InteractionRecordRequestSchema,
]);

export interface InteractionContext {
  officer: string | null;
  district: string | null;
  hub: boolean;
}
export type InteractionRecordReply =
  { ok: true; eventId: string } | { ok: false; problems: { field: string; message: string }[] };
