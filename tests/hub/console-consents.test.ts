// The console's consent registry: recording with every check naming its field, statuses, revocation now or on
// a date, search by student, and the CSV import (preview, confirm, idempotent by document reference, and every
// kind of bad file refused with nothing changed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, type ConsoleClient } from './console-helpers';
import { BACKENDS, consentBody, createHarness, json, type Harness } from './helpers';

interface View {
  consent: { id: string; studentId: string; expiresOn?: string };
  status: string;
  revokesOn: string | null;
  revokeReason: string | null;
}
interface ImportAnswer {
  confirmed: boolean;
  rows: { line: number; status: string; errors: { column: string; message: string }[] }[];
  counts: { valid: number; invalid: number; alreadyImported: number; imported: number };
}

const HEADER =
  'student_id,signer_name,signer_relation,categories,actions,purpose,recipient_kind,recipient,signed_on,expires_on,document_ref,student_birth_date';
const good = (ref: string, student = '200001') =>
  `${student},Ana Lopez,parent,grades;attendance,view,Mentoring program,agency,Newman Police Department,2026-09-01,2027-06-30,${ref},2012-03-04`;

describe.each(BACKENDS)('console consents ($name)', (backend) => {
  let hub: Harness;
  let clerk: ConsoleClient;
  beforeAll(async () => {
    hub = await createHarness(backend);
    clerk = await signIn(hub, 'clerk');
  });
  afterAll(async () => hub.close());

  const create = (overrides: Record<string, unknown>) =>
    clerk.call('POST', '/consents', consentBody({ studentBirthDate: '2012-03-04', ...overrides }));
  const fieldOf = (response: Parameters<typeof json>[0]) =>
    json<{ error: { field: string; message: string } }>(response).error;
  const count = async () =>
    (await hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM consents')).rows[0]?.n ?? 0;

  it('records a consent, finds it by student with its status, and syncs it to the named agency', async () => {
    const response = await create({ studentId: '300001', documentRef: 'DMS-C-1' });
    expect(response.statusCode, response.body).toBe(201);
    const found = json<{ consents: View[] }>(await clerk.call('GET', '/consents?studentId=300001')).consents;
    expect(found).toHaveLength(1);
    expect(found[0]?.status).toBe('active');
    const feed = json<{ consents: { studentId: string }[] }>(
      await hub.call('sro', { method: 'GET', url: '/v1/consents/mine' }),
    );
    expect(feed.consents.map((consent) => consent.studentId)).toContain('300001');
    const audit = await hub.db.query<{ actor: string }>(
      "SELECT actor FROM audit_log WHERE action = 'consent.create' AND target = $1",
      [`consent:${found[0]?.consent.id}`],
    );
    expect(audit.rows[0]?.actor).toBe('clerk.nguyen');
  });

  it('refuses each bad field with its name, and changes nothing', async () => {
    const before = await count();
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ signedOn: '2999-01-01' }, 'signedOn', /future/],
      [{ signedOn: '2026-02-30' }, 'signedOn', /./],
      [{ signedOn: '2026-09-01', expiresOn: '2026-08-01' }, 'expiresOn', /before/],
      [{ recipient: { kind: 'sro', username: 'officer.nobody' } }, 'recipient.username', /roster/],
      [{ recipient: { kind: 'agency', agency: 'Some Other PD' } }, 'recipient.agency', /roster/],
      [{ categories: ['grades', 'favourite-colour'] }, 'categories[1]', /./],
      [{ categories: ['immigration'] }, 'categories[0]', /234\.7/],
      [{ studentBirthDate: undefined }, 'studentBirthDate', /18/],
      [{ signer: { name: 'Sam', relation: 'eligible-student' } }, 'signer.relation', /not yet 18/],
      [
        { signer: { name: 'Sam', relation: 'parent' }, studentBirthDate: '2000-01-01' },
        'signer.relation',
        /already 18/,
      ],
      [{ studentId: '' }, 'studentId', /./],
      [{ documentRef: undefined }, 'documentRef', /./],
      [{ unexpected: 1 }, 'unexpected', /not a known field/],
    ];
    for (const [change, field, message] of cases) {
      const response = await create({ documentRef: `DMS-BAD-${field}`, ...change });
      expect(response.statusCode, JSON.stringify(change)).toBe(400);
      expect(fieldOf(response).field, JSON.stringify(change)).toBe(field);
      expect(fieldOf(response).message).toMatch(message);
    }
    await create({ documentRef: 'DMS-DUP' });
    const duplicate = await create({ documentRef: 'DMS-DUP', studentId: '300099' });
    expect(duplicate.statusCode).toBe(409);
    expect(fieldOf(duplicate).field).toBe('documentRef');
    expect(await count()).toBe(before + 1);
  });

  it('shows a consent signed by a parent as ended once the student is 18', async () => {
    // Born 2008-02-29: 18 on 2026-03-01 (today in these tests is later).
    const response = await create({
      studentId: '300002',
      documentRef: 'DMS-C-18',
      signedOn: '2025-09-01',
      studentBirthDate: '2008-02-29',
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(json<{ consent: View }>(response).consent.status).toBe('ended-majority');
  });

  it('revokes now with a reason, or on a later date; the browser feed follows', async () => {
    const now = json<{ consent: View }>(
      await create({ studentId: '300003', documentRef: 'DMS-R-1' }),
    ).consent;
    const missing = await clerk.call('POST', `/consents/${now.consent.id}/revoke`, {});
    expect(fieldOf(missing).field).toBe('reason');
    const revoked = await clerk.call('POST', `/consents/${now.consent.id}/revoke`, {
      reason: 'Parent withdrew it.',
    });
    expect(json<{ consent: View }>(revoked).consent.status).toBe('revoked');
    expect(
      (await clerk.call('POST', `/consents/${now.consent.id}/revoke`, { reason: 'again' })).statusCode,
    ).toBe(409);

    const later = json<{ consent: View }>(
      await create({ studentId: '300004', documentRef: 'DMS-R-2' }),
    ).consent;
    const past = await clerk.call('POST', `/consents/${later.consent.id}/revoke`, {
      reason: 'x',
      effectiveOn: '2020-01-01',
    });
    expect(fieldOf(past).field).toBe('effectiveOn');
    const bad = await clerk.call('POST', `/consents/${later.consent.id}/revoke`, {
      reason: 'x',
      effectiveOn: '2099-13-01',
    });
    expect(fieldOf(bad).field).toBe('effectiveOn');
    const scheduled = await clerk.call('POST', `/consents/${later.consent.id}/revoke`, {
      reason: 'Ends with the program.',
      effectiveOn: '2099-01-15',
    });
    expect(scheduled.statusCode, scheduled.body).toBe(200);
    const view = json<{ consent: View }>(scheduled).consent;
    expect(view.status).toBe('active');
    expect(view.revokesOn).toBe('2099-01-15');
    // Its last day is the day before: the browsers stop counting it then, as for any expiry.
    expect(view.consent.expiresOn).toBe('2099-01-14');
    const other = await signIn(hub, 'otherClerk');
    expect(
      (await other.call('POST', `/consents/${later.consent.id}/revoke`, { reason: 'x' })).statusCode,
    ).toBe(403);
    expect(
      json<{ consents: View[] }>(await other.call('GET', '/consents?studentId=300004')).consents,
    ).toEqual([]);
  });

  it('imports a CSV: a preview of every row, nothing until confirmed, only the good rows, once', async () => {
    const csv = [
      HEADER,
      good('CSV-1', '400001'),
      '400002,Ana Lopez,parent,grades,view,Mentoring,agency,Newman Police Department,2999-01-01,,CSV-2,',
      '400003,Ana Lopez,parent,grades,view,Mentoring,sro,officer.nobody,2026-09-01,,CSV-3,',
      good('CSV-4', '400004'),
      '400005,=HYPERLINK("http://evil"),parent,grades,view,Mentoring,agency,Newman Police Department,2026-09-01,,CSV-5,',
      good('CSV-1', '400006'),
    ].join('\r\n');
    const before = await count();
    const preview = json<ImportAnswer>(await clerk.call('POST', '/consents/import', { csv }));
    expect(preview.confirmed).toBe(false);
    expect(preview.counts).toMatchObject({ valid: 2, invalid: 4, imported: 0 });
    const byLine = new Map(preview.rows.map((row) => [row.line, row]));
    expect(byLine.get(3)?.errors).toContainEqual(expect.objectContaining({ column: 'signed_on' }));
    expect(byLine.get(4)?.errors).toContainEqual(expect.objectContaining({ column: 'recipient' }));
    expect(byLine.get(6)?.errors).toContainEqual(
      expect.objectContaining({ column: 'signer_name', message: expect.stringMatching(/formula/) }),
    );
    expect(byLine.get(7)?.errors[0]?.message).toMatch(/line 2/);
    expect(await count()).toBe(before);

    const done = json<ImportAnswer>(await clerk.call('POST', '/consents/import', { csv, confirm: true }));
    expect(done.counts.imported).toBe(2);
    expect(await count()).toBe(before + 2);
    const again = json<ImportAnswer>(await clerk.call('POST', '/consents/import', { csv, confirm: true }));
    expect(again.counts).toMatchObject({ imported: 0, alreadyImported: 2 });
    expect(await count()).toBe(before + 2);
    const audit = await hub.db.query<{ detail: { imported: number } }>(
      "SELECT detail FROM audit_log WHERE action = 'consent.import' ORDER BY id",
    );
    expect(audit.rows.map((row) => row.detail.imported)).toEqual([2, 0].slice(0, audit.rows.length));
  });

  it('reads a file with a byte-order mark and quoted cells', async () => {
    const csv = `\uFEFF${HEADER}\n"500001","Lopez, Ana",parent,grades,view,"Mentoring, weekly",agency,Newman Police Department,2026-09-01,,CSV-BOM-1,2012-03-04`;
    const answer = json<ImportAnswer>(await clerk.call('POST', '/consents/import', { csv }));
    expect(answer.counts).toMatchObject({ valid: 1, invalid: 0 });
  });

  it('refuses bad files whole, with a clear message, and the hub keeps serving', async () => {
    const before = await count();
    const cases: [string, RegExp][] = [
      [
        `${HEADER}\n500002,Ana L\uFFFDpez,parent,grades,view,x,agency,Newman Police Department,2026-09-01,,CSV-ENC,`,
        /UTF-8/,
      ],
      ['', /empty/],
      [`${HEADER},favourite\n`, /not a known column/],
      ['student_id,signer_name\n1,2', /missing/],
      [`${Array.from({ length: 10_000 }, (_, index) => `c${index}`).join(',')}\n`, /at most 50/],
      [`${HEADER}\n"unterminated,quote`, /CSV/],
    ];
    for (const [csv, message] of cases) {
      const response = await clerk.call('POST', '/consents/import', { csv, confirm: true });
      expect(response.statusCode, csv.slice(0, 40)).toBe(400);
      expect(fieldOf(response)).toMatchObject({ field: 'csv' });
      expect(fieldOf(response).message).toMatch(message);
    }
    // A row of 10,000 cells under a good header: that row is refused, naming its line.
    const wide = json<ImportAnswer>(
      await clerk.call('POST', '/consents/import', { csv: `${HEADER}\n${'x,'.repeat(9_999)}x` }),
    );
    expect(wide.rows[0]).toMatchObject({ line: 2, status: 'invalid' });
    expect(wide.rows[0]?.errors[0]?.message).toMatch(/10000 cells/);
    // UTF-16 text read as UTF-8 carries NULs: refused by the JSON parser, naming the field.
    const utf16 = await clerk.call('POST', '/consents/import', { csv: 's\u0000t\u0000u' });
    expect(utf16.statusCode).toBe(400);
    // 50 MB: refused before it is parsed.
    const huge = await clerk.call('POST', '/consents/import', { csv: 'x'.repeat(50 * 1024 * 1024) });
    expect(huge.statusCode).toBe(413);
    expect(await count()).toBe(before);
    expect((await clerk.call('GET', '/session')).statusCode).toBe(200);
  });
});
