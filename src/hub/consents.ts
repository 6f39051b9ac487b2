// The consent registry: written consents recorded and revoked by records clerks (34 CFR 99.30, Education Code
// 49075), searched by student, and synced to SRO browsers — each SRO receiving only the consents that name it
// or its agency as recipient.
import { ulid } from 'ulid';
import { z } from 'zod';
import { localDate } from '../decide/calendar';
import { ConsentSchema, type Consent } from '../policy/consent';
import { recordAudit, type Actor } from './audit';
import { StorableDateSchema } from './bounds';
import type { Db, Queryable } from './db';
import { conflict, forbidden, invalid, issuePath } from './errors';
import { cursorText, nextChange } from './feed';
import { canonicalJsonFast } from './hashing';
import type { TokenPrincipal } from './tokens';

const shape = ConsentSchema.shape;

/** What a clerk sends: a Consent without the fields the hub fills (recordedBy, revokedAt). `id` is optional. */
export const ConsentCreateSchema = z.strictObject({
  id: shape.id.optional(),
  studentId: shape.studentId,
  signer: shape.signer,
  categories: shape.categories.max(8),
  actions: shape.actions.max(4),
  purpose: shape.purpose,
  recipient: shape.recipient,
  // Dates the database stores (bounds.ts): a year 0000 would otherwise reach PostgreSQL and answer 500.
  signedOn: StorableDateSchema,
  expiresOn: StorableDateSchema.optional(),
  documentRef: shape.documentRef,
  studentBirthDate: StorableDateSchema.optional(),
});
export type ConsentCreate = z.infer<typeof ConsentCreateSchema>;

export const ConsentRevokeSchema = z.strictObject({
  reason: z.string().trim().min(1).max(1000).optional(),
});

export type ConsentStatus = 'active' | 'expired' | 'revoked';

/** A consent as clerks see it. */
export interface ConsentView {
  consent: Consent;
  status: ConsentStatus;
  recordedAt: string;
  revokedBy: string | null;
  revokeReason: string | null;
  cursor: string;
}

interface ConsentRow {
  id: string;
  body: Consent;
  recorded_at: Date;
  revoked_at: Date | null;
  revoked_by: string | null;
  revoke_reason: string | null;
  expires_on: string | null;
  change_seq: number;
}

const COLUMNS = 'id, body, recorded_at, revoked_at, revoked_by, revoke_reason, expires_on, change_seq';

const key = (text: string): string => text.trim().toLowerCase();

function statusOf(row: Pick<ConsentRow, 'revoked_at' | 'expires_on'>, today: string): ConsentStatus {
  if (row.revoked_at !== null) return 'revoked';
  if (row.expires_on !== null && row.expires_on < today) return 'expired';
  return 'active';
}

function toView(row: ConsentRow, today: string): ConsentView {
  return {
    consent: row.body,
    status: statusOf(row, today),
    recordedAt: row.recorded_at.toISOString(),
    revokedBy: row.revoked_by,
    revokeReason: row.revoke_reason,
    cursor: cursorText(row.change_seq),
  };
}

/** Today in the district's time zone (consent dates are calendar dates there). */
export const todayIn = (timeZone: string | undefined, now: Date): string =>
  localDate(now.toISOString(), timeZone ?? 'UTC');

/** The parts of a consent that say what it permits: equal parts make a resent create idempotent. */
const substance = (consent: Consent): string => {
  const { recordedBy: _by, revokedAt: _at, ...rest } = consent;
  return canonicalJsonFast(rest);
};

export async function createConsent(
  db: Db,
  input: ConsentCreate,
  caller: TokenPrincipal,
  actor: Actor,
  now: Date,
  today: string,
): Promise<{ view: ConsentView; created: boolean }> {
  if (input.categories.includes('immigration')) {
    throw invalid(
      `categories[${input.categories.indexOf('immigration')}]`,
      'no consent opens citizenship or immigration-status records to an SRO (Education Code 234.7)',
    );
  }
  const candidate = { ...input, id: input.id ?? ulid(now.getTime()), recordedBy: caller.username };
  const checked = ConsentSchema.safeParse(candidate);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw invalid(issue ? issuePath(issue) : '(root)', issue?.message ?? 'is not a valid consent');
  }
  const consent = checked.data;
  return db.transaction(async (tx) => {
    const change = await nextChange(tx, caller.district);
    const existing = await tx.query<ConsentRow>(
      `SELECT ${COLUMNS} FROM consents WHERE district = $1 AND id = $2 FOR UPDATE`,
      [caller.district, consent.id],
    );
    if (existing.rows[0]) {
      const row = existing.rows[0];
      if (substance(row.body) === substance(consent)) return { view: toView(row, today), created: false };
      throw conflict(`a different consent with id "${consent.id}" is already recorded`, 'id');
    }
    const recipientKey =
      consent.recipient.kind === 'sro' ? consent.recipient.username : consent.recipient.agency;
    const { rows } = await tx.query<ConsentRow>(
      `INSERT INTO consents (district, id, student_id, recipient_kind, recipient_key, expires_on, body,
                             recorded_at, recorded_by, change_seq)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10)
       RETURNING ${COLUMNS}`,
      [
        caller.district,
        consent.id,
        consent.studentId,
        consent.recipient.kind,
        key(recipientKey),
        consent.expiresOn ?? null,
        JSON.stringify(consent),
        now.toISOString(),
        caller.username,
        change,
      ],
    );
    await recordAudit(tx, {
      district: caller.district,
      actor,
      action: 'consent.create',
      target: `consent:${consent.id}`,
      detail: { studentId: consent.studentId, recipient: consent.recipient },
      at: now,
    });
    const row = rows[0];
    if (!row) throw new Error('insert returned no row');
    return { view: toView(row, today), created: true };
  });
}

