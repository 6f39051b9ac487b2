// Emergency review (34 CFR 99.36, 99.32(a)(5)): every access an SRO's browser granted at once under a basis the
// district reviews afterwards reaches the hub as events (the grant, its justification with the threat, the
// decisions that opened records). The review list is built from those events; a clerk or admin marks each
// appropriate or refers it with a note, and a review past the policy's number of days stands out.
import { z } from 'zod';
import { grantLimitMinutes } from '../../decide/decide';
import { recordAudit, type Actor } from '../audit';
import type { Db, Queryable } from '../db';
import { conflict, forbidden } from '../errors';
import type { StoredPolicy } from '../policy';

export const DEFAULT_REVIEW_DAYS = 5;

export const ReviewBodySchema = z.discriminatedUnion('outcome', [
  z.strictObject({ outcome: z.literal('appropriate'), note: z.string().trim().max(2000).optional() }),
  z.strictObject({
    outcome: z.literal('referred'),
    note: z.string().trim().min(1, 'say to whom and why it is referred').max(2000),
  }),
]);

export interface EmergencyAccess {
  id: string;
  username: string;
  agency: string | null;
  studentId: string;
  basis: string;
  categories: string[];
  threat: string;
  incident: string | null;
  justification: string;
  /** The parties the records were disclosed to (99.32(a)(5)): the SRO and their agency. */
  parties: string[];
  grantedAt: string;
  validUntil: string;
  recordsOpened: { at: string; categories: string[] }[];
  dueBy: string;
  overdue: boolean;
  review: { outcome: 'appropriate' | 'referred'; note: string | null; by: string; at: string } | null;
}

interface GrantRow {
  ref: string;
  username: string;
  student_id: string;
  time: Date;
  body: { basis?: string; categories?: string[] };
  justification: string | null;
  evidence: Record<string, string> | null;
  agency: string | null;
  status: string | null;
  reviewed_at: Date | null;
  reviewed_by: string | null;
  review_note: string | null;
}

/** The emergency accesses of a district (newest first), with what they opened and their review. */
export async function emergencyAccesses(
  db: Queryable,
  district: string,
  policy: StoredPolicy,
  now: Date,
  which: 'pending' | 'all',
): Promise<EmergencyAccess[]> {
  const reviewed = policy.bundle.legalBases.bases.filter((basis) => basis.review === 'after-access');
  if (reviewed.length === 0) return [];
  const { rows } = await db.query<GrantRow>(
    `SELECT g.body->>'ref' AS ref, g.username, g.student_id, g.time, g.body,
            j.body->>'justification' AS justification, j.body->'evidence' AS evidence,
            t.agency, r.status, r.reviewed_at, r.reviewed_by, r.review_note
       FROM events g
       LEFT JOIN LATERAL (SELECT body FROM events j WHERE j.district = g.district AND j.device = g.device
                           AND j.type = 'justification' AND j.body->>'ref' = g.body->>'ref' LIMIT 1) j ON true
       LEFT JOIN tokens t ON t.id = g.token_id
       LEFT JOIN emergency_reviews r ON r.district = g.district AND r.id = g.body->>'ref'
      WHERE g.district = $1 AND g.type = 'grant-issued' AND g.body->>'basis' = ANY($2::text[])
        AND g.body->>'ref' IS NOT NULL AND ($3::boolean OR r.status IS NULL OR r.status = 'pending')
      ORDER BY g.time DESC LIMIT 500`,
    [district, reviewed.map((basis) => basis.id), which === 'all'],
  );
  const accesses: EmergencyAccess[] = [];
  for (const row of rows) {
    const basis = reviewed.find((candidate) => candidate.id === row.body.basis);
    if (!basis) continue;
    const until = new Date(row.time.getTime() + grantLimitMinutes(policy.bundle.policy, basis) * 60_000);
    const opened = await db.query<{ time: Date; categories: string[] }>(
      `SELECT time, body->'categories' AS categories FROM events
        WHERE district = $1 AND type = 'decision' AND lower(username) = lower($2) AND student_id = $3
          AND body->>'basis' = $4 AND body->>'outcome' IN ('allow', 'redact') AND time >= $5 AND time <= $6
        ORDER BY time LIMIT 200`,
      [district, row.username, row.student_id, basis.id, row.time.toISOString(), until.toISOString()],
    );
    const days = basis.reviewWithinDays ?? DEFAULT_REVIEW_DAYS;
    const dueBy = new Date(row.time.getTime() + days * 86_400_000);
    const outcome = row.status === 'appropriate' || row.status === 'referred' ? row.status : undefined;
    const review: EmergencyAccess['review'] =
      outcome !== undefined
        ? {
            outcome,
            note: row.review_note,
            by: row.reviewed_by ?? '?',
            at: row.reviewed_at?.toISOString() ?? '',
          }
        : null;
    accesses.push({
      id: row.ref,
      username: row.username,
      agency: row.agency,
      studentId: row.student_id,
      basis: basis.id,
      categories: row.body.categories ?? [],
      threat: row.evidence?.threat ?? '',
      incident: row.evidence?.['incident-number'] ?? null,
      justification: row.justification ?? '',
      parties: [row.username, ...(row.agency ? [row.agency] : [])],
      grantedAt: row.time.toISOString(),
      validUntil: until.toISOString(),
      recordsOpened: opened.rows.map((entry) => ({
        at: entry.time.toISOString(),
        categories: entry.categories,
      })),
      dueBy: dueBy.toISOString(),
      overdue: review === null && dueBy.getTime() < now.getTime(),
      review,
    });
  }
  return accesses;
}

/** Records a review (once): appropriate, or referred with a note; audited as emergency.review. */
export async function reviewEmergency(
  db: Db,
  district: string,
  id: string,
  body: z.infer<typeof ReviewBodySchema>,
  policy: StoredPolicy,
  actor: Actor,
  now: Date,
): Promise<EmergencyAccess> {
  const access = (await emergencyAccesses(db, district, policy, now, 'all')).find((entry) => entry.id === id);
  if (!access) throw forbidden();
  if (access.review) throw conflict(`this emergency access was already reviewed by ${access.review.by}`);
  await db.transaction(async (tx) => {
    const { rowCount } = await tx.query(
      `INSERT INTO emergency_reviews (district, id, username, agency, student_id, threat, parties, categories,
                                      granted_at, valid_until, records_opened, reported_at, token_id, status,
                                      reviewed_at, reviewed_by, review_note)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11::jsonb, $12, $13, $14, $12, $15, $16)
       ON CONFLICT (district, id) DO NOTHING`,
      [
        district,
        id,
        access.username,
        access.agency,
        access.studentId,
        access.threat,
        access.parties.join(', '),
        JSON.stringify(access.categories),
        access.grantedAt,
        access.validUntil,
        JSON.stringify(access.recordsOpened),
        now.toISOString(),
        actor.tokenId ?? '(session)',
        body.outcome,
        actor.username,
        body.note ?? null,
      ],
    );
    if (rowCount === 0) throw conflict('this emergency access was reviewed a moment ago');
    await recordAudit(tx, {
      district,
      actor,
      action: 'emergency.review',
      target: `emergency:${id}`,
      detail: {
        outcome: body.outcome,
        ...(body.note ? { note: body.note } : {}),
        sro: access.username,
        studentId: access.studentId,
        threat: access.threat,
        recordsOpened: access.recordsOpened.length,
      },
      at: now,
    });
  });
  const updated = (await emergencyAccesses(db, district, policy, now, 'all')).find(
    (entry) => entry.id === id,
  );
  if (!updated) throw forbidden();
  return updated;
}
