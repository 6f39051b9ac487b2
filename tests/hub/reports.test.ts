import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoardReport } from '../../src/report/board/report';
import { chain, fixtureDrafts, PERIOD, rosterCsv } from '../fixtures/board/fixture';
import {
  BACKENDS,
  bundleFor,
  consentBody,
  createHarness,
  json,
  newId,
  requestBody,
  type Harness,
} from './helpers';
import { signIn } from './console-helpers';

const sro = { username: 'officer.diaz', role: 'sro' as const };

describe.each(BACKENDS)('reports on $name', (backend) => {
  let hub: Harness;
  beforeAll(async () => {
    hub = await createHarness(backend);
    hub.clock.time = new Date('2026-12-05T18:00:00Z');
    // The fixture is computed by hand at threshold 5: published as the district's policy version 2.
    const bundle = await bundleFor(undefined, 2);
    (bundle.policy.reporting as { board: { smallCellThreshold: number } }).board.smallCellThreshold = 5;
    const published = await hub.call('admin', { method: 'PUT', url: '/v1/policy', payload: bundle });
    expect(published.statusCode).toBe(200);
    const imported = await hub.call('admin', {
      method: 'POST',
      url: '/v1/roster',
      payload: { effectiveOn: '2026-08-15', csv: rosterCsv() },
    });
    expect(imported.statusCode).toBe(201);
    const events = await chain(fixtureDrafts());
    const stored = await hub.call('sro', { method: 'POST', url: '/v1/events', payload: { events } });
    expect(stored.statusCode).toBe(200);
    expect(json<{ stored: string[] }>(stored).stored).toHaveLength(events.length);
  });
  afterAll(async () => {
    await hub?.close();
  });

  const board = (query: string, who: 'admin' | 'clerk' | 'sro' = 'admin') =>
    hub.call(who, { method: 'GET', url: `/v1/reports/board?${query}` });
  const period = `from=${PERIOD.from}&to=${PERIOD.to}&reference=race-ethnicity:white`;

  it('computes the hand-computed report from the stored events and roster', async () => {
    const response = await board(period);
    expect(response.statusCode).toBe(200);
    const { report } = json<{ report: BoardReport }>(response);
    expect(report.threshold).toBe(5);
    expect(report.roster).toEqual({ effectiveOn: '2026-08-15', students: 124 });
    const access = report.tables.find((table) => table.id === 'access');
    expect(access?.all.map((cell) => cell.count)).toEqual([47, 25, 0, 0, 0, 22]);
    const race = access?.breakdowns.find((breakdown) => breakdown.dimension === 'race-ethnicity');
    const groups = race?.groups.map((group) => group.group) ?? [];
    const cell = (row: number, group: string) => race?.cells[row]?.[groups.indexOf(group)];
    expect(cell(1, 'black-african-american')).toMatchObject({ count: null, state: 'primary' });
    expect(cell(0, 'black-african-american')).toMatchObject({ count: null, state: 'complementary' });
    expect(cell(1, 'white')).toMatchObject({ state: 'complementary' });
    expect(cell(5, 'white')).toMatchObject({ state: 'complementary' });
    expect(cell(0, 'hispanic-latino')).toMatchObject({ count: 20, rate: 333.3, rri: 0.83 });
    const interactions = report.tables.find((table) => table.id === 'interactions');
    expect(interactions?.all[0]?.count).toBe(13);
    const basis = report.tables.find((table) => table.id === 'access-basis');
    expect(basis?.rows).toEqual(['written-consent']);
    expect(basis?.all[0]?.count).toBe(25);
  });

  it('a school filter counts only that school (the roster places each student)', async () => {
    const { report } = json<{ report: BoardReport }>(await board(`${period}&schools=ohs`));
    // ohs: every 4th student of each group (w4..w40 → 10, h → 15, b → 5, a4 → 1).
    expect(report.enrolled).toBe(31);
    const access = report.tables.find((table) => table.id === 'access');
    // consent w4,w8 (2) + h4,h8,h12 (3); blocked w4 (1) + h4,h8 (2) + b4 (1); the unknown student has no school.
    expect(access?.all.map((cell) => cell.count)).toEqual([9, 5, 0, 0, 0, 4]);
  });

  it('CSV: formula-safe, parses back to the JSON report', async () => {
    const response = await board(`${period}&format=csv&lang=es`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    const rows = parse(response.body.replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
    const all = rows
      .filter((row) => row.table === 'access' && row.dimension === 'all')
      .map((row) => row.count);
    expect(all).toEqual(['47', '25', '0', '0', '0', '22']);
    const black = rows.find(
      (row) => row.table === 'access' && row.row === 'consent' && row.group === 'black-african-american',
    );
    expect(black).toMatchObject({ count: '', suppressed: 'primary' });
  });

  it('clerks may read it; SROs and other districts may not', async () => {
    expect((await board(period, 'clerk')).statusCode).toBe(200);
    expect((await board(period, 'sro')).statusCode).toBe(403);
    const other = await hub.call('otherAdmin', { method: 'GET', url: `/v1/reports/board?${period}` });
    expect(other.statusCode).toBe(400); // no roster in that district
  });

  it('bad report queries: a period ending before it starts, a reference group nobody is in', async () => {
    const backwards = await board('from=2026-11-30&to=2026-09-01');
    expect(backwards.statusCode).toBe(400);
    expect(json<{ error: { field: string } }>(backwards).error.field).toBe('to');
    const empty = await board(`from=${PERIOD.from}&to=${PERIOD.to}&reference=race-ethnicity:two-or-more`);
    expect(empty.statusCode).toBe(400);
    expect(json<{ error: { field: string; message: string } }>(empty).error).toMatchObject({
      field: 'reference.race-ethnicity',
      message: expect.stringMatching(/no students in the reference group "two-or-more"/),
    });
    const early = await board('from=2026-01-01&to=2026-02-01');
    expect(early.statusCode).toBe(400);
    expect(json<{ error: { message: string } }>(early).error.message).toMatch(/no roster is in force/);
  });

  it('roster: unknown codes and duplicate ids are named per row and nothing is imported', async () => {
    const bad = `${rosterCsv().trimEnd()}\r\nw1,nhs,9,white,female,none,N,,\r\nq1,nhs,9,purple,female,none,N,,\r\n`;
    const response = await hub.call('admin', {
      method: 'POST',
      url: '/v1/roster',
      payload: { effectiveOn: '2026-10-01', csv: bad },
    });
    expect(response.statusCode).toBe(400);
    const body = json<{
      error: { field: string };
      rows: { line: number; column: string; message: string }[];
    }>(response);
    expect(body.error.field).toBe('csv');
    expect(body.rows).toEqual([
      { line: 126, column: 'student_id', message: 'duplicate student id (also on line 2)' },
      expect.objectContaining({ line: 127, column: 'race_ethnicity' }),
    ]);
    const versions = json<{ versions: { effectiveOn: string }[] }>(
      await hub.call('admin', { method: 'GET', url: '/v1/roster' }),
    ).versions;
    expect(versions.map((version) => version.effectiveOn)).toEqual(['2026-08-15']);
    const { rows } = await hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM roster_students');
    expect(rows[0]?.n).toBe(124);
    // Only admins import.
    const clerk = await hub.call('clerk', {
      method: 'POST',
      url: '/v1/roster',
      payload: { effectiveOn: '2026-10-01', csv: rosterCsv() },
    });
    expect(clerk.statusCode).toBe(403);
  });

  it('roster in the console: the session route names both bad rows, as the bearer route does', async () => {
    const bad = `${rosterCsv().trimEnd()}\r\nw1,nhs,9,white,female,none,N,,\r\nq1,nhs,9,purple,female,none,N,,\r\n`;
    const admin = await signIn(hub, 'admin');
    const response = await admin.call('POST', '/roster', { effectiveOn: '2026-10-02', csv: bad });
    expect(response.statusCode).toBe(400);
    const body = json<{
      error: { field: string; message: string };
      rows: { line: number; column: string; message: string }[];
      truncated: boolean;
    }>(response);
    expect(body.error.field).toBe('csv');
    expect(body.error.message).toMatch(/^csv: 2 bad row\(s\), nothing imported/);
    expect(body.rows).toEqual([
      { line: 126, column: 'student_id', message: 'duplicate student id (also on line 2)' },
      expect.objectContaining({ line: 127, column: 'race_ethnicity' }),
    ]);
    expect(body.truncated).toBe(false);
    const versions = json<{ versions: { effectiveOn: string }[] }>(await admin.call('GET', '/roster'));
    expect(versions.versions.map((version) => version.effectiveOn)).not.toContain('2026-10-02');
  });

  it('interactions at the hub: future dates and unknown students refused, a good one counted', async () => {
    const base = {
      occurredAt: '2026-11-10T18:00:00Z',
      school: 'nhs',
      studentId: 'h2',
      type: 'citation',
      reason: 'Vandalism of a school vehicle',
      forceUsed: false,
      parentNotified: true,
      administratorPresent: false,
    };
    const post = (body: Record<string, unknown>) =>
      hub.call('admin', { method: 'POST', url: '/v1/interactions', payload: body });
    const future = await post({ ...base, occurredAt: '2027-01-01T00:00:00Z' });
    expect(future.statusCode).toBe(400);
    expect(json<{ error: { field: string } }>(future).error.field).toBe('occurredAt');
    const unknown = await post({ ...base, studentId: 'nobody-1' });
    expect(unknown.statusCode).toBe(400);
    expect(json<{ error: { field: string } }>(unknown).error.field).toBe('studentId');
    const { rows } = await hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM interactions');
    expect(rows[0]?.n).toBe(0);
    expect((await post(base)).statusCode).toBe(201);
    const { report } = json<{ report: BoardReport }>(await board(period));
    const interactions = report.tables.find((table) => table.id === 'interactions');
    expect(interactions?.all[interactions.rows.indexOf('citation')]?.count).toBe(1);
    expect(interactions?.all[0]?.count).toBe(14);
  });

  it("a student's disclosure record: consent, subpoena with notice, emergency with threat and review; viewing is audited", async () => {
    // A consent on file, a subpoena request approved by a clerk, an emergency grant: all for student b9, in
    // December (outside the report's period).
    const consent = await hub.call('clerk', {
      method: 'POST',
      url: '/v1/consents',
      payload: consentBody({ studentId: 'b9', documentRef: 'DMS-2026-0999' }),
    });
    expect(consent.statusCode).toBe(201);
    const consentId = json<{ consent: { consent: { id: string } } }>(consent).consent.consent.id;
    const filed = await hub.call('sro', {
      method: 'POST',
      url: '/v1/requests',
      payload: requestBody({ studentId: 'b9' }),
    });
    expect(filed.statusCode).toBe(201);
    const requestId = json<{ request: { request: { id: string } } }>(filed).request.request.id;
    const decided = await hub.call('clerk', {
      method: 'POST',
      url: `/v1/requests/${requestId}/decision`,
      payload: {
        decision: 'approve',
        minutes: 60,
        reason: 'Subpoena verified with the court clerk',
        notice: {
          kind: 'notified',
          notifiedOn: '2026-12-01',
          method: 'mail',
          recipient: 'parent',
          by: 'Records office (C. Nguyen)',
        },
      },
    });
    expect(decided.statusCode).toBe(200);
    const grantId = newId();
    const at = (minute: number) => new Date(Date.UTC(2026, 11, 2, 17, minute)).toISOString();
    const events = await chain(
      [
        {
          time: at(0),
          type: 'decision',
          actor: sro,
          studentId: 'b9',
          categories: ['grades'],
          action: 'view',
          outcome: 'allow',
          basis: 'written-consent',
          ref: consentId,
          coverage: [{ kind: 'consent', id: consentId, basis: 'written-consent' }],
          citations: ['34 CFR 99.30'],
        },
        {
          time: at(10),
          type: 'decision',
          actor: sro,
          studentId: 'b9',
          categories: ['attendance', 'discipline'],
          action: 'view',
          outcome: 'allow',
          basis: 'judicial-order',
          ref: requestId,
          coverage: [{ kind: 'request', id: requestId, basis: 'judicial-order' }],
          citations: ['34 CFR 99.31(a)(9)'],
        },
        {
          time: at(20),
          type: 'justification',
          actor: sro,
          studentId: 'b9',
          categories: ['health', 'contacts'],
          action: 'view',
          outcome: 'allow',
          basis: 'health-safety-emergency',
          ref: grantId,
          citations: ['34 CFR 99.36'],
          justification:
            'Student reported missing after a threat to harm himself; need emergency contacts now.',
          evidence: {
            threat: 'Threat of self-harm reported by a teacher at 9:10',
            'incident-number': 'NPD-26-1188',
          },
        },
        {
          time: at(21),
          type: 'decision',
          actor: sro,
          studentId: 'b9',
          categories: ['health', 'contacts'],
          action: 'view',
          outcome: 'allow',
          basis: 'health-safety-emergency',
          ref: grantId,
          coverage: [{ kind: 'grant', id: grantId, basis: 'health-safety-emergency' }],
          citations: ['34 CFR 99.36'],
        },
        {
          time: at(30),
          type: 'decision',
          actor: sro,
          studentId: 'b9',
          categories: ['immigration'],
          action: 'view',
          outcome: 'block',
          citations: ['Education Code 234.7'],
        },
      ],
      'device-r2',
    );
    const posted = await hub.call('sro', { method: 'POST', url: '/v1/events', payload: { events } });
    expect(posted.body).toMatch(/"stored"/);

    const response = await hub.call('clerk', { method: 'GET', url: '/v1/reports/disclosure?studentId=b9' });
    expect(response.statusCode).toBe(200);
    const { record } = json<{
      record: {
        entries: {
          kind: string;
          who: { username: string; agency: string };
          categories: string[];
          bases: {
            basis: string;
            kind: string;
            reference: string;
            consent?: { documentRef: string; signer: string };
            notice?: { required: boolean; waived: boolean; made: Record<string, unknown> | null };
            request?: { status: string; decidedBy: string };
            emergency?: { threat: string; parties: string[]; review: { required: boolean } };
          }[];
        }[];
      };
    }>(response);
    const disclosures = record.entries.filter((entry) => entry.kind === 'disclosure');
    expect(disclosures).toHaveLength(3);
    expect(disclosures[0]?.who).toEqual({ username: 'officer.diaz', agency: 'Newman Police Department' });
    expect(disclosures[0]?.bases[0]).toMatchObject({
      basis: 'written-consent',
      kind: 'consent',
      reference: consentId,
      consent: { documentRef: 'DMS-2026-0999', signer: 'Ana Lopez' },
    });
    expect(disclosures[1]?.bases[0]).toMatchObject({
      basis: 'judicial-order',
      kind: 'request',
      reference: requestId,
      notice: {
        required: true,
        waived: false,
        made: { kind: 'notified', notifiedOn: '2026-12-01', method: 'mail' },
      },
      request: { status: 'approved', decidedBy: 'clerk.nguyen' },
    });
    expect(disclosures[2]?.bases[0]).toMatchObject({
      basis: 'health-safety-emergency',
      kind: 'grant',
      emergency: {
        threat: 'Threat of self-harm reported by a teacher at 9:10',
        parties: ['officer.diaz', 'Newman Police Department'],
        review: { required: true },
      },
    });
    expect(record.entries.filter((entry) => entry.kind === 'refused')).toHaveLength(1);
    // Viewing it is in the audit log, naming the student and the clerk.
    const audit = json<{ entries: { action: string; actor: string; target: string }[] }>(
      await hub.call('admin', { method: 'GET', url: '/v1/audit?action=disclosure.view' }),
    );
    expect(audit.entries.at(-1)).toMatchObject({ actor: 'clerk.nguyen', target: 'student:b9' });
    // SROs cannot read it.
    expect(
      (await hub.call('sro', { method: 'GET', url: '/v1/reports/disclosure?studentId=b9' })).statusCode,
    ).toBe(403);
    const bad = await hub.call('clerk', { method: 'GET', url: '/v1/reports/disclosure?studentId=%3Dcmd' });
    expect(bad.statusCode).toBe(400);
  });
});
