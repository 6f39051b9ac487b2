// The console's side of the consent registry: the checks a records clerk's entry must pass beyond the consent's
// own schema (the recipient is on the district's roster, nothing is dated in the future, the signer may sign for
// this student, the document reference is not already used by another consent), the statuses a clerk reads,
// revocation on a date, and the CSV import (every row checked, a preview, nothing written until confirmed,
// idempotent by document reference).
import { ulid } from 'ulid';
import { z } from 'zod';
import { ConsentSchema, type Consent } from '../../policy/consent';
import { recordAudit, type Actor } from '../audit';
import { StorableDateSchema } from '../bounds';
import { ConsentCreateSchema, type ConsentCreate } from '../consents';
import type { Db, Queryable } from '../db';
import { conflict, forbidden, invalid, issuePath, type HttpError } from '../errors';
import { nextChange } from '../feed';
import type { StoredPolicy } from '../policy';
import type { TokenPrincipal } from '../tokens';
import { readCsvFile, readCsvRow } from './csv-import';

export type ConsoleConsentStatus = 'active' | 'not-yet-valid' | 'expired' | 'revoked' | 'ended-majority';

export interface ConsoleConsent {
  consent: Consent;
  status: ConsoleConsentStatus;
  recordedAt: string;
  recordedBy: string;
  revokedAt: string | null;
  revokedBy: string | null;
  revokeReason: string | null;
  /** A revocation recorded to take effect on a later date (the consent's last day is the day before). */
  revokesOn: string | null;
}

interface Row {
  id: string;
  body: Consent;
  recorded_at: Date;
  recorded_by: string;
  revoked_at: Date | null;
  revoked_by: string | null;
  revoke_reason: string | null;
  revokes_on: string | null;
}

const COLUMNS = `id, body, recorded_at, recorded_by, revoked_at, revoked_by, revoke_reason,
  (CASE WHEN revoke_reason IS NOT NULL AND revoked_at IS NULL THEN (expires_on + 1)::text END) AS revokes_on`;

/** The day a student born on `birthDate` reaches `age` (29 February births: 1 March in common years). */
export function majorityOn(birthDate: string, age: number): string {
  const [year, month, day] = birthDate.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year + age, month - 1, day));
  // 2008-02-29 + 18 years is 2026-03-01: Date.UTC rolls the missing day over, as the law counts it.
  return date.toISOString().slice(0, 10);
}

export function consentStatus(
  consent: Consent,
  revoked: boolean,
  today: string,
  ageOfMajority: number,
): ConsoleConsentStatus {
  if (revoked) return 'revoked';
  if (consent.signedOn > today) return 'not-yet-valid';
  if (consent.expiresOn !== undefined && consent.expiresOn < today) return 'expired';
  if (
    consent.signer.relation !== 'eligible-student' &&
    consent.studentBirthDate !== undefined &&
    majorityOn(consent.studentBirthDate, ageOfMajority) <= today
  ) {
    return 'ended-majority';
  }
  return 'active';
}

function toView(row: Row, today: string, ageOfMajority: number): ConsoleConsent {
  const consent = row.body;
  return {
    consent,
    status: consentStatus(consent, row.revoked_at !== null, today, ageOfMajority),
    recordedAt: row.recorded_at.toISOString(),
    recordedBy: row.recorded_by,
    revokedAt: row.revoked_at?.toISOString() ?? null,
    revokedBy: row.revoked_by,
    revokeReason: row.revoke_reason,
    revokesOn: row.revokes_on,
  };
}

