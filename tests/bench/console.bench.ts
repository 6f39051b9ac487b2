// The console's consent search (a student's consents with their statuses) at 100,000 consents, on the embedded
// database and, when DATABASE_URL or HUB_TEST_DATABASE_URL names one, on PostgreSQL. p95 over 200 searches
// for random students (10 consents each).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { consentsForStudent } from '../../src/hub/console/consent-registry';
import { openPglite, openPostgres, type Db } from '../../src/hub/db';
import { migrate } from '../../src/hub/migrate';
import { percentile, type BenchRow } from './report';

const DISTRICT = 'bench-district';
const CONSENTS = 100_000;
const STUDENTS = 10_000;
const SEARCHES = 200;

async function fill(db: Db): Promise<void> {
  const batch = 1000;
  for (let start = 0; start < CONSENTS; start += batch) {
    const values: string[] = [];
    const params: unknown[] = [];
    for (let index = start; index < start + batch; index += 1) {
      const studentId = String(100_000 + (index % STUDENTS));
      const body = {
        id: `c${index}`,
        studentId,
        signer: { name: 'Parent Name', relation: 'parent' },
        categories: ['grades'],
        actions: ['view'],
        purpose: 'Mentoring',
        recipient: { kind: 'agency', agency: 'Newman Police Department' },
        signedOn: '2026-09-01',
        documentRef: `DMS-${index}`,
        studentBirthDate: '2012-01-01',
      };
      const base = params.length;
      values.push(
        `($${base + 1}, $${base + 2}, $${base + 3}, 'agency', 'newman police department', NULL, $${base + 4}::jsonb, now(), 'bench', $${base + 5})`,
      );
      params.push(DISTRICT, body.id, studentId, JSON.stringify(body), index + 1);
    }
    await db.query(
      `INSERT INTO consents (district, id, student_id, recipient_kind, recipient_key, expires_on, body, recorded_at, recorded_by, change_seq)
       VALUES ${values.join(', ')}`,
      params,
    );
  }
  await db.query('ANALYZE consents');
}

async function measure(label: string, db: Db): Promise<BenchRow[]> {
  await migrate(db);
  await fill(db);
  const times: number[] = [];
  for (let round = 0; round < SEARCHES + 20; round += 1) {
    const studentId = String(100_000 + Math.floor(Math.random() * STUDENTS));
    const start = performance.now();
    const found = await consentsForStudent(db, DISTRICT, studentId, '2026-12-01', 18);
    const elapsed = performance.now() - start;
    if (found.length !== CONSENTS / STUDENTS)
      throw new Error(`expected ${CONSENTS / STUDENTS} consents, found ${found.length}`);
    if (round >= 20) times.push(elapsed);
  }
  return [
    {
      name: `console consent search p50 (${label})`,
      value: percentile(times, 50),
      unit: 'ms',
      note: `${CONSENTS} consents`,
    },
    {
      name: `console consent search p95 (${label})`,
      value: percentile(times, 95),
      unit: 'ms',
      note: `${CONSENTS} consents, ${SEARCHES} searches`,
    },
  ];
}

export async function benchConsole(): Promise<BenchRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'console-bench-'));
  const rows: BenchRow[] = [];
  const lite = await openPglite(dir);
  try {
    rows.push(...(await measure('PGlite', lite)));
  } finally {
    await lite.close();
    await rm(dir, { recursive: true, force: true });
  }
  const url = process.env.DATABASE_URL ?? process.env.HUB_TEST_DATABASE_URL;
  if (url) {
    const schema = `console_bench_${process.pid}`;
    const pg = await openPostgres(url, { schema });
    try {
      rows.push(...(await measure('PostgreSQL', pg)));
    } finally {
      await pg.exec(`DROP SCHEMA ${schema} CASCADE`);
      await pg.close();
    }
  }
  return rows;
}
