// The one hub client of the extension: every call to the district hub goes through here (the ESLint rule in
// eslint.config.js keeps `fetch` out of the rest of src/background). It owns where the hub is (managed settings
// first, then the policy), the token, a bounded wait (AbortSignal.timeout), the Authorization header and the
// reading of the answer against the caller's zod schema. A caller gets one of three answers, never an exception:
// the data, "unavailable" (no hub or token configured, a network error, no answer in time: try again later), or
// "refused" (the hub answered but not with what was asked: its status, its error code, a reason).
// The token never appears in a result, a reason or a log line.
import type { z } from 'zod';
import { managedSettings } from './managed';
import { activePolicy } from './policy';

export const DEFAULT_HUB_TIMEOUT_MS = 15_000;
/** The reason of an `unavailable` that only means this browser has no hub: nothing to report as an error. */
export const NOT_CONFIGURED = 'no hub or token configured';

export interface HubEndpoint {
  hubUrl: string;
  token?: string;
}

export type HubResult<T> =
  | { ok: true; status: number; data: T; etag?: string }
  /** A conditional GET whose `if-none-match` still holds (304): nothing new. */
  | { ok: false; kind: 'not-modified' }
  | { ok: false; kind: 'unavailable'; reason: string }
  | { ok: false; kind: 'refused'; status: number; code?: string; reason: string };

export interface HubCall<T> {
  /** The path under the hub's URL, with its query (the caller encodes parameters). */
  path: string;
  method?: 'GET' | 'POST';
  /** Sent as JSON. */
  body?: unknown;
  /** What a 2xx answer must parse as; anything else is refused with the reason. */
  schema: z.ZodType<T>;
  timeoutMs?: number;
  /** A conditional GET: a 304 answers `not-modified`. */
  ifNoneMatch?: string;
}

/** The hub this browser reports to (managed settings first, then the policy) and its token, if any. */
export async function hubEndpoint(): Promise<HubEndpoint | undefined> {
  const managed = await managedSettings();
  const hubUrl = managed.hubUrl ?? (await activePolicy())?.policy.reporting.hubUrl;
  if (!hubUrl) return undefined;
  return { hubUrl, ...(managed.hubToken ? { token: managed.hubToken } : {}) };
}

export function hubUrlFor(hubUrl: string, path: string): string {
  return `${hubUrl.replace(/\/+$/, '')}${path}`;
}

/** Removes the token from a text that is about to leave this module (an error message could echo a header). */
function scrub(text: string, token: string | undefined): string {
  const clipped = text.replace(/\s+/g, ' ').slice(0, 300);
  return token ? clipped.split(token).join('[token]') : clipped;
}

/** The hub's error body, `{ error: { code, message } }` (src/hub/errors.ts), read loosely: it only explains. */
function readHubError(body: unknown): { code?: string; message?: string } {
  if (typeof body !== 'object' || body === null) return {};
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return {};
  const { code, message } = error as { code?: unknown; message?: unknown };
  return {
    ...(typeof code === 'string' ? { code: code.slice(0, 80) } : {}),
    ...(typeof message === 'string' ? { message } : {}),
  };
}

/** The one place the hub's Authorization header is built (hubRequest and the outbox's transport use it). */
export function hubAuthorization(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/**
 * The transport for the outbox worker (src/report/outbox.ts is pure and takes a fetch; it reads its own answer:
 * acknowledged ids, Retry-After): the endpoint's token goes on as the Authorization header here, so the outbox
 * never sees it. Calls the global fetch as a plain function: a browser's fetch throws "Illegal invocation" when
 * `this` is another object.
 */
export function hubTransport(endpoint: HubEndpoint): typeof fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(hubAuthorization(endpoint.token))) headers.set(name, value);
    return fetch(input, { ...init, headers });
  };
}

/** One call to the hub. Never throws: see HubResult. */
export async function hubRequest<T>(call: HubCall<T>): Promise<HubResult<T>> {
  let endpoint: HubEndpoint | undefined;
  try {
    endpoint = await hubEndpoint();
  } catch (error) {
    return { ok: false, kind: 'unavailable', reason: `settings unreadable: ${String(error).slice(0, 200)}` };
  }
  if (!endpoint?.token) return { ok: false, kind: 'unavailable', reason: NOT_CONFIGURED };
  const { hubUrl, token } = endpoint;
  const timeoutMs = call.timeoutMs ?? DEFAULT_HUB_TIMEOUT_MS;
  let response: Response;
  try {
    response = await fetch(hubUrlFor(hubUrl, call.path), {
      method: call.method ?? 'GET',
      headers: {
        ...hubAuthorization(token),
        ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(call.ifNoneMatch ? { 'if-none-match': call.ifNoneMatch } : {}),
      },
      ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
      signal: AbortSignal.timeout(timeoutMs),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
    return {
      ok: false,
      kind: 'unavailable',
      reason: timedOut
        ? `no answer within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`}`
        : `network error: ${scrub(error instanceof Error ? error.message : String(error), token)}`,
    };
  }
  if (response.status === 304 && call.ifNoneMatch) return { ok: false, kind: 'not-modified' };
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    return {
      ok: false,
      kind: 'unavailable',
      reason: `the answer broke off: ${scrub(error instanceof Error ? error.message : String(error), token)}`,
    };
  }
  let body: unknown;
  let json = true;
  try {
    body = JSON.parse(text);
  } catch {
    json = false;
  }
  if (!response.ok) {
    const { code, message } = json ? readHubError(body) : {};
    return {
      ok: false,
      kind: 'refused',
      status: response.status,
      ...(code ? { code } : {}),
      reason: scrub(`hub answered ${response.status}${message ? `: ${message}` : ''}`, token),
    };
  }
  if (!json)
    return {
      ok: false,
      kind: 'refused',
      status: response.status,
      reason: `hub answered ${response.status} with a body that is not JSON`,
    };
  const parsed = call.schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      kind: 'refused',
      status: response.status,
      reason: scrub(
        `hub answered ${response.status} outside the contract${issue ? ` at ${issue.path.join('.') || '(root)'}: ${issue.message}` : ''}`,
        token,
      ),
    };
  }
  const etag = response.headers.get('etag')?.slice(0, 200);
  return { ok: true, status: response.status, data: parsed.data, ...(etag ? { etag } : {}) };
}

/** A result that is not data, as one line for a status field or a log (never the token). */
export function describeFailure(result: Exclude<HubResult<unknown>, { ok: true }>): string {
  if (result.kind === 'not-modified') return 'not modified';
  if (result.kind === 'unavailable') return `hub unavailable: ${result.reason}`;
  return `hub refused (${result.status}${result.code ? ` ${result.code}` : ''}): ${result.reason}`;
}
