// Console sessions in hub tests: sign in with a token by name, then call /console/api with the cookie and the
// CSRF proof the way the console's page does.
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { json, recordSecrets, type Harness, type TokenName } from './helpers';

export interface ConsoleClient {
  cookie: string;
  csrf: string;
  sessionId: string;
  /** A console API call (path under /console/api) with the session; `csrf: false` leaves the proof out. */
  call(
    method: string,
    path: string,
    payload?: unknown,
    options?: { csrf?: boolean | string; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
}

export async function signIn(hub: Harness, who: TokenName): Promise<ConsoleClient> {
  const response = await hub.app.inject({
    method: 'POST',
    url: '/console/api/session',
    payload: { token: hub.tokens[who] },
  });
  expect(response.statusCode, response.body).toBe(201);
  const setCookie = String(response.headers['set-cookie']);
  const cookie = setCookie.split(';')[0] as string;
  const { session } = json<{ session: { csrf: string; id: string } }>(response);
  // Neither the cookie's value nor the proof may reach a log line (global-setup.ts checks).
  recordSecrets([cookie.split('=')[1] as string, session.csrf]);
  return {
    cookie,
    csrf: session.csrf,
    sessionId: session.id,
    call: (method, path, payload, options = {}) => {
      const headers: Record<string, string> = { cookie, ...(options.headers ?? {}) };
      const csrf = options.csrf ?? true;
      if (csrf === true) headers['x-rg-csrf'] = session.csrf;
      else if (typeof csrf === 'string') headers['x-rg-csrf'] = csrf;
      return hub.app.inject({
        method,
        url: `/console/api${path}`,
        headers,
        ...(payload !== undefined ? { payload } : {}),
      } as InjectOptions);
    },
  };
}
