// The hub's hash check of browser events. It must give exactly hashEvent's answer (src/report/event-contract.ts):
// SHA-256 of the canonical JSON of every member but `hash`. hashEvent goes through Web Crypto, which costs an
// asynchronous round trip per event (about 4x the whole synchronous computation, measured in the ingest
// benchmark); this synchronous version produces the same bytes (property-tested against canonicalJson and
// hashEvent in tests/hub/hashing.test.ts). Events are the hub's hottest path, so their canonical form has a
// shortcut of its own (canonicalEventJson), and the digest is Node's one-shot crypto.hash.
import { hash } from 'node:crypto';
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

/** A copy with the keys in code-unit order. No prototype: a key named __proto__ stays an ordinary member. */
function sortedRecord(record: Record<string, unknown>): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(record).sort()) {
    if (record[key] !== undefined) out[key] = record[key];
  }
  return out;
}

const isPlainRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The canonical JSON of an event (LogEventSchema-valid, hash left out) from one native JSON.stringify of an
 * object literal whose members are written in canonical order (JSON.stringify keeps that order and drops
 * undefined members, as canonicalJson does); only evidence, a record with any keys, is sorted at run time.
 * Anything unusual takes the general path: evidence with index-like keys (which JavaScript would put first), a
 * number that is not finite (canonicalJson refuses it), an actor or evidence that is not an object, an actor with
 * other members.
 */
export function canonicalEventJson(event: Omit<LogEvent, 'hash'> & { hash?: string }): string {
  const { actor, evidence, seq, policyVersion } = event as Partial<LogEvent>;
  if (
    !isPlainRecord(actor) ||
    Object.keys(actor).some((key) => key !== 'role' && key !== 'username') ||
    (evidence !== undefined &&
      (!isPlainRecord(evidence) || Object.keys(evidence).some((key) => INDEX_LIKE.test(key)))) ||
    !Number.isFinite(seq) ||
    !Number.isFinite(policyVersion) ||
    // Nested records (an access's coverage, an interaction) take the general path, which sorts every level.
    event.coverage !== undefined ||
    event.interaction !== undefined
  ) {
    const { hash: _ignored, ...hashed } = event;
    return canonicalJsonFast(pick(hashed as Record<string, unknown>, HASHED_KEYS));
  }
  // Keep in canonical order (checked against HASHED_KEYS below).
  return JSON.stringify({
    action: event.action,
    actor: { role: actor.role, username: actor.username },
    basis: event.basis,
    categories: event.categories,
    citations: event.citations,
    coverage: undefined,
    device: event.device,
    district: event.district,
    evidence: evidence === undefined ? undefined : sortedRecord(evidence),
    id: event.id,
    interaction: undefined,
    justification: event.justification,
    outcome: event.outcome,
    policyVersion,
    prevHash: event.prevHash,
    ref: event.ref,
    seq,
    studentId: event.studentId,
    time: event.time,
    type: event.type,
  });
}

function pick(record: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of keys) if (record[key] !== undefined) out[key] = record[key];
  return out;
}

// The literal above must name every hashed member in canonical order, and the actor's members too: a member
// added to the contract without being added there would go unhashed, so the module refuses to load.
{
  const member = (key: string): unknown =>
    key === 'seq' || key === 'policyVersion'
      ? 1
      : key === 'actor'
        ? { username: 'u', role: 'r' }
        : key === 'evidence'
          ? { b: '', a: '' }
          : key === 'categories' || key === 'citations'
            ? []
            : key;
  const sample = JSON.parse(
    canonicalEventJson(
      Object.fromEntries(HASHED_KEYS.map((key) => [key, member(key)])) as unknown as LogEvent,
    ),
  ) as Record<string, unknown>;
  const actorKeys = Object.keys(LogEventSchema.shape.actor.shape).sort();
  if (
    Object.keys(sample).join() !== HASHED_KEYS.join() ||
    actorKeys.join() !== 'role,username' ||
    JSON.stringify(sample.actor) !== '{"role":"r","username":"u"}'
  ) {
    throw new Error('canonicalEventJson does not list the members of LogEventSchema in canonical order');
  }
}

/** hashEvent, synchronously. */
export function eventHash(event: Omit<LogEvent, 'hash'> & { hash?: string }): string {
  return hash('sha256', canonicalEventJson(event), 'hex');
}

/**
 * A LogEventSchema-valid event's JSON text (every member, hash included) and whether its hash matches its
 * content, from one serialisation: the text is the canonical JSON with the hash appended as the last member,
 * which is the event as sent for a JSON (or jsonb) reader — member order carries no meaning there.
 */
export function checkedEventJson(event: LogEvent): { json: string; hashOk: boolean } {
  const canonical = canonicalEventJson(event);
  const hashMember = `"hash":${JSON.stringify(event.hash)}`;
  return {
    json: canonical === '{}' ? `{${hashMember}}` : `${canonical.slice(0, -1)},${hashMember}}`,
    hashOk: hash('sha256', canonical, 'hex') === event.hash,
  };
}
