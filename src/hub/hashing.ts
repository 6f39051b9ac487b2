// The hub's hash check of browser events. It must give exactly hashEvent's answer (src/report/event-contract.ts):
// SHA-256 of the canonical JSON of every member but `hash`. hashEvent goes through Web Crypto, which costs an
// asynchronous round trip per event (about 4x the whole synchronous computation, measured in the ingest
// benchmark); this synchronous version produces the same bytes (property-tested against canonicalJson and
// hashEvent in tests/hub/hashing.test.ts). Events are the hub's hottest path, so their canonical form has a
// shortcut of its own (canonicalEventJson).
import { createHash } from 'node:crypto';
import { LogEventSchema, type LogEvent } from '../report/event-contract';

/** Byte-for-byte the output of canonicalJson (src/report/canonical-json.ts), with fewer intermediate arrays. */
export function canonicalJsonFast(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('non-finite number in event');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let index = 0; index < value.length; index++) {
      if (index > 0) out += ',';
      out += canonicalJsonFast((value[index] as unknown) ?? null);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += `${JSON.stringify(key)}:${canonicalJsonFast(member)}`;
  }
  return `${out}}`;
}

/** The members of an event that its hash covers, in canonical (code-unit) order. */
const HASHED_KEYS = Object.keys(LogEventSchema.shape)
  .filter((key) => key !== 'hash')
  .sort();

/** Keys JavaScript orders numerically ahead of the others in an object, whatever the insertion order. */
const INDEX_LIKE = /^(0|[1-9][0-9]*)$/;

function sortedRecord(record: Record<string, unknown>): Record<string, unknown> {
  // No prototype: a key named __proto__ stays an ordinary member.
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(record).sort()) {
    if (record[key] !== undefined) out[key] = record[key];
  }
  return out;
}

/**
 * The canonical JSON of an event (LogEventSchema-valid, hash left out), built as one object whose members are
 * already in canonical order and serialised by one native JSON.stringify. Objects with index-like keys (which
 * JavaScript would reorder) take the general path.
 */
export function canonicalEventJson(event: Omit<LogEvent, 'hash'> & { hash?: string }): string {
  const record = event as unknown as Record<string, unknown>;
  const evidence = event.evidence;
  if (evidence !== undefined && Object.keys(evidence).some((key) => INDEX_LIKE.test(key))) {
    const { hash: _ignored, ...hashed } = event;
    return canonicalJsonFast(hashed);
  }
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of HASHED_KEYS) {
    const value = record[key];
    if (value === undefined) continue;
    out[key] = key === 'actor' || key === 'evidence' ? sortedRecord(value as Record<string, unknown>) : value;
  }
  return JSON.stringify(out);
}

/** hashEvent, synchronously. */
export function eventHash(event: Omit<LogEvent, 'hash'> & { hash?: string }): string {
  return createHash('sha256').update(canonicalEventJson(event), 'utf8').digest('hex');
}
