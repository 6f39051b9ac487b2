import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExceptionRequestSchema } from '../../src/policy/consent';
import { BACKENDS, createHarness, json, newId, NOTICE, requestBody, type Harness } from './helpers';

interface View {
  request: {
    id: string;
    username: string;
    status: string;
    studentId: string;
    validFrom?: string;
    validUntil?: string;
    decidedBy?: string;
  };
  justification: string;
  evidence: Record<string, string>;
  decisionReason: string | null;
  cursor: string;
  policyVersion: number;
}
interface Page {
  requests: View[];
  cursor: string;
  more: boolean;
}

describe.each(BACKENDS)('exception requests on $name', (backend) => {
  let hub: Harness;
  beforeAll(async () => {
    hub = await createHarness(backend);
  });
  afterAll(async () => {
    await hub?.close();
  });

  const file = (body: Record<string, unknown>, who: 'sro' | 'sro2' = 'sro') =>
    hub.call(who, { method: 'POST', url: '/v1/requests', payload: body });
  const filed = async (body: Record<string, unknown> = {}, who: 'sro' | 'sro2' = 'sro') => {
    const response = await file(requestBody(body), who);
    expect(response.statusCode, response.body).toBe(201);
    return json<{ request: View }>(response).request;
  };
  const decide = (id: string, body: Record<string, unknown>) =>
    hub.call('clerk', { method: 'POST', url: `/v1/requests/${id}/decision`, payload: body });

  it('files a request as pending, in the shape of ExceptionRequest', async () => {
    const view = await filed({ studentId: 'r-file' });
    expect(view.request).toMatchObject({ username: 'officer.diaz', status: 'pending', studentId: 'r-file' });
    expect(ExceptionRequestSchema.safeParse(view.request).success).toBe(true);
    expect(view.policyVersion).toBe(1);
    const pending = json<Page>(
      await hub.call('clerk', { method: 'GET', url: '/v1/requests?status=pending&limit=500' }),
    );
    expect(pending.requests.map((entry) => entry.request.id)).toContain(view.request.id);
  });

  it('is idempotent with the browser id: same content 200, other content 409, another SRO 403', async () => {
    const id = `req-${newId()}`;
    expect((await file(requestBody({ id, studentId: 'r-idem' }))).statusCode).toBe(201);
    expect((await file(requestBody({ id, studentId: 'r-idem' }))).statusCode).toBe(200);
    expect((await file(requestBody({ id, studentId: 'r-other' }))).statusCode).toBe(409);
    expect((await file(requestBody({ id, studentId: 'r-idem' }), 'sro2')).statusCode).toBe(403);
  });

  it('checks the filing against the policy in force, naming the field', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ basis: 'no-such-basis' }, 'basis', /not a legal basis/],
      [{ basis: 'health-safety-emergency' }, 'basis', /not a basis a records clerk approves.*immediate/],
      [{ basis: 'written-consent' }, 'basis', /consent-registry/],
      [{ actions: ['view', 'copy'] }, 'actions[1]', /copy/],
      [{ categories: ['grades', 'immigration'] }, 'categories[1]', /immigration/],
      [
        { evidence: { 'case-number': '24-JV-0193', 'issuing-court': 'Court' } },
        'evidence.order-date',
        /required/,
      ],
      [
        { evidence: { 'case-number': '!', 'issuing-court': 'Court', 'order-date': '2026-11-20' } },
        'evidence.case-number',
        /does not look like/,
      ],
      [
        {
          evidence: {
            'case-number': '24-JV-0193',
            'issuing-court': 'C',
            'order-date': '2026-11-20',
            shoe: '42',
          },
        },
        'evidence.shoe',
        /not evidence/,
      ],
      [{ justification: 'too short' }, 'justification', /at least 40/],
      [{ categories: [] }, 'categories', /Too small/],
      [{ studentId: 42 }, 'studentId', /expected string/],
    ];
    for (const [change, field, message] of cases) {
      const response = await file(requestBody(change));
      expect(response.statusCode, JSON.stringify(change)).toBe(400);
      const body = json<{ error: { field: string; message: string } }>(response);
      expect(body.error.field, JSON.stringify(change)).toBe(field);
      expect(body.error.message).toMatch(message);
    }
  });

  it('approves for at most the basis limit under the policy in force', async () => {
    const view = await filed({ studentId: 'r-cap' });
    // judicial-order allows 4320 minutes; the district caps every grant at 10080: 4320 is the limit.
    const tooLong = await decide(view.request.id, {
      decision: 'approve',
      minutes: 4321,
      reason: 'Valid subpoena.',
    });
    expect(tooLong.statusCode).toBe(400);
    expect(json(tooLong)).toMatchObject({ error: { field: 'minutes' } });
    expect(json<{ error: { message: string } }>(tooLong).error.message).toMatch(/4320 minutes/);
    const ok = await decide(view.request.id, {
      decision: 'approve',
      minutes: 4320,
      reason: 'Valid subpoena.',
      notice: NOTICE,
    });
    expect(ok.statusCode).toBe(200);
    const approved = json<{ request: View }>(ok).request;
    expect(approved.request.status).toBe('approved');
    expect(approved.request.decidedBy).toBe('clerk.nguyen');
    expect(approved.request.validFrom).toBe(hub.clock.now().toISOString());
    expect(Date.parse(approved.request.validUntil ?? '') - Date.parse(approved.request.validFrom ?? '')).toBe(
      4320 * 60_000,
    );
    expect(approved.decisionReason).toBe('Valid subpoena.');
    expect(ExceptionRequestSchema.safeParse(approved.request).success).toBe(true);
  });

  it('denies with a reason, and refuses deciding twice (409)', async () => {
    const view = await filed({ studentId: 'r-deny' });
    expect((await decide(view.request.id, { decision: 'deny', reason: '' })).statusCode).toBe(400);
    expect((await decide(view.request.id, { decision: 'approve', reason: 'no minutes' })).statusCode).toBe(
      400,
    );
    expect((await decide(view.request.id, { decision: 'maybe', reason: 'x' })).statusCode).toBe(400);
    const denied = await decide(view.request.id, {
      decision: 'deny',
      reason: 'The order names another student.',
    });
    expect(json<{ request: View }>(denied).request.request.status).toBe('denied');
    const again = await decide(view.request.id, {
      decision: 'approve',
      minutes: 60,
      reason: 'Changed my mind.',
    });
    expect(again.statusCode).toBe(409);
    expect(json<{ error: { message: string } }>(again).error.message).toMatch(
      /already denied \(by clerk\.nguyen/,
    );
  });

  it('lets the SRO fetch its own decisions since a cursor, and nobody else’s', async () => {
    const start = json<Page>(await hub.call('sro', { method: 'GET', url: '/v1/requests/mine' })).cursor;
    const otherStart = json<Page>(await hub.call('sro2', { method: 'GET', url: '/v1/requests/mine' })).cursor;
    const mine = await filed({ studentId: 'r-mine' });
    const theirs = await filed({ studentId: 'r-theirs' }, 'sro2');
    const first = json<Page>(
      await hub.call('sro', { method: 'GET', url: `/v1/requests/mine?since=${start}` }),
    );
    expect(first.requests.map((entry) => entry.request.id)).toEqual([mine.request.id]);
    expect(first.requests[0]?.request.status).toBe('pending');

    await decide(mine.request.id, {
      decision: 'approve',
      minutes: 120,
      reason: 'Court order verified by phone.',
      notice: NOTICE,
    });
    await decide(theirs.request.id, { decision: 'deny', reason: 'Not covered.' });
    const second = json<Page>(
      await hub.call('sro', { method: 'GET', url: `/v1/requests/mine?since=${first.cursor}` }),
    );
    expect(second.requests.map((entry) => [entry.request.id, entry.request.status])).toEqual([
      [mine.request.id, 'approved'],
    ]);
    expect(Number(second.cursor)).toBeGreaterThan(Number(first.cursor));
    const quiet = json<Page>(
      await hub.call('sro', { method: 'GET', url: `/v1/requests/mine?since=${second.cursor}` }),
    );
    expect(quiet.requests).toEqual([]);
    const other = json<Page>(
      await hub.call('sro2', { method: 'GET', url: `/v1/requests/mine?since=${otherStart}` }),
    );
    expect(other.requests.map((entry) => entry.request.id)).toEqual([theirs.request.id]);
  });

  it('lists by status for clerks', async () => {
    const view = await filed({ studentId: 'r-status' });
    await decide(view.request.id, { decision: 'deny', reason: 'Duplicate of an earlier request.' });
    const denied = json<Page>(
      await hub.call('clerk', { method: 'GET', url: '/v1/requests?status=denied&limit=500' }),
    );
    expect(denied.requests.every((entry) => entry.request.status === 'denied')).toBe(true);
    expect(denied.requests.map((entry) => entry.request.id)).toContain(view.request.id);
    const pending = json<Page>(await hub.call('clerk', { method: 'GET', url: '/v1/requests?limit=500' }));
    expect(pending.requests.map((entry) => entry.request.id)).not.toContain(view.request.id);
    expect((await hub.call('clerk', { method: 'GET', url: '/v1/requests?status=lost' })).statusCode).toBe(
      400,
    );
  });

  it('records every decision in the audit log with the clerk, the reason and the duration', async () => {
    const view = await filed({ studentId: 'r-audit' });
    await decide(view.request.id, {
      decision: 'approve',
      minutes: 90,
      reason: 'Juvenile court order on file.',
      notice: NOTICE,
    });
    const audit = json<{ entries: { actor: string; target: string; detail: Record<string, unknown> }[] }>(
      await hub.call('admin', { method: 'GET', url: '/v1/audit?action=request.decide&limit=1000' }),
    );
    const entry = audit.entries.find((candidate) => candidate.target === `request:${view.request.id}`);
    expect(entry).toMatchObject({
      actor: 'clerk.nguyen',
      detail: {
        decision: 'approve',
        minutes: 90,
        limitMinutes: 4320,
        sro: 'officer.diaz',
        studentId: 'r-audit',
      },
    });
  });

  it('applies the limit of the policy in force after an update', async () => {
    const view = await filed({ studentId: 'r-policy' });
    const bundle = json<{
      bundle: { policy: { version: number; grants: { perBasisMinutes: Record<string, number> } } };
    }>(await hub.call('admin', { method: 'GET', url: '/v1/policy' })).bundle;
    bundle.policy.version += 1;
    bundle.policy.grants.perBasisMinutes['judicial-order'] = 60;
    expect((await hub.call('admin', { method: 'PUT', url: '/v1/policy', payload: bundle })).statusCode).toBe(
      200,
    );
    const response = await decide(view.request.id, { decision: 'approve', minutes: 61, reason: 'Subpoena.' });
    expect(response.statusCode).toBe(400);
    expect(json<{ error: { message: string } }>(response).error.message).toMatch(/60 minutes/);
  });
});
