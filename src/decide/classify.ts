// Which record categories the fields on a page (or in an export) belong to. Kept free of zod and the rest of
// the decision core so the content script can run the very same classification on the guard plan's patterns.
import type { Category } from '../policy/vocabulary';

export interface CategoryPatterns {
  id: Category;
  /** Regex sources, matched case-insensitively against field labels and codes. */
  fieldPatterns: readonly string[];
}

/** Each field that matches a category's pattern, with that category; immigration patterns are tried first. */
export function fieldCategories(
  definitions: readonly CategoryPatterns[],
  fields: readonly string[],
): Map<string, Category> {
  // Immigration first, so a field that matches two categories is treated strictly.
  const ordered = definitions
    .map((definition) => ({
      id: definition.id,
      regexes: definition.fieldPatterns.map((source) => new RegExp(source, 'iu')),
    }))
    .sort((a, b) => Number(b.id === 'immigration') - Number(a.id === 'immigration'));
  const found = new Map<string, Category>();
  for (const field of fields) {
    const match = ordered.find((definition) => definition.regexes.some((regex) => regex.test(field)));
    if (match) found.set(field, match.id);
  }
  return found;
}
