import type { FastifyInstance } from 'fastify';
import type { HubContext } from '../context';
import { DbStorageError } from '../db';
import { loggableError } from '../errors';
import { schemaVersion } from '../migrate';

const HEALTH_TIMEOUT_MS = 2000;
/** How long after a write failed for lack of space (or a failing disk) the hub says it is not ready. */
export const STORAGE_FAILURE_HOLD_MS = 30_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/**
 * GET /v1/health (liveness, fixed path, no token): 200 once the database answers a read within 2 s, 503
 * otherwise. GET /v1/ready (readiness): also proves the database can write (rewrites one row in a
 * transaction) and, on the embedded database, that its disk has room; 503 with Retry-After when it cannot,
 * naming which check failed. A load balancer sends writes only to a ready hub.
 */
export function healthRoutes(app: FastifyInstance, { db, config }: HubContext): void {
  app.get('/v1/health', { config: { access: 'public' } }, async (request, reply) => {
    try {
      const version = await withTimeout(schemaVersion(db), HEALTH_TIMEOUT_MS);
      return { status: 'ok', schemaVersion: version };
    } catch (error) {
      request.log.warn({ err: loggableError(error) }, 'health check: database unavailable');
      return reply
        .code(503)
        .header('retry-after', '5')
        .send({
          status: 'unavailable',
          error: { code: 'unavailable', message: 'the database does not answer' },
        });
    }
  });

  app.get('/v1/ready', { config: { access: 'public' } }, async (request, reply) => {
    const checks: { read: boolean; write: boolean; disk?: { freeBytes: number; low: boolean } } = {
      read: false,
      write: false,
    };
    let failure: { code: 'unavailable' | 'no_space'; message: string } | undefined;
    try {
      await withTimeout(schemaVersion(db), HEALTH_TIMEOUT_MS);
      checks.read = true;
      const free = await db.freeBytes();
      if (free !== undefined) {
        checks.disk = { freeBytes: free, low: free < config.lowDiskBytes };
      }
      // A statement of its own, not a transaction: only a committed transaction clears a storage failure.
      await withTimeout(db.query('UPDATE hub_probe SET at = now() WHERE id = 1'), HEALTH_TIMEOUT_MS);
      checks.write = true;
      // A one-row probe can fit where a batch of events no longer does: a recent storage failure counts.
      const recent = db.lastStorageFailure();
      if (recent && Date.now() - recent.at < STORAGE_FAILURE_HOLD_MS) {
        checks.write = false;
        throw new DbStorageError('a recent write could not be stored', recent.noSpace);
      }
    } catch (error) {
      request.log.warn({ err: loggableError(error) }, 'readiness check failed');
      failure =
        error instanceof DbStorageError && error.noSpace
          ? { code: 'no_space', message: 'the database has no disk space left to write' }
          : checks.read
            ? { code: 'unavailable', message: 'the database answers but cannot write' }
            : { code: 'unavailable', message: 'the database does not answer' };
    }
    if (failure) {
      return reply
        .code(503)
        .header('retry-after', '30')
        .send({ status: 'unavailable', checks, error: failure });
    }
    return { status: 'ready', checks };
  });
}
