// Builds the hub's HTTP application (fastify) over a database. No listen here: main.ts listens, tests inject.
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { installAuth } from './auth';
import type { HubConfig } from './config';
import type { HubContext } from './context';
import type { Db } from './db';
import { HttpError, installErrorHandlers, invalid } from './errors';
import { PolicyStore } from './policy';
import { unsignedPolicies, type PolicySigner } from './policy-signing';
import { auditRoutes } from './routes/audit';
import { consentRoutes } from './routes/consents';
import { eventRoutes } from './routes/events';
import { healthRoutes } from './routes/health';
import { policyRoutes } from './routes/policy';
import { requestRoutes } from './routes/requests';
import { tokenRoutes } from './routes/tokens';
import { findUnstorableText, mayHoldUnstorableText } from './text';
import { TokenCache } from './tokens';

export interface HubOptions {
  /** The hub's clock (tests move it). */
  now?: () => Date;
  /** Signs published policy bundles; unsigned until the signing issue lands. */
  signer?: PolicySigner;
  /** Where log lines go (default stdout). */
  logStream?: DestinationStream;
  /** A policy store to share (main.ts seeds through it before building the app). */
  policies?: PolicyStore;
}

/** Request log entries: method, path without the query string (it may hold a student id), client address. */
function requestSummary(request: { method: string; url: string; ip?: string }) {
  return { method: request.method, path: request.url.split('?')[0], remoteAddress: request.ip };
}

export async function buildApp(
  config: HubConfig,
  db: Db,
  options: HubOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      // Tokens never reach the log: the request serializer drops headers, and redaction backs it up.
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'authorization'],
        censor: '[redacted]',
      },
      serializers: { req: requestSummary },
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    exposeHeadRoutes: false,
    return503OnClosing: true,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  });
  const context: HubContext = {
    config,
    db,
    policies: options.policies ?? new PolicyStore(db, options.signer ?? unsignedPolicies),
    now: options.now ?? (() => new Date()),
    tokens: new TokenCache(config.tokenCacheMs),
  };

  installErrorHandlers(app);

  // JSON bodies: fastify's own parser (with prototype-poisoning protection), then a refusal of text that
  // PostgreSQL cannot store as sent (U+0000, unpaired surrogates) so it is a 400 naming the field, not a 500.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers(); // JSON only: text/plain and the rest are 415

  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    parseJson(request, text, (error, value) => {
      if (error) return done(error, undefined);
      const bad = mayHoldUnstorableText(text) ? findUnstorableText(value) : undefined;
      if (bad !== undefined) return done(invalid(bad, 'contains U+0000 or an unpaired surrogate'), undefined);
      done(null, value);
    });
  });
  app.addHook('preValidation', async (request) => {
    const bad = findUnstorableText(request.query) ?? findUnstorableText(request.params);
    if (bad !== undefined) throw invalid(bad, 'contains U+0000 or an unpaired surrogate');
  });

  installAuth(app, db, context.tokens);
  await app.register(rateLimit, {
    global: true,
    max: config.rateLimit.max,
    timeWindow: config.rateLimit.windowMs,
    // Runs after the token is resolved: per token hash for a live token, per address for everything else.
    keyGenerator: (request) => (request.auth ? `token:${request.auth.tokenHash}` : `addr:${request.ip}`),
    errorResponseBuilder: (_request, context) =>
      new HttpError(429, 'rate_limited', `too many requests: retry in ${context.after}`),
  });

  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    return payload;
  });

  healthRoutes(app, context);
  eventRoutes(app, context);
  consentRoutes(app, context);
  requestRoutes(app, context);
  policyRoutes(app, context);
  auditRoutes(app, context);
  tokenRoutes(app, context);
  await app.ready();
  return app;
}
