// Exception requests: an SRO files one under a basis that needs a records clerk's approval (a subpoena, a court
// order, juvenile justice); a clerk approves it for at most the time that basis allows under the policy in force,
// or denies it; the SRO's browser fetches the outcome with a cursor.
import { ulid } from 'ulid';
import { localDate } from '../decide/calendar';
import { StorableDateSchema } from './bounds';
import { z } from 'zod';
import { basisCategories, grantLimitMinutes } from '../decide/decide';
import type { ExceptionRequest } from '../policy/consent';
import { ActionSchema, CategorySchema, IdSchema } from '../policy/vocabulary';
import { recordAudit, type Actor } from './audit';
import type { Db, Queryable } from './db';
import { conflict, forbidden, invalid } from './errors';
import { cursorText, nextChange } from './feed';
import { canonicalJsonFast } from './hashing';
import type { PolicyStore, StoredPolicy } from './policy';
import type { TokenPrincipal } from './tokens';

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

/**
 * The notice duty of a subpoena or court order (34 CFR 99.31(a)(9)(ii), Education Code 49077): the reasonable
 * effort made to notify the parent or eligible student before complying, or the order's words forbidding notice.
 */
export const NoticeRecordSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('notified'),
    /** The calendar date of the effort (district time); never in the future. */
    notifiedOn: StorableDateSchema,
    method: z.enum(['mail', 'email', 'phone', 'in-person', 'other']),
    /** Who was notified. */
    recipient: z.enum(['parent', 'guardian', 'eligible-student']),
    /** Who made the effort (name, office). */
    by: z.string().trim().min(1).max(200),
    detail: z.string().trim().max(2000).optional(),
  }),
  z.strictObject({
    kind: z.literal('order-forbids'),
    /** The order's own words forbidding disclosure of its existence or contents. */
    wording: z.string().trim().min(10, "quote the order's words (at least 10 characters)").max(5000),
  }),
]);
export type NoticeRecord = z.infer<typeof NoticeRecordSchema>;

/** The juvenile-justice certification (34 CFR 99.38) as the clerk confirmed it. */
export interface CertificationRecord {
  reference: string;
  confirmedBy: string;
  confirmedAt: string;
}

export const RequestDecisionSchema = z.discriminatedUnion('decision', [
  z.strictObject({
    decision: z.literal('approve'),
    /** How long the approval lasts from now, in minutes: at most what the basis allows under the policy. */
    minutes: z
      .number()
      .int()
      .positive()
      .max(60 * 24 * 366),
    reason: z.string().trim().min(1).max(2000),
    /** Required when the basis carries the notice duty (a subpoena or court order). */
    notice: NoticeRecordSchema.optional(),
    /** Required when the basis rests on a written certification (juvenile justice): the clerk saw it. */
    certificationConfirmed: z.literal(true).optional(),
  }),
  z.strictObject({
    decision: z.literal('deny'),
    reason: z.string().trim().min(1).max(2000),
  }),
]);
export type RequestDecision = z.infer<typeof RequestDecisionSchema>;

