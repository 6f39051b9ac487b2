// The console as the hub serves it: the built Preact app (Vite, `npm run build:console`) under /console/ with
// cache headers, and its JSON API under /console/api/, where every request is made by a session (session.ts):
// refused without one (401), refused for a role a route does not name (403), refused without the CSRF proof
// when it changes anything (403), refused from another origin (403).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { HubContext } from '../context';
import { HttpError } from '../errors';
import { CONSOLE_API } from './api';
import { noSession, sessionTimes, wrongRole } from './request-session';
import {
  CONSOLE_ROLES,
  cookieValue,
  CSRF_HEADER,
  csrfMatches,
  resolveSession,
  SESSION_COOKIE,
} from './session';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A request sent from a page of another origin (a browser always says so in Origin on a cross-site POST). */
function foreignOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== request.headers.host;
  } catch {
    return true;
  }
}

/** Only scripts and styles of the hub itself; no frames, no plugins, nothing inline. */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export async function consoleRoutes(app: FastifyInstance, context: HubContext): Promise<void> {
  app.decorateRequest('consoleSession', null);
  const times = sessionTimes(context);
  const root = resolve(context.config.consoleDir);

  await app.register(async (scope) => {
    scope.addHook('onSend', async (request, reply, payload) => {
      // Hashed build assets never change under their name; the page itself is revalidated every time; the
      // API's answers (student data) are never stored (the hub's default, kept).
      const path = request.url.split('?')[0] ?? '';
      if (!path.startsWith('/console/api/')) {
        if (path.startsWith('/console/assets/') && reply.statusCode === 200) {
          void reply.header('cache-control', 'public, max-age=31536000, immutable');
        } else {
          void reply.header('cache-control', 'no-cache');
        }
        void reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
      }
      void reply.header('x-content-type-options', 'nosniff');
      void reply.header('referrer-policy', 'no-referrer');
      void reply.header('x-frame-options', 'DENY');
      return payload;
    });

    scope.get('/console', async (_request, reply) => reply.redirect('/console/', 301));

    if (existsSync(resolve(root, 'index.html'))) {
      await scope.register(fastifyStatic, {
        root,
        prefix: '/console/',
        decorateReply: false,
        cacheControl: false,
        etag: true,
        lastModified: true,
        index: ['index.html'],
        wildcard: true,
        // Dotfiles and anything outside the build are never served.
        dotfiles: 'deny',
        serveDotFiles: false,
      });
    } else {
      scope.get('/console/', async (_request, reply) =>
        reply
          .code(503)
          .type('text/plain; charset=utf-8')
          .send(
            `The console has not been built. Run "npm run build:console" (it writes ${root}) and restart the hub.\n`,
          ),
      );
    }

    await scope.register(
      async (api) => {
        // Every console API route must say who may call it, as /v1 routes must.
        api.addHook('onRoute', (route) => {
          if (route.config?.console === undefined) {
            throw new Error(`console route ${String(route.method)} ${route.url} declares no access`);
          }
        });
        api.addHook('onRequest', async (request) => {
          request.consoleSession = null;
          const access = request.routeOptions.config.console;
          const changes = !SAFE_METHODS.has(request.method);
          if (changes && foreignOrigin(request)) {
            throw new HttpError(403, 'forbidden', 'a request from another site is refused');
          }
          if (access === undefined) throw noSession();
          if (access === 'public') return;
          const secret = cookieValue(request.headers.cookie, SESSION_COOKIE);
          const session = secret ? await resolveSession(context.db, secret, times, context.now()) : undefined;
          if (!session) throw noSession();
          if (!access.includes(session.role)) throw wrongRole();
          if (changes) {
            const sent = request.headers[CSRF_HEADER];
            if (!csrfMatches(session, typeof sent === 'string' ? sent : undefined)) {
              throw new HttpError(
                403,
                'forbidden',
                `the CSRF proof is missing or wrong: send the session's proof in the ${CSRF_HEADER} header`,
                CSRF_HEADER,
              );
            }
          }
          request.consoleSession = session;
        });
        for (const module of CONSOLE_API) module(api, context);
        // Unknown API paths answer in the hub's error shape, not with the app's page.
        api.all('/*', { config: { console: 'public' } }, async () => {
          throw new HttpError(404, 'not_found', 'no such console API route');
        });
      },
      { prefix: '/console/api' },
    );
  });
}

export { CONSOLE_ROLES };
