// The district's policy bundle: stored by version, served to every role of the district, published by admins.
// A bundle is published signed (`npm run policy -- sign`, offline, with the district's private key): the hub
// stores and serves it exactly as published, signature included, and cannot sign. Browsers verify it against
// the keys their managed settings trust. An unsigned bundle (the seed, or one published unsigned) serves the
// hub's own reads (roster, legal bases) and is served with `signed: null`, which no browser applies.
import { checkPolicyUpdate, parsePolicyBundle, type PolicyBundle } from '../policy/bundle';
import {
  readSignedPayload,
  SIGNED_BUNDLE_FORMAT,
  SignedBundleSchema,
  type SignedBundle,
} from '../policy/signing';
import { loadPolicy } from '../policy/files';
import { formatIssues } from '../policy/bundle';
import { readFile } from 'node:fs/promises';
import { canonicalJson } from '../report/canonical-json';
import { recordAudit, type Actor } from './audit';
import { policyVersionProblem } from './bounds';
import type { Db, Queryable } from './db';
import { forbidden, HttpError } from './errors';
import { lock, LOCK_SPACE } from './locks';

export interface StoredPolicy {
  district: string;
  policyId: string;
  version: number;
  bundle: PolicyBundle;
  /** Canonical JSON of `bundle`: what a signature covers. */
  text: string;
  signature: string | null;
  /** The bundle as published, signature included; null when it was published unsigned. */
  signed: SignedBundle | null;
  keyId: string | null;
  publishedAt: string;
  publishedBy: string;
}

interface PolicyRow {
  district: string;
  policy_id: string;
  version: number;
  bundle: string;
  signature: string | null;
  key_id: string | null;
  signed_payload: string | null;
  published_at: Date;
  published_by: string;
}

const COLUMNS =
  'district, policy_id, version, bundle, signature, key_id, signed_payload, published_at, published_by';

function fromRow(row: PolicyRow): StoredPolicy {
  const parsed = parsePolicyBundle(JSON.parse(row.bundle));
  if (!parsed.ok) {
    // Only validated bundles are ever stored: a row that no longer parses means the schema changed under it.
    throw new Error(
      `stored policy ${row.policy_id} v${row.version} no longer validates: ${parsed.errors[0]}`,
    );
  }
  return {
    district: row.district,
    policyId: row.policy_id,
    version: row.version,
    bundle: parsed.value,
    text: row.bundle,
    signature: row.signature,
    signed:
      row.signature !== null && row.key_id !== null && row.signed_payload !== null
        ? {
            format: SIGNED_BUNDLE_FORMAT,
            keyId: row.key_id,
            payload: row.signed_payload,
            signature: row.signature,
          }
        : null,
    keyId: row.key_id,
    publishedAt: row.published_at.toISOString(),
    publishedBy: row.published_by,
  };
}

/** Reads the newest bundle of each district, parsing a version only once per process. */
export class PolicyStore {
  private readonly cache = new Map<string, StoredPolicy>();

  constructor(private readonly db: Db) {}

  /** The policy in force for a district, or undefined when none was ever published. */
  async active(district: string, tx: Queryable = this.db): Promise<StoredPolicy | undefined> {
    const head = await tx.query<{ version: number }>(
      'SELECT max(version) AS version FROM policies WHERE district = $1',
      [district],
    );
    const version = head.rows[0]?.version;
    if (version === null || version === undefined) return undefined;
    const cached = this.cache.get(district);
    if (cached && cached.version === version) return cached;
    const { rows } = await tx.query<PolicyRow>(
      `SELECT ${COLUMNS} FROM policies WHERE district = $1 AND version = $2`,
      [district, version],
    );
    if (!rows[0]) return undefined;
    const stored = fromRow(rows[0]);
    this.cache.set(district, stored);
    return stored;
  }

