import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { listAudit } from '../audit';
import { principal } from '../auth';
import type { HubContext } from '../context';
import { parseInput } from '../errors';
import { CursorSchema, LimitSchema } from '../feed';

const AuditQuerySchema = z.strictObject({
  since: CursorSchema.optional(),
  limit: LimitSchema(1000, 200),
  action: z
    .enum([
      'consent.create',
      'consent.revoke',
      'request.decide',
      'policy.seed',
      'policy.publish',
      'token.issue',
      'token.revoke',
      'device.refused',
      // The console (issue 12).
      'console.sign-in',
      'console.sign-out',
      'consent.import',
      'request.notice',
      'optout.record',
      'optout.import',
      'emergency.report',
      'emergency.review',
      'roster.import',
      'interaction.create',
      'disclosure.view',
    ])
    .optional(),
});

export function auditRoutes(app: FastifyInstance, { db }: HubContext): void {
  /** The district's audit trail, oldest first after `since` (admin). */
  app.get('/v1/audit', { config: { access: ['admin'] } }, async (request) => {
    const query = parseInput(AuditQuerySchema, request.query, 'query');
    const entries = await listAudit(db, {
      district: principal(request).district,
      afterId: query.since ?? 0,
      limit: query.limit,
      ...(query.action !== undefined ? { action: query.action } : {}),
    });
    return {
      entries,
      cursor: String(entries.at(-1)?.id ?? query.since ?? 0),
      more: entries.length === query.limit,
    };
  });
}
