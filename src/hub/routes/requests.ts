import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorOf, principal } from '../auth';
import type { HubContext } from '../context';
import { IdParamsSchema, parseInput } from '../errors';
import { CursorSchema, LimitSchema } from '../feed';
import {
  decideRequest,
  fileRequest,
  listRequests,
  REQUEST_STATUSES,
  RequestDecisionSchema,
  RequestFileSchema,
  requestsOfSro,
} from '../requests';

const ListQuerySchema = z.strictObject({
  status: z.enum([...REQUEST_STATUSES, 'all']).default('pending'),
  since: CursorSchema.optional(),
  limit: LimitSchema(500, 100),
});

const FeedQuerySchema = z.strictObject({
  since: CursorSchema.optional(),
  limit: LimitSchema(500, 100),
});

export function requestRoutes(app: FastifyInstance, { db, policies, now }: HubContext): void {
  /** Files an exception request under a basis a clerk must approve (SRO). Resending the same id is harmless. */
  app.post('/v1/requests', { config: { access: ['sro'] } }, async (request, reply) => {
    const caller = principal(request);
    const input = parseInput(RequestFileSchema, request.body, 'body');
    const { view, created } = await fileRequest(db, policies, input, caller, now());
    return reply.code(created ? 201 : 200).send({ request: view });
  });

  /** The district's requests in a status (default pending), oldest change first (clerk). */
  app.get('/v1/requests', { config: { access: ['clerk'] } }, async (request) => {
    const caller = principal(request);
    const query = parseInput(ListQuerySchema, request.query, 'query');
    return listRequests(
      db,
      caller.district,
      query.status === 'all' ? undefined : query.status,
      query.since ?? 0,
      query.limit,
    );
  });

  /** Approves (for at most the basis's limit) or denies a pending request (clerk). */
  app.post('/v1/requests/:id/decision', { config: { access: ['clerk'] } }, async (request) => {
    const caller = principal(request);
    const { id } = parseInput(IdParamsSchema, request.params, 'params');
    const decision = parseInput(RequestDecisionSchema, request.body, 'body');
    return { request: await decideRequest(db, policies, id, decision, caller, actorOf(caller), now()) };
  });

  /** The calling SRO's own requests that changed after `since`: filings and decisions (SRO browsers). */
  app.get('/v1/requests/mine', { config: { access: ['sro'] } }, async (request) => {
    const caller = principal(request);
    const query = parseInput(FeedQuerySchema, request.query, 'query');
    return requestsOfSro(db, caller, query.since ?? 0, query.limit);
  });
}
