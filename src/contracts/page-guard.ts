/**
 * Channel "page": the content script asks the background how to treat the page it runs in.
 * Schemas are parsed by the background (the receiver); the content script imports only the types,
 * so full zod stays out of its bundle.
 */
import { z } from 'zod';
import type { SisAdapter } from '../policy/adapter';
import type { GuardPlan } from './guard-plan';
import { GateOpenSchema } from './gate';
import { ActionSchema, CategorySchema, MAX_LOGIN } from '../policy/vocabulary';

const UrlSchema = z.string().min(1).max(4096);

/**
 * Who the page shows as signed in. A login and a display name are separate fields: a display name ("Jane
 * Doe", as PowerSchool's header shows it) is matched against the roster's display names only and never used as
 * a login; the background turns either into the roster's login before anything is decided, stored or logged.
 */
const PageUserSchema = z.strictObject({
  username: z.string().min(1).max(MAX_LOGIN).optional(),
  email: z.string().min(1).max(200).optional(),
  /** Bounded like the roster's display names. Personal (not student data): never logged. */
  displayName: z.string().min(1).max(200).optional(),
  roleLabel: z.string().min(1).max(200).optional(),
  /** Two identity elements disagreed: treated as unknown. */
  conflicting: z.boolean(),
});

/** Sent at document_start: is this page guarded, and what does the guard need to read it? */
export const PageHelloSchema = z.strictObject({
  channel: z.literal('page.hello'),
  url: UrlSchema,
});
export type PageHello = z.infer<typeof PageHelloSchema>;

/** What the content script needs to read the page: the adapter's extractors as plain data. */
export interface PageHelloReply {
  /**
   * `none`: not a page Record Guard looks at. `check`: read the page and ask for a verdict. `identity`: an open
   * page (no record): never covered, only read for who is signed in. `sign-in`: the SIS's sign-in or sign-out
   * page: whoever was signed in on this origin is forgotten.
   */
  guard: 'none' | 'check' | 'identity' | 'sign-in';
  adapter?: SisAdapter;
  /** Users seen on this host who are not SROs: their pages are uncovered as soon as the name is read. */
  knownNonSro: string[];
  /** The roster's display names (`displayNameKey`s) of those users that no SRO shares. */
  knownNonSroNames?: string[];
  /** Regex sources of fields that are always redacted for SROs (immigration-related). */
  sensitiveLabels: string[];
  sensitiveCodes: string[];
  /** From the guard plan, when the content script read one: lets a consented record open without waiting. */
  opens?: Pick<GuardPlan, 'viewable' | 'categoryPatterns'>;
  language: 'en' | 'es';
}

/** Sent once the page's identity (and, for SROs, its content) has been read. */
export const PageEvaluateSchema = z.strictObject({
  channel: z.literal('page.evaluate'),
  url: UrlSchema,
  identity: PageUserSchema,
  studentId: z.string().min(1).max(40).optional(),
  categories: z.array(CategorySchema).max(20),
  fields: z.array(z.string().min(1).max(200)).max(2000),
  /** Whether the content script has read the whole page yet; identity-only checks come first. */
  complete: z.boolean(),
});
export type PageEvaluate = z.infer<typeof PageEvaluateSchema>;

export interface PageVerdict {
  /** Whether Record Guard applies to this user at all. False: uncover and stop watching. */
  guarded: boolean;
  /** Whether the record may be shown (possibly with redactions). */
  show: boolean;
  outcome: 'allow' | 'redact' | 'justify' | 'request' | 'block';
  reason: { en: string; es?: string | undefined };
  citations: string[];
  /** Labels and codes to hide even when the record is shown. */
  redactFields: string[];
  allowPrint: boolean;
  allowCopy: boolean;
  /** When what opened the record ends: the page is covered and checked again then. */
  recheckAt?: string;
  /** Identifies the decision in the log (and in the gate, later). */
  decisionId: string;
  language: 'en' | 'es';
}

/** From an open page (no record): who it shows as signed in; from a sign-in page, that nobody is any more. */
export const PageIdentitySchema = z.strictObject({
  channel: z.literal('page.identity'),
  url: UrlSchema,
  signIn: z.boolean(),
  identity: PageUserSchema,
});
export type PageIdentityReport = z.infer<typeof PageIdentitySchema>;

/** Sent when the user starts an export (link, form, button, report), before anything leaves. */
export const ExportCheckSchema = z.strictObject({
  channel: z.literal('export.check'),
  url: UrlSchema,
  control: z.string().min(1).max(80),
  action: ActionSchema,
  /** Where the export's request goes: a link's URL, a form's endpoint (a GET form's URL with its fields). */
  target: UrlSchema.optional(),
  /** The method of that request (a form's; links are GET). */
  method: z.enum(['get', 'post']).optional(),
  categories: z.array(CategorySchema).max(20),
  fields: z.array(z.string().min(1).max(200)).max(2000),
  studentId: z.string().min(1).max(40).optional(),
});
export type ExportCheck = z.infer<typeof ExportCheckSchema>;

export interface ExportVerdict {
  allowed: boolean;
  outcome: 'allow' | 'redact' | 'justify' | 'request' | 'block';
  reason: { en: string; es?: string | undefined };
  language: 'en' | 'es';
}

export const PageRequestSchema = z.discriminatedUnion('channel', [
  PageHelloSchema,
  PageEvaluateSchema,
  PageIdentitySchema,
  ExportCheckSchema,
  GateOpenSchema,
]);
export type PageRequest = z.infer<typeof PageRequestSchema>;
