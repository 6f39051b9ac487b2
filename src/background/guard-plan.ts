import { GUARD_PLAN_KEY, type GuardPlan } from '../messaging/guard-plan';
import type { PolicyBundle } from '../policy/bundle';
import { sensitiveFieldsFor } from '../policy/sensitive-fields';
import { knownNonSroByOrigin } from './identities';
import { uiLanguage } from './page-service';

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
    language: uiLanguage(),
  };
  await browser.storage.session.set({ [GUARD_PLAN_KEY]: plan });
}

/** Content scripts may read storage.session (only the plan and identities are kept there). */
export async function exposeSessionStorageToContentScripts(): Promise<void> {
  await browser.storage.session.setAccessLevel({ accessLevel: 'TRUSTED_AND_UNTRUSTED_CONTEXTS' });
}
