// Directory-information opt-outs (34 CFR 99.37, Education Code 49073): the clerk records each family's answer to
// the annual notice; SRO browsers ask for the status of the student they open. A student with no answer on file
// is unknown, and unknown counts as opted out (the extension's decide() treats it so).
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit';
import type { Db, Queryable } from '../db';
import { nextChange } from '../feed';

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
