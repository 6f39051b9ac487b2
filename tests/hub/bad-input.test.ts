// Malformed JSON, wrong types, unknown fields, oversized bodies, unstorable text, and SQL-like text in every
// string field: a clear 4xx naming the field (or the text stored verbatim and harmless), and the hub keeps serving.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/report/event-contract';
import {
  BACKENDS,
  bundleFor,
  DISTRICT,
  consentBody,
  createHarness,
  json,
  makeChain,
  requestBody,
  type Harness,
  type TokenName,
} from './helpers';

const SQL = "'); DROP TABLE events;--";
const SQL2 = `" OR 1=1; DELETE FROM consents WHERE ''='`;

describe.each(BACKENDS)('bad input on $name', (backend) => {
  let hub: Harness;
  beforeAll(async () => {
    hub = await createHarness(backend, { rateLimit: { max: 100_000, windowMs: 60_000 } });
  });
  afterAll(async () => {
    await hub?.close();
  });
  afterEach(async () => {
    // Whatever was sent, the hub still answers.
    expect((await hub.app.inject({ method: 'GET', url: '/v1/health' })).statusCode).toBe(200);
  });

  const raw = (who: TokenName, method: string, url: string, body: string, contentType = 'application/json') =>
    hub.call(who, { method, url, payload: body, headers: { 'content-type': contentType } });

  const expectError = (
    response: { statusCode: number; body: string },
    status: number,
    code: string,
    field?: string,
  ) => {
    expect(response.statusCode, response.body).toBe(status);
    const body = json<{ error: { code: string; message: string; field?: string } }>(response as never);
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(0);
    if (field !== undefined) expect(body.error.field).toBe(field);
  };

  it('answers malformed JSON with 400 malformed_json on every JSON route', async () => {
    const routes: [TokenName, string, string][] = [
      ['sro', 'POST', '/v1/events'],
      ['clerk', 'POST', '/v1/consents'],
      ['sro', 'POST', '/v1/requests'],
      ['admin', 'PUT', '/v1/policy'],
      ['admin', 'POST', '/v1/tokens'],
    ];
    for (const [who, method, url] of routes) {
      for (const body of ['{"events": [', '{events: []}', "{'a': 1}", '[1,2', 'nul']) {
        expectError(await raw(who, method, url, body), 400, 'malformed_json', 'body');
      }
      expectError(await raw(who, method, url, ''), 400, 'malformed_json');
      expectError(await raw(who, method, url, '{"__proto__": {"admin": true}}'), 400, 'malformed_json');
      expectError(
        await raw(who, method, url, '{"constructor": {"prototype": {"x": 1}}}'),
        400,
        'malformed_json',
      );
      expectError(
        await raw(who, method, url, 'events=1', 'application/x-www-form-urlencoded'),
        415,
        'unsupported_media_type',
      );
      expectError(await raw(who, method, url, '{}', 'text/plain'), 415, 'unsupported_media_type');
    }
  });

  it('names the field of a wrong type or an unknown member, and stores nothing', async () => {
    const [event] = await makeChain(1, { device: 'bad-types' });
    const cases: [unknown, string][] = [
      [{ events: 'all of them' }, 'events'],
      [{ events: [{ ...event, seq: '1' }] }, 'events[0].seq'],
      [{ events: [{ ...event, seq: 1.5 }] }, 'events[0].seq'],
      [{ events: [{ ...event, time: 'yesterday' }] }, 'events[0].time'],
      [{ events: [{ ...event, categories: ['grades', 'shoe-size'] }] }, 'events[0].categories[1]'],
      [
        { events: [{ ...event, actor: { role: 'sro', username: 'officer.diaz', badge: 7 } }] },
        'events[0].actor.badge',
      ],
      [{ events: [{ ...event, colour: 'red' }] }, 'events[0].colour'],
      [{ events: [event], extra: true }, 'extra'],
      [{ events: [{ ...event, id: `${SQL}` }] }, 'events[0].id'],
      [[event], 'body'],
    ];
    for (const [payload, field] of cases) {
      const response = await hub.call('sro', {
        method: 'POST',
        url: '/v1/events',
        payload: payload as object,
      });
      expectError(response, 400, 'invalid_request', field);
    }
    const { rows } = await hub.db.query<{ n: number }>(
      "SELECT count(*) AS n FROM events WHERE device = 'bad-types'",
    );
    expect(rows[0]?.n).toBe(0);

    const consentCases: [Record<string, unknown>, string][] = [
      [consentBody({ studentId: 12 }), 'studentId'],
      [consentBody({ signer: { name: 'A', relation: 'aunt' } }), 'signer.relation'],
      [consentBody({ signedOn: '2026-02-30' }), 'signedOn'],
      [consentBody({ recipient: { kind: 'sro' } }), 'recipient.username'],
      [consentBody({ recordedBy: 'someone' }), 'recordedBy'],
      [consentBody({ revokedAt: '2026-01-01T00:00:00Z' }), 'revokedAt'],
    ];
    for (const [payload, field] of consentCases) {
      expectError(
        await hub.call('clerk', { method: 'POST', url: '/v1/consents', payload }),
        400,
        'invalid_request',
        field,
      );
    }
  });

  it('refuses unknown or malformed query parameters', async () => {
    const cases: [TokenName, string, string][] = [
      ['sro', '/v1/consents/mine?colour=red', 'colour'],
      ['sro', '/v1/consents/mine?since=-1', 'since'],
      ['sro', '/v1/consents/mine?since=1e9', 'since'],
      ['sro', '/v1/consents/mine?since=1&since=2', 'since'],
      ['sro', '/v1/requests/mine?limit=100000', 'limit'],
      ['clerk', '/v1/consents', 'studentId'],
      ['clerk', '/v1/requests?status=everything', 'status'],
      ['admin', '/v1/audit?action=drop', 'action'],
      ['admin', '/v1/policy?version=1', 'version'],
    ];
    for (const [who, url, field] of cases) {
      expectError(await hub.call(who, { method: 'GET', url }), 400, 'invalid_request', field);
    }
  });

  it('answers an oversized body with 413 and a JSON error', async () => {
    const events = await makeChain(1, { device: 'big', extra: { justification: 'x'.repeat(20_000) } });
    const big = JSON.stringify({ events: Array.from({ length: 60 }, () => events[0]) });
    expect(big.length).toBeGreaterThan(1024 * 1024);
    expectError(await raw('sro', 'POST', '/v1/events', big), 413, 'body_too_large');
  });

  it('refuses U+0000 and unpaired surrogates, naming the field', async () => {
    const [event] = await makeChain(1, { device: 'nul' });
    const nul = JSON.stringify({ events: [{ ...event, justification: 'a\u0000b' }] });
    expectError(
      await raw('sro', 'POST', '/v1/events', nul),
      400,
      'invalid_request',
      'events[0].justification',
    );
    const lone = `{"events":[${JSON.stringify(event).replace('"Consent on', '"\\ud800 Consent on')}]}`;
    expectError(
      await raw('sro', 'POST', '/v1/events', lone),
      400,
      'invalid_request',
      'events[0].justification',
    );
    expectError(
      await hub.call('clerk', { method: 'GET', url: '/v1/consents?studentId=%00' }),
      400,
      'invalid_request',
      'studentId',
    );
  });

  it('stores SQL-like text in every free-text field of an event verbatim', async () => {
    const [event] = await makeChain(1, {
      device: `dev ${SQL}`,
      username: SQL,
      extra: {
        actor: { username: SQL, role: 'sro' },
        studentId: SQL,
        citations: [SQL, SQL2],
        justification: `${SQL} ${SQL2}`,
        evidence: { [SQL]: SQL2, 'case-number': SQL },
        ref: SQL,
      },
    });
    // An admin token (device account) may post events whose actor is any user.
    const response = await hub.call('admin', {
      method: 'POST',
      url: '/v1/events',
      payload: { events: [event] },
    });
    expect(json<{ stored: string[] }>(response).stored).toEqual([event?.id]);
    const { rows } = await hub.db.query<{
      body: LogEvent;
      device: string;
      student_id: string;
      username: string;
    }>('SELECT body, device, student_id, username FROM events WHERE id = $1', [event?.id]);
    expect(rows[0]?.body).toEqual(event);
    expect(rows[0]).toMatchObject({ device: `dev ${SQL}`, student_id: SQL, username: SQL });
    const again = await hub.call('admin', {
      method: 'POST',
      url: '/v1/events',
      payload: { events: [event] },
    });
    expect(json<{ duplicates: string[] }>(again).duplicates).toEqual([event?.id]);
  });

  it('stores SQL-like text in every string field of consents, requests, decisions and tokens verbatim', async () => {
    const consentResponse = await hub.call('clerk', {
      method: 'POST',
      url: '/v1/consents',
      payload: consentBody({
        id: SQL,
        studentId: SQL,
        signer: { name: SQL2, relation: 'guardian' },
        purpose: SQL,
        recipient: { kind: 'agency', agency: SQL },
        documentRef: SQL2,
      }),
    });
    expect(consentResponse.statusCode, consentResponse.body).toBe(201);
    const found = json<{ consents: { consent: Record<string, unknown> }[] }>(
      await hub.call('clerk', { method: 'GET', url: `/v1/consents?studentId=${encodeURIComponent(SQL)}` }),
    ).consents;
    expect(found).toHaveLength(1);
    expect(found[0]?.consent).toMatchObject({
      id: SQL,
      studentId: SQL,
      purpose: SQL,
      signer: { name: SQL2 },
      recipient: { agency: SQL },
      documentRef: SQL2,
    });
    const revoke = await hub.call('clerk', {
      method: 'POST',
      url: `/v1/consents/${encodeURIComponent(SQL)}/revoke`,
      payload: { reason: SQL2 },
    });
    expect(json<{ consent: { revokeReason: string } }>(revoke).consent.revokeReason).toBe(SQL2);

    const filed = await hub.call('sro', {
      method: 'POST',
      url: '/v1/requests',
      payload: requestBody({
        id: SQL,
        studentId: SQL,
        justification: `${SQL} — the subpoena for case 24-JV-0193 was served today at the office.`,
        // A date field holds a date (the gate's own evidence check, shared with the hub); SQL-like text goes in
        // the free-text field.
        evidence: { 'case-number': '24-JV-0193', 'issuing-court': SQL2, 'order-date': '2026-11-20' },
      }),
    });
    expect(filed.statusCode, filed.body).toBe(201);
    const decided = await hub.call('clerk', {
      method: 'POST',
      url: `/v1/requests/${encodeURIComponent(SQL)}/decision`,
      payload: { decision: 'deny', reason: SQL },
    });
    const view = json<{
      request: {
        request: { id: string; studentId: string };
        evidence: Record<string, string>;
        decisionReason: string;
      };
    }>(decided).request;
    expect(view.request).toMatchObject({ id: SQL, studentId: SQL });
    expect(view.evidence['issuing-court']).toBe(SQL2);
    expect(view.decisionReason).toBe(SQL);

    const token = await hub.call('admin', {
      method: 'POST',
      url: '/v1/tokens',
      payload: { user: "o'brien;--", role: 'sro', agency: SQL },
    });
    expect(json(token)).toMatchObject({ user: "o'brien;--", agency: SQL });
    const spaced = await hub.call('admin', {
      method: 'POST',
      url: '/v1/tokens',
      payload: { user: SQL, role: 'sro' },
    });
    expectError(spaced, 400, 'invalid_request', 'user');

    // A policy bundle's free text is stored and served as sent.
    const bundle = await bundleFor(DISTRICT, 2);
    (bundle.policy.district as { name: string }).name = SQL;
    const published = await hub.call('admin', { method: 'PUT', url: '/v1/policy', payload: bundle });
    expect(published.statusCode, published.body).toBe(200);
    const served = json<{ bundle: { policy: { district: { name: string } } } }>(
      await hub.call('sro', { method: 'GET', url: '/v1/policy' }),
    );
    expect(served.bundle.policy.district.name).toBe(SQL);

    // Every table is still there and answering.
    for (const table of [
      'events',
      'consents',
      'exception_requests',
      'tokens',
      'policies',
      'audit_log',
      'device_flags',
    ]) {
      await hub.db.query(`SELECT count(*) FROM ${table}`);
    }
    expect(
      json<{ consents: unknown[] }>(
        await hub.call('clerk', {
          method: 'GET',
          url: `/v1/consents?studentId=${encodeURIComponent("' OR 1=1 --")}&status=all`,
        }),
      ).consents,
    ).toEqual([]);
  });
});
