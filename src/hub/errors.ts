// Every error leaves the hub as { error: { code, message, field? } } with a fitting status code.
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DbError, DbStorageError, DbTimeoutError, DbUnavailableError } from './db';
import { ForeignDeviceError } from './events';
import { redactSecrets } from './redact';

export type ErrorCode =
  | 'invalid_request'
  | 'malformed_json'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'body_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'request_timeout'
  | 'headers_too_large'
  | 'uri_too_long'
  | 'no_space'
  | 'unavailable'
  | 'internal';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string };
}

export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.field !== undefined ? { field: this.field } : {}),
      },
    };
  }
}

/** The same answer whatever went wrong with the token: a caller learns nothing from it. */
export const unauthorized = (): HttpError =>
  new HttpError(401, 'unauthorized', 'a valid bearer token is required', undefined, {
    'www-authenticate': 'Bearer realm="record-guard-hub"',
  });

/** The same answer for "not your role", "not your district", "not yours" and "no such thing". */
export const forbidden = (): HttpError =>
  new HttpError(403, 'forbidden', 'this token may not do that, or there is nothing here it may see');

export const invalid = (field: string, message: string): HttpError =>
  new HttpError(400, 'invalid_request', `${field}: ${message}`, field);

export const conflict = (message: string, field?: string): HttpError =>
  new HttpError(409, 'conflict', message, field);

/** "events[3].actor.role": the path of a zod issue in the notation of src/policy/bundle.ts formatIssues. */
export function issuePath(issue: z.core.$ZodIssue, root?: string): string {
  const keys: PropertyKey[] = [...issue.path];
  // An unknown member is reported on its parent: name the member itself.
  if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) keys.push(issue.keys[0] as string);
  const path = keys.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    const name = String(key);
    return text === '' ? name : `${text}.${name}`;
  }, root ?? '');
  return path === '' ? '(root)' : path;
}

/** `:id` in a route's path (consents, requests, tokens). */
export const IdParamsSchema = z.strictObject({ id: z.string().min(1).max(80) });

/** Parses a request part with zod; a failure is a 400 naming the first bad field. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: 'body' | 'query' | 'params',
): z.output<S> {
  const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw invalid(where, 'is not valid');
  const path = issuePath(issue);
  const field = path === '(root)' ? where : path;
  const message =
    issue.code === 'unrecognized_keys'
      ? `is not a known field${issue.keys.length > 1 ? ` (nor ${issue.keys.slice(1).join(', ')})` : ''}`
      : issue.message;
  const more =
    result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more problem(s))` : '';
  throw invalid(field, `${message}${more}`);
}

function fromFastifyError(error: FastifyError): HttpError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpError(413, 'body_too_large', error.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new HttpError(
        415,
        'unsupported_media_type',
        'send a JSON body with Content-Type: application/json',
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HttpError(400, 'malformed_json', 'the body is empty but its Content-Type says JSON', 'body');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new HttpError(400, 'malformed_json', `the body is not valid JSON: ${error.message}`, 'body');
    default:
      break;
  }
  if (error instanceof SyntaxError || error.name === 'SyntaxError') {
    return new HttpError(400, 'malformed_json', `the body is not valid JSON: ${error.message}`, 'body');
  }
  if (error.statusCode === 400 && /prototype|constructor/i.test(error.message)) {
    return new HttpError(400, 'malformed_json', error.message, 'body');
  }
  return undefined;
}

/** How long a client should wait before retrying a write the database could not store (seconds). */
const RETRY_AFTER_STORAGE = '60';
const RETRY_AFTER_UNAVAILABLE = '5';

/** A database failure as the caller sees it: 503 with Retry-After; never the database's own words. */
function fromDbError(error: DbUnavailableError): HttpError {
  if (error instanceof DbStorageError) {
    return error.noSpace
      ? new HttpError(
          503,
          'no_space',
          'the hub has no disk space left to store this; nothing was stored, retry later',
          undefined,
          { 'retry-after': RETRY_AFTER_STORAGE },
        )
      : new HttpError(
          503,
          'unavailable',
          'the hub cannot write to its storage; nothing was stored, retry later',
          undefined,
          { 'retry-after': RETRY_AFTER_STORAGE },
        );
  }
  return new HttpError(
    503,
    'unavailable',
    error instanceof DbTimeoutError
      ? 'the database did not answer in time; try again later'
      : 'the database is not available; try again later',
    undefined,
    { 'retry-after': RETRY_AFTER_UNAVAILABLE },
  );
}

