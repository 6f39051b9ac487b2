import {
  GUARD_PLAN_KEY,
  isGuardPlan,
  planOpens,
  type GuardPlan,
  type PageReading,
} from '../messaging/guard-plan';
import type { PolicyBundle } from '../policy/bundle';
import { sensitiveFieldsFor } from '../policy/sensitive-fields';
import { knownNonSroByOrigin } from './identities';
import { uiLanguage } from './page-service';
import { viewableForSros } from './viewable';

/**
 * Publishes the plan content scripts read at document_start. Without a valid policy the plan is removed, so
 * content scripts fall back to asking the background, which fails closed for SROs.
 */
export async function publishGuardPlan(bundle: PolicyBundle | undefined): Promise<void> {
  if (!bundle) {
    await browser.storage.session.remove(GUARD_PLAN_KEY);
    return;
  }
  const plan: GuardPlan = {
    format: 'record-guard-plan/1',
    policyVersion: bundle.policy.version,
    adapters: bundle.adapters,
    sensitive: sensitiveFieldsFor(bundle),
    // Empty on a browser assigned to an SRO: there nobody is ever confirmed as not an SRO.
    nonSro: knownNonSroByOrigin(),
    categoryPatterns: bundle.policy.categories.map(({ id, fieldPatterns }) => ({ id, fieldPatterns })),
    viewable: await viewableForSros(bundle, new Date()),
    language: uiLanguage(),
  };
  await browser.storage.session.set({ [GUARD_PLAN_KEY]: plan });
}

/**
 * After a verdict on a complete page: if the published plan would have predicted otherwise (a consent, grant
 * or approval changed by a path that did not republish, or time moved on), publish it again.
 */
export async function republishIfPlanDisagrees(
  bundle: PolicyBundle,
  page: PageReading,
  shown: boolean,
): Promise<void> {
  const raw: unknown = (await browser.storage.session.get(GUARD_PLAN_KEY))[GUARD_PLAN_KEY];
  if (isGuardPlan(raw) && planOpens(raw, page, Date.now()) === shown) return;
  // At most one republish per few seconds (the last one deferred to the end of the pause): a page the plan
  // cannot predict (an SRO known only by a role label) would otherwise recompute it on every load.
  const wait = lastRepublish + REPUBLISH_MIN_MS - Date.now();
  if (wait > 0) {
    republishTimer ??= setTimeout(() => {
      republishTimer = undefined;
      lastRepublish = Date.now();
      void publishGuardPlan(bundle).catch(() => undefined);
    }, wait);
    return;
  }
  lastRepublish = Date.now();
  await publishGuardPlan(bundle);
}

const REPUBLISH_MIN_MS = 5000;
let lastRepublish = 0;
let republishTimer: ReturnType<typeof setTimeout> | undefined;

/** Content scripts may read storage.session (only the plan and identities are kept there). */
export async function exposeSessionStorageToContentScripts(): Promise<void> {
  await browser.storage.session.setAccessLevel({ accessLevel: 'TRUSTED_AND_UNTRUSTED_CONTEXTS' });
}
