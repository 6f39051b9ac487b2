// The audit trail of clerk and admin actions (who did what, when, to which record). Written in the same
// transaction as the action itself, so an action without its audit entry cannot exist.
import type { Queryable } from './db';

export type AuditAction =
  | 'consent.create'
  | 'consent.revoke'
  | 'request.decide'
  | 'policy.seed'
  | 'policy.publish'
  | 'token.issue'
  | 'token.revoke'
  | 'device.refused'
  // The console (issue 12).
  | 'console.sign-in'
  | 'console.sign-out'
  | 'consent.import'
  | 'request.notice'
  | 'optout.record'
  | 'optout.import'
  | 'emergency.report'
  | 'emergency.review'
  // Reports (issue 14): a roster imported, an interaction entered, a student's disclosure record viewed.
  | 'roster.import'
  | 'interaction.create'
  | 'disclosure.view';

/** Who acts: a token's user, or an operator at the command line (`cli:<os user>`, no token). */
export interface Actor {
  username: string;
  role: 'sro' | 'clerk' | 'admin' | 'operator';
  tokenId: string | null;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  actorRole: string;
  tokenId: string | null;
  action: AuditAction;
  target: string;
  detail: Record<string, unknown>;
}

export async function recordAudit(
  tx: Queryable,
  entry: {
    district: string;
    actor: Actor;
    action: AuditAction;
    target: string;
    detail?: Record<string, unknown>;
    at: Date;
  },
): Promise<void> {
  await tx.query(
    `INSERT INTO audit_log (district, at, actor, actor_role, token_id, action, target, detail)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)`,
    [
      entry.district,
      entry.at.toISOString(),
      entry.actor.username,
      entry.actor.role,
      entry.actor.tokenId,
      entry.action,
      entry.target,
      JSON.stringify(entry.detail ?? {}),
    ],
  );
}

interface AuditRow {
  id: number;
  at: Date;
  actor: string;
  actor_role: string;
  token_id: string | null;
  action: AuditAction;
  target: string;
  detail: Record<string, unknown>;
}

/** Entries of a district after `afterId` (oldest first), optionally of one action. */
export async function listAudit(
  db: Queryable,
  query: { district: string; afterId: number; limit: number; action?: AuditAction },
): Promise<AuditEntry[]> {
  const { rows } = await db.query<AuditRow>(
    `SELECT id, at, actor, actor_role, token_id, action, target, detail FROM audit_log
      WHERE district = $1 AND id > $2 AND ($3::text IS NULL OR action = $3)
      ORDER BY id LIMIT $4`,
    [query.district, query.afterId, query.action ?? null, query.limit],
  );
  return rows.map((row) => ({
    id: row.id,
    at: row.at.toISOString(),
    actor: row.actor,
    actorRole: row.actor_role,
    tokenId: row.token_id,
    action: row.action,
    target: row.target,
    detail: row.detail,
  }));
}
