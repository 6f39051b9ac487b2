// Directory-information opt-outs in the console (clerks record, clerks and admins read).
import { z } from 'zod';
import { parseInput } from '../../errors';
import { importOptOuts, OptOutBodySchema, optOutOf, recordOptOut } from '../optouts';
import { consoleSession } from '../request-session';
import { sessionActor } from '../session';
import type { ConsoleApiModule } from './module';

const ImportSchema = z.strictObject({
  csv: z.string().max(4 * 1024 * 1024),
  confirm: z.boolean().default(false),
});
const QuerySchema = z.strictObject({ studentId: z.string().trim().min(1).max(40) });

export const optOutsApi: ConsoleApiModule = (api, { db, now }) => {
  api.get('/optouts', { config: { console: ['clerk', 'admin'] } }, async (request) => {
    const session = consoleSession(request);
    const { studentId } = parseInput(QuerySchema, request.query, 'query');
    return { optOut: await optOutOf(db, session.district, studentId) };
  });
  api.post('/optouts', { config: { console: ['clerk'] } }, async (request) => {
    const session = consoleSession(request);
    const body = parseInput(OptOutBodySchema, request.body, 'body');
    return { optOut: await recordOptOut(db, session.district, body, sessionActor(session), now()) };
  });
  api.post(
    '/optouts/import',
    { config: { console: ['clerk'] }, bodyLimit: 4 * 1024 * 1024 },
    async (request) => {
      const session = consoleSession(request);
      const { csv, confirm } = parseInput(ImportSchema, request.body, 'body');
      return importOptOuts(db, session.district, csv, confirm, sessionActor(session), now());
    },
  );
};
