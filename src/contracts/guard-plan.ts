/**
 * The guard plan: what a content script needs to treat a page without waking the service worker — the
 * adapters, the fields always hidden from SROs, and who has been seen on each origin who is not an SRO.
 * The background writes it to storage.session (src/background/guard-plan.ts); content scripts read it at
 * document_start. It holds no secrets: usernames of staff seen in this browser session, the adapters, and for
 * SROs seen in this session the student ids and categories their consents and approvals open (no names, no
 * record content).
 */
import type { CategoryPatterns } from '../decide/classify';
import type { ViewableCategories } from '../decide/viewable';
import type { SisAdapter } from '../policy/adapter';

export const GUARD_PLAN_KEY = 'guard.plan';

export interface GuardPlan {
  format: 'record-guard-plan/1';
  policyVersion: number;
  adapters: SisAdapter[];
  /** Per adapter id: regex sources of labels and the codes of fields always redacted for SROs. */
  sensitive: Record<string, { labels: string[]; codes: string[] }>;
  /** Per origin: lower-case usernames seen there who are not SROs. Empty on a browser assigned to an SRO. */
  nonSro: Record<string, string[]>;
  /**
   * Per origin: the roster's display names (`displayNameKey`s) that can only mean one of those non-SROs, for
   * headers that show a name rather than a login. From the policy's roster, never from a page.
   */
  nonSroNames?: Record<string, string[]>;
  /** The policy's field patterns and every adapter's field codes, per category: decide()'s classification. */
  categoryPatterns: CategoryPatterns[];
  /**
   * Per lower-case SRO username, per student id: what decide() lets them view now and until when. A page
   * whose every category is here opens at once; the background's verdict follows and rules.
   */
  viewable: Record<string, Record<string, ViewableCategories>>;
  language: 'en' | 'es';
  /** When this plan was written (epoch ms): the options page shows it, and tests wait for a newer one. */
  publishedAt: number;
}

/**
 * A shape check by hand: zod stays out of the content script. Only the background writes this key, so a
 * mismatch means a version skew or a bug; the content script then asks the background instead.
 */
export function isGuardPlan(value: unknown): value is GuardPlan {
  if (typeof value !== 'object' || value === null) return false;
  const plan = value as Partial<GuardPlan>;
  return (
    plan.format === 'record-guard-plan/1' &&
    Array.isArray(plan.adapters) &&
    typeof plan.sensitive === 'object' &&
    plan.sensitive !== null &&
    typeof plan.nonSro === 'object' &&
    plan.nonSro !== null &&
    Array.isArray(plan.categoryPatterns) &&
    typeof plan.viewable === 'object' &&
    plan.viewable !== null &&
    (plan.language === 'en' || plan.language === 'es')
  );
}
