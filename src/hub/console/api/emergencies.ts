// The emergency review list and the review itself (clerks and admins).
import { z } from 'zod';
import { HttpError, IdParamsSchema, parseInput } from '../../errors';
import { emergencyAccesses, ReviewBodySchema, reviewEmergency } from '../emergencies';
import { consoleSession } from '../request-session';
import { sessionActor } from '../session';
import type { ConsoleApiModule } from './module';

const ListSchema = z.strictObject({ status: z.enum(['pending', 'all']).default('pending') });

export const emergenciesApi: ConsoleApiModule = (api, { db, policies, now }) => {
  const policyOf = async (district: string) => {
    const policy = await policies.active(district);
    if (!policy)
      throw new HttpError(409, 'conflict', 'the district has no policy yet: an admin must publish one first');
    return policy;
  };
  api.get('/emergencies', { config: { console: ['clerk', 'admin'] } }, async (request) => {
    const session = consoleSession(request);
    const { status } = parseInput(ListSchema, request.query, 'query');
    const at = now();
    return {
      now: at.toISOString(),
      accesses: await emergencyAccesses(db, session.district, await policyOf(session.district), at, status),
    };
  });
  api.post('/emergencies/:id/review', { config: { console: ['clerk', 'admin'] } }, async (request) => {
    const session = consoleSession(request);
    const { id } = parseInput(IdParamsSchema, request.params, 'params');
    const body = parseInput(ReviewBodySchema, request.body, 'body');
    return {
      access: await reviewEmergency(
        db,
        session.district,
        id,
        body,
        await policyOf(session.district),
        sessionActor(session),
        now(),
      ),
    };
  });
};
