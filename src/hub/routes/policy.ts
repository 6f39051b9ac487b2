import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorOf, principal } from '../auth';
import type { HubContext } from '../context';
import { HttpError, parseInput } from '../errors';
import type { StoredPolicy } from '../policy';
import { diffBundles } from '../../policy/diff';

const summary = (policy: StoredPolicy) => ({
  district: policy.district,
  policyId: policy.policyId,
  version: policy.version,
  publishedAt: policy.publishedAt,
  publishedBy: policy.publishedBy,
  signature: policy.signature,
  keyId: policy.keyId,
});

const etagOf = (policy: StoredPolicy) => `"${policy.policyId}-${policy.version}"`;

export function policyRoutes(app: FastifyInstance, { policies, now }: HubContext): void {
  /** The district's policy bundle in force (any role of the district). Supports If-None-Match. */
  app.get('/v1/policy', { config: { access: ['sro', 'clerk', 'admin'] } }, async (request, reply) => {
    parseInput(z.strictObject({}), request.query, 'query');
    const caller = principal(request);
    const policy = await policies.active(caller.district);
    if (!policy) throw new HttpError(404, 'not_found', 'no policy has been published for this district yet');
    const etag = etagOf(policy);
    void reply.header('etag', etag).header('cache-control', 'private, no-cache');
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    // `signed` is the bundle exactly as published (browsers verify it); `bundle` is for reading, never applied.
    return { ...summary(policy), signed: policy.signed, bundle: policy.bundle };
  });

  /** Every published version, newest first, with who published it, when, its key and what it changed. */
  app.get('/v1/policy/history', { config: { access: ['admin'] } }, async (request) => {
    parseInput(z.strictObject({}), request.query, 'query');
    const history = await policies.history(principal(request).district);
    return {
      versions: history.map((policy, index) => ({
        ...summary(policy),
        signed: policy.signed !== null,
        changes: diffBundles(history[index + 1]?.bundle, policy.bundle),
      })),
    };
  });

  /** Publishes a new bundle (admin): valid, same policy id, a greater version, for the admin's own district. */
  app.put('/v1/policy', { config: { access: ['admin'] } }, async (request) => {
    const caller = principal(request);
    const published = await policies.publish(caller.district, request.body, actorOf(caller), now());
    return summary(published);
  });
}
