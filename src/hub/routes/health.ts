import type { FastifyInstance } from 'fastify';
import type { HubContext } from '../context';
import { schemaVersion } from '../migrate';

const HEALTH_TIMEOUT_MS = 2000;

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

/** GET /v1/health (fixed path, no token): 200 once the database answers, 503 otherwise. */
export function healthRoutes(app: FastifyInstance, { db }: HubContext): void {
  app.get('/v1/health', { config: { access: 'public' } }, async (request, reply) => {
    try {
      const version = await withTimeout(schemaVersion(db), HEALTH_TIMEOUT_MS);
      return { status: 'ok', schemaVersion: version };
    } catch (error) {
      request.log.warn({ err: error }, 'health check: database unavailable');
      return reply.code(503).send({
        status: 'unavailable',
        error: { code: 'unavailable', message: 'the database does not answer' },
      });
    }
  });
}
