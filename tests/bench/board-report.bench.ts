// The Board report over a year of a large district (default 1,000,000 events, 50,000 students, 40 SROs) beside
// a plain GROUP BY over the same rows in the same run, and one student's disclosure record at that size. Rows
// are made inside the database (generate_series), so generating them costs seconds, not minutes. PGlite always
// (file-backed, as the hub runs); a PostgreSQL server too when DATABASE_URL or HUB_TEST_DATABASE_URL is set.
//
//   npm run bench -- board-report                       # through tests/bench/run.ts
//   BOARD_BENCH_EVENTS=100000 npm run bench -- board-report   # a smaller district
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openPglite, openPostgres, type Db } from '../../src/hub/db';
import { migrate } from '../../src/hub/migrate';
import { boardReport } from '../../src/hub/reports/board';
import { disclosureRecord } from '../../src/hub/reports/disclosure';
import { ReportQuerySchema } from '../../src/report/board/report';
import { percentile, type BenchRow } from './report';

const DISTRICT = 'bench-district';
const ZONE = 'America/Los_Angeles';

export interface BoardBenchOptions {
  events?: number;
  students?: number;
  sros?: number;
  runs?: number;
  databaseUrl?: string;
}

/** Fills a migrated database: roster version, events of a school year (2025-07-01 .. 2026-06-30), requests. */
export async function fillBoardData(db: Db, events: number, students: number, sros: number): Promise<void> {
  await db.query(
    `INSERT INTO roster_versions (district, id, effective_on, students, imported_at, imported_by)
     VALUES ($1, 'v1', '2025-07-01', $2, now(), 'bench')`,
    [DISTRICT, students],
  );
  await db.query(
    `INSERT INTO roster_students (district, version_id, student_id, school, grade, race_ethnicity, sex, disability,
       english_learner, foster_youth, homeless)
     SELECT $1, 'v1', 's' || i, 'school-' || (i % 12), ((i % 13) + 1)::text,
            (ARRAY['hispanic-latino','american-indian-alaska-native','asian','black-african-american',
                   'native-hawaiian-pacific-islander','white','two-or-more','not-reported'])[1 + (i * 7) % 8],
            (ARRAY['female','male','nonbinary'])[1 + (i % 3)],
            (ARRAY['iep','504','none','none','none'])[1 + (i % 5)],
            (ARRAY['yes','no','no'])[1 + (i % 3)],
            (ARRAY['yes','no','unknown','no'])[1 + (i % 4)],
            (ARRAY['yes','no','unknown','no','no'])[1 + (i % 5)]
       FROM generate_series(1, $2::int) AS i`,
    [DISTRICT, students],
  );
  const chunk = 100_000;
  for (let start = 1; start <= events; start += chunk) {
    const end = Math.min(events, start + chunk - 1);
    // Outcomes: 60 % allow (consent, approved request, emergency grant, other), 5 % redact (immigration),
    // 25 % block, 5 % export, 5 % interactions.
    await db.query(
      `INSERT INTO events (district, id, device, seq, time, type, username, student_id, hash, prev_hash, hash_ok,
         body, received_at, token_id)
       SELECT $1, 'e' || i, 'dev-' || (i % $4::int), i, t, ty, 'sro-' || (i % $4::int), 's' || (1 + (i::bigint * 7919) % $5::int),
              md5(i::text) || md5(i::text), md5((i - 1)::text) || md5((i - 1)::text), true,
              CASE
                WHEN ty = 'interaction' THEN jsonb_build_object('type', ty, 'categories', '[]'::jsonb,
                  'interaction', jsonb_build_object('occurredAt', to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                    'school', 'school-' || (i % 12),
                    'type', (ARRAY['arrest','citation','referral-for-prosecution','report-of-misconduct','warning',
                      'counselling-or-referral','other'])[1 + (i % 7)],
                    'reason', 'bench', 'forceUsed', false, 'parentNotified', true, 'administratorPresent', true))
                ELSE jsonb_build_object('type', ty, 'action', CASE WHEN m < 90 THEN 'view' ELSE 'export' END,
                  'outcome', CASE WHEN m < 60 THEN 'allow' WHEN m < 65 THEN 'redact' WHEN m < 90 THEN 'block'
                    WHEN m < 93 THEN 'allow' ELSE 'block' END,
                  'categories', CASE WHEN m >= 60 AND m < 65 THEN '["demographics","immigration"]'::jsonb
                    ELSE jsonb_build_array((ARRAY['attendance','grades','discipline','health','contacts'])[1 + (i % 5)]) END,
                  'basis', CASE WHEN m < 30 THEN 'written-consent' WHEN m < 45 THEN 'judicial-order'
                    WHEN m < 55 THEN 'health-safety-emergency' WHEN m < 60 THEN 'directory-information' END,
                  'coverage', CASE WHEN m < 30 THEN jsonb_build_array(jsonb_build_object('kind','consent','id','c' || (i % 5000),'basis','written-consent'))
                    WHEN m < 45 THEN jsonb_build_array(jsonb_build_object('kind','request','id','r' || (i % 5000),'basis','judicial-order'))
                    WHEN m < 55 THEN jsonb_build_array(jsonb_build_object('kind','grant','id','g' || (i % 5000),'basis','health-safety-emergency'))
                  END)
              END,
              now(), 'bench-token'
         FROM (SELECT i, i % 100 AS m,
                      CASE WHEN i % 100 >= 95 THEN 'interaction' ELSE 'decision' END AS ty,
                      timestamptz '2025-07-01 08:00:00-07' + ((i::bigint * 31536) % 31536000) * interval '1 second' AS t
                 FROM generate_series($2::int, $3::int) AS i) AS g`,
      [DISTRICT, start, end, sros, students],
    );
  }
  await db.query(
    `INSERT INTO exception_requests (district, id, username, username_key, student_id, basis, categories, actions,
       justification, evidence, policy_version, status, filed_at, decided_at, change_seq)
     SELECT $1, 'r' || i, 'sro-' || (i % 40), 'sro-' || (i % 40), 's' || (1 + (i * 131) % $2::int), 'judicial-order',
            '["attendance"]', '["view"]', 'bench', '{}', 1,
            (ARRAY['approved','denied','pending','approved'])[1 + (i % 4)],
            timestamptz '2025-07-01 08:00:00-07' + (i * 3000) * interval '1 second',
            CASE WHEN i % 4 = 2 THEN NULL ELSE timestamptz '2025-07-01 08:00:00-07' + (i * 3000 + 3600 + (i % 48) * 1800) * interval '1 second' END,
            i
       FROM generate_series(1, 10000) AS i`,
    [DISTRICT, students],
  );
  await db.exec('ANALYZE');
}

