import { GUARD_PLAN_KEY, isGuardPlan, type GuardPlan } from '../contracts/guard-plan';
import { planOpens, type PageReading } from '../decide/plan-views';
import { bundleClassification, sensitiveFieldsFor } from '../policy/sensitive-fields';
import {
  applyRecordRules,
  assignedSroOrigins,
  ownedOrigin,
  type GuardedOrigin,
} from '../enforce/record-rules';
import type { PolicyBundle } from '../policy/bundle';
import { nonSroDisplayNames } from '../policy/roles';
import { srosMayBeSignedIn } from '../decide/guarded';
import { hostVerdict, ready, type Ready } from './ready';
import { allOrigins, identityForOrigin, knownNonSro, knownNonSroByOrigin } from './identities';
import { blockedGateTarget } from './gate-nonce';
import { uiLanguage } from './language';
import { activePolicy, policyHeld } from './policy';
import { viewableForSros } from './viewable';

/** The plan as content scripts read it now, if there is a usable one. */
async function storedPlan(): Promise<GuardPlan | undefined> {
  const raw: unknown = (await browser.storage.session.get(GUARD_PLAN_KEY))[GUARD_PLAN_KEY];
  return isGuardPlan(raw) ? raw : undefined;
}

/** Writes to the plan, one at a time (a publish computes outside this queue; only its write waits in it). */
let writes: Promise<void> = Promise.resolve();
function write(change: () => Promise<void>): Promise<void> {
  const run = writes.then(change);
  writes = run.catch(() => undefined);
  return run;
}

/** Publishes are numbered; one that finishes after a later one has written is dropped. */
let publishesStarted = 0;
let newestWritten = 0;
/** Bumped whenever what SROs may view was forgotten; a publish computed before that writes no views. */
let viewsEpoch = 0;

/**
 * Publishes the plan content scripts read at document_start, from the policy in force when it starts. Without a
 * valid policy the plan is removed, so content scripts fall back to asking the background, which fails closed
 * for SROs.
 */
export async function publishGuardPlan(): Promise<void> {
  const number = ++publishesStarted;
  const epoch = viewsEpoch;
  const [bundle, state] = await Promise.all([activePolicy(), ready()]);
  const plan: GuardPlan | undefined = bundle && {
    format: 'record-guard-plan/1',
    policyVersion: bundle.policy.version,
    adapters: bundle.adapters,
    sensitive: sensitiveFieldsFor(bundle),
    // Empty on a browser assigned to an SRO: there nobody is ever confirmed as not an SRO.
    ...releasableByOrigin(state, bundle),
    categoryPatterns: bundleClassification(bundle),
    // Nothing opens from the plan while a required signed policy is awaited (the background then says why).
    viewable: (await policyHeld()) ? {} : await viewableForSros(bundle, new Date()),
    language: uiLanguage(),
    publishedAt: 0,
  };
  await write(async () => {
    if (number < newestWritten) return;
    newestWritten = number;
    if (!plan) {
      await browser.storage.session.remove(GUARD_PLAN_KEY);
      await syncRecordRules(undefined, {});
      return;
    }
    // Consents, approvals or grants changed while this was computed: publish no views rather than old ones
    // (whoever changed them publishes again).
    const viewable = epoch === viewsEpoch ? plan.viewable : {};
    await browser.storage.session.set({ [GUARD_PLAN_KEY]: { ...plan, viewable, publishedAt: Date.now() } });
    // The network rules follow the plan: the records it opens, for the SROs seen on each origin.
    await syncRecordRules(bundle, viewable);
  });
}

/**
 * The logins of the origin's known non-SROs that may release its pages in the content script, and their roster
 * display names (which let a page that shows only a name be released). None where an SRO may be signed in (an
 * SRO seen on the origin, a browser assigned to an SRO): there the identity rule keeps the host guarded until its
 * sign-in or sign-out page, only the background may decide, and a display name (not unique) may be the SRO's.
 */
export function releasableNonSro(
  state: Ready,
  bundle: PolicyBundle,
  origin: string,
): { logins: string[]; names: string[] } {
  if (srosMayBeSignedIn(hostVerdict(state, origin, identityForOrigin(origin))))
    return { logins: [], names: [] };
  const logins = knownNonSro(origin);
  return { logins, names: nonSroDisplayNames(bundle.policy, logins) };
}

