import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  classify,
  computeBoardReport,
  ReportInputError,
  ReportQuerySchema,
  type BoardReport,
  type FactCount,
  type Signature,
} from '../../src/report/board/report';
import { boardReportCsv } from '../../src/report/board/report-csv';
import {
  DIMENSIONS,
  parseRosterCsv,
  type Dimension,
  type RosterStudent,
} from '../../src/report/board/roster';
import { suppress } from '../../src/report/board/suppress';
import { DistrictPolicySchema } from '../../src/policy/district-policy';
import {
  fixtureAccesses,
  fixtureStudents,
  ONLY_RACE,
  PERIOD,
  rosterCsv,
  THRESHOLD,
} from '../fixtures/board/fixture';

function signatureOf(access: ReturnType<typeof fixtureAccesses>[number]): Signature {
  if (access.kind === 'interaction') return { source: 'interaction', interactionType: access.type };
  return {
    source: 'event',
    type: 'decision',
    action: 'view',
    outcome: access.kind === 'consent' ? 'allow' : 'block',
    categories: ['grades'],
    ...(access.kind === 'consent'
      ? { basis: 'written-consent', coverage: [{ kind: 'consent', basis: 'written-consent' }] }
      : {}),
  };
}

/** What the hub's SQL does, in plain code: one fact per access with its student's groups. */
function facts(students: RosterStudent[]): FactCount[] {
  const byId = new Map(students.map((student) => [student.studentId, student]));
  return fixtureAccesses().map((access) => ({
    signature: signatureOf(access),
    groups: byId.get(access.student)?.groups ?? null,
    count: 1,
  }));
}

function enrolment(students: RosterStudent[]) {
  return students.map((student) => ({ groups: student.groups, count: 1 }));
}

function roster(): RosterStudent[] {
  const parsed = parseRosterCsv(rosterCsv());
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.students;
}

function report(dimensions: Dimension[] = ONLY_RACE, reference = { 'race-ethnicity': 'white' }): BoardReport {
  const students = roster();
  return computeBoardReport({
    period: PERIOD,
    schools: [],
    threshold: THRESHOLD,
    reference,
    dimensions,
    roster: { effectiveOn: '2026-08-15' },
    enrolment: enrolment(students),
    facts: facts(students),
    requestTiming: { decided: 4, approved: 3, medianHours: 26.25 },
  });
}

const race = DIMENSIONS['race-ethnicity'] as readonly string[];
const col = (group: string) => (group === 'not-in-roster' ? race.length : race.indexOf(group));

function table(result: BoardReport, id: string) {
  const found = result.tables.find((entry) => entry.id === id);
  if (!found) throw new Error(id);
  return found;
}

