// Authentication (who is this token) and authorisation (may this role use this route), as fastify hooks.
//
// Order per request: onRequest resolves the token (request.auth), the rate limiter (a route-level onRequest hook)
// counts it per token hash — or per address when there is no valid token — and preParsing enforces the route's
// `config.access` before any body is read. Handlers then check ownership (district, user) of what they touch.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor } from './audit';
import type { Queryable } from './db';
import { forbidden, unauthorized } from './errors';
import { findToken, type HubRole, type TokenCache, type TokenPrincipal } from './tokens';

/** `public`: no token needed. Otherwise the roles that may call the route. */
export type Access = 'public' | readonly HubRole[];

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's token, when the Authorization header carried a live one. */
    auth: TokenPrincipal | null;
  }
  interface FastifyContextConfig {
    access?: Access;
  }
}

const BEARER = /^Bearer ([^\s]+)$/i;

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  return BEARER.exec(header.trim())?.[1];
}

/** The authenticated caller, for handlers behind a non-public route (the preParsing hook guarantees it). */
export function principal(request: FastifyRequest): TokenPrincipal {
  if (!request.auth) throw unauthorized();
  return request.auth;
}

export function actorOf(auth: TokenPrincipal): Actor {
  return { username: auth.username, role: auth.role, tokenId: auth.tokenId };
}

export function installAuth(app: FastifyInstance, db: Queryable, cache: TokenCache): void {
  app.decorateRequest('auth', null);

  // Every /v1 route must say who may call it: a route added without `config.access` fails at start-up.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/v1') && route.config?.access === undefined) {
      throw new Error(`route ${String(route.method)} ${route.url} declares no access`);
    }
  });

  app.addHook('onRequest', async (request) => {
    request.auth = null;
    if (request.routeOptions.config.access === 'public') return;
    const token = bearerToken(request);
    if (token !== undefined) request.auth = (await findToken(db, token, cache)) ?? null;
  });

  app.addHook('preParsing', async (request) => {
    const access = request.routeOptions.config.access;
    if (access === undefined || access === 'public') return;
    if (!request.auth) throw unauthorized();
    if (!access.includes(request.auth.role)) throw forbidden();
  });
}
