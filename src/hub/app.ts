// Builds the hub's HTTP application (fastify) over a database. No listen here: main.ts listens, tests inject.
import { createServer } from 'node:http';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { installAuth } from './auth';
import type { HubConfig } from './config';
import type { HubContext } from './context';
import type { Db } from './db';
import { decodedBody, jsonDepthWithin, MAX_JSON_DEPTH } from './body';
import {
  clientErrorHandler,
  frameworkErrors,
  HttpError,
  installErrorHandlers,
  invalid,
  loggableError,
} from './errors';
import { DbRateLimitStore } from './rate-limit';
import { redactingStream, redactSecrets } from './redact';
import { PolicyStore } from './policy';
import { auditRoutes } from './routes/audit';
import { consoleRoutes } from './console/plugin';
import { optOutRoutes } from './routes/optouts';
import { consentRoutes } from './routes/consents';
import { eventRoutes } from './routes/events';
import { healthRoutes } from './routes/health';
import { policyRoutes } from './routes/policy';
import { reportRoutes } from './routes/reports';
import { requestRoutes } from './routes/requests';
import { adminRoutes } from './routes/admin';
import { tokenRoutes } from './routes/tokens';
import { findUnstorableText, mayHoldUnstorableText } from './text';
import { TokenCache } from './tokens';

export interface HubOptions {
  /** The hub's clock (tests move it). */
  now?: () => Date;
  /** Where log lines go (default stdout). */
  logStream?: DestinationStream;
  /** A policy store to share (main.ts seeds through it before building the app). */
  policies?: PolicyStore;
}

/**
 * Request log entries: method, path without the query string (it may hold a student id) and with anything
 * token-shaped cut out (a token pasted into a URL), client address.
 */
function requestSummary(request: { method: string; url: string; ip?: string }) {
  return {
    method: request.method,
    path: redactSecrets(request.url.split('?')[0] ?? ''),
    remoteAddress: request.ip,
  };
}

/** Errors in the log: type and code only (errors.ts loggableError), never a driver's error object. */
const errorSummary = (error: unknown): { type: string; message: string; stack: string } => {
  // Already summarised (errors.ts loggableError) by the code that logs it: kept as it is.
  const summary =
    !(error instanceof Error) && error !== null && typeof error === 'object' && 'type' in error
      ? (error as Record<string, unknown>)
      : loggableError(error);
  return {
    ...summary,
    type: String(summary.type),
    message: typeof summary.message === 'string' ? summary.message : '',
    stack: typeof summary.stack === 'string' ? summary.stack : '',
  };
};

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
      serializers: { req: requestSummary, err: errorSummary },
      // Every line passes through the token redaction, whatever put the token there.
      stream: redactingStream(options.logStream ?? process.stdout),
    },
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    exposeHeadRoutes: false,
    // The answer while closing comes from the onRequest hook below, in the hub's error shape.
    return503OnClosing: false,
    // A request (headers and body) must arrive within this bound; the parser's 408 uses the error shape too.
    // Node checks request deadlines every connectionsCheckingInterval (30 s by default): checked every
    // second here, so a request that stops mid-body is answered 408 close to its bound.
    serverFactory: (handler) => {
      const server = createServer(
        {
          requestTimeout: config.requestTimeoutMs,
          headersTimeout: Math.min(config.requestTimeoutMs, 60_000),
          keepAliveTimeout: 5000,
          connectionsCheckingInterval: Math.min(1000, config.requestTimeoutMs),
        },
        handler,
      );
      server.setTimeout(config.requestTimeoutMs * 2);
      return server;
    },
    clientErrorHandler,
    frameworkErrors,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  });
  const context: HubContext = {
    config,
    db,
    policies: options.policies ?? new PolicyStore(db),
    now: options.now ?? (() => new Date()),
    tokens: new TokenCache(config.tokenCacheMs),
  };

  installErrorHandlers(app);

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (closing) {
      void reply.header('connection', 'close');
      throw new HttpError(503, 'unavailable', 'the hub is shutting down; try again', undefined, {
        'retry-after': '5',
      });
    }
  });

  // Content-Encoding: gzip, deflate and br are decoded (the decoded size still counts against the body limit);
  // anything else is refused with 415 rather than parsed as if it were plain JSON.
  app.addHook('preParsing', async (request, _reply, payload) =>
    decodedBody(request, payload, config.bodyLimit),
  );

  // JSON bodies: fastify's own parser (with prototype-poisoning protection), then a refusal of text that
  // PostgreSQL cannot store as sent (U+0000, unpaired surrogates) so it is a 400 naming the field, not a 500.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers(); // JSON only: text/plain and the rest are 415

  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    // JSON nested deeper than any hub body can be is refused before parsing (a 400 naming the limit, where the
    // parser's own recursion would otherwise fail as "malformed").
    if (!jsonDepthWithin(text, MAX_JSON_DEPTH)) {
      return done(invalid('body', `is nested more than ${MAX_JSON_DEPTH} levels deep`), undefined);
    }
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
    // Counted in the database, so every replica on one PostgreSQL shares the limit (rate-limit.ts).
    store: DbRateLimitStore.factory(db),
    // A database that cannot count (full, away) must not turn every request into a 500: the request goes on
    // and meets the same database in its handler, which answers 503.
    skipOnError: true,
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
  adminRoutes(app, context);
  optOutRoutes(app, context);
  reportRoutes(app, context);
  await consoleRoutes(app, context);
  await app.ready();
  return app;
}
