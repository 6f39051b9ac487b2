import type { EvidenceField } from '../policy/legal-basis';
import type { Action, Category, LocalizedText, Role } from '../policy/vocabulary';

export const OUTCOMES = ['allow', 'redact', 'justify', 'request', 'block'] as const;
/**
 * - allow: show everything;
 * - redact: show the record with the `redact` fields hidden;
 * - justify: stays covered; a basis with immediate access (emergency) can open it now;
 * - request: stays covered; only a clerk's approval can open it (or one is already pending);
 * - block: stays covered (or the export stops) and nothing the user can say opens it.
 */
export type Outcome = (typeof OUTCOMES)[number];

export type ReasonCode =
  | 'not-guarded'
  | 'identity-unknown'
  | 'categories-unknown'
  | 'no-rule'
  | 'rule-allows'
  | 'covered'
  | 'immigration-redacted'
  | 'immigration-export-blocked'
  | 'export-field-unknown'
  | 'awaiting-approval'
  | 'not-covered'
  | 'no-basis'
  | 'no-policy'
  | 'student-unknown';

/** A legal basis the user can state to go forward, with what it needs from them. */
export interface DecisionOption {
  basis: string;
  title: LocalizedText;
  citations: string[];
  mode: 'immediate' | 'approval';
  evidence: EvidenceField[];
  /** The longest grant this basis can give here, after the district's caps. */
  grantMinutes: number;
  notice: {
    required: boolean;
    timing: 'none' | 'before-disclosure' | 'after-disclosure';
    waivedWhenEvidence?: string;
  };
  review: boolean;
}

/** Why a consent on file did or did not count, for the dry run and for the clerk. */
export interface ConsentFinding {
  id: string;
  counts: boolean;
  why: string;
}

export interface Coverage {
  kind: 'consent' | 'request' | 'grant';
  id: string;
  basis: string;
  /** When this coverage ends, if it does. */
  until?: string;
}

export interface Decision {
  outcome: Outcome;
  role: Role | 'unknown';
  /** False when Record Guard does not apply to this user at all: nothing is covered, nothing logged. */
  guarded: boolean;
  reason: { code: ReasonCode; text: LocalizedText };
  /** The policy rules that decided it. */
  rules: string[];
  citations: string[];
  action: Action;
  categories: Category[];
  /** What must be hidden even when the rest is shown. */
  redact: { categories: Category[]; fields: string[] };
  coveredBy: Coverage[];
  /** Ways forward when the outcome is justify or request. */
  options: DecisionOption[];
  /** What every way forward needs besides a basis's evidence. */
  requires: { justification: { minLength: number; maxLength: number }; attestation: boolean } | null;
  pendingRequest?: string;
  /** An export's fields that neither the policy nor any adapter classifies (outcome block). */
  unknownFields?: string[];
  consents: ConsentFinding[];
  policyVersion: number;
}
