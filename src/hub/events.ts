// Event ingest: idempotent by id, hash-checked, chain-checked per device, in one transaction per batch.
//
// The chain check does not depend on arrival order: each new event is compared with its stored (or same-batch)
// neighbours at seq-1 (its prevHash must be their hash), seq (nobody else may hold its position) and seq+1
// (a later event that arrived first must link to it). A missing predecessor is a gap, not a break: it may
// still arrive; GET /v1/devices counts gaps. Events that break the chain are stored anyway and their device
// is flagged in device_flags for an admin.
import { GENESIS_HASH, type EventBatchResult, type LogEvent } from '../report/event-contract';
import { recordAudit } from './audit';
import type { Db, Queryable } from './db';
import { canonicalJsonFast, checkedEventJson } from './hashing';
import { LOCK_SPACE, lockStatements } from './locks';
import type { TokenPrincipal } from './tokens';

export type FlagKind = 'chain-break' | 'hash-mismatch' | 'id-conflict' | 'seq-reused';

interface Flag {
  device: string;
  kind: FlagKind;
  event_id: string;
  seq: number;
  detail: string;
}

interface Prepared {
  event: LogEvent;
  /** The event's JSON text, as stored. */
  json: string;
  hashOk: boolean;
}

interface StoredLink {
  id: string;
  seq: number;
  hash: string;
  prevHash: string;
}

const CONFLICT_REASON =
  'conflict: an event with this id and different content is already stored; flagged as possible tampering';
const BATCH_CONFLICT_REASON =
  'conflict: this batch holds another event with this id and different content; flagged as possible tampering';

/**
 * $1 district, $2 the batch (a JSON array of the events as sent), $3 whether each one's hash matched, $4/$5/$6
 * per device: name, lowest and highest position to look at, $7 received_at, $8 token id. The batch's text is
 * built from each event's canonical JSON, which the hash check has just written (checkedEventJson).
 * It inserts every event whose id is not stored yet (the primary key decides) and returns the ids it inserted
 * and the chain neighbours of the batch as stored before it ran (every CTE sees the table as it was when the
 * statement started). The columns are read out of each event in SQL, so the batch crosses to the database once.
 */
const INGEST_SQL = `
WITH input AS (
  SELECT b AS body, n FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS t(b, n)
), near AS (
  SELECT e.id, e.device, e.seq, e.hash, e.prev_hash FROM events e
    JOIN unnest($4::text[], $5::bigint[], $6::bigint[]) AS r(device, lo, hi)
      ON e.device = r.device AND e.seq BETWEEN r.lo AND r.hi
   WHERE e.district = $1
), inserted AS (
  INSERT INTO events (district, id, device, seq, time, type, username, student_id, hash, prev_hash, hash_ok, body,
                      received_at, token_id)
  SELECT $1, body->>'id', body->>'device', (body->>'seq')::bigint, (body->>'time')::timestamptz, body->>'type',
         body->'actor'->>'username', body->>'studentId', body->>'hash', body->>'prevHash', ($3::boolean[])[n], body,
         $7, $8
    FROM input
  ON CONFLICT (district, device, id) DO NOTHING
  RETURNING id, device
)
SELECT 'near' AS k, id, device, seq, hash, prev_hash FROM near
UNION ALL SELECT 'ins', id, device, NULL, NULL, NULL FROM inserted`;

/**
 * $1 district, $2 owner key (lower-cased username), $3 username, $4 now, $5 token id, $6 the batch's devices.
 * Registers each unknown device to the caller and returns every device's owner. DO UPDATE (not DO NOTHING)
 * so a device registered by a concurrent batch is returned too, with its committed owner, under a row lock.
 */
const CLAIM_SQL = `
INSERT INTO devices (district, device, owner_key, owner, registered_at, registered_token_id)
SELECT $1, d, $2, $3, $4, $5 FROM unnest($6::text[]) AS d
ON CONFLICT (district, device) DO UPDATE SET owner_key = devices.owner_key
RETURNING device, owner_key`;

