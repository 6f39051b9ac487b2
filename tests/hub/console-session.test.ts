// The console's session layer: a token exchanged once for an HttpOnly, SameSite=Strict cookie session bound to
// the token's user, role and district; idle expiry; sign-out; CSRF proof on every state-changing request; the
// session ends when its token is revoked; and the built console served with cache headers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn } from './console-helpers';
import { BACKENDS, createHarness, DISTRICT, json, recordSecrets, type Harness } from './helpers';

describe.each(BACKENDS)('console sessions ($name)', (backend) => {
  let hub: Harness;
  beforeAll(async () => {
    hub = await createHarness(backend);
  });
  afterAll(async () => hub.close());

  const signInWith = (token: unknown, headers: Record<string, string> = {}) =>
    hub.app.inject({ method: 'POST', url: '/console/api/session', payload: { token }, headers });

  it('exchanges a clerk token for an HttpOnly, SameSite=Strict cookie and never returns the token', async () => {
    const response = await signInWith(hub.tokens.clerk);
    expect(response.statusCode).toBe(201);
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(/^rg_console=[A-Za-z0-9_-]{43}; /);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/console');
    expect(response.body).not.toContain(hub.tokens.clerk);
    const { session } = json<{ session: Record<string, unknown> }>(response);
    expect(session).toMatchObject({ username: 'clerk.nguyen', role: 'clerk', district: DISTRICT });
    expect(typeof session.csrf).toBe('string');
    // Only the cookie's hash is stored.
    const secret = cookie.split(';')[0]?.split('=')[1] ?? '';
    recordSecrets([secret]);
    const { rows } = await hub.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM console_sessions WHERE secret_hash = $1',
      [secret],
    );
    expect(rows[0]?.n).toBe(0);
  });

  it('refuses a wrong, malformed or revoked token with 401 and sets no cookie', async () => {
    for (const token of [`rgh_${'A'.repeat(43)}`, 'not-a-token', hub.tokens.revoked]) {
      const response = await signInWith(token);
      expect(response.statusCode).toBe(401);
      expect(response.headers['set-cookie']).toBeUndefined();
      expect(json<{ error: { field: string } }>(response).error.field).toBe('token');
    }
    const missing = await hub.app.inject({ method: 'POST', url: '/console/api/session', payload: {} });
    expect(missing.statusCode).toBe(400);
    expect(json<{ error: { field: string } }>(missing).error.field).toBe('token');
  });

  it('refuses an SRO token: an SRO cannot open the console', async () => {
    const response = await signInWith(hub.tokens.sro);
    expect(response.statusCode).toBe(403);
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('refuses a sign-in posted from another site', async () => {
    const response = await signInWith(hub.tokens.clerk, { origin: 'https://evil.example' });
    expect(response.statusCode).toBe(403);
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('answers pages of the API only with a live session; a bearer token is no session', async () => {
    const clerk = await signIn(hub, 'clerk');
    expect((await clerk.call('GET', '/session')).statusCode).toBe(200);
    expect((await hub.app.inject({ method: 'GET', url: '/console/api/session' })).statusCode).toBe(401);
    const bearer = await hub.app.inject({
      method: 'GET',
      url: '/console/api/context',
      headers: { authorization: `Bearer ${hub.tokens.clerk}` },
    });
    expect(bearer.statusCode).toBe(401);
    const forged = await hub.app.inject({
      method: 'GET',
      url: '/console/api/session',
      headers: { cookie: `rg_console=${'B'.repeat(43)}` },
    });
    expect(forged.statusCode).toBe(401);
  });

  it('refuses a state-changing request without the CSRF proof, or with a wrong one, or from another origin', async () => {
    const clerk = await signIn(hub, 'clerk');
    const none = await clerk.call('DELETE', '/session', undefined, { csrf: false });
    expect(none.statusCode).toBe(403);
    expect(json<{ error: { field: string } }>(none).error.field).toBe('x-rg-csrf');
    const wrong = await clerk.call('DELETE', '/session', undefined, { csrf: 'x'.repeat(43) });
    expect(wrong.statusCode).toBe(403);
    const foreign = await clerk.call('DELETE', '/session', undefined, {
      headers: { origin: 'https://evil.example' },
    });
    expect(foreign.statusCode).toBe(403);
    // Another session's proof is not this session's.
    const other = await signIn(hub, 'admin');
    expect((await clerk.call('DELETE', '/session', undefined, { csrf: other.csrf })).statusCode).toBe(403);
    // Nothing of that ended the session.
    expect((await clerk.call('GET', '/session')).statusCode).toBe(200);
  });

  it('signs out: the cookie is cleared, the session refused afterwards, both in the audit log', async () => {
    const clerk = await signIn(hub, 'clerk');
    const out = await clerk.call('DELETE', '/session');
    expect(out.statusCode).toBe(200);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await clerk.call('GET', '/session')).statusCode).toBe(401);
    const { rows } = await hub.db.query<{ action: string }>(
      'SELECT action FROM audit_log WHERE target = $1 ORDER BY id',
      [`session:${clerk.sessionId}`],
    );
    expect(rows.map((row) => row.action)).toEqual(['console.sign-in', 'console.sign-out']);
  });

  it('ends a session idle longer than the bound, and keeps one in use alive', async () => {
    const idle = await signIn(hub, 'clerk');
    const busy = await signIn(hub, 'clerk');
    for (let step = 0; step < 4; step++) {
      hub.clock.advanceMinutes(10);
      expect((await busy.call('GET', '/session')).statusCode).toBe(200);
    }
    // 40 minutes without a request: past the 30-minute default.
    expect((await idle.call('GET', '/session')).statusCode).toBe(401);
    const { rows } = await hub.db.query<{ ended_reason: string }>(
      'SELECT ended_reason FROM console_sessions WHERE id = $1',
      [idle.sessionId],
    );
    expect(rows[0]?.ended_reason).toBe('idle');
  });

  it('ends at its absolute bound whatever the activity', async () => {
    const clerk = await signIn(hub, 'clerk');
    for (let step = 0; step < 25; step++) {
      hub.clock.advanceMinutes(29);
      await clerk.call('GET', '/session');
    }
    // 12 h 05 min after sign-in.
    expect((await clerk.call('GET', '/session')).statusCode).toBe(401);
  });

  it('ends when its token is revoked', async () => {
    const issued = await hub.call('admin', {
      method: 'POST',
      url: '/v1/tokens',
      payload: { user: 'clerk.temp', role: 'clerk' },
    });
    const { token, id } = json<{ token: string; id: string }>(issued);
    const response = await signInWith(token);
    expect(response.statusCode).toBe(201);
    const cookie = String(response.headers['set-cookie']).split(';')[0] as string;
    const get = () => hub.app.inject({ method: 'GET', url: '/console/api/session', headers: { cookie } });
    expect((await get()).statusCode).toBe(200);
    await hub.call('admin', { method: 'POST', url: `/v1/tokens/${id}/revoke` });
    expect((await get()).statusCode).toBe(401);
    expect((await signInWith(token)).statusCode).toBe(401);
  });

  it('binds the session to its district: the context is of the signed-in district only', async () => {
    const other = await signIn(hub, 'otherClerk');
    const session = json<{ session: { district: string } }>(await other.call('GET', '/session')).session;
    expect(session.district).toBe('other-unified');
    // No policy published for the other district: it sees none of this one's.
    expect((await other.call('GET', '/context')).statusCode).toBe(404);
    const clerk = await signIn(hub, 'clerk');
    const context = json<{ district: string; sros: { username: string }[] }>(
      await clerk.call('GET', '/context'),
    );
    expect(context.district).toBe('newman-crows-landing-usd');
    expect(context.sros.map((sro) => sro.username)).toContain('officer.diaz');
  });

  it('answers an unknown API path 404 in the hub error shape', async () => {
    const response = await hub.app.inject({ method: 'GET', url: '/console/api/nothing-here' });
    expect(response.statusCode).toBe(404);
    expect(json<{ error: { code: string } }>(response).error.code).toBe('not_found');
  });
});

describe('the built console', () => {
  let hub: Harness;
  beforeAll(async () => {
    hub = await createHarness(BACKENDS[0] as (typeof BACKENDS)[number]);
  });
  afterAll(async () => hub.close());

  it('is served at /console/ with a strict CSP and revalidation; hashed assets as immutable', async () => {
    const redirect = await hub.app.inject({ method: 'GET', url: '/console' });
    expect(redirect.statusCode).toBe(301);
    expect(redirect.headers.location).toBe('/console/');
    const page = await hub.app.inject({ method: 'GET', url: '/console/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(page.headers['x-frame-options']).toBe('DENY');
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(page.body)?.[1];
    expect(script).toBeDefined();
    const asset = await hub.app.inject({ method: 'GET', url: script as string });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const missing = await hub.app.inject({ method: 'GET', url: '/console/assets/nothing.js' });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['cache-control']).not.toContain('immutable');
    const traversal = await hub.app.inject({ method: 'GET', url: '/console/..%2f..%2fpackage.json' });
    expect(traversal.statusCode).not.toBe(200);
  });
});
