// The console's session layer. A person proves who they are once (an identity provider: today a hub token,
// later OpenID Connect) and gets a session: a random cookie value (HttpOnly, SameSite=Strict, path /console)
// whose SHA-256 is stored with the user, role and district it was opened for, and a CSRF proof the page repeats
// in a header on every state-changing request. The token itself never reaches the page's storage.
//
// Adding OpenID Connect later: write another IdentityProvider (its `verify` turns an ID token into a
// ConsoleIdentity with method 'oidc') and a sign-in route that calls openSession with it. Pages, the API and
// every check below only ever see a ConsoleSession.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ulid } from 'ulid';
import { recordAudit, type Actor } from '../audit';
import type { Queryable } from '../db';
import { findToken, type TokenPrincipal } from '../tokens';

export const CONSOLE_ROLES = ['clerk', 'admin'] as const;
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

export const SESSION_COOKIE = 'rg_console';
/** The header that carries the CSRF proof. A cross-site form cannot set a header; a cross-site fetch cannot
 *  read the proof (it comes only in a same-origin JSON answer). */
export const CSRF_HEADER = 'x-rg-csrf';
/** last_seen_at is rewritten at most this often, so reading pages does not cost a write per request. */
const TOUCH_EVERY_MS = 15_000;

/** Who signed in, as an identity provider vouches for it. */
export interface ConsoleIdentity {
  method: 'token' | 'oidc';
  tokenId: string | null;
  username: string;
  role: ConsoleRole;
  district: string;
}

export interface IdentityProvider<Credential> {
  /** The identity the credential proves, `undefined` for a wrong one, `'not-console'` for a role the console refuses. */
  verify(db: Queryable, credential: Credential): Promise<ConsoleIdentity | 'not-console' | undefined>;
}

/** Hub tokens: the token must be live and its role clerk or admin. */
export const tokenIdentity: IdentityProvider<string> = {
  async verify(db, token) {
    const found = await findToken(db, token);
    if (!found) return undefined;
    if (found.role !== 'clerk' && found.role !== 'admin') return 'not-console';
    return {
      method: 'token',
      tokenId: found.tokenId,
      username: found.username,
      role: found.role,
      district: found.district,
    };
  },
};

export interface ConsoleSession {
  id: string;
  method: 'token' | 'oidc';
  tokenId: string | null;
  username: string;
  role: ConsoleRole;
  district: string;
  csrf: string;
  createdAt: string;
  expiresAt: string;
  /** When the session ends if nothing more is done. */
  idleUntil: string;
}