/** Thrown (after its audit entry is committed) when a batch holds events for another user's device. */
export class ForeignDeviceError extends Error {
  override name = 'ForeignDeviceError';
  constructor(readonly device: string) {
    super(`device ${device} belongs to another user`);
  }
}

/** The owner key of a token's user: what a device is registered to. */
export const ownerKey = (username: string): string => username.trim().toLowerCase();

/** One event's identity: ids are scoped per device, and a device has one owner. */
const eventKey = (device: string, id: string): string => `${device}\u0000${id}`;

/** Content identity of an event for idempotency: its canonical JSON, hash included. */
const contentOf = (event: unknown): string => canonicalJsonFast(event);

function flagFor(event: LogEvent, kind: FlagKind, detail: string): Flag {
  return { device: event.device, kind, event_id: event.id, seq: event.seq, detail };
}

/**
 * Stores a validated batch for an authorised caller (the route checks district, user and time first).
 * Returns the per-event result of the contract (src/report/event-contract.ts).
 */
export async function ingestEvents(
  db: Db,
  events: readonly LogEvent[],
  caller: TokenPrincipal,
  now: Date,
): Promise<EventBatchResult> {
  const result: EventBatchResult = { stored: [], duplicates: [], rejected: [] };
  const flags: Flag[] = [];

  // 1. Same id twice in one batch: the first counts; an identical repeat is dropped, a different one refused.
  const unique: Prepared[] = [];
  const firstById = new Map<string, LogEvent>();
  for (const event of events) {
    const first = firstById.get(eventKey(event.device, event.id));
    if (first === undefined) {
      firstById.set(eventKey(event.device, event.id), event);
      unique.push({ event, ...checkedEventJson(event) });
    } else if (contentOf(first) !== contentOf(event)) {
      result.rejected.push({ id: event.id, reason: BATCH_CONFLICT_REASON });
      flags.push(flagFor(event, 'id-conflict', 'two events with this id and different content in one batch'));
    }
  }

  const devices = [...new Set(unique.map(({ event }) => event.device))];
  const ranges = devices.map((device) => {
    const seqs = unique.filter(({ event }) => event.device === device).map(({ event }) => event.seq);
    return { device, lo: Math.min(...seqs) - 1, hi: Math.max(...seqs) + 1 };
  });

  // Batches of one device take turns (on a real server two could otherwise check the chain past each other).
  const locks = lockStatements(
    LOCK_SPACE.device,
    devices.map((device) => `${caller.district}\u0000${device}`),
  );
  const refused = await db.transaction(
    async (tx) => {
      // 2. Every device of the batch belongs to the caller (registered now if new), or nothing is stored: the
      //    refusal is audited (committed with this transaction) and the device is not flagged.
      const owners = await tx.query<{ device: string; owner_key: string }>(CLAIM_SQL, [
        caller.district,
        ownerKey(caller.username),
        caller.username,
        now.toISOString(),
        caller.tokenId,
        devices,
      ]);
      const foreign = owners.rows.find((row) => row.owner_key !== ownerKey(caller.username));
      if (foreign) {
        await recordAudit(tx, {
          district: caller.district,
          actor: { username: caller.username, role: caller.role, tokenId: caller.tokenId },
          action: 'device.refused',
          target: `device:${foreign.device}`,
          detail: {
            events: events.filter((event) => event.device === foreign.device).length,
            reason: 'events for a device registered to another user',
          },
          at: now,
        });
        return foreign.device;
      }

      // 3. One statement: insert whatever id is not stored yet; learn which it inserted, and the chain
      //    neighbours of the batch as they were before.
      const { rows } = await tx.query<{
        k: 'near' | 'ins';
        id: string;
        device: string | null;
        seq: number | null;
        hash: string | null;
        prev_hash: string | null;
      }>(INGEST_SQL, [
        caller.district,
        `[${unique.map(({ json }) => json).join(',')}]`,
        unique.map(({ hashOk }) => hashOk),
        ranges.map((range) => range.device),
        ranges.map((range) => range.lo),
        ranges.map((range) => range.hi),
        now.toISOString(),
        caller.tokenId,
      ]);
      const inserted = new Set<string>();
      const links = new Map<string, Map<number, StoredLink[]>>();
      const addLink = (device: string, link: StoredLink) => {
        let bySeq = links.get(device);
        if (!bySeq) links.set(device, (bySeq = new Map()));
        const list = bySeq.get(link.seq);
        if (list) list.push(link);
        else bySeq.set(link.seq, [link]);
      };
      for (const row of rows) {
        if (row.k === 'ins') inserted.add(eventKey(row.device ?? '', row.id));
        else if (row.device !== null && row.seq !== null && row.hash !== null && row.prev_hash !== null) {
          addLink(row.device, { id: row.id, seq: row.seq, hash: row.hash, prevHash: row.prev_hash });
        }
      }

      // 4. What was inserted is stored; what was not had its id stored already (before, or by another
      //    transaction meanwhile): a duplicate when the content is the same, else a conflict.
      const fresh = unique.filter(({ event }) => inserted.has(eventKey(event.device, event.id)));
      for (const { event } of fresh) result.stored.push(event.id);
      const known = unique
        .filter(({ event }) => !inserted.has(eventKey(event.device, event.id)))
        .map(({ event }) => event);
      if (known.length > 0) await classifyKnown(tx, caller.district, known, result, flags);

      // 5. Chain checks of the new events, in chain order.
      fresh.sort((a, b) =>
        a.event.device === b.event.device
          ? a.event.seq - b.event.seq
          : a.event.device < b.event.device
            ? -1
            : 1,
      );
      for (const { event, hashOk } of fresh) {
        const bySeq = links.get(event.device);
        if (!hashOk) {
          flags.push(
            flagFor(event, 'hash-mismatch', 'the hash does not match the content: changed after hashing'),
          );
        }
        const sameSeq = (bySeq?.get(event.seq) ?? []).filter((link) => link.id !== event.id);
        if (sameSeq.length > 0) {
          flags.push(
            flagFor(
              event,
              'seq-reused',
              `position ${event.seq} is already held by event ${sameSeq[0]?.id ?? '?'}`,
            ),
          );
        }
        if (event.seq === 1) {
          if (event.prevHash !== GENESIS_HASH) {
            flags.push(
              flagFor(event, 'chain-break', 'the first event of the chain does not start from genesis'),
            );
          }
        } else {
          const previous = bySeq?.get(event.seq - 1) ?? [];
          if (previous.length > 0 && !previous.some((link) => link.hash === event.prevHash)) {
            flags.push(
              flagFor(
                event,
                'chain-break',
                `prevHash does not match the hash of event ${previous[0]?.id ?? '?'} at position ${event.seq - 1}`,
              ),
            );
          }
        }
        const next = (bySeq?.get(event.seq + 1) ?? []).filter((link) => link.prevHash !== event.hash);
        if (next.length > 0) {
          flags.push(
            flagFor(
              event,
              'chain-break',
              `event ${next[0]?.id ?? '?'} at position ${event.seq + 1} does not link to this event`,
            ),
          );
        }
        addLink(event.device, { id: event.id, seq: event.seq, hash: event.hash, prevHash: event.prevHash });
      }

      if (flags.length > 0) await insertFlags(tx, flags, caller, now);
      return undefined;
    },
    { locks },
  );
  if (refused !== undefined) throw new ForeignDeviceError(refused);
  return result;
}