async function timed(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  await fn(); // warm-up
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return percentile(times, 50);
}

async function measure(
  db: Db,
  label: string,
  options: Required<Omit<BoardBenchOptions, 'databaseUrl'>>,
): Promise<BenchRow[]> {
  const fillStart = performance.now();
  await fillBoardData(db, options.events, options.students, options.sros);
  const fillSeconds = (performance.now() - fillStart) / 1000;
  const query = ReportQuerySchema.parse({
    from: '2025-07-01',
    to: '2026-06-30',
    reference: 'race-ethnicity:white',
  });
  const report = await boardReport(db, DISTRICT, query, { timeZone: ZONE, threshold: 11 });
  const counted = report.tables.find((table) => table.id === 'access')?.all[0]?.count ?? 0;
  const reportMs = await timed(options.runs, () =>
    boardReport(db, DISTRICT, query, { timeZone: ZONE, threshold: 11 }),
  );
  const plainMs = await timed(options.runs, () =>
    db.query(
      `SELECT type, body->>'outcome' AS outcome, count(*) FROM events
        WHERE district = $1 AND time >= '2025-07-01T07:00:00Z' AND time < '2026-07-01T07:00:00Z'
        GROUP BY 1, 2`,
      [DISTRICT],
    ),
  );
  const disclosureMs = await timed(options.runs * 4, () =>
    disclosureRecord(db, DISTRICT, 's4242', undefined),
  );
  const entries = (await disclosureRecord(db, DISTRICT, 's4242', undefined)).entries.length;
  const size = `${options.events.toLocaleString('en-US')} events, ${options.students.toLocaleString('en-US')} students, ${options.sros} SROs`;
  return [
    {
      name: `board report, ${label}`,
      value: reportMs,
      unit: 'ms',
      baseline: { name: 'plain GROUP BY type, outcome', value: plainMs, unit: 'ms' },
      ratio: reportMs / plainMs,
      note: `${size}; ${counted.toLocaleString('en-US')} accesses counted; median of ${options.runs}; rows made in ${fillSeconds.toFixed(0)} s`,
    },
    {
      name: `disclosure record, ${label}`,
      value: disclosureMs,
      unit: 'ms',
      note: `one student, ${entries} entries, among ${options.events.toLocaleString('en-US')} events`,
    },
  ];
}

export async function benchBoardReport(options: BoardBenchOptions = {}): Promise<BenchRow[]> {
  const settings = {
    events: options.events ?? Number(process.env.BOARD_BENCH_EVENTS ?? 1_000_000),
    students: options.students ?? Number(process.env.BOARD_BENCH_STUDENTS ?? 50_000),
    sros: options.sros ?? 40,
    runs: options.runs ?? 5,
  };
  const rows: BenchRow[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'board-bench-'));
  // Bulk generation runs statements of a minute or more: bounds far above the hub's own.
  const lite = await openPglite(join(dir, 'data'), { timeoutMs: 900_000, stuckMs: 900_000 });
  try {
    await migrate(lite);
    rows.push(...(await measure(lite, 'PGlite', settings)));
  } finally {
    await lite.close();
    await rm(dir, { recursive: true, force: true });
  }
  const url = options.databaseUrl ?? process.env.DATABASE_URL ?? process.env.HUB_TEST_DATABASE_URL;
  if (url) {
    const schema = `board_bench_${process.pid}`;
    const pg = await openPostgres(url, { schema, max: 4, timeoutMs: 900_000 });
    try {
      await migrate(pg);
      rows.push(...(await measure(pg, 'PostgreSQL', settings)));
    } finally {
      await pg.exec(`DROP SCHEMA ${schema} CASCADE`);
      await pg.close();
    }
  }
  return rows;
}