export interface SessionTimes {
  idleMs: number;
  maxMs: number;
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** A cookie value: 32 random bytes. Anything else is not even looked up. */
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function sessionActor(session: ConsoleSession): Actor {
  return { username: session.username, role: session.role, tokenId: session.tokenId };
}

/**
 * The session as a token principal, so the hub's domain functions (consents, requests) that take a caller
 * work unchanged for console requests. `tokenHash` names the session, never a token.
 */
export function sessionPrincipal(session: ConsoleSession): TokenPrincipal {
  return {
    tokenId: session.tokenId ?? `session:${session.id}`,
    tokenHash: `session:${session.id}`,
    username: session.username,
    role: session.role,
    district: session.district,
    agency: null,
  };
}

interface SessionRow {
  id: string;
  csrf: string;
  method: 'token' | 'oidc';
  token_id: string | null;
  subject: string;
  role: ConsoleRole;
  district: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  token_revoked: boolean | null;
}

function toSession(row: SessionRow, lastSeen: Date, times: SessionTimes): ConsoleSession {
  const idle = new Date(Math.min(lastSeen.getTime() + times.idleMs, row.expires_at.getTime()));
  return {
    id: row.id,
    method: row.method,
    tokenId: row.token_id,
    username: row.subject,
    role: row.role,
    district: row.district,
    csrf: row.csrf,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    idleUntil: idle.toISOString(),
  };
}

/** Opens a session for a verified identity; returns it and the cookie value (the only copy). */
export async function openSession(
  tx: Queryable,
  identity: ConsoleIdentity,
  times: SessionTimes,
  now: Date,
): Promise<{ session: ConsoleSession; secret: string }> {
  const secret = randomBytes(32).toString('base64url');
  const csrf = randomBytes(32).toString('base64url');
  const id = ulid(now.getTime());
  const expires = new Date(now.getTime() + times.maxMs);
  await tx.query(
    `INSERT INTO console_sessions (id, secret_hash, csrf, method, token_id, subject, role, district,
                                   created_at, last_seen_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)`,
    [
      id,
      sha256(secret),
      csrf,
      identity.method,
      identity.tokenId,
      identity.username,
      identity.role,
      identity.district,
      now.toISOString(),
      expires.toISOString(),
    ],
  );
  const session: ConsoleSession = {
    id,
    method: identity.method,
    tokenId: identity.tokenId,
    username: identity.username,
    role: identity.role,
    district: identity.district,
    csrf,
    createdAt: now.toISOString(),
    expiresAt: expires.toISOString(),
    idleUntil: new Date(Math.min(now.getTime() + times.idleMs, expires.getTime())).toISOString(),
  };
  await recordAudit(tx, {
    district: identity.district,
    actor: sessionActor(session),
    action: 'console.sign-in',
    target: `session:${id}`,
    detail: { method: identity.method },
    at: now,
  });
  return { session, secret };
}

export type SessionEnd = 'signed-out' | 'idle' | 'expired' | 'token-revoked';

async function endRow(tx: Queryable, id: string, reason: SessionEnd, now: Date): Promise<void> {
  await tx.query(
    `UPDATE console_sessions SET ended_at = $2, ended_reason = $3 WHERE id = $1 AND ended_at IS NULL`,
    [id, now.toISOString(), reason],
  );
}

/**
 * The live session a cookie value stands for: ended (and so refused) when idle too long, past its absolute
 * bound, or when the token it was opened with has been revoked since.
 */
export async function resolveSession(
  db: Queryable,
  secret: string,
  times: SessionTimes,
  now: Date,
): Promise<ConsoleSession | undefined> {
  if (!SECRET_PATTERN.test(secret)) return undefined;
  const { rows } = await db.query<SessionRow>(
    `SELECT s.id, s.csrf, s.method, s.token_id, s.subject, s.role, s.district, s.created_at, s.last_seen_at,
            s.expires_at, (t.id IS NOT NULL AND t.revoked_at IS NOT NULL) OR (s.token_id IS NOT NULL AND t.id IS NULL)
              AS token_revoked
       FROM console_sessions s LEFT JOIN tokens t ON t.id = s.token_id
      WHERE s.secret_hash = $1 AND s.ended_at IS NULL`,
    [sha256(secret)],
  );
  const row = rows[0];
  if (!row) return undefined;
  const at = now.getTime();
  let ended: SessionEnd | undefined;
  if (row.token_revoked) ended = 'token-revoked';
  else if (row.expires_at.getTime() <= at) ended = 'expired';
  else if (row.last_seen_at.getTime() + times.idleMs <= at) ended = 'idle';
  if (ended) {
    await endRow(db, row.id, ended, now);
    return undefined;
  }
  let lastSeen = row.last_seen_at;
  if (at - lastSeen.getTime() >= TOUCH_EVERY_MS) {
    await db.query('UPDATE console_sessions SET last_seen_at = $2 WHERE id = $1', [
      row.id,
      now.toISOString(),
    ]);
    lastSeen = now;
  }
  return toSession(row, lastSeen, times);
}

/** Signs a session out (the cookie is cleared by the route). */
export async function endSession(tx: Queryable, session: ConsoleSession, now: Date): Promise<void> {
  await endRow(tx, session.id, 'signed-out', now);
  await recordAudit(tx, {
    district: session.district,
    actor: sessionActor(session),
    action: 'console.sign-out',
    target: `session:${session.id}`,
    at: now,
  });
}

/** Ends every session opened with a token (called when the token is revoked through this hub). */
export async function endSessionsOfToken(tx: Queryable, tokenId: string, now: Date): Promise<void> {
  await tx.query(
    `UPDATE console_sessions SET ended_at = $2, ended_reason = 'token-revoked' WHERE token_id = $1 AND ended_at IS NULL`,
    [tokenId, now.toISOString()],
  );
}

/** Compares a request's CSRF proof with the session's in constant time. */
export function csrfMatches(session: ConsoleSession, sent: string | undefined): boolean {
  if (typeof sent !== 'string' || sent.length !== session.csrf.length) return false;
  return timingSafeEqual(Buffer.from(sent, 'utf8'), Buffer.from(session.csrf, 'utf8'));
}

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    if (part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

export function sessionCookie(secret: string, options: { secure: boolean; maxAgeSeconds: number }): string {
  return [
    `${SESSION_COOKIE}=${secret}`,
    'Path=/console',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${options.maxAgeSeconds}`,
    ...(options.secure ? ['Secure'] : []),
  ].join('; ');
}

export const clearedCookie = (secure: boolean): string =>
  [
    `${SESSION_COOKIE}=`,
    'Path=/console',
    'HttpOnly',
    'SameSite=Strict',
    'Max-Age=0',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
