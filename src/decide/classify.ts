// Which record categories the fields on a page (or in an export) belong to. Kept free of zod and the rest of
// the decision core so the content script can run the very same classification on the guard plan's patterns.
import type { Category } from '../policy/vocabulary';

export interface CategoryPatterns {
  id: Category;
  /** Regex sources, matched case-insensitively against field labels and codes. */
  fieldPatterns: readonly string[];
}

interface CompiledPatterns {
  id: Category;
  regexes: RegExp[];
}

/** Compiled once per list of definitions (a policy's, or a guard plan's): decide() classifies on every call. */
const compiled = new WeakMap<readonly CategoryPatterns[], CompiledPatterns[]>();

function compile(definitions: readonly CategoryPatterns[]): CompiledPatterns[] {
  let list = compiled.get(definitions);
  if (!list) {
    // Immigration first, so a field that matches two categories is treated strictly.
    list = definitions
      .map((definition) => ({
        id: definition.id,
        regexes: definition.fieldPatterns.map((source) => new RegExp(source, 'iu')),
      }))
      .sort((a, b) => Number(b.id === 'immigration') - Number(a.id === 'immigration'));
    compiled.set(definitions, list);
  }
  return list;
}

/** Each field that matches a category's pattern, with that category; immigration patterns are tried first. */
export function fieldCategories(
  definitions: readonly CategoryPatterns[],
  fields: readonly string[],
): Map<string, Category> {
  const found = new Map<string, Category>();
  if (fields.length === 0) return found;
  const ordered = compile(definitions);
  for (const field of fields) {
    const match = ordered.find((definition) => definition.regexes.some((regex) => regex.test(field)));
    if (match) found.set(field, match.id);
  }
  return found;
}