/** The plan's `nonSro` and `nonSroNames`, each origin's identity judged once. */
function releasableByOrigin(state: Ready, bundle: PolicyBundle): Pick<GuardPlan, 'nonSro' | 'nonSroNames'> {
  const nonSro: Record<string, string[]> = {};
  const nonSroNames: Record<string, string[]> = {};
  for (const origin of Object.keys(knownNonSroByOrigin())) {
    const releasable = releasableNonSro(state, bundle, origin);
    nonSro[origin] = releasable.logins;
    nonSroNames[origin] = releasable.names;
  }
  return { nonSro, nonSroNames };
}

/**
 * Where an SRO may be signed in: every origin where one was seen in this browser session, and, on a browser
 * the admin assigned to an SRO, every host of every adapter (before anyone is seen there).
 */
async function guardedOrigins(bundle: PolicyBundle): Promise<GuardedOrigin[]> {
  const state = await ready();
  const guarded: GuardedOrigin[] = [];
  for (const [origin, seen] of allOrigins()) {
    if (!srosMayBeSignedIn(hostVerdict(state, origin, seen))) continue;
    // On a managed SRO browser every host is guarded below; a named SRO's origin also opens their views.
    if (seen.role !== 'sro' && state.managed.role === 'sro') continue;
    // The host's owners' rules only (ownedOrigin): a lower adapter on the host never closes the owner's pages.
    guarded.push(ownedOrigin(bundle.adapters, origin, seen.username?.toLowerCase()));
  }
  if (srosMayBeSignedIn(hostVerdict(state, undefined, undefined))) {
    // Every adapter's host patterns, a higher adapter's yielding its hosts from the lower ones' rules.
    guarded.push(...assignedSroOrigins(bundle.adapters));
  }
  return guarded;
}

/** Brings the record rules in line with the plan's views; a refusal (over the browser's limits) is logged. */
async function syncRecordRules(
  bundle: PolicyBundle | undefined,
  viewable: GuardPlan['viewable'],
): Promise<void> {
  try {
    await applyRecordRules({
      guarded: bundle ? await guardedOrigins(bundle) : [],
      viewable,
      gateTarget: await blockedGateTarget(),
      nowMs: Date.now(),
    });
  } catch (error) {
    // Only the allows were left out: SROs' records stay blocked at the network.
    console.error('Record Guard: record rules refused:', error instanceof Error ? error.message : error);
  }
}

/**
 * Takes what SROs may view out of the plan at once, before consents, approvals, grants or the policy change
 * under it; pages then wait for the verdict until the next publish.
 */
export async function forgetPlannedViews(): Promise<void> {
  viewsEpoch += 1;
  await write(async () => {
    const raw = await storedPlan();
    if (raw && Object.keys(raw.viewable).length > 0) {
      await browser.storage.session.set({ [GUARD_PLAN_KEY]: { ...raw, viewable: {} } });
    }
    // The network rules' allows go with the views: nothing opens until the next publish.
    await syncRecordRules(await activePolicy(), {});
  });
}

/**
 * After a verdict on a complete page: if the published plan would have predicted otherwise (a consent, grant
 * or approval changed by a path that did not republish, or time moved on), publish it again.
 */
export async function republishIfPlanDisagrees(page: PageReading, shown: boolean): Promise<void> {
  const stored = await storedPlan();
  if (stored && planOpens(stored, page, Date.now()) === shown) return;
  // A plan that opened what the verdict keeps covered loses its views at once.
  if (shown === false) await forgetPlannedViews();
  // At most one republish per few seconds (the last one deferred to the end of the pause): a page the plan
  // cannot predict (an SRO known only by a role label) would otherwise recompute it on every load.
  const wait = lastRepublish + REPUBLISH_MIN_MS - Date.now();
  if (wait > 0) {
    republishTimer ??= setTimeout(() => {
      republishTimer = undefined;
      lastRepublish = Date.now();
      void publishGuardPlan().catch(() => undefined);
    }, wait);
    return;
  }
  lastRepublish = Date.now();
  await publishGuardPlan();
}

const REPUBLISH_MIN_MS = 5000;
let lastRepublish = 0;
let republishTimer: ReturnType<typeof setTimeout> | undefined;

/** Content scripts may read storage.session (only the plan and identities are kept there). */
export async function exposeSessionStorageToContentScripts(): Promise<void> {
  await browser.storage.session.setAccessLevel({ accessLevel: 'TRUSTED_AND_UNTRUSTED_CONTEXTS' });
}
