import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { EventBatchSchema } from '../../report/event-contract';
import { sameText } from '../../policy/roles';
import { principal } from '../auth';
import type { HubContext } from '../context';
import { forbidden, invalid, parseInput } from '../errors';
import { deviceSummaries, ingestEvents, listDeviceFlags } from '../events';
import { CursorSchema, LimitSchema } from '../feed';
import { instantProblem } from '../bounds';

const FlagQuerySchema = z.strictObject({
  device: z.string().min(1).max(80).optional(),
  since: CursorSchema.optional(),
  limit: LimitSchema(1000, 200),
});

export function eventRoutes(app: FastifyInstance, { db, config, now }: HubContext): void {
  /**
   * POST /v1/events (fixed path): a batch of hash-chained events from one browser (src/report/event-contract.ts).
   * SRO tokens post their own events; admin tokens (a managed device's service account) any of their district.
   */
  app.post('/v1/events', { config: { access: ['sro', 'admin'] } }, async (request) => {
    const caller = principal(request);
    const { events } = parseInput(EventBatchSchema, request.body, 'body');
    for (const event of events) {
      if (event.district !== caller.district) throw forbidden();
      // An SRO's browser also logs device events with no user (a policy applied, a download from a page
      // whose user was unknown); it may never post events in another user's name.
      if (
        caller.role === 'sro' &&
        event.actor.username !== undefined &&
        !sameText(event.actor.username, caller.username)
      ) {
        throw forbidden();
      }
    }
    const at = now();
    const latest = at.getTime() + config.maxClockSkewMs;
    events.forEach((event, index) => {
      const problem = instantProblem(event.time);
      if (problem) throw invalid(`events[${index}].time`, problem);
      if (Date.parse(event.time) > latest) {
        throw invalid(
          `events[${index}].time`,
          `${event.time} is in the future (the hub's clock says ${at.toISOString()}); check the device's clock`,
        );
      }
    });
    return ingestEvents(db, events, caller, at);
  });

  /** Per-device chain summary for admins: events received, positions missing, flags raised. */
  app.get('/v1/devices', { config: { access: ['admin'] } }, async (request) => {
    parseInput(z.strictObject({}), request.query, 'query');
    return { devices: await deviceSummaries(db, principal(request).district) };
  });

  /** Devices flagged for a broken chain, a hash that does not match, or an id reused with other content. */
  app.get('/v1/device-flags', { config: { access: ['admin'] } }, async (request) => {
    const query = parseInput(FlagQuerySchema, request.query, 'query');
    const flags = await listDeviceFlags(db, {
      district: principal(request).district,
      ...(query.device !== undefined ? { device: query.device } : {}),
      afterId: query.since ?? 0,
      limit: query.limit,
    });
    return {
      flags,
      cursor: String(flags.at(-1)?.id ?? query.since ?? 0),
      more: flags.length === query.limit,
    };
  });
}
