// The Board report at the hub: SQL counts facts (GROUP BY what each event says × the student's roster groups),
// src/report/board/report.ts decides what they mean. One SQL dialect for PGlite and PostgreSQL.
import {
  computeBoardReport,
  ReportInputError,
  type BoardReport,
  type EnrolmentCount,
  type FactCount,
  type ReportQuery,
} from '../../report/board/report';
import { DIMENSION_IDS, type Dimension } from '../../report/board/roster';
import { nextDate, startOfLocalDate } from '../../decide/calendar';
import type { Db, Queryable } from '../db';
import { invalid } from '../errors';
import { rosterInForce } from './roster';

const GROUP_COLUMNS: Record<Dimension, string> = {
  'race-ethnicity': 'race_ethnicity',
  sex: 'sex',
  disability: 'disability',
  'english-learner': 'english_learner',
  'foster-youth': 'foster_youth',
  homeless: 'homeless',
};
const GROUP_SELECT = DIMENSION_IDS.map((dimension) => `r.${GROUP_COLUMNS[dimension]}`).join(', ');

type GroupRow = Record<string, unknown>;
const groupsOf = (row: GroupRow): Record<Dimension, string> | null => {
  if (row.race_ethnicity === null || row.race_ethnicity === undefined) return null;
  return Object.fromEntries(
    DIMENSION_IDS.map((dimension) => [dimension, String(row[GROUP_COLUMNS[dimension]])]),
  ) as Record<Dimension, string>;
};

/** The student's groups as one text key (NULL when the student is not in the roster version). */
const GROUP_KEY = `CASE WHEN r.student_id IS NULL THEN NULL ELSE concat_ws('|', ${GROUP_SELECT}) END`;
const groupsOfKey = (key: string | null): Record<Dimension, string> | null => {
  if (key === null) return null;
  const values = key.split('|');
  return Object.fromEntries(
    DIMENSION_IDS.map((dimension, index) => [dimension, values[index] ?? '']),
  ) as Record<Dimension, string>;
};

export interface PeriodBounds {
  start: string;
  end: string;
}

export function periodBounds(from: string, to: string, timeZone: string): PeriodBounds {
  return { start: startOfLocalDate(from, timeZone), end: startOfLocalDate(nextDate(to), timeZone) };
}

/** The report's queries in one transaction: one snapshot (nothing half-reported), and room to aggregate in memory. */
export async function boardReport(
  db: Db,
  district: string,
  query: ReportQuery,
  options: { timeZone: string; threshold: number },
): Promise<BoardReport & { rosterId: string }> {
  return db.transaction(async (tx) => {
    // 64 MB for this transaction: the GROUP BY hashes in memory instead of sorting on disk (4× at 100,000 events).
    await tx.query("SET LOCAL work_mem = '64MB'");
    return boardReportIn(tx, district, query, options);
  });
}

