// Every error leaves the hub as { error: { code, message, field? } } with a fitting status code.
import type { FastifyError, FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DbUnavailableError } from './db';

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

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HttpError | Error, request, reply) => {
    let http: HttpError;
    if (error instanceof HttpError) {
      http = error;
    } else if (error instanceof DbUnavailableError) {
      http = new HttpError(503, 'unavailable', 'the database is not available; try again later');
    } else {
      const mapped = fromFastifyError(error as FastifyError);
      const status = (error as FastifyError).statusCode;
      if (mapped) http = mapped;
      else if (typeof status === 'number' && status >= 400 && status < 500) {
        http = new HttpError(status, status === 404 ? 'not_found' : 'invalid_request', error.message);
      } else {
        request.log.error({ err: error }, 'request failed');
        http = new HttpError(500, 'internal', 'the hub failed to handle this request');
      }
    }
    if (http.statusCode >= 500 && http.code !== 'internal')
      request.log.warn({ code: http.code }, http.message);
    void reply.code(http.statusCode).headers(http.headers).send(http.body());
  });
  app.setNotFoundHandler((request, reply) => {
    void reply
      .code(404)
      .send(
        new HttpError(404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`).body(),
      );
  });
}
