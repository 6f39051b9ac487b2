// Directory-information opt-outs: recorded by a clerk in the console (audited), read by SRO browsers for the
// student they open; nothing on file reads as null (unknown, which counts as opted out); districts apart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, type ConsoleClient } from './console-helpers';
import { BACKENDS, createHarness, json, type Harness } from './helpers';

describe.each(BACKENDS)('directory opt-outs ($name)', (backend) => {
  let hub: Harness;
  let clerk: ConsoleClient;
  beforeAll(async () => {
    hub = await createHarness(backend);
    clerk = await signIn(hub, 'clerk');
  });
  afterAll(async () => hub.close());
  const sroRead = async (who: 'sro' | 'otherSro', studentId: string) =>
    json<{ optedOut: boolean | null }>(
      await hub.call(who, { method: 'GET', url: `/v1/optouts/${studentId}` }),
    ).optedOut;

  it('reads unknown as null, then what the clerk recorded, changed later', async () => {
    expect(await sroRead('sro', '700001')).toBeNull();
    const first = await clerk.call('POST', '/optouts', {
      studentId: '700001',
      optedOut: true,
      schoolYear: '2026-27',
    });
    expect(first.statusCode, first.body).toBe(200);
    expect(await sroRead('sro', '700001')).toBe(true);
    await clerk.call('POST', '/optouts', {
      studentId: '700001',
      optedOut: false,
      schoolYear: '2026-27',
      documentRef: 'NOTICE-17',
    });
    expect(await sroRead('sro', '700001')).toBe(false);
    expect(await sroRead('otherSro', '700001')).toBeNull();
    const view = json<{ optOut: { optedOut: boolean; recordedBy: string } }>(
      await clerk.call('GET', '/optouts?studentId=700001'),
    );
    expect(view.optOut).toMatchObject({ optedOut: false, recordedBy: 'clerk.nguyen' });
    const audit = await hub.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'optout.record' AND target = 'optout:700001'",
    );
    expect(audit.rows[0]?.n).toBe(2);
  });

  it('refuses bad input naming the field, and SROs cannot record', async () => {
    for (const [body, field] of [
      [{ studentId: '700002', optedOut: 'yes', schoolYear: '2026-27' }, 'optedOut'],
      [{ studentId: '700002', optedOut: true, schoolYear: '26/27' }, 'schoolYear'],
      [{ studentId: '<b>', optedOut: true, schoolYear: '2026-27' }, 'studentId'],
      [{ optedOut: true, schoolYear: '2026-27' }, 'studentId'],
    ] as const) {
      const response = await clerk.call('POST', '/optouts', body);
      expect(response.statusCode).toBe(400);
      expect(json<{ error: { field: string } }>(response).error.field).toBe(field);
    }
    expect(await sroRead('sro', '700002')).toBeNull();
    expect(
      (
        await clerk.call(
          'POST',
          '/optouts',
          { studentId: '700002', optedOut: true, schoolYear: '2026-27' },
          { csrf: false },
        )
      ).statusCode,
    ).toBe(403);
    expect((await hub.call(null, { method: 'GET', url: '/v1/optouts/700002' })).statusCode).toBe(401);
  });

  it('imports opt-outs from a CSV: preview, confirm, unchanged rows left alone, bad rows named', async () => {
    const csv = [
      'student_id,opted_out,school_year,document_ref',
      '710001,yes,2026-27,NOTICE-1',
      '710002,no,2026-27,',
      '710003,maybe,2026-27,',
      '710004,yes,26-27,',
      '=710005,yes,2026-27,',
    ].join('\n');
    type Answer = {
      rows: { line: number; status: string; errors: { column: string }[] }[];
      recorded: number;
    };
    const preview = json<Answer>(await clerk.call('POST', '/optouts/import', { csv }));
    expect(preview.rows.map((row) => row.status)).toEqual([
      'valid',
      'valid',
      'invalid',
      'invalid',
      'invalid',
    ]);
    expect(preview.rows[2]?.errors[0]?.column).toBe('opted_out');
    expect(preview.rows[3]?.errors[0]?.column).toBe('school_year');
    expect(preview.rows[4]?.errors[0]?.column).toBe('student_id');
    expect(await sroRead('sro', '710001')).toBeNull();
    const done = json<Answer>(await clerk.call('POST', '/optouts/import', { csv, confirm: true }));
    expect(done.recorded).toBe(2);
    expect(await sroRead('sro', '710001')).toBe(true);
    expect(await sroRead('sro', '710002')).toBe(false);
    const again = json<Answer>(await clerk.call('POST', '/optouts/import', { csv, confirm: true }));
    expect(again.recorded).toBe(0);
    expect(again.rows[0]?.status).toBe('unchanged');
    const bad = await clerk.call('POST', '/optouts/import', { csv: 'name,other\n1,2' });
    expect(bad.statusCode).toBe(400);
    expect(json<{ error: { field: string } }>(bad).error.field).toBe('csv');
  });
});