describe('Board report on the hand-computed fixture (threshold 5, reference white)', () => {
  it('counts SRO record access by outcome for all students, unsuppressed, with the rate per 1,000 enrolled', () => {
    const access = table(report(), 'access');
    expect(access.rows).toEqual([
      'all',
      'consent',
      'approved-exception',
      'emergency',
      'other-immediate',
      'blocked',
    ]);
    // 10+12+3 consent, 6+8+7+1 blocked, 124 enrolled.
    expect(access.all.map((cell) => cell.count)).toEqual([47, 25, 0, 0, 0, 22]);
    expect(access.all[0]?.rate).toBe(379); // 47 / 124 × 1000 = 379.03
  });

  it('suppresses the small cells and the cells that would give them away', () => {
    const [breakdown] = table(report(), 'access').breakdowns;
    if (!breakdown) throw new Error('no breakdown');
    const state = (row: number, group: string) => breakdown.cells[row]?.[col(group)]?.state;
    const count = (row: number, group: string) => breakdown.cells[row]?.[col(group)]?.count;
    // Primary: black consent 3, the unknown student's 1 blocked and 1 in all.
    expect(state(1, 'black-african-american')).toBe('primary');
    expect(state(5, 'not-in-roster')).toBe('primary');
    expect(state(0, 'not-in-roster')).toBe('primary');
    // Complementary, worked by hand: row "all" (total 47 shown) → black 10, the smallest; row consent → white 10;
    // row blocked → white 6 (smaller than black 7 and hispanic 8); columns then each hold two hidden cells.
    expect(state(0, 'black-african-american')).toBe('complementary');
    expect(state(1, 'white')).toBe('complementary');
    expect(state(5, 'white')).toBe('complementary');
    expect(count(0, 'black-african-american')).toBeNull();
    // Everything else is shown.
    expect(count(5, 'black-african-american')).toBe(7);
    expect(count(1, 'hispanic-latino')).toBe(12);
    expect(count(0, 'white')).toBe(16);
    expect(count(0, 'asian')).toBe(0);
    const hidden = breakdown.cells.flat().filter((cell) => cell.state !== 'shown').length;
    expect(hidden).toBe(6);
  });

  it('gives rates per 1,000 enrolled and the relative rate index against the chosen reference group', () => {
    const [breakdown] = table(report(), 'access').breakdowns;
    if (!breakdown) throw new Error('no breakdown');
    expect(breakdown.reference).toBe('white');
    const cell = (row: number, group: string) => breakdown.cells[row]?.[col(group)];
    expect(cell(0, 'white')).toMatchObject({ count: 16, rate: 400, rri: 1 }); // 16/40
    expect(cell(0, 'hispanic-latino')).toMatchObject({ count: 20, rate: 333.3, rri: 0.83 }); // (20/60)/(16/40)
    expect(cell(0, 'asian')).toMatchObject({ count: 0, rate: 0, rri: 0 });
    // The reference cell of the consent row is hidden: no index in that row.
    expect(cell(1, 'hispanic-latino')).toMatchObject({ count: 12, rate: 200, rri: null });
    // A group with nobody enrolled has no rate.
    expect(cell(0, 'asian')?.rate).toBe(0);
    expect(cell(0, 'american-indian-alaska-native')).toMatchObject({ count: 0, rate: null, rri: null });
    expect(breakdown.groups[col('white')]?.enrolled).toBe(40);
  });

  it('another reference group changes the index, not the counts', () => {
    const [breakdown] = table(
      report(ONLY_RACE, { 'race-ethnicity': 'hispanic-latino' }),
      'access',
    ).breakdowns;
    expect(breakdown?.cells[0]?.[col('white')]).toMatchObject({ count: 16, rri: 1.2 }); // 0.4 / (1/3)
  });

  it('interactions: a zero is hidden only where it covers something (worked by hand)', () => {
    const [breakdown] = table(report(), 'interactions').breakdowns;
    if (!breakdown) throw new Error('no breakdown');
    const rows = table(report(), 'interactions').rows;
    const at = (row: string, group: string) => breakdown.cells[rows.indexOf(row)]?.[col(group)];
    expect(table(report(), 'interactions').all[0]?.count).toBe(13);
    expect(at('all', 'hispanic-latino')?.state).toBe('primary');
    expect(at('warning', 'hispanic-latino')?.state).toBe('primary');
    // Row "all": black 6 and white 6 tie, black comes first; row warning: no count above zero is left, and
    // the first zero in a column with a positive total is black's.
    expect(at('all', 'black-african-american')?.state).toBe('complementary');
    expect(at('warning', 'black-african-american')?.state).toBe('complementary');
    expect(at('arrest', 'black-african-american')).toMatchObject({ count: 6, state: 'shown', rate: 300 });
    expect(at('arrest', 'white')).toMatchObject({ count: 6, rate: 150, rri: 1 });
    expect(breakdown.cells.flat().filter((cell) => cell.state !== 'shown')).toHaveLength(4);
  });

  it('request timing: approval rate and median hours', () => {
    expect(report().requestTiming).toEqual({
      decided: 4,
      approved: 3,
      approvalRate: 0.75,
      medianHours: 26.3,
    });
  });

  it('the CSV reads back to the same cells, suppressed ones empty, and is formula-safe', () => {
    const result = report(['race-ethnicity', 'sex']);
    const text = boardReportCsv(result, 'es');
    const rows = parse(text.replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
    const access = table(result, 'access');
    const sexBreakdown = access.breakdowns[1];
    for (const [index, row] of access.rows.entries()) {
      const all = rows.find(
        (line) => line.table === 'access' && line.row === row && line.dimension === 'all',
      );
      expect(all?.count).toBe(String(access.all[index]?.count));
      for (const [column, group] of (sexBreakdown?.groups ?? []).entries()) {
        const line = rows.find(
          (entry) =>
            entry.table === 'access' &&
            entry.row === row &&
            entry.dimension === 'sex' &&
            entry.group === group.group,
        );
        const cell = sexBreakdown?.cells[index]?.[column];
        expect(line?.count).toBe(cell?.count === null ? '' : String(cell?.count));
        expect(line?.suppressed).toBe(cell?.state === 'shown' ? '' : cell?.state);
      }
    }
    const black = rows.find(
      (line) => line.table === 'access' && line.row === 'consent' && line.group === 'black-african-american',
    );
    expect(black).toMatchObject({ count: '', rate_per_1000: '', suppressed: 'primary' });
    expect(rows[0]?.table_title).toBe('Acceso de los SRO a expedientes, por resultado');
    expect(text.split('\r\n').every((line) => !/^[=+\-@]|,[=+\-@]/.test(line))).toBe(true);
  });
});

describe('Board report: bad input', () => {
  it('refuses a reference group the roster does not have', () => {
    const students = roster().filter((student) => student.groups['race-ethnicity'] !== 'white');
    expect(() =>
      computeBoardReport({
        period: PERIOD,
        schools: [],
        threshold: 11,
        reference: { 'race-ethnicity': 'white' },
        roster: { effectiveOn: '2026-08-15' },
        enrolment: enrolment(students),
        facts: [],
        requestTiming: { decided: 0, approved: 0, medianHours: null },
      }),
    ).toThrow(ReportInputError);
  });

  it('refuses a period that ends before it starts, and a malformed reference', () => {
    const bad = ReportQuerySchema.safeParse({ from: '2026-11-30', to: '2026-09-01' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['to']);
    expect(
      ReportQuerySchema.safeParse({ from: '2026-09-01', to: '2026-09-01', reference: 'race:white' }).success,
    ).toBe(false);
    const good = ReportQuerySchema.parse({
      from: '2026-09-01',
      to: '2026-09-30',
      reference: 'sex:female',
      schools: 'nhs,ohs',
    });
    expect(good).toMatchObject({ reference: { sex: 'female' }, schools: ['nhs', 'ohs'], lang: 'en' });
  });
});

describe('classify', () => {
  it('an access under a consent and an emergency grant counts once by outcome (its first basis) and under both bases', () => {
    const rows = classify({
      source: 'event',
      type: 'decision',
      action: 'view',
      outcome: 'allow',
      basis: 'written-consent',
      coverage: [
        { kind: 'consent', basis: 'written-consent' },
        { kind: 'grant', basis: 'health-safety-emergency' },
      ],
      categories: ['grades', 'health'],
    });
    expect(rows).toEqual([
      ['access', 'all'],
      ['access', 'consent'],
      ['access-basis', 'written-consent'],
      ['access-basis', 'health-safety-emergency'],
      ['access-category', 'grades'],
      ['access-category', 'health'],
    ]);
  });

  it('exports, immigration blocks and redactions, approved requests, emergencies', () => {
    expect(
      classify({
        source: 'event',
        type: 'export-blocked',
        action: 'export',
        outcome: 'block',
        categories: [],
      }),
    ).toEqual([
      ['exports', 'attempted'],
      ['exports', 'blocked'],
    ]);
    expect(
      classify({
        source: 'event',
        type: 'decision',
        action: 'view',
        outcome: 'block',
        categories: ['immigration'],
      }),
    ).toContainEqual(['immigration', 'blocked']);
    expect(
      classify({
        source: 'event',
        type: 'decision',
        action: 'view',
        outcome: 'redact',
        categories: ['immigration'],
      }),
    ).toContainEqual(['immigration', 'redacted']);
    expect(
      classify({
        source: 'event',
        type: 'decision',
        action: 'view',
        outcome: 'allow',
        coverage: [{ kind: 'request', basis: 'judicial-order' }],
        categories: [],
      }),
    ).toContainEqual(['access', 'approved-exception']);
    expect(
      classify({
        source: 'event',
        type: 'decision',
        action: 'view',
        outcome: 'allow',
        coverage: [{ kind: 'grant', basis: 'health-safety-emergency' }],
        categories: [],
      }),
    ).toContainEqual(['access', 'emergency']);
    expect(classify({ source: 'event', type: 'justification', outcome: 'allow', categories: [] })).toEqual(
      [],
    );
  });
});

describe('suppress', () => {
  it('leaves a grid without small cells alone and never hides a lone zero column', () => {
    expect(suppress({ counts: [[20, 30]] }, 11).flat()).toEqual(['shown', 'shown']);
    // Row [3, 0, 0]: 3 is hidden, and a zero must cover it (otherwise total − 0 − 0 = 3).
    expect(suppress({ counts: [[3, 0, 0]] }, 11)[0]).toEqual(['primary', 'complementary', 'shown']);
  });

  it('no line of the result holds exactly one hidden cell (random grids)', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let trial = 0; trial < 200; trial++) {
      const rows = 2 + Math.floor(random() * 4);
      const columns = 2 + Math.floor(random() * 5);
      const parts = Array.from({ length: rows - 1 }, () =>
        Array.from({ length: columns }, () => (random() < 0.3 ? 0 : Math.floor(random() * 25))),
      );
      const total = Array.from({ length: columns }, (_, column) =>
        parts.reduce((sum, row) => sum + (row[column] ?? 0), 0),
      );
      const counts = [total, ...parts];
      const state = suppress({ counts, totalRow: 0 }, 11);
      for (let row = 0; row < rows; row++) {
        const hidden = state[row]?.filter((cell) => cell !== 'shown').length ?? 0;
        // A row with one hidden cell is allowed only when nothing else in it could cover (all zeros shown are known).
        if (hidden === 1) expect(counts[row]?.filter((value) => value > 0).length).toBe(1);
      }
      for (let row = 0; row < rows; row++) {
        for (let column = 0; column < columns; column++) {
          const value = counts[row]?.[column] ?? 0;
          if (value > 0 && value < 11) expect(state[row]?.[column]).not.toBe('shown');
        }
      }
    }
  });
});

