// Directory-information opt-outs in the console (clerks record, clerks and admins read).
import { z } from 'zod';
import { parseInput } from '../../errors';
import { OptOutBodySchema, optOutOf, recordOptOut } from '../optouts';
import { consoleSession } from '../plugin';
import { sessionActor } from '../session';
import type { ConsoleApiModule } from './module';

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
};