/** Checks beyond the schema; `field` names are those of the create body. */
export function consentProblems(
  input: ConsentCreate,
  policy: StoredPolicy,
  today: string,
): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const roster = policy.bundle.policy.roles.roster.filter((entry) => entry.role === 'sro');
  const index = input.categories.indexOf('immigration');
  if (index >= 0) {
    problems.push({
      field: `categories[${index}]`,
      message: 'no consent opens citizenship or immigration-status records to an SRO (Education Code 234.7)',
    });
  }
  if (input.recipient.kind === 'sro') {
    const name = input.recipient.username.toLowerCase();
    if (
      !roster.some((entry) => entry.username?.toLowerCase() === name || entry.email?.toLowerCase() === name)
    ) {
      problems.push({
        field: 'recipient.username',
        message: `"${input.recipient.username}" is not an SRO on the district's roster (policy version ${policy.version})`,
      });
    }
  } else {
    const agency = input.recipient.agency.toLowerCase();
    if (!roster.some((entry) => entry.agency?.toLowerCase() === agency)) {
      problems.push({
        field: 'recipient.agency',
        message: `"${input.recipient.agency}" is not the agency of any SRO on the district's roster`,
      });
    }
  }
  if (input.signedOn > today) {
    problems.push({ field: 'signedOn', message: `${input.signedOn} is in the future (today is ${today})` });
  }
  if (input.expiresOn !== undefined && input.expiresOn < input.signedOn) {
    problems.push({
      field: 'expiresOn',
      message: `${input.expiresOn} is before the signature date ${input.signedOn}`,
    });
  }
  if (input.studentBirthDate !== undefined) {
    if (input.studentBirthDate > today) {
      problems.push({ field: 'studentBirthDate', message: `${input.studentBirthDate} is in the future` });
    } else {
      const age = policy.bundle.policy.ageOfMajority;
      const adultOn = majorityOn(input.studentBirthDate, age);
      if (input.signer.relation === 'eligible-student' && adultOn > input.signedOn) {
        problems.push({
          field: 'signer.relation',
          message: `the student was not yet ${age} on ${input.signedOn}: a parent or guardian signs (34 CFR 99.5)`,
        });
      }
      if (input.signer.relation !== 'eligible-student' && adultOn <= input.signedOn) {
        problems.push({
          field: 'signer.relation',
          message: `the student was already ${age} on ${input.signedOn}: the student signs (34 CFR 99.5)`,
        });
      }
    }
  } else {
    // The SRO's browser checks who may consent from the birth date; without it the consent would never count.
    problems.push({
      field: 'studentBirthDate',
      message: 'is needed: it decides who may sign (a parent until 18, the student after; 34 CFR 99.5)',
    });
  }
  return problems;
}

/** A create body parsed with zod, every problem as a field error. */
export function parseCreate(
  value: unknown,
): { ok: true; input: ConsentCreate } | { ok: false; problems: { field: string; message: string }[] } {
  const result = ConsentCreateSchema.safeParse(value);
  if (result.success) return { ok: true, input: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => ({
      field: issuePath(issue),
      message: issue.code === 'unrecognized_keys' ? 'is not a known field' : issue.message,
    })),
  };
}

async function documentRefOwner(
  db: Queryable,
  district: string,
  documentRef: string,
): Promise<Row | undefined> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM consents WHERE district = $1 AND body->>'documentRef' = $2 LIMIT 1`,
    [district, documentRef],
  );
  return rows[0];
}

async function insertConsent(
  tx: Queryable,
  district: string,
  consent: Consent,
  clerk: string,
  now: Date,
): Promise<Row> {
  const change = await nextChange(tx, district);
  const recipientKey =
    consent.recipient.kind === 'sro' ? consent.recipient.username : consent.recipient.agency;
  const { rows } = await tx.query<Row>(
    `INSERT INTO consents (district, id, student_id, recipient_kind, recipient_key, expires_on, body,
                           recorded_at, recorded_by, change_seq)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10) RETURNING ${COLUMNS}`,
    [
      district,
      consent.id,
      consent.studentId,
      consent.recipient.kind,
      recipientKey.trim().toLowerCase(),
      consent.expiresOn ?? null,
      JSON.stringify(consent),
      now.toISOString(),
      clerk,
      change,
    ],
  );
  if (!rows[0]) throw new Error('insert returned no row');
  return rows[0];
}

const firstProblem = (problems: { field: string; message: string }[]): HttpError => {
  const problem = problems[0] as { field: string; message: string };
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem(s))` : '';
  return invalid(problem.field, `${problem.message}${more}`);
};

