// Bearer tokens: random, shown once, stored only as their SHA-256. Bound to a user, a role and a district.
import { createHash, randomBytes } from 'node:crypto';
import { ulid } from 'ulid';
import { z } from 'zod';
import { IdSchema } from '../policy/vocabulary';
import { recordAudit, type Actor } from './audit';
import type { Queryable } from './db';

export const HUB_ROLES = ['sro', 'clerk', 'admin'] as const;
export const HubRoleSchema = z.enum(HUB_ROLES);
export type HubRole = z.infer<typeof HubRoleSchema>;

/** `rgh_` and 43 base64url characters (32 random bytes). Anything else is not even looked up. */
export const TOKEN_PATTERN = /^rgh_[A-Za-z0-9_-]{43}$/;

export const UsernameSchema = z
  .string()
  .trim()
  .min(1)
  .max(120)
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  .regex(/^[^\s\u0000-\u001f]+$/, 'must not contain spaces or control characters');
export const AgencySchema = z.string().trim().min(1).max(200);

export const TokenIssueSchema = z.strictObject({
  user: UsernameSchema,
  role: HubRoleSchema,
  district: IdSchema,
  agency: AgencySchema.optional(),
});
export type TokenIssue = z.infer<typeof TokenIssueSchema>;

export interface TokenInfo {
  id: string;
  user: string;
  role: HubRole;
  district: string;
  agency: string | null;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
  revokedBy: string | null;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function generateToken(): string {
  return `rgh_${randomBytes(32).toString('base64url')}`;
}

/** Issues a token and records it in the audit log; the returned token is the only copy there will ever be. */
export async function issueToken(
  tx: Queryable,
  input: TokenIssue,
  actor: Actor,
  now: Date,
): Promise<{ token: string; info: TokenInfo }> {
  const token = generateToken();
  const id = ulid(now.getTime());
  await tx.query(
    `INSERT INTO tokens (id, token_hash, username, role, district, agency, created_at, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      id,
      hashToken(token),
      input.user,
      input.role,
      input.district,
      input.agency ?? null,
      now.toISOString(),
      actor.username,
    ],
  );
  await recordAudit(tx, {
    district: input.district,
    actor,
    action: 'token.issue',
    target: `token:${id}`,
    detail: { user: input.user, role: input.role, ...(input.agency ? { agency: input.agency } : {}) },
    at: now,
  });
  return {
    token,
    info: {
      id,
      user: input.user,
      role: input.role,
      district: input.district,
      agency: input.agency ?? null,
      createdAt: now.toISOString(),
      createdBy: actor.username,
      revokedAt: null,
      revokedBy: null,
    },
  };
}

interface TokenRow {
  id: string;
  username: string;
  role: HubRole;
  district: string;
  agency: string | null;
  created_at: Date;
  created_by: string;
  revoked_at: Date | null;
  revoked_by: string | null;
}

const toInfo = (row: TokenRow): TokenInfo => ({
  id: row.id,
  user: row.username,
  role: row.role,
  district: row.district,
  agency: row.agency,
  createdAt: row.created_at.toISOString(),
  createdBy: row.created_by,
  revokedAt: row.revoked_at?.toISOString() ?? null,
  revokedBy: row.revoked_by,
});

const TOKEN_COLUMNS = 'id, username, role, district, agency, created_at, created_by, revoked_at, revoked_by';

/**
 * Revokes a token. `district` limits it to one district (an admin's own); undefined means any (the operator).
 * Returns the token, or undefined when no such token is visible. Revoking twice is harmless.
 */
export async function revokeToken(
  tx: Queryable,
  id: string,
  district: string | undefined,
  actor: Actor,
  now: Date,
): Promise<TokenInfo | undefined> {
  const { rows } = await tx.query<TokenRow>(
    `SELECT ${TOKEN_COLUMNS} FROM tokens WHERE id = $1 AND ($2::text IS NULL OR district = $2) FOR UPDATE`,
    [id, district ?? null],
  );
  const row = rows[0];
  if (!row) return undefined;
  if (row.revoked_at !== null) return toInfo(row);
  const updated = await tx.query<TokenRow>(
    `UPDATE tokens SET revoked_at = $2, revoked_by = $3 WHERE id = $1 RETURNING ${TOKEN_COLUMNS}`,
    [id, now.toISOString(), actor.username],
  );
  await recordAudit(tx, {
    district: row.district,
    actor,
    action: 'token.revoke',
    target: `token:${id}`,
    detail: { user: row.username, role: row.role },
    at: now,
  });
  return updated.rows[0] ? toInfo(updated.rows[0]) : undefined;
}

export async function listTokens(db: Queryable, district?: string): Promise<TokenInfo[]> {
  const { rows } = await db.query<TokenRow>(
    `SELECT ${TOKEN_COLUMNS} FROM tokens WHERE ($1::text IS NULL OR district = $1) ORDER BY district, created_at, id`,
    [district ?? null],
  );
  return rows.map(toInfo);
}

export interface TokenPrincipal {
  tokenId: string;
  tokenHash: string;
  username: string;
  role: HubRole;
  district: string;
  agency: string | null;
}

/**
 * Live tokens seen in the last few seconds, so a browser's every request does not cost a database round trip.
 * A token revoked through this hub's API leaves the cache at once; one revoked elsewhere (the command line
 * against a shared PostgreSQL, another hub process) stops working within `ttlMs`. Unknown tokens are not cached.
 */
export class TokenCache {
  private readonly entries = new Map<string, { principal: TokenPrincipal; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(tokenHash: string, now = Date.now()): TokenPrincipal | undefined {
    const entry = this.entries.get(tokenHash);
    if (!entry) return undefined;
    if (entry.until <= now) {
      this.entries.delete(tokenHash);
      return undefined;
    }
    return entry.principal;
  }

  set(principal: TokenPrincipal, now = Date.now()): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(principal.tokenHash, { principal, until: now + this.ttlMs });
  }

  forget(tokenId: string): void {
    for (const [hash, entry] of this.entries) {
      if (entry.principal.tokenId === tokenId) this.entries.delete(hash);
    }
  }
}

/** The live (unrevoked) token a bearer string stands for, if any. */
export async function findToken(
  db: Queryable,
  token: string,
  cache?: TokenCache,
): Promise<TokenPrincipal | undefined> {
  if (!TOKEN_PATTERN.test(token)) return undefined;
  const tokenHash = hashToken(token);
  const cached = cache?.get(tokenHash);
  if (cached) return cached;
  const { rows } = await db.query<{
    id: string;
    username: string;
    role: HubRole;
    district: string;
    agency: string | null;
  }>('SELECT id, username, role, district, agency FROM tokens WHERE token_hash = $1 AND revoked_at IS NULL', [
    tokenHash,
  ]);
  const row = rows[0];
  if (!row) return undefined;
  const principal: TokenPrincipal = {
    tokenId: row.id,
    tokenHash,
    username: row.username,
    role: row.role,
    district: row.district,
    agency: row.agency,
  };
  cache?.set(principal);
  return principal;
}
