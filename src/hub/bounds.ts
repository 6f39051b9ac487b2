// What the hub accepts is what its database stores: dates and instants within a range PostgreSQL's date and
// timestamptz hold exactly (ISO year 0000 does not exist there; an offset such as +23:59 is not a zone), and
// policy versions with headroom. Each check names the field in a 400, where the database would answer 500.
import { CalendarDateSchema, InstantSchema } from '../policy/vocabulary';

export const MIN_YEAR = 1900;
export const MAX_YEAR = 9999;
/** Real zones run from UTC−12:00 to UTC+14:00; anything beyond is a typo, and PostgreSQL refuses ±16:00. */
export const MAX_OFFSET_MINUTES = 14 * 60;

const OFFSET = /(?:Z|([+-])(\d{2}):?(\d{2}))$/i;

/** Why an ISO instant (already valid ISO 8601 with an offset) cannot be stored, or undefined when it can. */
export function instantProblem(text: string): string | undefined {
  const year = Number(text.slice(0, 4));
  if (!Number.isInteger(year) || year < MIN_YEAR || year > MAX_YEAR) {
    return `the year must be between ${MIN_YEAR} and ${MAX_YEAR}`;
  }
  const offset = OFFSET.exec(text);
  if (offset && offset[1] !== undefined) {
    const minutes = Number(offset[2]) * 60 + Number(offset[3]);
    if (Number(offset[3]) > 59 || minutes > MAX_OFFSET_MINUTES) {
      return 'the UTC offset must be within ±14:00';
    }
  }
  if (Number.isNaN(Date.parse(text))) return 'is not a valid instant';
  return undefined;
}

/** Why an ISO calendar date (YYYY-MM-DD, already valid) cannot be stored, or undefined when it can. */
export function dateProblem(text: string): string | undefined {
  const year = Number(text.slice(0, 4));
  if (!Number.isInteger(year) || year < MIN_YEAR || year > MAX_YEAR) {
    return `the year must be between ${MIN_YEAR} and ${MAX_YEAR}`;
  }
  return undefined;
}

export const StorableInstantSchema = InstantSchema.superRefine((text, context) => {
  const problem = instantProblem(text);
  if (problem) context.addIssue({ code: 'custom', message: problem });
});

export const StorableDateSchema = CalendarDateSchema.superRefine((text, context) => {
  const problem = dateProblem(text);
  if (problem) context.addIssue({ code: 'custom', message: problem });
});

/**
 * Policy versions are stored as bigint and handled as JavaScript numbers, so at most 2^53 − 1. So that no
 * version can ever leave the district without a possible next one (the "2147483647" wedge of a 32-bit column),
 * a published version may exceed the one in force by at most MAX_POLICY_STEP (2^32: date-like versions such
 * as 2026120101 fit), the first at most that much, and none may pass MAX_POLICY_VERSION, which leaves a full
 * step of headroom below 2^53. Reaching the ceiling would take over two million publishes at the largest step.
 */
export const MAX_POLICY_STEP = 2 ** 32;
export const MAX_POLICY_VERSION = Number.MAX_SAFE_INTEGER - MAX_POLICY_STEP;

export function policyVersionProblem(next: number, current: number | undefined): string | undefined {
  if (next > MAX_POLICY_VERSION) return `must be at most ${MAX_POLICY_VERSION}`;
  const base = current ?? 0;
  if (next - base > MAX_POLICY_STEP) {
    return `may be at most ${MAX_POLICY_STEP} more than ${current === undefined ? 'zero for a first policy' : `the version in force (${current})`}, so later versions stay possible`;
  }
  return undefined;
}
