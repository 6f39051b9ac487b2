// The sync cursor. Every change an SRO browser syncs (a consent recorded or revoked, a request filed or decided)
// takes the next value of one sequence, `change_seq`, and a browser asks for "changes after cursor N".
//
// A sequence alone is not a safe cursor on a real PostgreSQL server: a transaction can take value 10, commit
// after another took and committed 11, and a reader that already moved past 11 would never see 10. So writers
// take a per-district advisory lock before drawing the value and hold it until commit: values of one district
// then commit in order, and a reader that has seen N has seen everything up to N. The cursor travels as a
// decimal string; clients must treat it as opaque and only send back what they were given.
import { z } from 'zod';
import type { Queryable } from './db';
import { lock, LOCK_SPACE } from './locks';

export const CursorSchema = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,15})$/, 'must be a cursor the hub returned (a decimal number)')
  .transform(Number);

export const LimitSchema = (max: number, fallback: number) =>
  z.coerce.number().int().min(1).max(max).default(fallback);

/** Takes the district's feed lock (until commit) and returns the next change number. */
export async function nextChange(tx: Queryable, district: string): Promise<number> {
  await lock(tx, LOCK_SPACE.feed, district);
  const { rows } = await tx.query<{ n: number }>("SELECT nextval('change_seq') AS n");
  const value = rows[0]?.n;
  if (value === undefined) throw new Error('change_seq returned nothing');
  return value;
}

export const cursorText = (value: number): string => String(value);
