import { CATEGORIES, type Category } from '../policy/vocabulary';
import { decide, type DecisionPolicy } from './decide';
import type { Facts } from './facts';

/**
 * Per category: when what opens it for viewing ends (an ISO instant), or null when nothing on file ends it
 * (a rule that allows the category outright).
 */
export type ViewableCategories = Partial<Record<Category, string | null>>;

/**
 * What decide() lets one SRO view of one student right now, category by category. decide() rules on each
 * category of a page on its own (every guarded category needs its own coverage), so a page opens exactly when
 * each of its categories is in this map and none has ended. The background puts it in the guard plan so a
 * content script can uncover a consented record without waiting for a round trip; the verdict still follows.
 */
export function viewableCategories(
  bundle: DecisionPolicy,
  facts: Omit<Facts, 'action' | 'categories' | 'fields'>,
): ViewableCategories {
  const viewable: ViewableCategories = {};
  for (const category of CATEGORIES) {
    const decision = decide(bundle, { ...facts, action: 'view', categories: [category], fields: [] });
    if (!decision.guarded || (decision.outcome !== 'allow' && decision.outcome !== 'redact')) continue;
    const ends = decision.coveredBy
      .map((coverage) => coverage.until)
      .filter((until): until is string => until !== undefined)
      .sort((a, b) => Date.parse(a) - Date.parse(b));
    viewable[category] = ends[0] ?? null;
  }
  return viewable;
}