async function classifyKnown(
  tx: Queryable,
  district: string,
  events: readonly LogEvent[],
  result: EventBatchResult,
  flags: Flag[],
): Promise<void> {
  const { rows } = await tx.query<{ id: string; device: string; body: unknown }>(
    `SELECT e.id, e.device, e.body FROM events e
       JOIN unnest($2::text[], $3::text[]) AS k(device, id) ON e.device = k.device AND e.id = k.id
      WHERE e.district = $1`,
    [district, events.map((event) => event.device), events.map((event) => event.id)],
  );
  const bodies = new Map(rows.map((row) => [eventKey(row.device, row.id), row.body]));
  for (const event of events) {
    if (contentOf(bodies.get(eventKey(event.device, event.id))) === contentOf(event)) {
      result.duplicates.push(event.id);
    } else {
      result.rejected.push({ id: event.id, reason: CONFLICT_REASON });
      flags.push(
        flagFor(event, 'id-conflict', 'an event with this id and different content is already stored'),
      );
    }
  }
}

async function insertFlags(
  tx: Queryable,
  flags: readonly Flag[],
  caller: TokenPrincipal,
  now: Date,
): Promise<void> {
  await tx.query(
    `INSERT INTO device_flags (district, device, kind, event_id, seq, detail, token_id, username, created_at)
     SELECT $1, x.device, x.kind, x.event_id, x.seq, x.detail, $3, $4, $5
       FROM json_to_recordset($2::json) AS x(device text, kind text, event_id text, seq bigint, detail text)`,
    [caller.district, JSON.stringify(flags), caller.tokenId, caller.username, now.toISOString()],
  );
}

