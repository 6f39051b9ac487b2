// Whether the guard plan opens a page without the round trip: the core's answer, used by the content script
// (to open a consented record at once) and the background (to republish a plan that disagreed with a verdict).
import type { GuardPlan } from '../contracts/guard-plan';
import type { Category } from '../policy/vocabulary';
import { fieldCategories } from './classify';

/** What a page shows, as the content script reads it, for predicting the verdict from the plan. */
export interface PageReading {
  username: string | undefined;
  studentId: string | undefined;
  conflicting: boolean;
  categories: readonly Category[];
  fields: readonly string[];
}

/**
 * Whether the plan says this page may be shown to this SRO now: a known SRO, one student, and every category
 * the page's sections and fields belong to opened by something that has not ended. Anything unknown: no.
 */
export function planOpens(
  plan: Pick<GuardPlan, 'viewable' | 'categoryPatterns'>,
  page: PageReading,
  nowMs: number,
): boolean {
  if (page.conflicting || page.username === undefined || page.studentId === undefined) return false;
  const student = plan.viewable[page.username.toLowerCase()]?.[page.studentId];
  if (!student) return false;
  const categories = new Set<Category>([
    ...page.categories,
    ...fieldCategories(plan.categoryPatterns, page.fields).values(),
  ]);
  if (categories.size === 0) return false;
  for (const category of categories) {
    if (!Object.prototype.hasOwnProperty.call(student, category)) return false;
    const until = student[category];
    if (until === undefined) return false;
    if (until !== null && !(Date.parse(until) > nowMs)) return false;
  }
  return true;
}