async function boardReportIn(
  db: Queryable,
  district: string,
  query: ReportQuery,
  options: { timeZone: string; threshold: number },
): Promise<BoardReport & { rosterId: string }> {
  const roster = await rosterInForce(db, district, query.to);
  if (!roster) throw invalid('to', `no roster is in force on ${query.to}: import one first`);
  const { start, end } = periodBounds(query.from, query.to, options.timeZone);
  const schools = query.schools.length > 0 ? query.schools : null;

  const enrolment = await db.query<GroupRow & { n: number }>(
    `SELECT ${GROUP_SELECT}, count(*)::int AS n FROM roster_students r
      WHERE r.district = $1 AND r.version_id = $2 AND ($3::text[] IS NULL OR r.school = ANY($3::text[]))
      GROUP BY ${GROUP_SELECT}`,
    [district, roster.id, schools],
  );

  // Events: only those whose hash matches their content (a flagged event is evidence, not a count). Each is
  // grouped by one text key for what it says and one for its student's groups: hashing two text columns is
  // several times faster than grouping by a dozen columns, jsonb among them (measured in the bench).
  const events = await db.query<{ sig: string; g: string | null; n: number }>(
    `SELECT concat_ws('|', e.type, coalesce(e.body->>'outcome', ''), coalesce(e.body->>'action', ''),
              coalesce(e.body->>'basis', ''), jsonb_path_query_array(e.body, '$.coverage[*].kind')::text,
              jsonb_path_query_array(e.body, '$.coverage[*].basis')::text, coalesce(e.body->'categories', '[]')::text) AS sig,
            ${GROUP_KEY} AS g, count(*)::int AS n
       FROM events e
       LEFT JOIN roster_students r ON r.district = $1 AND r.version_id = $2 AND r.student_id = e.student_id
      WHERE e.district = $1 AND e.time >= $3::timestamptz AND e.time < $4::timestamptz AND e.hash_ok
        AND e.type IN ('decision', 'export-blocked')
        AND ($5::text[] IS NULL OR r.school = ANY($5::text[]))
      GROUP BY 1, 2`,
    [district, roster.id, start, end, schools],
  );
  // Interactions count by when they happened and at their own school: SROs' events and the console's entries.
  const interactions = await db.query<{ type: string; g: string | null; n: number }>(
    `SELECT x.type, ${GROUP_KEY} AS g, count(*)::int AS n
       FROM (SELECT student_id, body->'interaction'->>'type' AS type, body->'interaction'->>'school' AS school
               FROM events
              WHERE district = $1 AND type = 'interaction' AND hash_ok
                AND (body->'interaction'->>'occurredAt')::timestamptz >= $3::timestamptz
                AND (body->'interaction'->>'occurredAt')::timestamptz < $4::timestamptz
             UNION ALL
             SELECT student_id, type, school FROM interactions
              WHERE district = $1 AND occurred_at >= $3::timestamptz AND occurred_at < $4::timestamptz) x
       LEFT JOIN roster_students r ON r.district = $1 AND r.version_id = $2 AND r.student_id = x.student_id
      WHERE ($5::text[] IS NULL OR x.school = ANY($5::text[]))
      GROUP BY 1, 2`,
    [district, roster.id, start, end, schools],
  );

  const requests = await db.query<GroupRow & { status: string; n: number }>(
    `WITH r AS (SELECT * FROM roster_students WHERE district = $1 AND version_id = $2)
     SELECT q.status, ${GROUP_SELECT}, count(*)::int AS n
       FROM exception_requests q LEFT JOIN r ON r.student_id = q.student_id
      WHERE q.district = $1 AND q.filed_at >= $3::timestamptz AND q.filed_at < $4::timestamptz
        AND ($5::text[] IS NULL OR r.school = ANY($5::text[]))
      GROUP BY q.status, ${GROUP_SELECT}`,
    [district, roster.id, start, end, schools],
  );
  const timing = await db.query<{ decided: number; approved: number; median: number | null }>(
    `WITH r AS (SELECT * FROM roster_students WHERE district = $1 AND version_id = $2)
     SELECT count(*)::int AS decided, count(*) FILTER (WHERE q.status = 'approved')::int AS approved,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM q.decided_at - q.filed_at) / 3600)
              AS median
       FROM exception_requests q LEFT JOIN r ON r.student_id = q.student_id
      WHERE q.district = $1 AND q.filed_at >= $3::timestamptz AND q.filed_at < $4::timestamptz
        AND q.status IN ('approved', 'denied') AND q.decided_at IS NOT NULL
        AND ($5::text[] IS NULL OR r.school = ANY($5::text[]))`,
    [district, roster.id, start, end, schools],
  );

  const facts: FactCount[] = [];
  for (const row of events.rows) {
    const [type = '', outcome, action, basis, kinds, bases, categories] = row.sig.split('|');
    const kindList = JSON.parse(kinds ?? '[]') as string[];
    const basisList = JSON.parse(bases ?? '[]') as string[];
    facts.push({
      signature: {
        source: 'event',
        type,
        outcome: outcome || null,
        action: action || null,
        basis: basis || null,
        coverage: kindList.map((kind, index) => ({ kind, basis: basisList[index] ?? '' })),
        categories: JSON.parse(categories ?? '[]') as string[],
      },
      groups: groupsOfKey(row.g),
      count: row.n,
    });
  }
  for (const row of interactions.rows) {
    facts.push({
      signature: { source: 'interaction', interactionType: row.type },
      groups: groupsOfKey(row.g),
      count: row.n,
    });
  }
  for (const row of requests.rows) {
    facts.push({ signature: { source: 'request', status: row.status }, groups: groupsOf(row), count: row.n });
  }
  const enrolled: EnrolmentCount[] = enrolment.rows.flatMap((row) => {
    const groups = groupsOf(row);
    return groups ? [{ groups, count: row.n }] : [];
  });
  const time = timing.rows[0];
  try {
    const report = computeBoardReport({
      period: { from: query.from, to: query.to },
      schools: query.schools,
      threshold: options.threshold,
      reference: query.reference,
      roster: { effectiveOn: roster.effectiveOn },
      enrolment: enrolled,
      facts,
      requestTiming: {
        decided: time?.decided ?? 0,
        approved: time?.approved ?? 0,
        medianHours: time?.median === null || time?.median === undefined ? null : Number(time.median),
      },
    });
    return { ...report, rosterId: roster.id };
  } catch (error) {
    if (error instanceof ReportInputError) throw invalid(error.field, error.message);
    throw error;
  }
}
