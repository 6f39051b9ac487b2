// The admin's console routes: what every browser runs, the published policy history, and tokens (issued with
// the secret shown once, revoked at once). The same domain functions as the bearer API (/v1/admin/devices,
// /v1/policy/history, /v1/tokens), for a signed-in admin session.
import { hash } from 'node:crypto';
import { z } from 'zod';
import { diffBundles } from '../../../policy/diff';
import { adminDevices } from '../../admin';
import { forbidden, IdParamsSchema, parseInput } from '../../errors';
import {
  AgencySchema,
  HubRoleSchema,
  issueToken,
  listTokens,
  revokeToken,
  UsernameSchema,
} from '../../tokens';
import { consoleSession } from '../request-session';
import { sessionActor } from '../session';
import type { ConsoleApiModule } from './module';

const DevicesQuerySchema = z.strictObject({
  staleAfterHours: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(24),
});
const IssueBodySchema = z.strictObject({
  user: UsernameSchema,
  role: HubRoleSchema,
  agency: AgencySchema.optional(),
});

export const adminApi: ConsoleApiModule = (api, { db, policies, now, tokens }) => {
  api.get('/admin/devices', { config: { console: ['admin'] } }, async (request) => {
    const session = consoleSession(request);
    const query = parseInput(DevicesQuerySchema, request.query, 'query');
    const published = await policies.active(session.district);
    const signedVersion = published?.signed ? published.version : undefined;
    return {
      publishedVersion: signedVersion ?? null,
      staleAfterHours: query.staleAfterHours,
      devices: await adminDevices(db, session.district, {
        now: now(),
        staleAfterHours: query.staleAfterHours,
        publishedVersion: signedVersion,
      }),
    };
  });

  api.get('/admin/policy-history', { config: { console: ['admin'] } }, async (request) => {
    const session = consoleSession(request);
    parseInput(z.strictObject({}), request.query, 'query');
    const history = await policies.history(session.district);
    return {
      versions: history.map((policy, index) => ({
        version: policy.version,
        policyId: policy.policyId,
        publishedAt: policy.publishedAt,
        publishedBy: policy.publishedBy,
        signed: policy.signed !== null,
        keyId: policy.keyId,
        // What a signature covers (the canonical JSON), so an admin can tell two versions' contents apart.
        sha256: hash('sha256', policy.text),
        changes: diffBundles(history[index + 1]?.bundle, policy.bundle),
      })),
    };
  });

  api.get('/admin/tokens', { config: { console: ['admin'] } }, async (request) => {
    parseInput(z.strictObject({}), request.query, 'query');
    return { tokens: await listTokens(db, consoleSession(request).district) };
  });

  api.post('/admin/tokens', { config: { console: ['admin'] } }, async (request, reply) => {
    const session = consoleSession(request);
    const input = parseInput(IssueBodySchema, request.body, 'body');
    const { token, info } = await db.transaction((tx) =>
      issueToken(tx, { ...input, district: session.district }, sessionActor(session), now()),
    );
    // The secret is in this answer only: the hub keeps its SHA-256.
    return reply.code(201).send({ token, info });
  });

  api.post('/admin/tokens/:id/revoke', { config: { console: ['admin'] } }, async (request) => {
    const session = consoleSession(request);
    const { id } = parseInput(IdParamsSchema, request.params, 'params');
    const info = await db.transaction((tx) =>
      revokeToken(tx, id, session.district, sessionActor(session), now()),
    );
    if (!info) throw forbidden();
    tokens.forget(info.id);
    return { info };
  });
};
