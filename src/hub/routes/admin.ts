import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { adminDevices } from '../admin';
import { principal } from '../auth';
import type { HubContext } from '../context';
import { parseInput } from '../errors';

const DevicesQuerySchema = z.strictObject({
  /** Hours without a report after which a browser is flagged (default 24). */
  staleAfterHours: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .optional(),
});

/** The admin's view of every enrolled browser (the console's devices page reads this). */
export function adminRoutes(app: FastifyInstance, { db, now, policies }: HubContext): void {
  app.get('/v1/admin/devices', { config: { access: ['admin'] } }, async (request) => {
    const query = parseInput(DevicesQuerySchema, request.query, 'query');
    const district = principal(request).district;
    const published = await policies.active(district);
    // Only a signed version can reach a browser: an unsigned one cannot make a browser look behind.
    const signedVersion = published?.signed ? published.version : undefined;
    return {
      publishedVersion: signedVersion ?? null,
      devices: await adminDevices(db, district, {
        now: now(),
        staleAfterHours: query.staleAfterHours ?? 24,
        publishedVersion: signedVersion,
      }),
    };
  });
}