/** Records a consent from the console: every check, then the insert and its audit entry in one transaction. */
export async function recordConsent(
  db: Db,
  body: unknown,
  policy: StoredPolicy,
  caller: TokenPrincipal,
  actor: Actor,
  now: Date,
  today: string,
): Promise<ConsoleConsent> {
  const parsed = parseCreate(body);
  if (!parsed.ok) throw firstProblem(parsed.problems);
  const problems = consentProblems(parsed.input, policy, today);
  if (problems.length > 0) throw firstProblem(problems);
  const candidate = ConsentSchema.safeParse({
    ...parsed.input,
    id: parsed.input.id ?? ulid(now.getTime()),
    recordedBy: caller.username,
  });
  if (!candidate.success) {
    const issue = candidate.error.issues[0] as z.core.$ZodIssue;
    throw invalid(issuePath(issue), issue.message);
  }
  const consent = candidate.data;
  return db.transaction(async (tx) => {
    if (await documentRefOwner(tx, caller.district, consent.documentRef)) {
      throw conflict(
        `documentRef: "${consent.documentRef}" is already the reference of another consent`,
        'documentRef',
      );
    }
    const existing = await tx.query('SELECT 1 FROM consents WHERE district = $1 AND id = $2', [
      caller.district,
      consent.id,
    ]);
    if (existing.rowCount > 0)
      throw conflict(`id: a consent with id "${consent.id}" is already recorded`, 'id');
    const row = await insertConsent(tx, caller.district, consent, caller.username, now);
    await recordAudit(tx, {
      district: caller.district,
      actor,
      action: 'consent.create',
      target: `consent:${consent.id}`,
      detail: {
        studentId: consent.studentId,
        recipient: consent.recipient,
        documentRef: consent.documentRef,
      },
      at: now,
    });
    return toView(row, today, policy.bundle.policy.ageOfMajority);
  });
}

export const RevokeBodySchema = z.strictObject({
  reason: z.string().trim().min(1, 'give the reason for the revocation').max(1000),
  /** The first day the consent no longer counts; omitted or today: at once. */
  effectiveOn: StorableDateSchema.optional(),
});

/** Revokes now, or records a revocation that takes effect on a later date (the consent's last day is the day before). */
export async function revokeConsentOn(
  db: Db,
  id: string,
  body: z.infer<typeof RevokeBodySchema>,
  ageOfMajority: number,
  caller: TokenPrincipal,
  actor: Actor,
  now: Date,
  today: string,
): Promise<ConsoleConsent> {
  const effectiveOn = body.effectiveOn ?? today;
  if (effectiveOn < today)
    throw invalid('effectiveOn', `${effectiveOn} is in the past: a revocation starts today or later`);
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<Row>(
      `SELECT ${COLUMNS} FROM consents WHERE district = $1 AND id = $2 FOR UPDATE`,
      [caller.district, id],
    );
    const row = rows[0];
    if (!row) throw forbidden();
    if (row.revoked_at !== null) throw conflict(`consent "${id}" is already revoked`);
    const change = await nextChange(tx, caller.district);
    let updated: Row | undefined;
    if (effectiveOn === today) {
      const revokedAt = now.toISOString();
      const result = await tx.query<Row>(
        `UPDATE consents SET revoked_at = $3, revoked_by = $4, revoke_reason = $5, body = $6::jsonb, change_seq = $7
          WHERE district = $1 AND id = $2 RETURNING ${COLUMNS}`,
        [
          caller.district,
          id,
          revokedAt,
          caller.username,
          body.reason,
          JSON.stringify({ ...row.body, revokedAt }),
          change,
        ],
      );
      updated = result.rows[0];
    } else {
      // The browsers already honour an expiry: the day before the revocation becomes the consent's last day.
      const lastDay = new Date(Date.parse(`${effectiveOn}T00:00:00Z`) - 86_400_000)
        .toISOString()
        .slice(0, 10);
      const expiresOn =
        row.body.expiresOn !== undefined && row.body.expiresOn < lastDay ? row.body.expiresOn : lastDay;
      const next: Consent = { ...row.body, expiresOn };
      const result = await tx.query<Row>(
        `UPDATE consents SET expires_on = $3, revoked_by = $4, revoke_reason = $5, body = $6::jsonb, change_seq = $7
          WHERE district = $1 AND id = $2 RETURNING ${COLUMNS}`,
        [caller.district, id, expiresOn, caller.username, body.reason, JSON.stringify(next), change],
      );
      updated = result.rows[0];
    }
    await recordAudit(tx, {
      district: caller.district,
      actor,
      action: 'consent.revoke',
      target: `consent:${id}`,
      detail: { studentId: row.body.studentId, reason: body.reason, effectiveOn },
      at: now,
    });
    if (!updated) throw new Error('update returned no row');
    return toView(updated, today, ageOfMajority);
  });
}

