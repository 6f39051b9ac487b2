// The console's exception queue: oldest first with every detail; approval within the basis limit; the notice
// duty of subpoenas and court orders stored with the approval and in the audit log; the juvenile-justice
// certification confirmed; denial with a reason the SRO receives; other districts and roles see nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, type ConsoleClient } from './console-helpers';
import { BACKENDS, createHarness, json, newId, NOTICE, requestBody, type Harness } from './helpers';

interface QueueEntry {
  request: { id: string; status: string; studentId: string; validUntil?: string };
  justification: string;
  evidence: Record<string, string>;
  agency: string | null;
  waitedMinutes: number;
  notice: Record<string, unknown> | null;
  certification: Record<string, unknown> | null;
  decisionReason: string | null;
}

describe.each(BACKENDS)('console exception queue ($name)', (backend) => {
  let hub: Harness;
  let clerk: ConsoleClient;
  beforeAll(async () => {
    hub = await createHarness(backend);
    clerk = await signIn(hub, 'clerk');
  });
  afterAll(async () => hub.close());

  const file = async (overrides: Record<string, unknown> = {}) => {
    const response = await hub.call('sro', {
      method: 'POST',
      url: '/v1/requests',
      payload: requestBody({ id: newId(), ...overrides }),
    });
    expect(response.statusCode, response.body).toBe(201);
    return json<{ request: { request: { id: string } } }>(response).request.request.id;
  };
  const queue = async (client: ConsoleClient, status = 'pending') =>
    json<{ requests: QueueEntry[] }>(await client.call('GET', `/requests?status=${status}`)).requests;
  const decide = (id: string, body: Record<string, unknown>, client = clerk) =>
    client.call('POST', `/requests/${id}/decision`, body);
  const statusOf = async (id: string) =>
    (await hub.db.query<{ status: string }>('SELECT status FROM exception_requests WHERE id = $1', [id]))
      .rows[0]?.status;

  it('lists pending requests oldest first with the basis, evidence, justification, SRO, agency and time waited', async () => {
    const first = await file({ studentId: 'q-1' });
    hub.clock.advanceMinutes(7);
    const second = await file({ studentId: 'q-2' });
    hub.clock.advanceMinutes(3);
    const pending = await queue(clerk);
    const ids = pending.map((entry) => entry.request.id);
    expect(ids.indexOf(first)).toBeLessThan(ids.indexOf(second));
    const entry = pending.find((candidate) => candidate.request.id === first);
    expect(entry).toMatchObject({
      agency: 'Newman Police Department',
      evidence: { 'case-number': '24-JV-0193', 'issuing-court': 'Stanislaus County Superior Court' },
      request: { studentId: 'q-1', status: 'pending' },
    });
    expect(entry?.justification).toMatch(/Subpoena duces tecum/);
    expect(entry?.waitedMinutes).toBe(10);
    expect(pending.find((candidate) => candidate.request.id === second)?.waitedMinutes).toBe(3);
  });

  it('refuses to approve a subpoena without the notice record, naming the duty; nothing changes', async () => {
    const id = await file({ studentId: 'q-notice' });
    const response = await decide(id, { decision: 'approve', minutes: 30, reason: 'Subpoena checked.' });
    expect(response.statusCode).toBe(400);
    const error = json<{ error: { field: string; message: string } }>(response).error;
    expect(error.field).toBe('notice');
    expect(error.message).toMatch(/reasonable effort to notify/);
    expect(error.message).toMatch(/49077/);
    expect(await statusOf(id)).toBe('pending');
  });

  it('refuses a notice dated in the future, an order wording too short, and a duration over the limit', async () => {
    const id = await file({ studentId: 'q-bad-notice' });
    const future = await decide(id, {
      decision: 'approve',
      minutes: 30,
      reason: 'Subpoena checked.',
      notice: { ...NOTICE, notifiedOn: '2999-01-01' },
    });
    expect(future.statusCode).toBe(400);
    expect(json<{ error: { field: string } }>(future).error.field).toBe('notice.notifiedOn');
    const short = await decide(id, {
      decision: 'approve',
      minutes: 30,
      reason: 'Subpoena checked.',
      notice: { kind: 'order-forbids', wording: 'no' },
    });
    expect(json<{ error: { field: string } }>(short).error.field).toBe('notice.wording');
    const impossible = await decide(id, {
      decision: 'approve',
      minutes: 30,
      reason: 'Subpoena checked.',
      notice: { ...NOTICE, notifiedOn: '2026-02-30' },
    });
    expect(json<{ error: { field: string } }>(impossible).error.field).toBe('notice.notifiedOn');
    const method = await decide(id, {
      decision: 'approve',
      minutes: 30,
      reason: 'Subpoena checked.',
      notice: { ...NOTICE, method: 'carrier pigeon' },
    });
    expect(json<{ error: { field: string } }>(method).error.field).toBe('notice.method');
    const long = await decide(id, { decision: 'approve', minutes: 4321, reason: 'x', notice: NOTICE });
    expect(long.statusCode).toBe(400);
    expect(json<{ error: { field: string; message: string } }>(long).error).toMatchObject({
      field: 'minutes',
    });
    for (const body of [
      { decision: 'approve', minutes: '30', reason: 'x', notice: NOTICE },
      { decision: 'approve', minutes: 30, reason: 'x', notice: NOTICE, extra: 1 },
      { decision: 'approve', minutes: 30, reason: '   ', notice: NOTICE },
      null,
    ]) {
      expect((await decide(id, body as Record<string, unknown>)).statusCode).toBe(400);
    }
    expect(await statusOf(id)).toBe('pending');
  });

  it('approves with the notice recorded: stored with the approval, in the audit log, and the SRO gets the grant', async () => {
    const id = await file({ studentId: 'q-ok' });
    const response = await decide(id, {
      decision: 'approve',
      minutes: 30,
      reason: 'Subpoena verified with the court clerk.',
      notice: NOTICE,
    });
    expect(response.statusCode, response.body).toBe(200);
    const view = json<{ request: QueueEntry }>(response).request;
    expect(view.request.status).toBe('approved');
    expect(view.notice).toMatchObject({ ...NOTICE, recordedBy: 'clerk.nguyen' });
    expect(Date.parse(view.request.validUntil ?? '') - hub.clock.now().getTime()).toBe(30 * 60_000);
    const audit = await hub.db.query<{ action: string; actor: string; detail: Record<string, unknown> }>(
      'SELECT action, actor, detail FROM audit_log WHERE target = $1 ORDER BY id',
      [`request:${id}`],
    );
    expect(audit.rows.map((row) => row.action)).toEqual(['request.notice', 'request.decide']);
    expect(audit.rows[0]?.detail.notice).toMatchObject(NOTICE);
    expect(audit.rows[1]).toMatchObject({
      actor: 'clerk.nguyen',
      detail: { decision: 'approve', minutes: 30 },
    });
    const mine = json<{ requests: QueueEntry[] }>(
      await hub.call('sro', { method: 'GET', url: '/v1/requests/mine' }),
    );
    expect(mine.requests.find((entry) => entry.request.id === id)?.request.status).toBe('approved');
    // Deciding again is refused.
    expect((await decide(id, { decision: 'deny', reason: 'Changed my mind.' })).statusCode).toBe(409);
  });

  it('takes the order-forbids-notice record with the order wording', async () => {
    const id = await file({
      studentId: 'q-forbids',
      evidence: { ...(requestBody().evidence as object), 'order-forbids-notice': 'yes' },
    });
    const response = await decide(id, {
      decision: 'approve',
      minutes: 60,
      reason: 'Sealed order.',
      notice: {
        kind: 'order-forbids',
        wording: 'The District shall not disclose the existence of this order.',
      },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(json<{ request: QueueEntry }>(response).request.notice).toMatchObject({ kind: 'order-forbids' });
  });

  it('requires the juvenile-justice certification to be confirmed, and stores it', async () => {
    const id = await file({
      studentId: 'q-jj',
      basis: 'juvenile-justice',
      evidence: { 'case-number': 'JJ-2026-114', 'certification-ref': 'CERT-PROBATION-0091' },
    });
    const without = await decide(id, { decision: 'approve', minutes: 60, reason: 'Probation referral.' });
    expect(without.statusCode).toBe(400);
    const error = json<{ error: { field: string; message: string } }>(without).error;
    expect(error.field).toBe('certificationConfirmed');
    expect(error.message).toContain('CERT-PROBATION-0091');
    // A notice record is not taken for a basis without the duty.
    const notice = await decide(id, {
      decision: 'approve',
      minutes: 60,
      reason: 'Probation referral.',
      certificationConfirmed: true,
      notice: NOTICE,
    });
    expect(json<{ error: { field: string } }>(notice).error.field).toBe('notice');
    const ok = await decide(id, {
      decision: 'approve',
      minutes: 60,
      reason: 'Probation referral.',
      certificationConfirmed: true,
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(json<{ request: QueueEntry }>(ok).request.certification).toMatchObject({
      reference: 'CERT-PROBATION-0091',
      confirmedBy: 'clerk.nguyen',
    });
  });

  it('denies with a reason the SRO receives', async () => {
    const id = await file({ studentId: 'q-deny' });
    const response = await decide(id, {
      decision: 'deny',
      reason: 'The subpoena names a different student.',
    });
    expect(response.statusCode).toBe(200);
    const mine = json<{ requests: QueueEntry[] }>(
      await hub.call('sro', { method: 'GET', url: '/v1/requests/mine' }),
    );
    const entry = mine.requests.find((candidate) => candidate.request.id === id);
    expect(entry?.request.status).toBe('denied');
    expect(entry?.decisionReason).toBe('The subpoena names a different student.');
    const denied = await queue(clerk, 'denied');
    expect(denied.map((candidate) => candidate.request.id)).toContain(id);
  });

  it('refuses a decision without the CSRF proof, from an admin, or from another district; nothing changes', async () => {
    const id = await file({ studentId: 'q-guard' });
    const body = { decision: 'deny', reason: 'Not covered.' };
    expect((await clerk.call('POST', `/requests/${id}/decision`, body, { csrf: false })).statusCode).toBe(
      403,
    );
    const admin = await signIn(hub, 'admin');
    expect((await queue(admin)).map((entry) => entry.request.id)).toContain(id);
    expect((await decide(id, body, admin)).statusCode).toBe(403);
    const other = await signIn(hub, 'otherClerk');
    expect(await queue(other)).toEqual([]);
    expect((await decide(id, body, other)).statusCode).toBe(403);
    expect((await hub.app.inject({ method: 'GET', url: '/console/api/requests' })).statusCode).toBe(401);
    expect((await clerk.call('GET', '/requests?status=lost')).statusCode).toBe(400);
    expect(await statusOf(id)).toBe('pending');
  });

  it('applies the same notice duty to the bearer-token API', async () => {
    const id = await file({ studentId: 'q-v1' });
    const response = await hub.call('clerk', {
      method: 'POST',
      url: `/v1/requests/${id}/decision`,
      payload: { decision: 'approve', minutes: 30, reason: 'Subpoena checked.' },
    });
    expect(response.statusCode).toBe(400);
    expect(json<{ error: { field: string } }>(response).error.field).toBe('notice');
  });
});