/**
 * What the log may say about an error: its type, and for a database error its SQLSTATE and constraint. Never
 * the driver's error object (PGlite's carries the statement's parameters: justifications, names, ids).
 */
export function loggableError(error: unknown): Record<string, unknown> {
  if (error instanceof DbError) {
    return {
      type: error.name,
      code: error.code,
      ...(error.constraint ? { constraint: error.constraint } : {}),
    };
  }
  if (error instanceof DbUnavailableError) return { type: error.name, message: error.message };
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      type: error.name,
      ...(typeof code === 'string' ? { code } : {}),
      message: redactSecrets(error.message).slice(0, 300),
      ...(error.stack ? { stack: redactSecrets(error.stack.split('\n').slice(1, 6).join('\n')) } : {}),
    };
  }
  return { type: typeof error };
}

/** The one error answer, for whatever reached fastify's error handler. */
export function toHttpError(error: unknown, request: FastifyRequest): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof ForeignDeviceError) {
    return new HttpError(
      403,
      'forbidden',
      'this device is registered to another user: its events are not stored (the refusal is in the audit log)',
      'events',
    );
  }
  if (error instanceof DbUnavailableError) {
    request.log.warn({ err: loggableError(error) }, 'database unavailable');
    return fromDbError(error);
  }
  const mapped = fromFastifyError(error as FastifyError);
  if (mapped) return mapped;
  const status = (error as FastifyError).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code: ErrorCode =
      status === 404
        ? 'not_found'
        : status === 408
          ? 'request_timeout'
          : status === 413
            ? 'body_too_large'
            : status === 414
              ? 'uri_too_long'
              : status === 415
                ? 'unsupported_media_type'
                : status === 429
                  ? 'rate_limited'
                  : status === 431
                    ? 'headers_too_large'
                    : 'invalid_request';
    return new HttpError(status, code, redactSecrets((error as Error).message ?? 'bad request'));
  }
  request.log.error({ err: loggableError(error) }, 'request failed');
  return new HttpError(500, 'internal', 'the hub failed to handle this request');
}

function sendError(reply: FastifyReply, http: HttpError): void {
  void reply
    .code(http.statusCode)
    .headers(http.headers)
    .type('application/json; charset=utf-8')
    .send(http.body());
}

/** Errors found by fastify before routing (a URL that does not decode, a path parameter too long). */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    sendError(reply, new HttpError(414, 'uri_too_long', 'a path segment is too long'));
    return;
  }
  sendError(reply, new HttpError(400, 'invalid_request', 'the request URL is not valid', 'url'));
}

/**
 * Errors of the HTTP parser, before fastify sees a request (a malformed request line, headers too large, a
 * request that did not arrive in time). Answered in the same shape as every other error. Nothing of the
 * request is logged: Node's error carries its raw bytes (`rawPacket`), bearer token included.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const http =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new HttpError(408, 'request_timeout', 'the request did not arrive in time')
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? new HttpError(431, 'headers_too_large', 'the request line or headers are too large')
        : error.code === 'HPE_URI_TOO_LONG'
          ? new HttpError(414, 'uri_too_long', 'the request URL is too long')
          : new HttpError(400, 'invalid_request', 'the request is not valid HTTP');
  const body = JSON.stringify(http.body());
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${http.statusCode} ${http.statusCode === 408 ? 'Request Timeout' : http.statusCode === 431 ? 'Request Header Fields Too Large' : http.statusCode === 414 ? 'URI Too Long' : 'Bad Request'}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Cache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HttpError | Error, request, reply) => {
    sendError(reply, toHttpError(error, request));
  });
  app.setNotFoundHandler((request, reply) => {
    sendError(
      reply,
      new HttpError(
        404,
        'not_found',
        `no route ${request.method} ${redactSecrets(request.url.split('?')[0] ?? '')}`,
      ),
    );
  });
}
