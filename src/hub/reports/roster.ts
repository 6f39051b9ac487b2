// Roster versions at the hub: an admin's CSV import (all rows or none, one version per effective date) and the
// version in force on a date.
import { ulid } from 'ulid';
import { z } from 'zod';
import { parseRosterCsv, type RosterRowError } from '../../report/board/roster';
import { CalendarDateSchema } from '../../policy/vocabulary';
import { recordAudit, type Actor } from '../audit';
import type { Queryable } from '../db';
import { HttpError } from '../errors';

export const RosterImportSchema = z.strictObject({
  effectiveOn: CalendarDateSchema,
  csv: z
    .string()
    .min(1)
    .max(64 * 1024 * 1024),
});

/** 400 with every bad row (up to a bound), so an admin can fix the file in one go. */
export class RosterRejected extends HttpError {
  constructor(
    readonly rows: RosterRowError[],
    readonly truncated: boolean,
  ) {
    const first = rows[0];
    super(
      400,
      'invalid_request',
      `csv: ${rows.length}${truncated ? '+' : ''} bad row(s), nothing imported; first: line ${first?.line}${
        first?.column ? ` ${first.column}` : ''
      }: ${first?.message}`,
      'csv',
    );
  }
  override body() {
    const base = super.body();
    return { ...base, rows: this.rows, truncated: this.truncated };
  }
}

export interface RosterVersion {
  id: string;
  effectiveOn: string;
  students: number;
  importedAt: string;
  importedBy: string;
}

const dateText = (value: unknown): string =>
  value instanceof Date ? value.toISOString().slice(0, 10) : String(value).slice(0, 10);

/** Imports a roster CSV as the version in force from `effectiveOn`, replacing one of the same date. */
export async function importRoster(
  tx: Queryable,
  district: string,
  input: z.infer<typeof RosterImportSchema>,
  actor: Actor,
  at: Date,
): Promise<{ version: RosterVersion; replaced: boolean }> {
  const parsed = parseRosterCsv(input.csv);
  if (!parsed.ok) throw new RosterRejected(parsed.errors, parsed.truncated);
  const old = await tx.query<{ id: string }>(
    'SELECT id FROM roster_versions WHERE district = $1 AND effective_on = $2',
    [district, input.effectiveOn],
  );
  const replaced = old.rows[0]?.id;
  if (replaced) {
    await tx.query('DELETE FROM roster_students WHERE district = $1 AND version_id = $2', [
      district,
      replaced,
    ]);
    await tx.query('DELETE FROM roster_versions WHERE district = $1 AND id = $2', [district, replaced]);
  }
  const id = ulid(at.getTime());
  await tx.query(
    `INSERT INTO roster_versions (district, id, effective_on, students, imported_at, imported_by)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [district, id, input.effectiveOn, parsed.students.length, at.toISOString(), actor.username],
  );
  // One statement per 5,000 students, the rows as one JSON parameter: no parameter limit, few round trips.
  for (let start = 0; start < parsed.students.length; start += 5000) {
    const chunk = parsed.students.slice(start, start + 5000).map((student) => ({
      s: student.studentId,
      c: student.school,
      g: student.grade,
      r: student.groups['race-ethnicity'],
      x: student.groups.sex,
      d: student.groups.disability,
      e: student.groups['english-learner'],
      f: student.groups['foster-youth'],
      h: student.groups.homeless,
    }));
    await tx.query(
      `INSERT INTO roster_students (district, version_id, student_id, school, grade, race_ethnicity, sex,
         disability, english_learner, foster_youth, homeless)
       SELECT $1, $2, s, c, g, r, x, d, e, f, h
         FROM jsonb_to_recordset($3::jsonb) AS t(s text, c text, g text, r text, x text, d text, e text, f text, h text)`,
      [district, id, JSON.stringify(chunk)],
    );
  }
  await recordAudit(tx, {
    district,
    actor,
    action: 'roster.import',
    target: `roster:${input.effectiveOn}`,
    detail: { students: parsed.students.length, ...(replaced ? { replaced } : {}) },
    at,
  });
  return {
    version: {
      id,
      effectiveOn: input.effectiveOn,
      students: parsed.students.length,
      importedAt: at.toISOString(),
      importedBy: actor.username,
    },
    replaced: replaced !== undefined,
  };
}

interface VersionRow {
  id: string;
  effective_on: unknown;
  students: number;
  imported_at: Date;
  imported_by: string;
}
const toVersion = (row: VersionRow): RosterVersion => ({
  id: row.id,
  effectiveOn: dateText(row.effective_on),
  students: row.students,
  importedAt: row.imported_at.toISOString(),
  importedBy: row.imported_by,
});

export async function listRosterVersions(db: Queryable, district: string): Promise<RosterVersion[]> {
  const { rows } = await db.query<VersionRow>(
    `SELECT id, effective_on::text AS effective_on, students, imported_at, imported_by FROM roster_versions
      WHERE district = $1 ORDER BY effective_on DESC`,
    [district],
  );
  return rows.map(toVersion);
}

/** The version in force on `date` (the latest taking effect on or before it). */
export async function rosterInForce(
  db: Queryable,
  district: string,
  date: string,
): Promise<RosterVersion | undefined> {
  const { rows } = await db.query<VersionRow>(
    `SELECT id, effective_on::text AS effective_on, students, imported_at, imported_by FROM roster_versions
      WHERE district = $1 AND effective_on <= $2::date ORDER BY effective_on DESC LIMIT 1`,
    [district, date],
  );
  return rows[0] ? toVersion(rows[0]) : undefined;
}
