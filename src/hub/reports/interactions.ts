// SRO interactions an admin enters at the hub. The student must be in the roster in force on the day (so the
// report can place them); the date may not be in the future.
import { ulid } from 'ulid';
import { z } from 'zod';
import { interactionInputSchema } from '../../report/board/interaction';
import { localDate } from '../../decide/calendar';
import { recordAudit, type Actor } from '../audit';
import type { Queryable } from '../db';
import { invalid } from '../errors';
import { rosterInForce } from './roster';

export const interactionBodySchema = (now: () => Date) =>
  z.intersection(interactionInputSchema(now), z.object({ officer: z.string().min(1).max(120).optional() }));

export async function createInteraction(
  tx: Queryable,
  district: string,
  input: z.infer<ReturnType<typeof interactionBodySchema>>,
  timeZone: string,
  actor: Actor,
  at: Date,
): Promise<{ id: string }> {
  const day = localDate(input.occurredAt, timeZone);
  const roster = await rosterInForce(tx, district, day);
  if (!roster) throw invalid('occurredAt', `no roster is in force on ${day}: import one first`);
  const found = await tx.query<{ school: string }>(
    'SELECT school FROM roster_students WHERE district = $1 AND version_id = $2 AND student_id = $3',
    [district, roster.id, input.studentId],
  );
  if (found.rows.length === 0) {
    throw invalid('studentId', `is not in the roster in force on ${day} (version of ${roster.effectiveOn})`);
  }
  const id = ulid(at.getTime());
  await tx.query(
    `INSERT INTO interactions (district, id, student_id, school, occurred_at, type, reason, force_used,
       parent_notified, administrator_present, officer, recorded_at, recorded_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      district,
      id,
      input.studentId,
      input.school,
      input.occurredAt,
      input.type,
      input.reason,
      input.forceUsed,
      input.parentNotified,
      input.administratorPresent,
      input.officer ?? null,
      at.toISOString(),
      actor.username,
    ],
  );
  await recordAudit(tx, {
    district,
    actor,
    action: 'interaction.create',
    target: `interaction:${id}`,
    detail: { type: input.type, school: input.school },
    at,
  });
  return { id };
}
