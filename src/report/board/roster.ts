// The student roster the Board report disaggregates by: the codes a roster row may use, and the CSV import
// (one error per bad row, naming the row and the column; any error and nothing is imported).
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { DIMENSIONS, type Dimension } from './dimensions';
import { SchoolCodeSchema, StudentIdSchema } from './interaction';

export { DIMENSIONS, DIMENSION_IDS, DimensionSchema, type Dimension } from './dimensions';

export const GRADES = ['TK', 'K', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'] as const;

/** One student of a roster version: the columns the report groups by. */
export interface RosterStudent {
  studentId: string;
  school: string;
  grade: string;
  groups: Record<Dimension, string>;
}

/** CSV header (case and surrounding spaces ignored) → what it holds. foster and homeless may be left empty. */
export const ROSTER_COLUMNS = [
  'student_id',
  'school',
  'grade',
  'race_ethnicity',
  'sex',
  'disability',
  'english_learner',
  'foster',
  'homeless',
] as const;

const yesNo = (unknownAllowed: boolean) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .transform((value) => (value === 'y' ? 'yes' : value === 'n' ? 'no' : value === '' ? 'unknown' : value))
    .pipe(unknownAllowed ? z.enum(['yes', 'no', 'unknown']) : z.enum(['yes', 'no']));

const code = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.string().trim().toLowerCase().pipe(z.enum(values));

const SEX_ALIASES: Record<string, string> = { f: 'female', m: 'male', x: 'nonbinary' };

const RowSchema = z.strictObject({
  student_id: z.string().trim().pipe(StudentIdSchema),
  school: z.string().trim().pipe(SchoolCodeSchema),
  grade: z.string().trim().toUpperCase().pipe(z.enum(GRADES)),
  race_ethnicity: code(DIMENSIONS['race-ethnicity']),
  sex: z
    .string()
    .trim()
    .toLowerCase()
    .transform((value) => SEX_ALIASES[value] ?? value)
    .pipe(z.enum(DIMENSIONS.sex)),
  disability: code(DIMENSIONS.disability),
  english_learner: yesNo(false),
  foster: yesNo(true),
  homeless: yesNo(true),
});

export interface RosterRowError {
  /** 1-based line of the CSV (the header is line 1). */
  line: number;
  column?: string;
  message: string;
}

export type RosterParse =
  { ok: true; students: RosterStudent[] } | { ok: false; errors: RosterRowError[]; truncated: boolean };

/** At most this many row errors are returned (the file has more when `truncated`). */
export const MAX_ROW_ERRORS = 200;
export const MAX_ROSTER_ROWS = 500_000;

/** Parses and validates a roster CSV. Either every row is good, or nothing is returned but the errors. */
export function parseRosterCsv(text: string): RosterParse {
  let records: string[][];
  try {
    records = parse(text.replace(/^\uFEFF/, ''), {
      relax_column_count: true,
      skip_empty_lines: true,
      max_record_size: 10_000,
    }) as string[][];
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 1;
    return {
      ok: false,
      errors: [
        { line, message: `is not valid CSV (${(error as Error).message.split('\n')[0]?.slice(0, 200)})` },
      ],
      truncated: false,
    };
  }
  const header = (records[0] ?? []).map((name) => name.trim().toLowerCase());
  const missing = ROSTER_COLUMNS.filter((column) => !header.includes(column));
  const unknown = header.filter((name) => !(ROSTER_COLUMNS as readonly string[]).includes(name));
  const duplicated = header.filter((name, index) => header.indexOf(name) !== index);
  if (missing.length > 0 || unknown.length > 0 || duplicated.length > 0) {
    const problems = [
      missing.length ? `missing ${missing.join(', ')}` : '',
      unknown.length ? `unknown ${unknown.join(', ')}` : '',
      duplicated.length ? `repeated ${duplicated.join(', ')}` : '',
    ].filter(Boolean);
    return {
      ok: false,
      errors: [
        { line: 1, message: `header: ${problems.join('; ')} (expected ${ROSTER_COLUMNS.join(', ')})` },
      ],
      truncated: false,
    };
  }
  if (records.length < 2) {
    return { ok: false, errors: [{ line: 2, message: 'the roster has no students' }], truncated: false };
  }
  if (records.length - 1 > MAX_ROSTER_ROWS) {
    return {
      ok: false,
      errors: [{ line: MAX_ROSTER_ROWS + 2, message: `more than ${MAX_ROSTER_ROWS} students` }],
      truncated: false,
    };
  }
  const errors: RosterRowError[] = [];
  const students: RosterStudent[] = [];
  const seen = new Map<string, number>();
  let truncated = false;
  const push = (error: RosterRowError) => {
    if (errors.length < MAX_ROW_ERRORS) errors.push(error);
    else truncated = true;
  };
  for (let index = 1; index < records.length; index++) {
    const line = index + 1;
    const cells = records[index] ?? [];
    if (cells.length !== header.length) {
      push({ line, message: `has ${cells.length} fields, the header has ${header.length}` });
      continue;
    }
    const raw = Object.fromEntries(header.map((name, column) => [name, cells[column] ?? '']));
    const parsed = RowSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const column = String(issue.path[0] ?? '');
        const value = String(raw[column] ?? '').slice(0, 40);
        push({
          line,
          column,
          message:
            issue.code === 'invalid_value'
              ? `unknown code "${value}" (expected ${(issue.values as unknown[]).join(', ')})`
              : issue.message,
        });
      }
      continue;
    }
    const row = parsed.data;
    const first = seen.get(row.student_id);
    if (first !== undefined) {
      push({ line, column: 'student_id', message: `duplicate student id (also on line ${first})` });
      continue;
    }
    seen.set(row.student_id, line);
    students.push({
      studentId: row.student_id,
      school: row.school,
      grade: row.grade,
      groups: {
        'race-ethnicity': row.race_ethnicity,
        sex: row.sex,
        disability: row.disability,
        'english-learner': row.english_learner,
        'foster-youth': row.foster,
        homeless: row.homeless,
      },
    });
  }
  return errors.length > 0 ? { ok: false, errors, truncated } : { ok: true, students };
}