  /**
   * Publishes a bundle for the actor's district: a signed bundle as `npm run policy -- sign` wrote it (stored and
   * served exactly so), or a plain bundle (unsigned: for the hub's own use; no browser applies it). Either way it
   * must be valid, the same policy id, a greater version. Another district's bundle is refused with 403. The hub
   * holds no trusted key: it cannot tell a good signature from a bad one, the browsers do.
   */
  async publish(district: string, body: unknown, actor: Actor, now: Date): Promise<StoredPolicy> {
    let candidate: unknown = body;
    let signed: SignedBundle | null = null;
    if ((body as { format?: unknown } | null)?.format === SIGNED_BUNDLE_FORMAT) {
      const envelope = SignedBundleSchema.safeParse(body);
      if (!envelope.success) {
        const first = formatIssues(envelope.error)[0] ?? '(root): is not a signed bundle';
        throw new HttpError(400, 'invalid_request', first, first.slice(0, first.indexOf(': ')));
      }
      const read = readSignedPayload(envelope.data);
      if (!read.ok) {
        const first = read.errors[0] ?? 'payload: is not a valid signed payload';
        throw new HttpError(400, 'invalid_request', first, first.slice(0, first.indexOf(': ')));
      }
      candidate = read.bundle;
      signed = envelope.data;
    }
    return this.db.transaction(async (tx) => {
      await lock(tx, LOCK_SPACE.policy, district);
      // Another district's bundle is refused before anything about it (or this district's policy) is said.
      const parsed = parsePolicyBundle(candidate);
      if (parsed.ok && parsed.value.policy.district.id !== district) throw forbidden();
      const current = await this.active(district, tx);
      const checked = checkPolicyUpdate(current?.bundle, candidate);
      if (!checked.ok) {
        const first = checked.errors[0] ?? '(root): is not a valid policy bundle';
        const field = first.includes(': ') ? first.slice(0, first.indexOf(': ')) : '(root)';
        const more = checked.errors.length > 1 ? ` (and ${checked.errors.length - 1} more problem(s))` : '';
        throw new HttpError(400, 'invalid_request', `${first}${more}`, field);
      }
      const problem = policyVersionProblem(checked.value.policy.version, current?.version);
      if (problem) {
        throw new HttpError(400, 'invalid_request', `policy.version: ${problem}`, 'policy.version');
      }
      return this.insert(tx, checked.value, signed, actor, now, 'policy.publish');
    });
  }

  /** Every published version of a district's policy, newest first: who published what, when, signed or not. */
  async history(district: string, limit = 100): Promise<StoredPolicy[]> {
    const { rows } = await this.db.query<PolicyRow>(
      `SELECT ${COLUMNS} FROM policies WHERE district = $1 ORDER BY version DESC LIMIT $2`,
      [district, limit],
    );
    return rows.map(fromRow);
  }

  private async insert(
    tx: Queryable,
    bundle: PolicyBundle,
    signed: SignedBundle | null,
    actor: Actor,
    now: Date,
    action: 'policy.publish' | 'policy.seed',
  ): Promise<StoredPolicy> {
    const text = canonicalJson(bundle);
    const signature = signed?.signature ?? null;
    const district = bundle.policy.district.id;
    await tx.query(
      `INSERT INTO policies (district, version, policy_id, bundle, signature, key_id, signed_payload, published_at,
                             published_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        district,
        bundle.policy.version,
        bundle.policy.id,
        text,
        signature,
        signed?.keyId ?? null,
        signed?.payload ?? null,
        now.toISOString(),
        actor.username,
      ],
    );
    await recordAudit(tx, {
      district,
      actor,
      action,
      target: `policy:${bundle.policy.id}@${bundle.policy.version}`,
      detail: { version: bundle.policy.version, signed: signed !== null, keyId: signed?.keyId ?? null },
      at: now,
    });
    const stored: StoredPolicy = {
      district,
      policyId: bundle.policy.id,
      version: bundle.policy.version,
      bundle,
      text,
      signature,
      signed,
      keyId: signed?.keyId ?? null,
      publishedAt: now.toISOString(),
      publishedBy: actor.username,
    };
    return stored;
  }

  /**
   * On first start (no policy stored at all), stores the bundle read from `path` (a policies/ directory or a
   * bundle file). Returns the seeded policy, or undefined when the hub already had one.
   */
  async seed(path: string, now: Date): Promise<StoredPolicy | undefined> {
    return this.db.transaction(async (tx) => {
      await lock(tx, LOCK_SPACE.policy, '*seed*');
      const { rows } = await tx.query<{ n: number }>('SELECT count(*) AS n FROM policies');
      if ((rows[0]?.n ?? 0) > 0) return undefined;
      const loaded = await loadSeed(path);
      if (!loaded.ok) throw new Error(`cannot seed the policy from ${path}: ${loaded.errors.join('; ')}`);
      const problem = policyVersionProblem(loaded.value.policy.version, undefined);
      if (problem) throw new Error(`cannot seed the policy from ${path}: policy.version ${problem}`);
      return this.insert(
        tx,
        loaded.value,
        loaded.signed,
        { username: 'hub', role: 'operator', tokenId: null },
        now,
        'policy.seed',
      );
    });
  }
}

/** A seed is a policies/ directory or bundle file (stored unsigned), or a signed bundle file (stored as signed). */
async function loadSeed(
  path: string,
): Promise<{ ok: true; value: PolicyBundle; signed: SignedBundle | null } | { ok: false; errors: string[] }> {
  if (path.endsWith('.json')) {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(path, 'utf8'));
    } catch (error) {
      return { ok: false, errors: [`${path}: ${(error as Error).message}`] };
    }
    if ((raw as { format?: unknown } | null)?.format === SIGNED_BUNDLE_FORMAT) {
      const envelope = SignedBundleSchema.safeParse(raw);
      if (!envelope.success) return { ok: false, errors: formatIssues(envelope.error) };
      const read = readSignedPayload(envelope.data);
      return read.ok ? { ok: true, value: read.bundle, signed: envelope.data } : read;
    }
  }
  const loaded = await loadPolicy(path);
  return loaded.ok ? { ...loaded, signed: null } : loaded;
}