// ---------------------------------------------------------------------------------------------------------
// Admin views

export interface DeviceSummary {
  device: string;
  events: number;
  firstSeq: number;
  lastSeq: number;
  /** Positions between the first and last received that have not arrived (yet). */
  missing: number;
  lastEventAt: string;
  lastReceivedAt: string;
  flags: number;
}

export async function deviceSummaries(db: Queryable, district: string): Promise<DeviceSummary[]> {
  const { rows } = await db.query<{
    device: string;
    events: number;
    first_seq: number;
    last_seq: number;
    distinct_seqs: number;
    last_event_at: Date;
    last_received_at: Date;
    flags: number;
  }>(
    `SELECT e.device, count(*) AS events, min(e.seq) AS first_seq, max(e.seq) AS last_seq,
            count(DISTINCT e.seq) AS distinct_seqs, max(e.time) AS last_event_at,
            max(e.received_at) AS last_received_at,
            (SELECT count(*) FROM device_flags f WHERE f.district = e.district AND f.device = e.device) AS flags
       FROM events e WHERE e.district = $1
      GROUP BY e.district, e.device ORDER BY e.device`,
    [district],
  );
  return rows.map((row) => ({
    device: row.device,
    events: row.events,
    firstSeq: row.first_seq,
    lastSeq: row.last_seq,
    missing: row.last_seq - row.distinct_seqs,
    lastEventAt: row.last_event_at.toISOString(),
    lastReceivedAt: row.last_received_at.toISOString(),
    flags: row.flags,
  }));
}

export interface DeviceFlag {
  id: number;
  device: string;
  kind: FlagKind;
  eventId: string | null;
  seq: number | null;
  detail: string;
  reportedBy: string;
  at: string;
}

export async function listDeviceFlags(
  db: Queryable,
  query: { district: string; device?: string; afterId: number; limit: number },
): Promise<DeviceFlag[]> {
  const { rows } = await db.query<{
    id: number;
    device: string;
    kind: FlagKind;
    event_id: string | null;
    seq: number | null;
    detail: string;
    username: string;
    created_at: Date;
  }>(
    `SELECT id, device, kind, event_id, seq, detail, username, created_at FROM device_flags
      WHERE district = $1 AND ($2::text IS NULL OR device = $2) AND id > $3
      ORDER BY id LIMIT $4`,
    [query.district, query.device ?? null, query.afterId, query.limit],
  );
  return rows.map((row) => ({
    id: row.id,
    device: row.device,
    kind: row.kind,
    eventId: row.event_id,
    seq: row.seq,
    detail: row.detail,
    reportedBy: row.username,
    at: row.created_at.toISOString(),
  }));
}
