// Authorisation for every route × caller: no token, an unknown one, a garbled header, a revoked token, each role,
// and the tokens of another district on the same hub.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BACKENDS,
  bundleFor,
  consentBody,
  createHarness,
  json,
  makeChain,
  newId,
  requestBody,
  type Harness,
  type TokenName,
} from './helpers';

type Role = 'sro' | 'clerk' | 'admin';

interface Route {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  /** Built per call, so a call that changes something (revoke, decide) gets a fresh target. */
  url: (hub: Harness) => Promise<string> | string;
  payload?: (hub: Harness, who: TokenName) => Promise<unknown> | unknown;
  allowed: Role[] | 'public';
  /** A call of the same role from another district touches DISTRICT's resource: 403. */
  districtBound?: boolean;
}

let policyVersion = 1;
let device = 0;

async function newConsentId(hub: Harness): Promise<string> {
  const response = await hub.call('clerk', { method: 'POST', url: '/v1/consents', payload: consentBody() });
  return json<{ consent: { consent: { id: string } } }>(response).consent.consent.id;
}

async function newRequestId(hub: Harness): Promise<string> {
  const response = await hub.call('sro', { method: 'POST', url: '/v1/requests', payload: requestBody() });
  return json<{ request: { request: { id: string } } }>(response).request.request.id;
}

async function newTokenId(hub: Harness): Promise<string> {
  const response = await hub.call('admin', {
    method: 'POST',
    url: '/v1/tokens',
    payload: { user: `temp.${newId()}`, role: 'sro' },
  });
  return json<{ id: string }>(response).id;
}

const OWN_USER: Partial<Record<TokenName, string>> = {
  sro: 'officer.diaz',
  sro2: 'officer.kim',
  sroOtherAgency: 'deputy.ross',
  otherSro: 'officer.diaz',
};

const ROUTES: Route[] = [
  { method: 'GET', path: '/v1/health', url: () => '/v1/health', allowed: 'public' },
  {
    method: 'POST',
    path: '/v1/events',
    url: () => '/v1/events',
    payload: async (_hub, who) => ({
      events: await makeChain(1, { device: `auth-${device++}`, username: OWN_USER[who] ?? 'officer.diaz' }),
    }),
    allowed: ['sro', 'admin'],
    districtBound: true,
  },
  { method: 'GET', path: '/v1/devices', url: () => '/v1/devices', allowed: ['admin'] },
  { method: 'GET', path: '/v1/device-flags', url: () => '/v1/device-flags', allowed: ['admin'] },
  {
    method: 'POST',
    path: '/v1/consents',
    url: () => '/v1/consents',
    payload: () => consentBody(),
    allowed: ['clerk'],
  },
  {
    method: 'POST',
    path: '/v1/consents/:id/revoke',
    url: async (hub) => `/v1/consents/${await newConsentId(hub)}/revoke`,
    payload: () => ({ reason: 'Parent withdrew consent in writing.' }),
    allowed: ['clerk'],
    districtBound: true,
  },
  {
    method: 'GET',
    path: '/v1/consents',
    url: () => '/v1/consents?studentId=100234',
    allowed: ['clerk', 'admin'],
  },
  { method: 'GET', path: '/v1/consents/mine', url: () => '/v1/consents/mine', allowed: ['sro'] },
  {
    method: 'POST',
    path: '/v1/requests',
    url: () => '/v1/requests',
    payload: () => requestBody(),
    allowed: ['sro'],
  },
  { method: 'GET', path: '/v1/requests', url: () => '/v1/requests', allowed: ['clerk'] },
  {
    method: 'POST',
    path: '/v1/requests/:id/decision',
    url: async (hub) => `/v1/requests/${await newRequestId(hub)}/decision`,
    payload: () => ({ decision: 'deny', reason: 'The subpoena names another student.' }),
    allowed: ['clerk'],
    districtBound: true,
  },
  { method: 'GET', path: '/v1/requests/mine', url: () => '/v1/requests/mine', allowed: ['sro'] },
  { method: 'GET', path: '/v1/policy', url: () => '/v1/policy', allowed: ['sro', 'clerk', 'admin'] },
  {
    method: 'PUT',
    path: '/v1/policy',
    url: () => '/v1/policy',
    payload: () => bundleFor(undefined, ++policyVersion),
    allowed: ['admin'],
    districtBound: true,
  },
  { method: 'GET', path: '/v1/audit', url: () => '/v1/audit', allowed: ['admin'] },
  { method: 'GET', path: '/v1/tokens', url: () => '/v1/tokens', allowed: ['admin'] },
  {
    method: 'POST',
    path: '/v1/tokens',
    url: () => '/v1/tokens',
    payload: () => ({ user: `new.${newId()}`, role: 'clerk' }),
    allowed: ['admin'],
  },
  {
    method: 'POST',
    path: '/v1/tokens/:id/revoke',
    url: async (hub) => `/v1/tokens/${await newTokenId(hub)}/revoke`,
    payload: () => ({}),
    allowed: ['admin'],
    districtBound: true,
  },
];

