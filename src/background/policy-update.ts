// Signed policy updates: fetch the district's signed bundle from the hub (on every sync alarm and when the
// managed settings change), verify it against the keys the managed settings trust, and apply it only when
// every check passes. Otherwise the policy in force stays, the rejection is logged (a `policy-rejected` event,
// delivered to the hub like every event) and shown on the options page.
import type { PolicyBundle } from '../policy/bundle';
import { diffBundles } from '../policy/diff';
import { SignedBundleSchema, verifySignedBundle, type RejectedPolicy } from '../policy/signing';
import type { PolicyRejection, PolicyStatus } from '../policy/update-status';
import { sha256Hex } from '../report/canonical-json';
import { z } from 'zod';
import { baseDraft, record } from './audit';
import { describeFailure, hubRequest, NOT_CONFIGURED } from './hub-client';
import { managedSettings, signedPolicyRequired } from './managed';
import { activePolicy, policyFollows, STORED_POLICY_KEY } from './policy';
import { readPolicyStatus, updateStatus } from './policy-source';
/** The hub's answer to GET /v1/policy: the bundle as published under `signed` (null when it was never signed). */
const PolicyAnswerSchema = z.object({ signed: z.unknown() }).loose();

async function logRejection(rejected: RejectedPolicy, inForce: PolicyBundle | undefined): Promise<void> {
  const evidence: Record<string, string> = { check: rejected.check, reason: rejected.reason.slice(0, 5000) };
  if (rejected.path) evidence.path = rejected.path.slice(0, 5000);
  if (rejected.keyId) evidence.keyId = rejected.keyId;
  if (rejected.version !== undefined) evidence.version = String(rejected.version);
  await record([
    { ...baseDraft(inForce, { role: 'unknown' }), type: 'policy-rejected', citations: [], evidence },
  ]);
  console.warn(`Record Guard: policy update rejected (${rejected.check}): ${rejected.reason}`);
}

let checking: Promise<PolicyStatus['lastCheck']> | undefined;

/**
 * One check of the hub's signed policy against the policy this browser runs. A new verified bundle is stored with its status in one write:
 * the storage listener then applies it everywhere.
 */
export function checkForPolicyUpdate(options: { force?: boolean } = {}): Promise<PolicyStatus['lastCheck']> {
  checking ??= (async () => {
    const status = await readPolicyStatus();
    const at = new Date().toISOString();
    const finish = (lastCheck: PolicyStatus['lastCheck'], patch: Partial<PolicyStatus> = {}, extra = {}) =>
      updateStatus((latest) => {
        const { lastCheckError: _dropped, ...rest } = latest;
        return { ...rest, ...patch, lastCheck, lastCheckedAt: at };
      }, extra).then(() => lastCheck);
    const result = await hubRequest({
      path: '/v1/policy',
      schema: PolicyAnswerSchema,
      ...(!options.force && status.etag ? { ifNoneMatch: status.etag } : {}),
    });
    if (!result.ok) {
      if (result.kind === 'not-modified') return finish('unchanged');
      if (result.kind === 'unavailable' && result.reason === NOT_CONFIGURED) return finish('no-hub');
      if (result.kind === 'refused' && result.status === 404) return finish('none-published');
      return finish('failed', { lastCheckError: describeFailure(result).slice(0, 500) });
    }
    const etag = result.etag;
    const offered = result.data.signed ?? null;
    const managed = await managedSettings();
    const current = await activePolicy();
    const district = managed.district ?? current?.policy.district.id ?? '';
    // A bundled default counts as the version in force unless a signed policy is required (then none is).
    const currentVersion = signedPolicyRequired(managed)
      ? status.signed?.version
      : (status.signed?.version ?? current?.policy.version);
    const outcome = await verifySignedBundle(offered, {
      trustedKeys: managed.policyKeys ?? [],
      district,
      currentVersion,
    });
    if (!outcome.ok) {
      const digest = await sha256Hex(`${JSON.stringify(offered)}\n${outcome.check}\n${outcome.reason}`);
      const repeated = status.lastRejection?.digest === digest;
      if (!repeated) await logRejection(outcome, current);
      const rejection: PolicyRejection = {
        at: repeated && status.lastRejection ? status.lastRejection.at : at,
        check: outcome.check,
        reason: outcome.reason,
        ...(outcome.path ? { path: outcome.path } : {}),
        ...(outcome.keyId ? { keyId: outcome.keyId } : {}),
        ...(outcome.version !== undefined ? { version: outcome.version } : {}),
        digest,
      };
      return finish('rejected', { lastRejection: rejection, ...(etag ? { etag } : {}) });
    }
    const changes = diffBundles(current, outcome.bundle);
    const envelope = SignedBundleSchema.parse(offered);
    return finish(
      'applied',
      {
        signed: {
          policyId: outcome.bundle.policy.id,
          version: outcome.version,
          keyId: envelope.keyId,
          signedAt: outcome.signedAt,
          appliedAt: at,
        },
        changes,
        ...(etag ? { etag } : {}),
      },
      { [STORED_POLICY_KEY]: outcome.bundle },
    );
  })().finally(() => {
    checking = undefined;
  });
  return checking;
}

/**
 * After the managed settings changed: the policy in force is worked out again if what it depends on changed
 * (`reapply` does what a new policy does), and the hub is asked at once, whatever it answered before.
 */
export async function afterManagedChange(reapply: () => Promise<void>): Promise<void> {
  if (!(await policyFollows(await managedSettings()))) await reapply();
  await checkForPolicyUpdate({ force: true });
}
