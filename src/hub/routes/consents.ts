import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorOf, principal } from '../auth';
import {
  ConsentCreateSchema,
  ConsentRevokeSchema,
  consentFeedForSro,
  consentsOfStudent,
  createConsent,
  revokeConsent,
  todayIn,
} from '../consents';
import type { HubContext } from '../context';
import { IdParamsSchema, parseInput } from '../errors';
import { CursorSchema, LimitSchema } from '../feed';

const SearchQuerySchema = z.strictObject({
  studentId: z.string().min(1).max(40),
  status: z.enum(['active', 'all']).default('active'),
});

const FeedQuerySchema = z.strictObject({
  since: CursorSchema.optional(),
  limit: LimitSchema(1000, 500),
});

export function consentRoutes(app: FastifyInstance, { db, policies, now }: HubContext): void {
  const today = async (district: string, at: Date) =>
    todayIn((await policies.active(district))?.bundle.policy.timeZone, at);

  /** Records a written consent (clerk). Resending the same consent with its id is harmless. */
  app.post('/v1/consents', { config: { access: ['clerk'] } }, async (request, reply) => {
    const caller = principal(request);
    const input = parseInput(ConsentCreateSchema, request.body, 'body');
    const at = now();
    const { view, created } = await createConsent(
      db,
      input,
      caller,
      actorOf(caller),
      at,
      await today(caller.district, at),
    );
    return reply.code(created ? 201 : 200).send({ consent: view });
  });

  /** Records the revocation of a consent (clerk). */
  app.post('/v1/consents/:id/revoke', { config: { access: ['clerk'] } }, async (request) => {
    const caller = principal(request);
    const { id } = parseInput(IdParamsSchema, request.params, 'params');
    const { reason } = parseInput(ConsentRevokeSchema, request.body ?? {}, 'body');
    const at = now();
    return {
      consent: await revokeConsent(
        db,
        id,
        reason,
        caller,
        actorOf(caller),
        at,
        await today(caller.district, at),
      ),
    };
  });

  /** A student's consents (clerk, admin): in force only, or all with status=all. */
  app.get('/v1/consents', { config: { access: ['clerk', 'admin'] } }, async (request) => {
    const caller = principal(request);
    const query = parseInput(SearchQuerySchema, request.query, 'query');
    const consents = await consentsOfStudent(
      db,
      caller.district,
      query.studentId,
      query.status === 'all',
      await today(caller.district, now()),
    );
    return { consents };
  });

  /** The consents in force that name the calling SRO or its agency, changed after `since` (SRO browsers). */
  app.get('/v1/consents/mine', { config: { access: ['sro'] } }, async (request) => {
    const caller = principal(request);
    const query = parseInput(FeedQuerySchema, request.query, 'query');
    return consentFeedForSro(db, caller, query.since, query.limit, await today(caller.district, now()));
  });
}