const ROLE_OF: Record<TokenName, Role> = {
  sro: 'sro',
  sro2: 'sro',
  sroOtherAgency: 'sro',
  clerk: 'clerk',
  admin: 'admin',
  revoked: 'admin',
  otherSro: 'sro',
  otherClerk: 'clerk',
  otherAdmin: 'admin',
};

const label = (route: Route) => `${route.method} ${route.path}`;

const UNAUTHORIZED = { error: { code: 'unauthorized', message: 'a valid bearer token is required' } };

describe.each(BACKENDS)('authorisation on $name', (backend) => {
  let hub: Harness;
  let forbiddenBody: unknown;
  beforeAll(async () => {
    hub = await createHarness(backend, { rateLimit: { max: 100_000, windowMs: 60_000 } });
  });
  afterAll(async () => {
    await hub?.close();
  });

  for (const route of ROUTES) {
    describe(label(route), () => {
      it('answers 401, all alike, without a token, with an unknown, garbled or revoked one', async () => {
        if (route.allowed === 'public') return;
        const url = await route.url(hub);
        const payload = route.payload ? await route.payload(hub, 'sro') : undefined;
        const headerSets: Record<string, string>[] = [
          {},
          { authorization: `Bearer rgh_${'A'.repeat(43)}` },
          { authorization: 'Bearer not-a-token' },
          { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
          { authorization: hub.tokens.sro }, // no scheme
          { authorization: `Bearer ${hub.tokens.revoked}` },
        ];
        for (const headers of headerSets) {
          const response = await hub.app.inject({
            method: route.method,
            url,
            headers,
            ...(payload !== undefined ? { payload: payload as object } : {}),
          });
          expect(response.statusCode, `${label(route)} ${JSON.stringify(headers)}`).toBe(401);
          expect(json(response)).toEqual(UNAUTHORIZED);
          expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
        }
      });

      for (const who of Object.keys(ROLE_OF) as TokenName[]) {
        if (who === 'revoked') continue;
        const role = ROLE_OF[who];
        const other = who.startsWith('other');
        const allowed = route.allowed === 'public' || route.allowed.includes(role);
        const expectForbidden = !allowed || (other && route.districtBound === true);
        it(`${who} (${role}${other ? ', other district' : ''}) → ${expectForbidden ? '403' : 'allowed'}`, async () => {
          const url = await route.url(hub);
          const payload = route.payload ? await route.payload(hub, who) : undefined;
          const response = await hub.call(who, {
            method: route.method,
            url,
            ...(payload !== undefined ? { payload: payload as object } : {}),
          });
          if (expectForbidden) {
            expect(response.statusCode, response.body).toBe(403);
            forbiddenBody ??= json(response);
            expect(json(response)).toEqual(forbiddenBody);
          } else {
            expect([401, 403]).not.toContain(response.statusCode);
            // The other district has no policy on this hub: GET /v1/policy is 404 and filing a request 409.
            if (other && route.path === '/v1/policy') expect(response.statusCode).toBe(404);
            else if (other && route.path === '/v1/requests' && route.method === 'POST') {
              expect(response.statusCode).toBe(409);
            } else expect(response.statusCode, response.body).toBeLessThan(300);
          }
        });
      }
    });
  }

  it('answers 403 alike for an id that does not exist and one of another district', async () => {
    const existing = await newRequestId(hub);
    const decision = { decision: 'deny', reason: 'Not covered.' };
    const missing = await hub.call('clerk', {
      method: 'POST',
      url: `/v1/requests/${newId()}/decision`,
      payload: decision,
    });
    const foreign = await hub.call('otherClerk', {
      method: 'POST',
      url: `/v1/requests/${existing}/decision`,
      payload: decision,
    });
    expect(missing.statusCode).toBe(403);
    expect(foreign.statusCode).toBe(403);
    expect(missing.body).toBe(foreign.body);
    const consent = await newConsentId(hub);
    const missingConsent = await hub.call('clerk', {
      method: 'POST',
      url: `/v1/consents/${newId()}/revoke`,
      payload: {},
    });
    const foreignConsent = await hub.call('otherClerk', {
      method: 'POST',
      url: `/v1/consents/${consent}/revoke`,
      payload: {},
    });
    expect(missingConsent.body).toBe(foreignConsent.body);
    expect(missingConsent.statusCode).toBe(403);
  });

  it("shows another district's clerk none of this district's consents or requests", async () => {
    const created = await hub.call('clerk', {
      method: 'POST',
      url: '/v1/consents',
      payload: consentBody({ studentId: 'only-here' }),
    });
    const consentId = json<{ consent: { consent: { id: string } } }>(created).consent.consent.id;
    await hub.call('sro', {
      method: 'POST',
      url: '/v1/requests',
      payload: requestBody({ studentId: 'only-here' }),
    });
    const consents = await hub.call('otherClerk', {
      method: 'GET',
      url: '/v1/consents?studentId=only-here&status=all',
    });
    expect(json<{ consents: unknown[] }>(consents).consents).toEqual([]);
    const requests = await hub.call('otherClerk', { method: 'GET', url: '/v1/requests?status=all' });
    expect(json<{ requests: unknown[] }>(requests).requests).toEqual([]);
    // Same username and agency as DISTRICT's SRO, but another district: none of DISTRICT's consents.
    const feed = await hub.call('otherSro', { method: 'GET', url: '/v1/consents/mine' });
    const studentIds = json<{ consents: { studentId: string }[] }>(feed).consents.map(
      (consent) => consent.studentId,
    );
    expect(studentIds).not.toContain('only-here');
    const audit = await hub.call('otherAdmin', { method: 'GET', url: '/v1/audit' });
    const targets = json<{ entries: { target: string }[] }>(audit).entries.map((entry) => entry.target);
    expect(targets).not.toContain(`consent:${consentId}`);
    const own = await hub.call('admin', { method: 'GET', url: '/v1/audit?action=consent.create&limit=1000' });
    expect(json<{ entries: { target: string }[] }>(own).entries.map((entry) => entry.target)).toContain(
      `consent:${consentId}`,
    );
  });

  it("stops a revoked token at once, and an admin cannot revoke another district's token", async () => {
    const issued = await hub.call('admin', {
      method: 'POST',
      url: '/v1/tokens',
      payload: { user: 'officer.temp', role: 'sro' },
    });
    const { token, id } = json<{ token: string; id: string }>(issued);
    const asTemp = () =>
      hub.app.inject({
        method: 'GET',
        url: '/v1/consents/mine',
        headers: { authorization: `Bearer ${token}` },
      });
    expect((await asTemp()).statusCode).toBe(200);
    expect(
      (await hub.call('otherAdmin', { method: 'POST', url: `/v1/tokens/${id}/revoke`, payload: {} }))
        .statusCode,
    ).toBe(403);
    expect((await asTemp()).statusCode).toBe(200);
    expect(
      (await hub.call('admin', { method: 'POST', url: `/v1/tokens/${id}/revoke`, payload: {} })).statusCode,
    ).toBe(200);
    expect((await asTemp()).statusCode).toBe(401);
    // Both are in the audit log, by the admin who did them.
    const audit = await hub.call('admin', { method: 'GET', url: '/v1/audit?limit=1000' });
    const entries = json<{ entries: { action: string; actor: string; target: string }[] }>(
      audit,
    ).entries.filter((entry) => entry.target === `token:${id}`);
    expect(entries.map((entry) => [entry.action, entry.actor])).toEqual([
      ['token.issue', 'admin.lee'],
      ['token.revoke', 'admin.lee'],
    ]);
  });
});
