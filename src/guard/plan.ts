import { extensionApi } from './chrome-api';
import { GUARD_PLAN_KEY, isGuardPlan } from '../contracts/guard-plan';
import type { PageHelloReply } from '../contracts/page-guard';
import { adapterForUrl, openPageFor } from '../sis/match';

/**
 * Reads the background's guard plan from storage.session: a storage read does not wake the service worker,
 * so a known teacher's page is uncovered within a millisecond or two. Undefined when there is no usable plan.
 */
export async function planFor(href: string): Promise<PageHelloReply | undefined> {
  const raw: unknown = (await extensionApi.storage.session.get(GUARD_PLAN_KEY))[GUARD_PLAN_KEY];
  if (!isGuardPlan(raw)) return undefined;
  const adapter = adapterForUrl(raw.adapters, href);
  const base = { language: raw.language, sensitiveLabels: [], sensitiveCodes: [], knownNonSro: [] };
  if (!adapter) {
    const open = openPageFor(raw.adapters, href);
    return open
      ? { ...base, guard: open.signIn ? 'sign-in' : 'identity', adapter: open.adapter }
      : { guard: 'none', ...base };
  }
  const sensitive = raw.sensitive[adapter.id];
  return {
    ...base,
    guard: 'check',
    adapter,
    knownNonSro: raw.nonSro[new URL(href).origin] ?? [],
    knownNonSroNames: raw.nonSroNames?.[new URL(href).origin] ?? [],
    sensitiveLabels: sensitive?.labels ?? [],
    sensitiveCodes: sensitive?.codes ?? [],
    opens: { viewable: raw.viewable, categoryPatterns: raw.categoryPatterns },
  };
}
