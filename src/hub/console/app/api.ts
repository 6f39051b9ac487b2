// The console's calls to its API: same origin, the session cookie sent by the browser, the CSRF proof added to
// every state-changing request, answers validated with zod. A 401 means the session ended: the shell shows
// the sign-in form again.
import { z } from 'zod';

/** One problem the hub named in a rejected file (a roster's bad rows): line, column, what is wrong. */
export interface RowProblem {
  line: number;
  column?: string;
  message: string;
}

// The bearer route's and the console route's error body for a rejected file: every bad row, up to a bound.
const RowProblemsSchema = z.object({
  rows: z
    .array(
      z.object({
        line: z.number().int().positive(),
        column: z.string().max(200).optional(),
        message: z.string().max(2000),
      }),
    )
    .max(1000),
  truncated: z.boolean().optional(),
});

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The field the hub named (`studentId`, `rows[3].signedOn`): pages show the message next to it. */
    readonly field?: string,
    /** Every bad row the hub named (a roster file): pages list them all, not only the first. */
    readonly rows: readonly RowProblem[] = [],
    /** The hub stopped counting: the file has more bad rows than `rows`. */
    readonly truncated = false,
  ) {
    super(message);
  }
}

let csrf: string | undefined;
const endedListeners = new Set<() => void>();

export function setCsrf(value: string | undefined): void {
  csrf = value;
}

/** Called when the hub says the session is gone (signed out elsewhere, idle, token revoked). */
export function onSessionEnded(listener: () => void): () => void {
  endedListeners.add(listener);
  return () => endedListeners.delete(listener);
}

interface ErrorShape {
  error?: { code?: unknown; message?: unknown; field?: unknown };
}

async function call(method: string, path: string, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf !== undefined) headers['x-rg-csrf'] = csrf;
  let response: Response;
  try {
    response = await fetch(`/console/api${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    throw new ApiError(0, 'network', 'network');
  }
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const error = (parsed as ErrorShape | undefined)?.error;
    const code = typeof error?.code === 'string' ? error.code : 'error';
    const message = typeof error?.message === 'string' ? error.message : `HTTP ${response.status}`;
    const field = typeof error?.field === 'string' ? error.field : undefined;
    const problems = RowProblemsSchema.safeParse(parsed);
    if (response.status === 401 && path !== '/session') for (const listener of endedListeners) listener();
    throw new ApiError(
      response.status,
      code,
      message,
      field,
      problems.success ? problems.data.rows : [],
      problems.success ? problems.data.truncated === true : false,
    );
  }
  return parsed;
}

function checked<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ApiError(0, 'bad_answer', 'bad_answer');
  return result.data;
}

export async function apiGet<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S>> {
  return checked(schema, await call('GET', path));
}

export async function apiSend<S extends z.ZodType>(
  method: 'POST' | 'PUT' | 'DELETE',
  path: string,
  body: unknown,
  schema: S,
): Promise<z.output<S>> {
  return checked(schema, await call(method, path, body));
}
