import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { principal } from '../auth';
import type { HubContext } from '../context';
import { parseInput } from '../errors';
import { optOutOf } from '../console/optouts';

const ParamsSchema = z.strictObject({ studentId: z.string().min(1).max(40) });

/**
 * GET /v1/optouts/:studentId (SRO browsers): the directory-information opt-out status of the student an SRO
 * opens. `optedOut: null` means nothing is on file, which counts as opted out.
 */
export function optOutRoutes(app: FastifyInstance, { db }: HubContext): void {
  app.get('/v1/optouts/:studentId', { config: { access: ['sro', 'clerk', 'admin'] } }, async (request) => {
    const { studentId } = parseInput(ParamsSchema, request.params, 'params');
    const status = await optOutOf(db, principal(request).district, studentId);
    return { studentId, optedOut: status.optedOut };
  });
}