describe('roster CSV', () => {
  it('reads the fixture roster', () => {
    const parsed = parseRosterCsv(rosterCsv());
    expect(parsed.ok && parsed.students).toHaveLength(fixtureStudents().length);
    expect(parsed.ok && parsed.students[0]).toEqual({
      studentId: 'w1',
      school: 'nhs',
      grade: '9',
      groups: {
        'race-ethnicity': 'white',
        sex: 'male',
        disability: 'none',
        'english-learner': 'no',
        'foster-youth': 'unknown',
        homeless: 'unknown',
      },
    });
  });

  it('names every bad row and column: unknown codes, duplicate ids; nothing is returned', () => {
    const text = [
      'student_id,school,grade,race_ethnicity,sex,disability,english_learner,foster,homeless',
      's1,nhs,9,white,F,none,N,,',
      's2,nhs,9,martian,F,none,N,,',
      's1,nhs,10,asian,M,iep,Y,Y,N',
      's3,nhs,13,asian,Q,iep,Y,Y,N',
    ].join('\n');
    const parsed = parseRosterCsv(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toEqual([
      expect.objectContaining({
        line: 3,
        column: 'race_ethnicity',
        message: expect.stringMatching(/unknown code "martian"/),
      }),
      expect.objectContaining({
        line: 4,
        column: 'student_id',
        message: 'duplicate student id (also on line 2)',
      }),
      expect.objectContaining({ line: 5, column: 'grade' }),
      expect.objectContaining({ line: 5, column: 'sex' }),
    ]);
  });

  it('refuses a header with a missing or unknown column', () => {
    const parsed = parseRosterCsv('student_id,school,grade\ns1,nhs,9\n');
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.errors[0]?.message).toMatch(/^header: missing race_ethnicity/);
  });
});

describe('policy: small-cell threshold', () => {
  it('defaults to 11 when the district does not set it', async () => {
    const { readFile } = await import('node:fs/promises');
    const policy = JSON.parse(await readFile('policies/district.json', 'utf8')) as {
      reporting: { board: Record<string, unknown> };
    };
    delete policy.reporting.board.smallCellThreshold;
    expect(DistrictPolicySchema.parse(policy).reporting.board.smallCellThreshold).toBe(11);
  });
});