/** Revokes a consent of the caller's district; 403 when there is none by that id. Revoking twice changes nothing. */
export async function revokeConsent(
  db: Db,
  id: string,
  reason: string | undefined,
  caller: TokenPrincipal,
  actor: Actor,
  now: Date,
  today: string,
): Promise<ConsentView> {
  return db.transaction(async (tx) => {
    const change = await nextChange(tx, caller.district);
    const existing = await tx.query<ConsentRow>(
      `SELECT ${COLUMNS} FROM consents WHERE district = $1 AND id = $2 FOR UPDATE`,
      [caller.district, id],
    );
    const row = existing.rows[0];
    if (!row) throw forbidden();
    if (row.revoked_at !== null) return toView(row, today);
    const revokedAt = now.toISOString();
    const body: Consent = { ...row.body, revokedAt };
    const { rows } = await tx.query<ConsentRow>(
      `UPDATE consents SET revoked_at = $3, revoked_by = $4, revoke_reason = $5, body = $6::jsonb, change_seq = $7
        WHERE district = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [caller.district, id, revokedAt, caller.username, reason ?? null, JSON.stringify(body), change],
    );
    await recordAudit(tx, {
      district: caller.district,
      actor,
      action: 'consent.revoke',
      target: `consent:${id}`,
      detail: { studentId: row.body.studentId, ...(reason !== undefined ? { reason } : {}) },
      at: now,
    });
    const updated = rows[0];
    if (!updated) throw new Error('update returned no row');
    return toView(updated, today);
  });
}

export async function consentsOfStudent(
  db: Queryable,
  district: string,
  studentId: string,
  includeInactive: boolean,
  today: string,
): Promise<ConsentView[]> {
  const { rows } = await db.query<ConsentRow>(
    `SELECT ${COLUMNS} FROM consents WHERE district = $1 AND student_id = $2 ORDER BY recorded_at, id`,
    [district, studentId],
  );
  return rows.map((row) => toView(row, today)).filter((view) => includeInactive || view.status === 'active');
}

/** What an SRO browser receives: only what decide() needs. The parent's name and the paper's location stay home. */
export const WITHHELD = '(withheld)';

function minimised(consent: Consent): Consent {
  const { recordedBy: _recordedBy, ...rest } = consent;
  return { ...rest, signer: { ...consent.signer, name: WITHHELD }, documentRef: WITHHELD };
}

export interface SroConsentFeed {
  /** Consents in force that name this SRO or its agency, changed after the cursor sent. */
  consents: Consent[];
  /** Ids to drop: revoked or expired since the cursor sent (always empty without one). */
  removed: string[];
  cursor: string;
  /** More changes wait: ask again at once with the returned cursor. */
  more: boolean;
}

export async function consentFeedForSro(
  db: Queryable,
  caller: TokenPrincipal,
  since: number | undefined,
  limit: number,
  today: string,
): Promise<SroConsentFeed> {
  const { rows } = await db.query<ConsentRow>(
    `SELECT ${COLUMNS} FROM consents
      WHERE district = $1 AND change_seq > $4
        AND ((recipient_kind = 'sro' AND recipient_key = $2) OR (recipient_kind = 'agency' AND recipient_key = $3))
      ORDER BY change_seq LIMIT $5`,
    [
      caller.district,
      key(caller.username),
      caller.agency === null ? null : key(caller.agency),
      since ?? 0,
      limit,
    ],
  );
  const feed: SroConsentFeed = {
    consents: [],
    removed: [],
    cursor: cursorText(since ?? 0),
    more: rows.length === limit,
  };
  for (const row of rows) {
    feed.cursor = cursorText(row.change_seq);
    if (statusOf(row, today) === 'active') feed.consents.push(minimised(row.body));
    else if (since !== undefined) feed.removed.push(row.id);
  }
  return feed;
}