export async function consentsForStudent(
  db: Queryable,
  district: string,
  studentId: string,
  today: string,
  ageOfMajority: number,
): Promise<ConsoleConsent[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM consents WHERE district = $1 AND student_id = $2 ORDER BY recorded_at DESC, id LIMIT 500`,
    [district, studentId],
  );
  return rows.map((row) => toView(row, today, ageOfMajority));
}

// ---------------------------------------------------------------------------------------------------------
// CSV import

export const CSV_COLUMNS = [
  'student_id',
  'signer_name',
  'signer_relation',
  'categories',
  'actions',
  'purpose',
  'recipient_kind',
  'recipient',
  'signed_on',
  'expires_on',
  'document_ref',
  'student_birth_date',
] as const;
const REQUIRED_COLUMNS = CSV_COLUMNS.filter(
  (column) => column !== 'expires_on' && column !== 'student_birth_date',
);
export const MAX_CSV_ROWS = 10_000;
const MAX_COLUMNS = 50;

/** The CSV column a create-body field comes from, for errors a clerk can find in their spreadsheet. */
const COLUMN_OF: Record<string, string> = {
  studentId: 'student_id',
  'signer.name': 'signer_name',
  'signer.relation': 'signer_relation',
  purpose: 'purpose',
  'recipient.username': 'recipient',
  'recipient.agency': 'recipient',
  recipient: 'recipient_kind',
  signedOn: 'signed_on',
  expiresOn: 'expires_on',
  documentRef: 'document_ref',
  studentBirthDate: 'student_birth_date',
};
const columnOf = (field: string): string =>
  COLUMN_OF[field] ??
  (field.startsWith('categories') ? 'categories' : field.startsWith('actions') ? 'actions' : field);

export interface ImportRow {
  /** The line in the file (the header is line 1). */
  line: number;
  status: 'valid' | 'invalid' | 'already-imported';
  errors: { column: string; message: string }[];
  documentRef?: string;
  studentId?: string;
  consentId?: string;
}

export interface ImportResult {
  confirmed: boolean;
  rows: ImportRow[];
  counts: { valid: number; invalid: number; alreadyImported: number; imported: number };
}

const split = (cell: string): string[] =>
  cell
    .split(/[;|]/)
    .map((part) => part.trim())
    .filter(Boolean);

function rowToBody(record: Record<string, string>): Record<string, unknown> {
  const kind = record.recipient_kind?.trim().toLowerCase();
  return {
    studentId: record.student_id?.trim(),
    signer: { name: record.signer_name?.trim(), relation: record.signer_relation?.trim().toLowerCase() },
    categories: split(record.categories ?? '').map((value) => value.toLowerCase()),
    actions: split(record.actions ?? '').map((value) => value.toLowerCase()),
    purpose: record.purpose?.trim(),
    recipient:
      kind === 'sro'
        ? { kind: 'sro', username: record.recipient?.trim() }
        : kind === 'agency'
          ? { kind: 'agency', agency: record.recipient?.trim() }
          : { kind: kind === '' ? undefined : kind },
    signedOn: record.signed_on?.trim(),
    ...(record.expires_on?.trim() ? { expiresOn: record.expires_on.trim() } : {}),
    documentRef: record.document_ref?.trim(),
    ...(record.student_birth_date?.trim() ? { studentBirthDate: record.student_birth_date.trim() } : {}),
  };
}

/**
 * Checks every row of a CSV of consents; with `confirm`, imports the valid rows not yet imported (by document
 * reference), all in one transaction. Without it nothing is written: the answer is the preview.
 */
export async function importConsents(
  db: Db,
  text: string,
  confirm: boolean,
  policy: StoredPolicy,
  caller: TokenPrincipal,
  actor: Actor,
  now: Date,
  today: string,
): Promise<ImportResult> {
  const { header, records } = readCsvFile(text, {
    known: CSV_COLUMNS,
    required: REQUIRED_COLUMNS,
    maxColumns: MAX_COLUMNS,
    maxRows: MAX_CSV_ROWS,
  });
  const rows: ImportRow[] = [];
  const ready: { line: number; consent: Consent }[] = [];
  const seenRefs = new Map<string, number>();
  const existing = await existingRefs(db, caller.district, records, header);
  records.forEach((cells, index) => {
    const line = index + 2;
    const shape = readCsvRow(cells, header);
    if (!shape.ok) {
      rows.push({ line, status: 'invalid', errors: shape.problems });
      return;
    }
    const { record } = shape;
    const errors: ImportRow['errors'] = [...shape.problems];
    const documentRef = record.document_ref?.trim() || undefined;
    const studentId = record.student_id?.trim() || undefined;
    if (errors.length === 0) {
      const parsed = parseCreate(rowToBody(record));
      if (!parsed.ok) {
        for (const problem of parsed.problems)
          errors.push({ column: columnOf(problem.field), message: problem.message });
      } else {
        for (const problem of consentProblems(parsed.input, policy, today)) {
          errors.push({ column: columnOf(problem.field), message: problem.message });
        }
        if (errors.length === 0 && documentRef !== undefined) {
          const earlier = seenRefs.get(documentRef);
          if (earlier !== undefined) {
            errors.push({
              column: 'document_ref',
              message: `"${documentRef}" is also on line ${earlier} of this file`,
            });
          }
        }
        if (errors.length === 0) {
          const consent = ConsentSchema.safeParse({
            ...parsed.input,
            id: ulid(now.getTime()),
            recordedBy: caller.username,
          });
          if (!consent.success) {
            errors.push({
              column: columnOf(issuePath(consent.error.issues[0] as z.core.$ZodIssue)),
              message: consent.error.issues[0]?.message ?? 'is not valid',
            });
          } else if (documentRef !== undefined && existing.has(documentRef)) {
            rows.push({
              line,
              status: 'already-imported',
              errors: [],
              documentRef,
              ...(studentId ? { studentId } : {}),
              consentId: existing.get(documentRef) as string,
            });
            seenRefs.set(documentRef, line);
            return;
          } else {
            ready.push({ line, consent: consent.data });
          }
        }
      }
    }
    if (documentRef !== undefined && !seenRefs.has(documentRef)) seenRefs.set(documentRef, line);
    rows.push({
      line,
      status: errors.length > 0 ? 'invalid' : 'valid',
      errors,
      ...(documentRef ? { documentRef } : {}),
      ...(studentId ? { studentId } : {}),
    });
  });
  const counts = {
    valid: rows.filter((row) => row.status === 'valid').length,
    invalid: rows.filter((row) => row.status === 'invalid').length,
    alreadyImported: rows.filter((row) => row.status === 'already-imported').length,
    imported: 0,
  };
  if (!confirm || ready.length === 0) return { confirmed: confirm, rows, counts };
  await db.transaction(async (tx) => {
    for (const { line, consent } of ready) {
      // Another import may have recorded the same reference since the preview: skipped, not doubled.
      if (await documentRefOwner(tx, caller.district, consent.documentRef)) {
        const row = rows.find((candidate) => candidate.line === line);
        if (row) row.status = 'already-imported';
        continue;
      }
      await insertConsent(tx, caller.district, consent, caller.username, now);
      const row = rows.find((candidate) => candidate.line === line);
      if (row) row.consentId = consent.id;
      counts.imported += 1;
      await recordAudit(tx, {
        district: caller.district,
        actor,
        action: 'consent.create',
        target: `consent:${consent.id}`,
        detail: {
          studentId: consent.studentId,
          recipient: consent.recipient,
          documentRef: consent.documentRef,
          imported: true,
        },
        at: now,
      });
    }
    await recordAudit(tx, {
      district: caller.district,
      actor,
      action: 'consent.import',
      target: `import:${ulid(now.getTime())}`,
      detail: {
        rows: rows.length,
        imported: counts.imported,
        invalid: counts.invalid,
        alreadyImported: counts.alreadyImported,
      },
      at: now,
    });
  });
  counts.valid = rows.filter((row) => row.status === 'valid').length;
  counts.alreadyImported = rows.filter((row) => row.status === 'already-imported').length;
  return { confirmed: true, rows, counts };
}

async function existingRefs(
  db: Queryable,
  district: string,
  records: string[][],
  header: string[],
): Promise<Map<string, string>> {
  const column = header.indexOf('document_ref');
  const refs = [...new Set(records.map((cells) => cells[column]?.trim() ?? '').filter(Boolean))];
  const found = new Map<string, string>();
  for (let start = 0; start < refs.length; start += 1000) {
    const { rows } = await db.query<{ ref: string; id: string }>(
      `SELECT body->>'documentRef' AS ref, id FROM consents WHERE district = $1 AND body->>'documentRef' = ANY($2::text[])`,
      [district, refs.slice(start, start + 1000)],
    );
    for (const row of rows) found.set(row.ref, row.id);
  }
  return found;
}
