// Transaction-scoped advisory locks (pg_advisory_xact_lock): they serialise writers that must not interleave
// on a real PostgreSQL server. On PGlite every transaction is already exclusive, so they cost one cheap call
// (and locks given to Db.transaction as `locks` are not even sent there).
import type { Queryable } from './db';

/** First key of every lock the hub takes, so its locks never collide with another application's. */
export const LOCK_SPACE = {
  migrations: 0x52470001,
  feed: 0x52470002,
  device: 0x52470003,
  policy: 0x52470004,
} as const;

/** FNV-1a of a string, as a signed 32-bit integer (the second key of a two-key advisory lock). */
export function lockKey(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

export async function lock(tx: Queryable, space: number, key: string | number): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1::int4, $2::int4)', [
    space | 0,
    typeof key === 'number' ? key | 0 : lockKey(key),
  ]);
}

/**
 * Statements taking several locks of one space, in ascending key order so two writers never wait on each other
 * in a cycle. Only integers go into the text, so it is safe to send with BEGIN (Db.transaction's `locks`).
 */
export function lockStatements(space: number, keys: readonly string[]): string {
  const ints = [...new Set(keys.map(lockKey))].sort((a, b) => a - b);
  return ints.map((key) => `SELECT pg_advisory_xact_lock(${space | 0}, ${key | 0});`).join(' ');
}
