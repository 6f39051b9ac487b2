// Reports (issue 14): roster import, interactions entered at the hub, the Board report (JSON or CSV) and a
// student's disclosure record. Clerks and admins only; the roster and interactions are admin's.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ReportQuerySchema } from '../../report/board/report';
import { boardReportCsv } from '../../report/board/report-csv';
import { StudentIdSchema } from '../../report/board/interaction';
import { recordAudit } from '../audit';
import { actorOf, principal } from '../auth';
import type { HubContext } from '../context';
import { parseInput } from '../errors';
import { boardReport } from '../reports/board';
import { disclosureRecord } from '../reports/disclosure';
import { createInteraction, interactionBodySchema } from '../reports/interactions';
import { importRoster, listRosterVersions, RosterImportSchema } from '../reports/roster';

const DisclosureQuerySchema = z.strictObject({
  studentId: StudentIdSchema,
  lang: z.enum(['en', 'es']).default('en'),
});

/** A roster of 500,000 students is about 30 MB of CSV: more than the hub's general body limit. */
const ROSTER_BODY_LIMIT = 64 * 1024 * 1024;

export function reportRoutes(app: FastifyInstance, { db, policies, now }: HubContext): void {
  const policyOf = async (district: string) => (await policies.active(district))?.bundle;

  /** Imports a roster CSV in force from `effectiveOn` (admin): every row valid, or nothing imported. */
  app.post(
    '/v1/roster',
    { config: { access: ['admin'] }, bodyLimit: ROSTER_BODY_LIMIT },
    async (request, reply) => {
      const caller = principal(request);
      const input = parseInput(RosterImportSchema, request.body, 'body');
      const at = now();
      const result = await db.transaction((tx) =>
        importRoster(tx, caller.district, input, actorOf(caller), at),
      );
      return reply.code(result.replaced ? 200 : 201).send(result);
    },
  );

  app.get('/v1/roster', { config: { access: ['clerk', 'admin'] } }, async (request) => ({
    versions: await listRosterVersions(db, principal(request).district),
  }));

  /** An interaction entered at the hub (admin). */
  app.post('/v1/interactions', { config: { access: ['admin'] } }, async (request, reply) => {
    const caller = principal(request);
    const input = parseInput(interactionBodySchema(now), request.body, 'body');
    const at = now();
    const timeZone = (await policyOf(caller.district))?.policy.timeZone ?? 'UTC';
    const created = await db.transaction((tx) =>
      createInteraction(tx, caller.district, input, timeZone, actorOf(caller), at),
    );
    return reply.code(201).send(created);
  });

  /** The Board report for a period and schools; `format=csv` for the spreadsheet (formula-safe). */
  app.get('/v1/reports/board', { config: { access: ['clerk', 'admin'] } }, async (request, reply) => {
    const caller = principal(request);
    const query = parseInput(ReportQuerySchema, request.query, 'query');
    const bundle = await policyOf(caller.district);
    const report = await boardReport(db, caller.district, query, {
      timeZone: bundle?.policy.timeZone ?? 'UTC',
      threshold: bundle?.policy.reporting.board.smallCellThreshold ?? 11,
    });
    if (query.format === 'csv') {
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="board-report-${query.from}-${query.to}.csv"`)
        .send(boardReportCsv(report, query.lang));
    }
    return { report };
  });

  /** A student's disclosure record (clerk, admin); the viewing is audited in the same transaction. */
  app.get('/v1/reports/disclosure', { config: { access: ['clerk', 'admin'] } }, async (request) => {
    const caller = principal(request);
    const query = parseInput(DisclosureQuerySchema, request.query, 'query');
    const bundle = await policyOf(caller.district);
    const at = now();
    const record = await db.transaction(async (tx) => {
      const found = await disclosureRecord(tx, caller.district, query.studentId, bundle);
      await recordAudit(tx, {
        district: caller.district,
        actor: actorOf(caller),
        action: 'disclosure.view',
        target: `student:${query.studentId}`,
        detail: { entries: found.entries.length, lang: query.lang },
        at,
      });
      return found;
    });
    return { record };
  });
}
