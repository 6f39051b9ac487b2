import { z } from 'zod';
import {
  ActionSchema,
  CategorySchema,
  IdSchema,
  LocalizedTextSchema,
  RegexSourceSchema,
  RoleSchema,
} from './vocabulary';

/** A piece of evidence a basis requires: a case number, the issuing court, a threat description… */
export const EvidenceFieldSchema = z
  .strictObject({
    id: IdSchema,
    label: LocalizedTextSchema,
    kind: z.enum(['text', 'long-text', 'date', 'case-number', 'yes-no']),
    required: z.boolean(),
    /** For case numbers and the like: what a well-formed value looks like. */
    pattern: RegexSourceSchema.optional(),
    /**
     * `articulable`: a description a person must be able to act on (34 CFR 99.36's "articulable and significant
     * threat"), held to the district's justification rules: length, keyboard runs, repeats, placeholder words.
     */
    quality: z.literal('articulable').optional(),
    help: LocalizedTextSchema.optional(),
  })
  .superRefine((field, ctx) => {
    if (field.quality !== undefined && field.kind !== 'text' && field.kind !== 'long-text') {
      ctx.addIssue({
        code: 'custom',
        path: ['quality'],
        message: `a "${field.quality}" quality check applies to text and long-text fields, not "${field.kind}"`,
      });
    }
  });
export type EvidenceField = z.infer<typeof EvidenceFieldSchema>;

export const NoticeSchema = z.strictObject({
  /** Who must be told: the parent, or the student once eligible (18+). */
  required: z.boolean(),
  timing: z.enum(['none', 'before-disclosure', 'after-disclosure']),
  /** 34 CFR 99.31(a)(9)(ii): no notice when the order or subpoena itself forbids disclosing its existence. */
  waivedWhenEvidence: IdSchema.optional(),
  text: LocalizedTextSchema.optional(),
});

/**
 * One legal basis for access. `mode` says how it is used:
 * - `consent-registry`: covers access only through a logged consent record (34 CFR 99.30);
 * - `immediate`: the user states it with evidence and gets a time-boxed grant at once (health or safety emergency);
 * - `approval`: the user files a request a records clerk must approve before access (subpoena, court order);
 * - `note`: explains something that is not a way into education records (34 CFR 99.8).
 */
export const LegalBasisSchema = z
  .strictObject({
    id: IdSchema,
    title: LocalizedTextSchema,
    summary: LocalizedTextSchema,
    citations: z.array(z.string().min(1).max(200)).min(1),
    mode: z.enum(['consent-registry', 'immediate', 'approval', 'note']),
    /** Whether the district has turned this basis on at all. */
    enabled: z.boolean(),
    /** Which roles may invoke it. School-official designation is off for SROs unless the district designates them. */
    availableTo: z.array(RoleSchema),
    actions: z.array(ActionSchema),
    /** Categories it can cover; omitted means all except immigration, which no basis opens to an SRO. */
    categories: z.array(CategorySchema).optional(),
    evidence: z.array(EvidenceFieldSchema),
    /** The longest access one use of this basis may grant, in minutes. */
    maxGrantMinutes: z
      .number()
      .int()
      .positive()
      .max(60 * 24 * 366),
    notice: NoticeSchema,
    /** `after-access`: the disclosure is reviewed by a records clerk afterwards (emergencies, 99.36). */
    review: z.enum(['none', 'after-access']),
    /** With `after-access`: the review is overdue this many days after the access (the hub console flags it; default 5). */
    reviewWithinDays: z.number().int().min(1).max(365).optional(),
    /** Directory information: access only where the student has not opted out (99.37). */
    respectsDirectoryOptOut: z.boolean().default(false),
  })
  .superRefine((basis, ctx) => {
    const seen = new Set<string>();
    basis.evidence.forEach((field, index) => {
      if (seen.has(field.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['evidence', index, 'id'],
          message: `duplicate evidence id "${field.id}"`,
        });
      }
      seen.add(field.id);
    });
    if (basis.notice.waivedWhenEvidence && !seen.has(basis.notice.waivedWhenEvidence)) {
      ctx.addIssue({
        code: 'custom',
        path: ['notice', 'waivedWhenEvidence'],
        message: `names evidence "${basis.notice.waivedWhenEvidence}" that this basis does not ask for`,
      });
    }
    if (basis.mode !== 'note' && basis.actions.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['actions'],
        message: 'a basis that grants access must cover an action',
      });
    }
  });
export type LegalBasis = z.infer<typeof LegalBasisSchema>;

export const LegalBasisCatalogSchema = z
  .strictObject({
    $schema: z.string().optional(),
    bases: z.array(LegalBasisSchema).min(1),
  })
  .superRefine((catalog, ctx) => {
    const seen = new Set<string>();
    catalog.bases.forEach((basis, index) => {
      if (seen.has(basis.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['bases', index, 'id'],
          message: `duplicate legal basis "${basis.id}"`,
        });
      }
      seen.add(basis.id);
    });
    if (!catalog.bases.some((basis) => basis.mode === 'consent-registry')) {
      ctx.addIssue({ code: 'custom', path: ['bases'], message: 'the catalog must include written consent' });
    }
  });
export type LegalBasisCatalog = z.infer<typeof LegalBasisCatalogSchema>;
