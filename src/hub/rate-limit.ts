// The rate limit's counters live in the database, not in process memory: replicas of the hub on one
// PostgreSQL share them (N replicas still allow the configured number, not N times it). The same code runs
// on PGlite, where there is one process. Fixed windows aligned to multiples of the window length; one UPSERT
// per request counts it and returns the count so far.
import type { FastifyRateLimitOptions, FastifyRateLimitStore } from '@fastify/rate-limit';
import type { Queryable } from './db';

const INCR_SQL = `
INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1)
ON CONFLICT (key) DO UPDATE
  SET hits = CASE WHEN rate_limits.window_start = EXCLUDED.window_start
                  THEN LEAST(rate_limits.hits + 1, 2000000000) ELSE 1 END,
      window_start = EXCLUDED.window_start
RETURNING hits`;

/** Old windows are deleted now and then (at most once a minute per process). */
const CLEANUP_EVERY_MS = 60_000;

export class DbRateLimitStore implements FastifyRateLimitStore {
  private lastCleanup = 0;

  constructor(
    private readonly db: Queryable,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The constructor @fastify/rate-limit wants (`new store(options)`), bound to a database. */
  static factory(
    db: Queryable,
    clock: () => number = Date.now,
  ): new (options: FastifyRateLimitOptions) => DbRateLimitStore {
    return class extends DbRateLimitStore {
      constructor(_options: FastifyRateLimitOptions) {
        super(db, clock);
      }
    };
  }

  incr(
    key: string,
    callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
    timeWindow: number,
  ): void {
    const now = this.clock();
    const windowStart = Math.floor(now / timeWindow) * timeWindow;
    this.db.query<{ hits: number }>(INCR_SQL, [key, windowStart]).then(
      ({ rows }) => {
        callback(null, { current: rows[0]?.hits ?? 1, ttl: windowStart + timeWindow - now });
        this.cleanup(now, timeWindow);
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
    );
  }

  child(): FastifyRateLimitStore {
    return this;
  }

  private cleanup(now: number, timeWindow: number): void {
    if (now - this.lastCleanup < CLEANUP_EVERY_MS) return;
    this.lastCleanup = now;
    void this.db
      .query('DELETE FROM rate_limits WHERE window_start < $1', [now - 2 * timeWindow])
      .catch(() => undefined);
  }
}
