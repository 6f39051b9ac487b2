import { z } from 'zod';
import { ActionSchema, CalendarDateSchema, CategorySchema, IdSchema, InstantSchema } from './vocabulary';

/** Who receives records under a consent: one named SRO, or the SRO's agency as a whole. */
export const ConsentRecipientSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('sro'), username: z.string().min(1).max(120) }),
  z.strictObject({ kind: z.literal('agency'), agency: z.string().min(1).max(200) }),
]);
export type ConsentRecipient = z.infer<typeof ConsentRecipientSchema>;

/**
 * A written consent to disclose (34 CFR 99.30, Education Code 49075): signed and dated, naming the records,
 * the purpose and the recipient. A parent or guardian signs for a minor; an eligible student (18+) signs for themself.
 */
export const ConsentSchema = z
  .strictObject({
    id: z.string().min(1).max(80),
    studentId: z.string().min(1).max(40),
    signer: z.strictObject({
      name: z.string().min(1).max(200),
      relation: z.enum(['parent', 'guardian', 'eligible-student']),
    }),
    categories: z.array(CategorySchema).min(1),
    actions: z.array(ActionSchema).min(1),
    purpose: z.string().min(1).max(1000),
    recipient: ConsentRecipientSchema,
    signedOn: CalendarDateSchema,
    /** The last day the consent counts; omitted means until revoked. */
    expiresOn: CalendarDateSchema.optional(),
    revokedAt: InstantSchema.optional(),
    /** Where the signed paper or scan is kept (document management reference). */
    documentRef: z.string().min(1).max(200),
    /**
     * The student's birth date as the clerk read it from the SIS: it decides who may consent (a parent until 18,
     * the student after), and the SRO's browser has no other source for it.
     */
    studentBirthDate: CalendarDateSchema.optional(),
    recordedBy: IdSchema.or(z.string().min(1).max(120)).optional(),
  })
  .refine((consent) => consent.expiresOn === undefined || consent.expiresOn >= consent.signedOn, {
    path: ['expiresOn'],
    message: 'is before signedOn',
  });
export type Consent = z.infer<typeof ConsentSchema>;

/** An SRO's request for an exception that a records clerk must decide (subpoena, court order, juvenile justice). */
export const ExceptionRequestSchema = z.strictObject({
  id: z.string().min(1).max(80),
  username: z.string().min(1).max(120),
  studentId: z.string().min(1).max(40),
  categories: z.array(CategorySchema).min(1),
  actions: z.array(ActionSchema).min(1),
  basis: IdSchema,
  status: z.enum(['pending', 'approved', 'denied', 'withdrawn']),
  filedAt: InstantSchema,
  decidedAt: InstantSchema.optional(),
  decidedBy: z.string().min(1).max(120).optional(),
  /** Window of an approval. */
  validFrom: InstantSchema.optional(),
  validUntil: InstantSchema.optional(),
  /** The records clerk's reason, shown to the SRO (a denial's above all). */
  decisionReason: z.string().max(2000).optional(),
});
export type ExceptionRequest = z.infer<typeof ExceptionRequestSchema>;

/** Time-boxed access created by a justification with an immediate basis (an emergency). */
export const GrantSchema = z.strictObject({
  id: z.string().min(1).max(80),
  username: z.string().min(1).max(120),
  studentId: z.string().min(1).max(40),
  categories: z.array(CategorySchema).min(1),
  actions: z.array(ActionSchema).min(1),
  basis: IdSchema,
  issuedAt: InstantSchema,
  expiresAt: InstantSchema,
  /** Marked for a records clerk's review after the fact (34 CFR 99.36). */
  review: z.boolean(),
});
export type Grant = z.infer<typeof GrantSchema>;
