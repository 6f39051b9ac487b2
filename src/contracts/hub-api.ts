// The hub's API as the extension and the hub both read it: request bodies and feed replies. A leaf: zod and the
// policy's schemas only. The hub validates what it receives with these; the extension what it gets back.
import { z } from 'zod';
import { ConsentSchema, ExceptionRequestSchema } from '../policy/consent';
import { ActionSchema, CategorySchema, IdSchema } from '../policy/vocabulary';

/** POST /v1/requests: an SRO's exception request, filed from the gate. */
export const RequestFileSchema = z.strictObject({
  /** The browser's own id for the request (makes a resent filing idempotent); the hub makes one if absent. */
  id: z.string().min(1).max(80).optional(),
  basis: IdSchema,
  studentId: z.string().min(1).max(40),
  categories: z.array(CategorySchema).min(1).max(8),
  actions: z.array(ActionSchema).min(1).max(4),
  justification: z.string().min(1).max(20_000),
  evidence: z.record(z.string().min(1).max(80), z.string().max(5000)),
});
export type RequestFile = z.infer<typeof RequestFileSchema>;

/** GET /v1/consents/mine?since=: the consents addressed to this SRO that changed after the cursor. */
export const ConsentFeedSchema = z.object({
  consents: z.array(ConsentSchema),
  removed: z.array(z.string()),
  cursor: z.string().max(40),
  more: z.boolean(),
});
export type ConsentFeed = z.infer<typeof ConsentFeedSchema>;

/** GET /v1/requests/mine?since=: this SRO's requests whose status changed after the cursor. */
export const RequestFeedSchema = z.object({
  requests: z.array(
    // A denial carries the clerk's reason, shown on the covered page and in the popup.
    z.object({ request: ExceptionRequestSchema, decisionReason: z.string().max(2000).nullable().optional() }),
  ),
  cursor: z.string().max(40),
  more: z.boolean(),
});
export type RequestFeed = z.infer<typeof RequestFeedSchema>;

/** A request filed in this browser, waiting in its database to reach the hub with its justification and evidence. */
export const FilingSchema = z.object({
  id: z.string(),
  body: z.object({
    id: z.string(),
    basis: z.string(),
    studentId: z.string(),
    categories: z.array(z.string()),
    actions: z.array(z.string()),
    justification: z.string(),
    evidence: z.record(z.string(), z.string()),
  }),
});
export type Filing = z.infer<typeof FilingSchema>;
