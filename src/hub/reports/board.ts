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
import type { Queryable } from '../db';
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

export interface PeriodBounds {
  start: string;
  end: string;
}

export function periodBounds(from: string, to: string, timeZone: string): PeriodBounds {
  return { start: startOfLocalDate(from, timeZone), end: startOfLocalDate(nextDate(to), timeZone) };
}

interface EventFactRow {
  type: string;
  outcome: string | null;
  action: string | null;
  basis: string | null;
  kinds: string[] | null;
  bases: string[] | null;
  categories: string[] | null;
  interaction_type: string | null;
  n: number;
}

export async function boardReport(
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

  // Events: only those whose hash matches their content (a flagged event is evidence, not a count).
  // Interaction events count by when the interaction happened and at its own school.
  const events = await db.query<EventFactRow & GroupRow>(
    `WITH r AS (SELECT * FROM roster_students WHERE district = $1 AND version_id = $2)
     SELECT e.type, e.body->>'outcome' AS outcome, e.body->>'action' AS action, e.body->>'basis' AS basis,
            jsonb_path_query_array(e.body, '$.coverage[*].kind') AS kinds,
            jsonb_path_query_array(e.body, '$.coverage[*].basis') AS bases,
            e.body->'categories' AS categories, NULL::text AS interaction_type,
            ${GROUP_SELECT}, count(*)::int AS n
       FROM events e LEFT JOIN r ON r.student_id = e.student_id
      WHERE e.district = $1 AND e.time >= $3::timestamptz AND e.time < $4::timestamptz AND e.hash_ok
        AND e.type IN ('decision', 'export-blocked')
        AND ($5::text[] IS NULL OR r.school = ANY($5::text[]))
      GROUP BY 1, 2, 3, 4, 5, 6, 7, ${GROUP_SELECT}
     UNION ALL
     SELECT 'interaction', NULL, NULL, NULL, NULL, NULL, NULL, x.type, ${GROUP_SELECT}, count(*)::int
       FROM (SELECT student_id, body->'interaction'->>'type' AS type, body->'interaction'->>'school' AS school
               FROM events
              WHERE district = $1 AND type = 'interaction' AND hash_ok
                AND (body->'interaction'->>'occurredAt')::timestamptz >= $3::timestamptz
                AND (body->'interaction'->>'occurredAt')::timestamptz < $4::timestamptz
             UNION ALL
             SELECT student_id, type, school FROM interactions
              WHERE district = $1 AND occurred_at >= $3::timestamptz AND occurred_at < $4::timestamptz) x
       LEFT JOIN r ON r.student_id = x.student_id
      WHERE ($5::text[] IS NULL OR x.school = ANY($5::text[]))
      GROUP BY x.type, ${GROUP_SELECT}`,
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
    const groups = groupsOf(row);
    if (row.type === 'interaction') {
      facts.push({
        signature: { source: 'interaction', interactionType: row.interaction_type ?? 'other' },
        groups,
        count: row.n,
      });
      continue;
    }
    const kinds = row.kinds ?? [];
    const bases = row.bases ?? [];
    facts.push({
      signature: {
        source: 'event',
        type: row.type,
        outcome: row.outcome,
        action: row.action,
        basis: row.basis,
        coverage: kinds.map((kind, index) => ({ kind, basis: bases[index] ?? '' })),
        categories: row.categories ?? [],
      },
      groups,
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
