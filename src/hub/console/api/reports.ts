// Reports in the console (issue 14): the Board report (JSON, CSV), a student's disclosure record (its viewing
// audited), roster import and versions, interactions entered by an admin. The same domain functions as the
// bearer routes in src/hub/routes/reports.ts.
import { z } from 'zod';
import { StudentIdSchema } from '../../../report/board/interaction';
import { ReportQuerySchema } from '../../../report/board/report';
import { boardReportCsv } from '../../../report/board/report-csv';
import { recordAudit } from '../../audit';
import { parseInput } from '../../errors';
import { boardReport } from '../../reports/board';
import { disclosureRecord } from '../../reports/disclosure';
import { createInteraction, interactionBodySchema } from '../../reports/interactions';
import { importRoster, listRosterVersions, RosterImportSchema } from '../../reports/roster';
import { consoleSession } from '../request-session';
import { sessionActor } from '../session';
import type { ConsoleApiModule } from './module';

const DisclosureQuerySchema = z.strictObject({
  studentId: StudentIdSchema,
  lang: z.enum(['en', 'es']).default('en'),
});

export const reportsApi: ConsoleApiModule = (api, { db, policies, now }) => {
  const policyOf = async (district: string) => (await policies.active(district))?.bundle;

  const board = async (district: string, query: unknown) => {
    const parsed = parseInput(ReportQuerySchema, query, 'query');
    const bundle = await policyOf(district);
    const report = await boardReport(db, district, parsed, {
      timeZone: bundle?.policy.timeZone ?? 'UTC',
      threshold: bundle?.policy.reporting.board.smallCellThreshold ?? 11,
    });
    return { parsed, report };
  };

  api.get('/reports/board', { config: { console: ['clerk', 'admin'] } }, async (request) => {
    const { report } = await board(consoleSession(request).district, request.query);
    return { report };
  });

  api.get('/reports/board.csv', { config: { console: ['clerk', 'admin'] } }, async (request, reply) => {
    const { parsed, report } = await board(consoleSession(request).district, request.query);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="board-report-${parsed.from}-${parsed.to}.csv"`)
      .send(boardReportCsv(report, parsed.lang));
  });

  api.get('/reports/disclosure', { config: { console: ['clerk', 'admin'] } }, async (request) => {
    const session = consoleSession(request);
    const query = parseInput(DisclosureQuerySchema, request.query, 'query');
    const bundle = await policyOf(session.district);
    const at = now();
    const record = await db.transaction(async (tx) => {
      const found = await disclosureRecord(tx, session.district, query.studentId, bundle);
      await recordAudit(tx, {
        district: session.district,
        actor: sessionActor(session),
        action: 'disclosure.view',
        target: `student:${query.studentId}`,
        detail: { entries: found.entries.length, lang: query.lang, via: 'console' },
        at,
      });
      return found;
    });
    return { record, timeZone: bundle?.policy.timeZone ?? 'UTC' };
  });

  api.get('/roster', { config: { console: ['clerk', 'admin'] } }, async (request) => ({
    versions: await listRosterVersions(db, consoleSession(request).district),
  }));

  api.post(
    '/roster',
    { config: { console: ['admin'] }, bodyLimit: 64 * 1024 * 1024 },
    async (request, reply) => {
      const session = consoleSession(request);
      const input = parseInput(RosterImportSchema, request.body, 'body');
      const at = now();
      const result = await db.transaction((tx) =>
        importRoster(tx, session.district, input, sessionActor(session), at),
      );
      return reply.code(result.replaced ? 200 : 201).send(result);
    },
  );

  api.post('/interactions', { config: { console: ['admin'] } }, async (request, reply) => {
    const session = consoleSession(request);
    const input = parseInput(interactionBodySchema(now), request.body, 'body');
    const timeZone = (await policyOf(session.district))?.policy.timeZone ?? 'UTC';
    const at = now();
    const created = await db.transaction((tx) =>
      createInteraction(tx, session.district, input, timeZone, sessionActor(session), at),
    );
    return reply.code(201).send(created);
  });
};
