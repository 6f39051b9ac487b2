// The exception queue: pending requests oldest first with everything a clerk weighs, and the decision (approve
// for at most what the basis allows, with the notice duty and the certification where the basis needs them;
// or deny with a reason). The decision is the hub's own decideRequest: the same checks as POST /v1/requests/:id/decision.
import { z } from 'zod';
import { IdParamsSchema, parseInput } from '../../errors';
import { decideRequest, REQUEST_STATUSES, RequestDecisionSchema, requestQueue } from '../../requests';
import { consoleSession } from '../request-session';
import { sessionActor, sessionPrincipal } from '../session';
import type { ConsoleApiModule } from './module';

const QueueQuerySchema = z.strictObject({
  status: z.enum([...REQUEST_STATUSES, 'all']).default('pending'),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});

export const queueApi: ConsoleApiModule = (api, { db, policies, now }) => {
  api.get('/requests', { config: { console: ['clerk', 'admin'] } }, async (request) => {
    const session = consoleSession(request);
    const query = parseInput(QueueQuerySchema, request.query, 'query');
    const at = now();
    const requests = await requestQueue(
      db,
      session.district,
      query.status === 'all' ? undefined : query.status,
      query.limit,
    );
    return {
      now: at.toISOString(),
      requests: requests.map((view) => ({
        ...view,
        waitedMinutes: Math.max(0, Math.floor((at.getTime() - Date.parse(view.request.filedAt)) / 60_000)),
      })),
    };
  });

  api.post('/requests/:id/decision', { config: { console: ['clerk'] } }, async (request) => {
    const session = consoleSession(request);
    const { id } = parseInput(IdParamsSchema, request.params, 'params');
    const decision = parseInput(RequestDecisionSchema, request.body, 'body');
    return {
      request: await decideRequest(
        db,
        policies,
        id,
        decision,
        sessionPrincipal(session),
        sessionActor(session),
        now(),
      ),
    };
  });
};
