// The consent registry in the console: a student's consents with their statuses, recording one (every field
// checked, each error naming its field), revoking (now or on a date) and the CSV import (preview, then confirm).
import { z } from 'zod';
import { todayIn } from '../../consents';
import { HttpError, IdParamsSchema, parseInput } from '../../errors';
import type { StoredPolicy } from '../../policy';
import {
  consentsForStudent,
  importConsents,
  recordConsent,
  revokeConsentOn,
  RevokeBodySchema,
} from '../consent-registry';
import { consoleSession } from '../request-session';
import { sessionActor, sessionPrincipal } from '../session';
import type { ConsoleApiModule } from './module';

const SearchSchema = z.strictObject({ studentId: z.string().trim().min(1).max(40) });
/** The CSV travels as text in JSON: the page reads the file and refuses what is not UTF-8 before sending. */
const ImportSchema = z.strictObject({
  csv: z.string().max(8 * 1024 * 1024),
  confirm: z.boolean().default(false),
});
/** A whole CSV of up to 10,000 rows fits; a 50 MB file is refused (413) before a byte of it is parsed. */
export const IMPORT_BODY_LIMIT = 9 * 1024 * 1024;

export const consentsApi: ConsoleApiModule = (api, { db, policies, now }) => {
  const policyOf = async (district: string): Promise<StoredPolicy> => {
    const policy = await policies.active(district);
    if (!policy)
      throw new HttpError(409, 'conflict', 'the district has no policy yet: an admin must publish one first');
    return policy;
  };

  /** The time zone and age of majority of the policy in force; a district without one still sees its own consents. */
  const calendar = async (district: string) => {
    const policy = await policies.active(district);
    return {
      today: todayIn(policy?.bundle.policy.timeZone, now()),
      ageOfMajority: policy?.bundle.policy.ageOfMajority ?? 18,
    };
  };

  api.get('/consents', { config: { console: ['clerk', 'admin'] } }, async (request) => {
    const session = consoleSession(request);
    const { studentId } = parseInput(SearchSchema, request.query, 'query');
    const { today, ageOfMajority } = await calendar(session.district);
    return {
      today,
      consents: await consentsForStudent(db, session.district, studentId, today, ageOfMajority),
    };
  });

  api.post('/consents', { config: { console: ['clerk'] } }, async (request, reply) => {
    const session = consoleSession(request);
    const policy = await policyOf(session.district);
    const at = now();
    const consent = await recordConsent(
      db,
      request.body,
      policy,
      sessionPrincipal(session),
      sessionActor(session),
      at,
      todayIn(policy.bundle.policy.timeZone, at),
    );
    return reply.code(201).send({ consent });
  });

  api.post('/consents/:id/revoke', { config: { console: ['clerk'] } }, async (request) => {
    const session = consoleSession(request);
    const { id } = parseInput(IdParamsSchema, request.params, 'params');
    const body = parseInput(RevokeBodySchema, request.body, 'body');
    const { today, ageOfMajority } = await calendar(session.district);
    return {
      consent: await revokeConsentOn(
        db,
        id,
        body,
        ageOfMajority,
        sessionPrincipal(session),
        sessionActor(session),
        now(),
        today,
      ),
    };
  });

  api.post(
    '/consents/import',
    { config: { console: ['clerk'] }, bodyLimit: IMPORT_BODY_LIMIT },
    async (request) => {
      const session = consoleSession(request);
      const { csv, confirm } = parseInput(ImportSchema, request.body, 'body');
      const policy = await policyOf(session.district);
      const at = now();
      return importConsents(
        db,
        csv,
        confirm,
        policy,
        sessionPrincipal(session),
        sessionActor(session),
        at,
        todayIn(policy.bundle.policy.timeZone, at),
      );
    },
  );
};