export const REQUEST_STATUSES = ['pending', 'approved', 'denied', 'withdrawn'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** A request as the hub serves it; `request` is exactly an ExceptionRequest (src/policy/consent.ts). */
export interface RequestView {
  request: ExceptionRequest;
  justification: string;
  evidence: Record<string, string>;
  agency: string | null;
  policyVersion: number;
  /** The clerk's reason for the approval or denial. */
  decisionReason: string | null;
  /** The notice duty as recorded with the approval (subpoenas, court orders). */
  notice: (NoticeRecord & { recordedBy: string; recordedAt: string }) | null;
  /** The juvenile-justice certification confirmed with the approval. */
  certification: CertificationRecord | null;
  cursor: string;
}

interface RequestRow {
  id: string;
  username: string;
  agency: string | null;
  student_id: string;
  basis: string;
  categories: ExceptionRequest['categories'];
  actions: ExceptionRequest['actions'];
  justification: string;
  evidence: Record<string, string>;
  policy_version: number;
  status: RequestStatus;
  filed_at: Date;
  decided_at: Date | null;
  decided_by: string | null;
  decision_reason: string | null;
  valid_from: Date | null;
  valid_until: Date | null;
  notice: RequestView['notice'];
  certification: CertificationRecord | null;
  change_seq: number;
}

const COLUMNS = `id, username, agency, student_id, basis, categories, actions, justification, evidence, policy_version,
  status, filed_at, decided_at, decided_by, decision_reason, valid_from, valid_until, notice, certification, change_seq`;

function toView(row: RequestRow): RequestView {
  const request: ExceptionRequest = {
    id: row.id,
    username: row.username,
    studentId: row.student_id,
    categories: row.categories,
    actions: row.actions,
    basis: row.basis,
    status: row.status,
    filedAt: row.filed_at.toISOString(),
    ...(row.decided_at ? { decidedAt: row.decided_at.toISOString() } : {}),
    ...(row.decided_by !== null ? { decidedBy: row.decided_by } : {}),
    ...(row.valid_from ? { validFrom: row.valid_from.toISOString() } : {}),
    ...(row.valid_until ? { validUntil: row.valid_until.toISOString() } : {}),
  };
  return {
    request,
    justification: row.justification,
    evidence: row.evidence,
    agency: row.agency,
    policyVersion: row.policy_version,
    decisionReason: row.decision_reason,
    notice: row.notice ?? null,
    certification: row.certification ?? null,
    cursor: cursorText(row.change_seq),
  };
}

/** Checks a filing against the policy in force: a basis a clerk approves, within its actions, categories, evidence. */
export function checkFiling(policy: StoredPolicy, input: RequestFile): void {
  const { bundle } = policy;
  const basis = bundle.legalBases.bases.find((candidate) => candidate.id === input.basis);
  if (!basis) {
    throw invalid(
      'basis',
      `"${input.basis}" is not a legal basis of the policy in force (version ${policy.version})`,
    );
  }
  if (basis.mode !== 'approval') {
    throw invalid(
      'basis',
      `"${basis.id}" is not a basis a records clerk approves (its mode is "${basis.mode}")`,
    );
  }
  if (!basis.enabled) throw invalid('basis', `"${basis.id}" is turned off by the district`);
  if (!basis.availableTo.includes('sro')) throw invalid('basis', `"${basis.id}" is not available to SROs`);
  input.actions.forEach((action, index) => {
    if (!basis.actions.includes(action)) {
      throw invalid(`actions[${index}]`, `"${action}" is not an action "${basis.id}" can cover`);
    }
  });
  const categories = basisCategories(bundle.policy, basis);
  input.categories.forEach((category, index) => {
    if (!categories.includes(category)) {
      throw invalid(`categories[${index}]`, `"${category}" is not a category "${basis.id}" can open`);
    }
  });
  const fields = new Map(basis.evidence.map((field) => [field.id, field]));
  for (const name of Object.keys(input.evidence)) {
    if (!fields.has(name)) throw invalid(`evidence.${name}`, `is not evidence "${basis.id}" asks for`);
  }
  for (const field of basis.evidence) {
    const value = input.evidence[field.id]?.trim() ?? '';
    if (value === '') {
      if (field.required) throw invalid(`evidence.${field.id}`, `is required for "${basis.id}"`);
      continue;
    }
    if (field.pattern !== undefined && !new RegExp(field.pattern, 'u').test(value)) {
      throw invalid(`evidence.${field.id}`, `does not look like a ${field.label.en.toLowerCase()}`);
    }
  }
  const rules = bundle.policy.justification;
  const length = input.justification.trim().length;
  if (length < rules.minLength) {
    throw invalid(
      'justification',
      `must be at least ${rules.minLength} characters (policy ${policy.version})`,
    );
  }
  if (length > rules.maxLength) {
    throw invalid(
      'justification',
      `must be at most ${rules.maxLength} characters (policy ${policy.version})`,
    );
  }
}

const substance = (input: Omit<RequestFile, 'id'>, username: string): string =>
  canonicalJsonFast({
    username: username.toLowerCase(),
    basis: input.basis,
    studentId: input.studentId,
    categories: input.categories,
    actions: input.actions,
    justification: input.justification,
    evidence: input.evidence,
  });

export async function fileRequest(
  db: Db,
  policies: PolicyStore,
  input: RequestFile,
  caller: TokenPrincipal,
  now: Date,
): Promise<{ view: RequestView; created: boolean }> {
  const policy = await policies.active(caller.district);
  if (!policy) throw conflict('the district has no policy yet: an admin must publish one first');
  checkFiling(policy, input);
  const id = input.id ?? ulid(now.getTime());
  return db.transaction(async (tx) => {
    const change = await nextChange(tx, caller.district);
    const existing = await tx.query<RequestRow>(
      `SELECT ${COLUMNS} FROM exception_requests WHERE district = $1 AND id = $2`,
      [caller.district, id],
    );
    const row = existing.rows[0];
    if (row) {
      if (row.username.toLowerCase() !== caller.username.toLowerCase()) throw forbidden();
      const stored = {
        basis: row.basis,
        studentId: row.student_id,
        categories: row.categories,
        actions: row.actions,
        justification: row.justification,
        evidence: row.evidence,
      };
      if (substance(stored, row.username) === substance(input, caller.username)) {
        return { view: toView(row), created: false };
      }
      throw conflict(`a different request with id "${id}" was already filed`, 'id');
    }
    const { rows } = await tx.query<RequestRow>(
      `INSERT INTO exception_requests (district, id, username, username_key, agency, student_id, basis, categories,
                                       actions, justification, evidence, policy_version, status, filed_at, change_seq)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10, $11::jsonb, $12, 'pending', $13, $14)
       RETURNING ${COLUMNS}`,
      [
        caller.district,
        id,
        caller.username,
        caller.username.toLowerCase(),
        caller.agency,
        input.studentId,
        input.basis,
        JSON.stringify(input.categories),
        JSON.stringify(input.actions),
        input.justification,
        JSON.stringify(input.evidence),
        policy.version,
        now.toISOString(),
        change,
      ],
    );
    if (!rows[0]) throw new Error('insert returned no row');
    return { view: toView(rows[0]), created: true };
  });
}

const NOTICE_CITATION = '34 CFR 99.31(a)(9)(ii), Education Code 49077';

/**
 * What an approval must carry beyond its duration: the notice record of a basis with the notice duty, and the
 * confirmation of a written certification the SRO referenced (juvenile justice, 34 CFR 99.38).
 */
function approvalDuties(
  policy: StoredPolicy,
  basis: StoredPolicy['bundle']['legalBases']['bases'][number],
  row: RequestRow,
  decision: Extract<RequestDecision, { decision: 'approve' }>,
  clerk: string,
  now: Date,
): { notice: RequestView['notice']; certification: CertificationRecord | null } {
  let notice: RequestView['notice'] = null;
  if (basis.notice.required) {
    if (!decision.notice) {
      throw invalid(
        'notice',
        `record the reasonable effort to notify the parent or eligible student (date, method, by whom), or that the order forbids notice, before approving (${NOTICE_CITATION})`,
      );
    }
    if (decision.notice.kind === 'notified') {
      const today = localDate(now.toISOString(), policy.bundle.policy.timeZone);
      if (decision.notice.notifiedOn > today) {
        throw invalid(
          'notice.notifiedOn',
          `${decision.notice.notifiedOn} is in the future (today is ${today})`,
        );
      }
    }
    notice = { ...decision.notice, recordedBy: clerk, recordedAt: now.toISOString() };
  } else if (decision.notice) {
    throw invalid('notice', `"${basis.id}" carries no notice duty; leave the notice out`);
  }
  let certification: CertificationRecord | null = null;
  const certified = basis.evidence.find((field) => field.id === CERTIFICATION_FIELD);
  if (certified) {
    const reference = row.evidence[CERTIFICATION_FIELD];
    if (!reference) {
      throw conflict(
        'the request carries no certification reference; deny it and ask the officer to file again',
      );
    }
    if (decision.certificationConfirmed !== true) {
      throw invalid(
        'certificationConfirmed',
        `confirm that you have seen the written certification "${reference}" that the records will not be disclosed further without consent (34 CFR 99.38(b))`,
      );
    }
    certification = { reference, confirmedBy: clerk, confirmedAt: now.toISOString() };
  }
  return { notice, certification };
}

/** The evidence field that references a written certification (juvenile justice). */
export const CERTIFICATION_FIELD = 'certification-ref';

export async function decideRequest(
  db: Db,
  policies: PolicyStore,
  id: string,
  decision: RequestDecision,
  caller: TokenPrincipal,
  actor: Actor,
  now: Date,
): Promise<RequestView> {
  return db.transaction(async (tx) => {
    const change = await nextChange(tx, caller.district);
    const existing = await tx.query<RequestRow>(
      `SELECT ${COLUMNS} FROM exception_requests WHERE district = $1 AND id = $2 FOR UPDATE`,
      [caller.district, id],
    );
    const row = existing.rows[0];
    if (!row) throw forbidden();
    if (row.status !== 'pending') {
      throw conflict(
        `request "${id}" is already ${row.status}` +
          (row.decided_by !== null
            ? ` (by ${row.decided_by} at ${row.decided_at?.toISOString() ?? '?'})`
            : ''),
      );
    }
    let validFrom: string | null = null;
    let validUntil: string | null = null;
    let limit: number | undefined;
    let notice: RequestView['notice'] = null;
    let certification: CertificationRecord | null = null;
    if (decision.decision === 'approve') {
      const policy = await policies.active(caller.district, tx);
      const basis = policy?.bundle.legalBases.bases.find((candidate) => candidate.id === row.basis);
      if (!policy || !basis || basis.mode !== 'approval' || !basis.enabled) {
        throw conflict(
          `"${row.basis}" is no longer a basis a records clerk can approve under the policy in force; deny the request`,
        );
      }
      limit = grantLimitMinutes(policy.bundle.policy, basis);
      if (decision.minutes > limit) {
        throw invalid(
          'minutes',
          `must not exceed ${limit} minutes, the longest access "${basis.id}" grants under policy version ${policy.version}`,
        );
      }
      ({ notice, certification } = approvalDuties(policy, basis, row, decision, caller.username, now));
      validFrom = now.toISOString();
      validUntil = new Date(now.getTime() + decision.minutes * 60_000).toISOString();
    }
    const status: RequestStatus = decision.decision === 'approve' ? 'approved' : 'denied';
    const { rows } = await tx.query<RequestRow>(
      `UPDATE exception_requests
          SET status = $3, decided_at = $4, decided_by = $5, decision_reason = $6, valid_from = $7, valid_until = $8,
              change_seq = $9, notice = $10::jsonb, certification = $11::jsonb
        WHERE district = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [
        caller.district,
        id,
        status,
        now.toISOString(),
        caller.username,
        decision.reason,
        validFrom,
        validUntil,
        change,
        notice === null ? null : JSON.stringify(notice),
        certification === null ? null : JSON.stringify(certification),
      ],
    );
    if (notice !== null) {
      // The notice record is an action of its own in the audit log, beside the approval it allowed.
      await recordAudit(tx, {
        district: caller.district,
        actor,
        action: 'request.notice',
        target: `request:${id}`,
        detail: { studentId: row.student_id, basis: row.basis, notice },
        at: now,
      });
    }
    await recordAudit(tx, {
      district: caller.district,
      actor,
      action: 'request.decide',
      target: `request:${id}`,
      detail: {
        decision: decision.decision,
        reason: decision.reason,
        sro: row.username,
        studentId: row.student_id,
        basis: row.basis,
        ...(decision.decision === 'approve'
          ? { minutes: decision.minutes, limitMinutes: limit, validUntil }
          : {}),
        ...(notice !== null ? { notice } : {}),
        ...(certification !== null ? { certification } : {}),
      },
      at: now,
    });
    if (!rows[0]) throw new Error('update returned no row');
    return toView(rows[0]);
  });
}

export interface RequestPage {
  requests: RequestView[];
  cursor: string;
  more: boolean;
}

async function page(db: Queryable, where: string, params: unknown[], since: number, limit: number) {
  const { rows } = await db.query<RequestRow>(
    `SELECT ${COLUMNS} FROM exception_requests WHERE ${where} AND change_seq > $${params.length + 1}
      ORDER BY change_seq LIMIT $${params.length + 2}`,
    [...params, since, limit],
  );
  const requests = rows.map(toView);
  return { requests, cursor: requests.at(-1)?.cursor ?? cursorText(since), more: rows.length === limit };
}

/** A district's requests in one status (or all), in change order after the cursor. For clerks. */
export function listRequests(
  db: Queryable,
  district: string,
  status: RequestStatus | undefined,
  since: number,
  limit: number,
): Promise<RequestPage> {
  return page(
    db,
    'district = $1 AND ($2::text IS NULL OR status = $2)',
    [district, status ?? null],
    since,
    limit,
  );
}

/** The caller's own requests that changed (filed, approved, denied) after the cursor. For SRO browsers. */
export function requestsOfSro(
  db: Queryable,
  caller: TokenPrincipal,
  since: number,
  limit: number,
): Promise<RequestPage> {
  return page(
    db,
    'district = $1 AND username_key = $2',
    [caller.district, caller.username.toLowerCase()],
    since,
    limit,
  );
}

/** The console's queue: a district's requests in one status (or all), oldest filing first. For clerks. */
export async function requestQueue(
  db: Queryable,
  district: string,
  status: RequestStatus | undefined,
  limit: number,
): Promise<RequestView[]> {
  const { rows } = await db.query<RequestRow>(
    `SELECT ${COLUMNS} FROM exception_requests WHERE district = $1 AND ($2::text IS NULL OR status = $2)
      ORDER BY ${status === 'pending' ? 'filed_at, id' : 'filed_at DESC, id DESC'} LIMIT $3`,
    [district, status ?? null, limit],
  );
  return rows.map(toView);
}

/** One request of a district, or undefined. */
export async function findRequest(
  db: Queryable,
  district: string,
  id: string,
): Promise<RequestView | undefined> {
  const { rows } = await db.query<RequestRow>(
    `SELECT ${COLUMNS} FROM exception_requests WHERE district = $1 AND id = $2`,
    [district, id],
  );
  return rows[0] ? toView(rows[0]) : undefined;
}
