import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorOf, principal } from '../auth';
import type { HubContext } from '../context';
import { forbidden, IdParamsSchema, parseInput } from '../errors';
import { AgencySchema, HubRoleSchema, issueToken, listTokens, revokeToken, UsernameSchema } from '../tokens';

const IssueBodySchema = z.strictObject({
  user: UsernameSchema,
  role: HubRoleSchema,
  agency: AgencySchema.optional(),
});

/** Token administration for a running hub (the `token` command does the same offline). Admins, own district. */
export function tokenRoutes(app: FastifyInstance, { db, now, tokens }: HubContext): void {
  app.get('/v1/tokens', { config: { access: ['admin'] } }, async (request) => {
    parseInput(z.strictObject({}), request.query, 'query');
    return { tokens: await listTokens(db, principal(request).district) };
  });

  app.post('/v1/tokens', { config: { access: ['admin'] } }, async (request, reply) => {
    const caller = principal(request);
    const input = parseInput(IssueBodySchema, request.body, 'body');
    const at = now();
    const { token, info } = await db.transaction((tx) =>
      issueToken(tx, { ...input, district: caller.district }, actorOf(caller), at),
    );
    return reply.code(201).send({ token, ...info });
  });

  app.post('/v1/tokens/:id/revoke', { config: { access: ['admin'] } }, async (request) => {
    const caller = principal(request);
    const { id } = parseInput(IdParamsSchema, request.params, 'params');
    const info = await db.transaction((tx) => revokeToken(tx, id, caller.district, actorOf(caller), now()));
    if (!info) throw forbidden();
    tokens.forget(info.id);
    return { token: info };
  });
}
