/**
 * Channels of the gate (the extension page where an SRO states a legal basis) and the popup. The content
 * script opens the gate; only extension pages may read a gate's context or submit it.
 */
import { z } from 'zod';
import type { DecisionOption } from '../decide/decision';
import { ActionSchema, CategorySchema } from '../policy/vocabulary';

const UrlSchema = z.string().min(1).max(4096);

/** Content script → background: open the gate for what this page was stopped on. */
export const GateOpenSchema = z.strictObject({
  channel: z.literal('gate.open'),
  url: UrlSchema,
  action: ActionSchema,
  studentId: z.string().min(1).max(40),
  categories: z.array(CategorySchema).min(1).max(20),
  fields: z.array(z.string().min(1).max(200)).max(2000),
});
export type GateOpen = z.infer<typeof GateOpenSchema>;

/** Gate page → background. */
export const GateContextRequestSchema = z.strictObject({
  channel: z.literal('gate.context'),
  gateId: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/),
});

export const GateSubmitSchema = z.strictObject({
  channel: z.literal('gate.submit'),
  gateId: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/),
  basis: z.string().min(1).max(80),
  evidence: z.record(z.string().min(1).max(80), z.string().max(5000)),
  justification: z.string().max(20_000),
  attested: z.literal(true),
});
export type GateSubmit = z.infer<typeof GateSubmitSchema>;

/**
 * Gate page → background: the network rules took a navigation here instead of the record it asked for
 * (`gate.html#blocked=<url>`). The background classifies the URL itself; the page only passes it on.
 */
export const GateBlockedSchema = z.strictObject({
  channel: z.literal('gate.blocked'),
  /** This browser session's redirect nonce, as the redirect put it in the gate's URL. */
  nonce: z.string().max(64),
  url: UrlSchema,
});

export type GateBlockedReply =
  | { kind: 'gate'; gateId: string }
  /** Access covers it now (the rules were behind a consent or grant): they were brought up to date. */
  | { kind: 'open' }
  /** The endpoint can return immigration-related data: it never opens for an SRO (Education Code 234.7). */
  | { kind: 'immigration' }
  /** No adapter can tell which student record the URL holds (a roster, a report, an unknown page). */
  | { kind: 'unclassified' }
  /** Nobody is known to be signed in to the SIS in this browser yet. */
  | { kind: 'no-identity' }
  /** The URL is not guarded for this browser's user (any more): it may be opened. */
  | { kind: 'not-guarded' }
  /** A signed policy is required and none has verified yet: nothing opens for an SRO until one does. */
  | { kind: 'held'; reason: { en: string; es?: string | undefined } };

/** Popup → background. */
export const PopupStatusSchema = z.strictObject({ channel: z.literal('popup.status') });

/** Options page → background: the local log's state, its verification, and exports. */
export const LogStatusSchema = z.strictObject({ channel: z.literal('log.status') });
export const LogVerifySchema = z.strictObject({ channel: z.literal('log.verify') });
export const LogExportSchema = z.strictObject({
  channel: z.literal('log.export'),
  format: z.enum(['json', 'csv']),
});

/** Options page → background: this browser's hardening (src/decide/hardening.ts), checked now. */
export const HardeningStatusSchema = z.strictObject({ channel: z.literal('hardening.status') });

export const ExtensionPageRequestSchema = z.discriminatedUnion('channel', [
  GateContextRequestSchema,
  GateSubmitSchema,
  GateBlockedSchema,
  PopupStatusSchema,
  LogStatusSchema,
  LogVerifySchema,
  LogExportSchema,
  HardeningStatusSchema,
]);

export interface LogStatus {
  events: number;
  pending: number;
  oldestPendingTime?: string | undefined;
  lastError?: string | undefined;
  lastSuccessAt?: number | undefined;
  hubUrl?: string | undefined;
  policy: { id: string; version: number } | null;
  managedRole?: string | undefined;
}
export type ExtensionPageRequest = z.infer<typeof ExtensionPageRequestSchema>;

export interface GateContext {
  gateId: string;
  studentId: string;
  categories: z.infer<typeof CategorySchema>[];
  action: z.infer<typeof ActionSchema>;
  url: string;
  /** The tab that opened the gate never showed who is signed in: nothing can be stated in anyone's name. */
  identityUnknown: boolean;
  /** Today in the district's time zone (YYYY-MM-DD): the latest date a document may bear. */
  today: string;
  outcome: 'allow' | 'redact' | 'justify' | 'request' | 'block';
  reason: { en: string; es?: string | undefined };
  citations: string[];
  options: DecisionOption[];
  justification: { minLength: number; maxLength: number };
  pendingRequest?: string;
  /** The latest request for this record was denied: the records clerk's reason (nothing newer was filed). */
  deniedRequest?: {
    id: string;
    reason?: string | undefined;
    decidedBy?: string | undefined;
    decidedAt?: string | undefined;
  };
  categoryLabels: Record<string, Localized>;
}

export type Localized = { en: string; es?: string | undefined };

export type GateSubmitResult =
  | { ok: true; kind: 'grant'; grantId: string; until: string; review: boolean }
  | { ok: true; kind: 'request'; requestId: string; notice: boolean }
  | { ok: false; problems: { field: string; message: Localized }[] };

export interface PopupStatus {
  policy: { id: string; version: number; district: string } | null;
  user?: { username?: string | undefined; role: string };
  grants: {
    id: string;
    studentId: string;
    categories: string[];
    actions: string[];
    basis: string;
    expiresAt: string;
    review: boolean;
  }[];
  requests: {
    id: string;
    studentId: string;
    categories: string[];
    actions: string[];
    basis: string;
    status: string;
    filedAt: string;
    decisionReason?: string | undefined;
    validUntil?: string | undefined;
  }[];
  /** The hub's console, for a browser assigned to a records clerk or an admin. */
  consoleUrl?: string | undefined;
}
