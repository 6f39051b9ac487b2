// The console's API client keeps the hub's list of bad rows on the error, so the roster page can name every one.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ApiError, apiSend } from '../../src/hub/console/app/api';

const answer = (status: number, body: unknown) =>
  vi.fn(() => Promise.resolve(new Response(JSON.stringify(body), { status })));

describe('console API errors', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('carries every bad row of a rejected roster, not only the first', async () => {
    vi.stubGlobal(
      'fetch',
      answer(400, {
        error: {
          code: 'invalid_request',
          message: 'csv: 2 bad row(s), nothing imported; first: …',
          field: 'csv',
        },
        rows: [
          { line: 126, column: 'student_id', message: 'duplicate student id (also on line 2)' },
          { line: 127, column: 'race_ethnicity', message: 'unknown code "purple"' },
        ],
        truncated: true,
      }),
    );
    const error = await apiSend('POST', '/roster', {}, z.object({})).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    const api = error as ApiError;
    expect(api.field).toBe('csv');
    expect(api.rows.map((row) => `${row.line} ${row.column}`)).toEqual([
      '126 student_id',
      '127 race_ethnicity',
    ]);
    expect(api.truncated).toBe(true);
  });

  it('has no rows when the body has none, or when they are malformed', async () => {
    vi.stubGlobal('fetch', answer(400, { error: { code: 'invalid_request', message: 'effectiveOn: bad' } }));
    const plain = (await apiSend('POST', '/roster', {}, z.object({})).catch((e: unknown) => e)) as ApiError;
    expect(plain.rows).toEqual([]);
    expect(plain.truncated).toBe(false);
    vi.stubGlobal('fetch', answer(400, { error: { code: 'x', message: 'y' }, rows: [{ line: 'one' }] }));
    const odd = (await apiSend('POST', '/roster', {}, z.object({})).catch((e: unknown) => e)) as ApiError;
    expect(odd.rows).toEqual([]);
    expect(odd.message).toBe('y');
  });
});
