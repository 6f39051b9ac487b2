// The district's policy bundle: stored by version, served to every role of the district, published by admins.
import { checkPolicyUpdate, parsePolicyBundle, type PolicyBundle } from '../policy/bundle';
import { loadPolicy } from '../policy/files';
import { canonicalJson } from '../report/canonical-json';
import { recordAudit, type Actor } from './audit';
import { policyVersionProblem } from './bounds';
import type { Db, Queryable } from './db';
import { forbidden, HttpError } from './errors';
import { lock, LOCK_SPACE } from './locks';
import type { PolicySigner } from './policy-signing';

export interface StoredPolicy {
  district: string;
  policyId: string;
  version: number;
  bundle: PolicyBundle;
  /** Canonical JSON of `bundle`: what a signature covers. */
  text: string;
  signature: string | null;
  publishedAt: string;
  publishedBy: string;
}

interface PolicyRow {
  district: string;
  policy_id: string;
  version: number;
  bundle: string;
  signature: string | null;
  published_at: Date;
  published_by: string;
}

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
    publishedAt: row.published_at.toISOString(),
    publishedBy: row.published_by,
  };
}

/** Reads the newest bundle of each district, parsing a version only once per process. */
export class PolicyStore {
  private readonly cache = new Map<string, StoredPolicy>();

  constructor(
    private readonly db: Db,
    private readonly signer: PolicySigner,
  ) {}

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
      `SELECT district, policy_id, version, bundle, signature, published_at, published_by
         FROM policies WHERE district = $1 AND version = $2`,
      [district, version],
    );
    if (!rows[0]) return undefined;
    const stored = fromRow(rows[0]);
    this.cache.set(district, stored);
    return stored;
  }

  /**
   * Publishes a bundle for the actor's district after checkPolicyUpdate (valid, same policy id, greater version).
   * A bundle for another district is refused with 403.
   */
  async publish(district: string, candidate: unknown, actor: Actor, now: Date): Promise<StoredPolicy> {
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
      return this.insert(tx, checked.value, actor, now, 'policy.publish');
    });
  }

  private async insert(
    tx: Queryable,
    bundle: PolicyBundle,
    actor: Actor,
    now: Date,
    action: 'policy.publish' | 'policy.seed',
  ): Promise<StoredPolicy> {
    const text = canonicalJson(bundle);
    const signature = await this.signer.sign(text);
    const district = bundle.policy.district.id;
    await tx.query(
      `INSERT INTO policies (district, version, policy_id, bundle, signature, published_at, published_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [district, bundle.policy.version, bundle.policy.id, text, signature, now.toISOString(), actor.username],
    );
    await recordAudit(tx, {
      district,
      actor,
      action,
      target: `policy:${bundle.policy.id}@${bundle.policy.version}`,
      detail: { version: bundle.policy.version, signed: signature !== null },
      at: now,
    });
    const stored: StoredPolicy = {
      district,
      policyId: bundle.policy.id,
      version: bundle.policy.version,
      bundle,
      text,
      signature,
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
      const loaded = await loadPolicy(path);
      if (!loaded.ok) throw new Error(`cannot seed the policy from ${path}: ${loaded.errors.join('; ')}`);
      const problem = policyVersionProblem(loaded.value.policy.version, undefined);
      if (problem) throw new Error(`cannot seed the policy from ${path}: policy.version ${problem}`);
      return this.insert(
        tx,
        loaded.value,
        { username: 'hub', role: 'operator', tokenId: null },
        now,
        'policy.seed',
      );
    });
  }
}
