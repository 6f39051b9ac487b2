// Directory-information opt-outs (34 CFR 99.37, Education Code 49073): the clerk records each family's answer to
// the annual notice; SRO browsers ask for the status of the student they open. A student with no answer on file
// is unknown, and unknown counts as opted out (the extension's decide() treats it so).
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit';
import type { Db, Queryable } from '../db';
import { nextChange } from '../feed';
import { readCsvFile, readCsvRow } from './csv-import';

export const OptOutBodySchema = z.strictObject({
  studentId: z
    .string()
    .trim()
    .min(1)
    .max(40)
    .regex(/^[A-Za-z0-9_-]+$/, 'must be a student id (letters, digits, - or _)'),
  optedOut: z.boolean(),
  /** The school year whose notice the family answered, e.g. 2026-27. */
  schoolYear: z.string().regex(/^20\d\d-\d\d$/, 'must be a school year such as 2026-27'),
  documentRef: z.string().trim().min(1).max(200).optional(),
});
export type OptOutBody = z.infer<typeof OptOutBodySchema>;

export interface OptOutView {
  studentId: string;
  /** null: nothing on file (counts as opted out). */
  optedOut: boolean | null;
  schoolYear: string | null;
  documentRef: string | null;
  recordedAt: string | null;
  recordedBy: string | null;
}

interface Row {
  student_id: string;
  opted_out: boolean;
  school_year: string;
  document_ref: string | null;
  recorded_at: Date;
  recorded_by: string;
}

export async function optOutOf(db: Queryable, district: string, studentId: string): Promise<OptOutView> {
  const { rows } = await db.query<Row>(
    `SELECT student_id, opted_out, school_year, document_ref, recorded_at, recorded_by FROM directory_optouts
      WHERE district = $1 AND student_id = $2`,
    [district, studentId],
  );
  const row = rows[0];
  return {
    studentId,
    optedOut: row ? row.opted_out : null,
    schoolYear: row?.school_year ?? null,
    documentRef: row?.document_ref ?? null,
    recordedAt: row?.recorded_at.toISOString() ?? null,
    recordedBy: row?.recorded_by ?? null,
  };
}

export async function recordOptOut(
  db: Db,
  district: string,
  body: OptOutBody,
  actor: Actor,
  now: Date,
): Promise<OptOutView> {
  await db.transaction(async (tx) => {
    const change = await nextChange(tx, district);
    await tx.query(
      `INSERT INTO directory_optouts (district, student_id, opted_out, school_year, document_ref, recorded_at, recorded_by, change_seq)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (district, student_id) DO UPDATE SET opted_out = EXCLUDED.opted_out, school_year = EXCLUDED.school_year,
         document_ref = EXCLUDED.document_ref, recorded_at = EXCLUDED.recorded_at, recorded_by = EXCLUDED.recorded_by,
         change_seq = EXCLUDED.change_seq`,
      [
        district,
        body.studentId,
        body.optedOut,
        body.schoolYear,
        body.documentRef ?? null,
        now.toISOString(),
        actor.username,
        change,
      ],
    );
    await recordAudit(tx, {
      district,
      actor,
      action: 'optout.record',
      target: `optout:${body.studentId}`,
      detail: { studentId: body.studentId, optedOut: body.optedOut, schoolYear: body.schoolYear },
      at: now,
    });
  });
  return optOutOf(db, district, body.studentId);
}

// CSV import of opt-outs: columns student_id, opted_out (yes/no), school_year, document_ref (optional). Every row
// checked; nothing written until confirmed; a row equal to what is on file changes nothing.
export interface OptOutImportRow {
  line: number;
  status: 'valid' | 'invalid' | 'unchanged';
  errors: { column: string; message: string }[];
  studentId?: string;
}

const OPTOUT_COLUMNS = ['student_id', 'opted_out', 'school_year', 'document_ref'] as const;

export async function importOptOuts(
  db: Db,
  district: string,
  text: string,
  confirm: boolean,
  actor: Actor,
  now: Date,
): Promise<{ confirmed: boolean; rows: OptOutImportRow[]; recorded: number }> {
  const { header: names, records } = readCsvFile(text, {
    known: OPTOUT_COLUMNS,
    required: ['student_id', 'opted_out', 'school_year'],
    maxColumns: 20,
    maxRows: 10_000,
  });
  const result: OptOutImportRow[] = [];
  const ready: { line: number; body: OptOutBody }[] = [];
  const seen = new Set<string>();
  records.forEach((cells, index) => {
    const line = index + 2;
    const shape = readCsvRow(cells, names);
    if (!shape.ok) {
      result.push({ line, status: 'invalid', errors: shape.problems });
      return;
    }
    const cell = (name: string) => (shape.record[name] ?? '').trim();
    const errors: OptOutImportRow['errors'] = [...shape.problems];
    const answer = cell('opted_out').toLowerCase();
    const optedOut = ['yes', 'y', 'true', '1', 'sí', 'si'].includes(answer)
      ? true
      : ['no', 'n', 'false', '0'].includes(answer)
        ? false
        : undefined;
    if (optedOut === undefined)
      errors.push({ column: 'opted_out', message: `"${answer.slice(0, 20)}" is not yes or no` });
    const parsed = OptOutBodySchema.safeParse({
      studentId: cell('student_id'),
      optedOut: optedOut ?? true,
      schoolYear: cell('school_year'),
      ...(cell('document_ref') ? { documentRef: cell('document_ref') } : {}),
    });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const column =
          (
            { studentId: 'student_id', schoolYear: 'school_year', documentRef: 'document_ref' } as Record<
              string,
              string
            >
          )[String(issue.path[0])] ?? String(issue.path[0]);
        errors.push({ column, message: issue.message });
      }
    }
    const studentId = cell('student_id') || undefined;
    if (errors.length === 0 && studentId !== undefined && seen.has(studentId))
      errors.push({ column: 'student_id', message: 'appears twice in this file' });
    if (studentId !== undefined) seen.add(studentId);
    if (errors.length === 0 && parsed.success) ready.push({ line, body: parsed.data });
    result.push({
      line,
      status: errors.length > 0 ? 'invalid' : 'valid',
      errors,
      ...(studentId ? { studentId } : {}),
    });
  });
  let recorded = 0;
  for (const { line, body } of ready) {
    const current = await optOutOf(db, district, body.studentId);
    if (current.optedOut === body.optedOut && current.schoolYear === body.schoolYear) {
      const row = result.find((candidate) => candidate.line === line);
      if (row) row.status = 'unchanged';
    }
  }
  if (confirm) {
    for (const { line, body } of ready) {
      if (result.find((candidate) => candidate.line === line)?.status !== 'valid') continue;
      await recordOptOut(db, district, body, actor, now);
      recorded += 1;
    }
    await db.transaction((tx) =>
      recordAudit(tx, {
        district,
        actor,
        action: 'optout.import',
        target: `import:${now.getTime()}`,
        detail: { rows: result.length, recorded },
        at: now,
      }),
    );
  }
  return { confirmed: confirm, rows: result, recorded };
}
