// Which record categories the fields on a page (or in an export) belong to: one classification for record
// views, in-page redaction and export field lists. Kept free of zod and the rest of the decision core so the
// content script runs the very same code on the guard plan's definitions.
import type { Category } from '../policy/vocabulary';

export interface CategoryPatterns {
  id: Category;
  /**
   * Regex sources, matched case-insensitively against a field's label or code in two forms: as written
   * (compatibility forms folded, invisible characters removed), spelled out (lower case, accents removed,
   * camelCase split, every run of separators and punctuation one space: "CA_Birth.Place" is "ca birth place").
   */
  fieldPatterns: readonly string[];
  /** Field codes or names, equal when their letters and digits are ("CA_Birth.Place" is "CA_BirthPlace"). */
  codes?: readonly string[];
}

/**
 * Characters that render as nothing (or nearly) and so can hide inside a field name: soft hyphen, combining
 * grapheme joiner, Arabic letter mark, Hangul fillers, Mongolian and variation selectors, zero-width space,
 * joiners and marks, bidi embeddings, overrides and isolates, word joiner and invisible operators, BOM, tags.
 */
const INVISIBLE =
  // The class lists combining characters on purpose: each is removed on its own, never joined to another.
  // eslint-disable-next-line no-misleading-character-class
  /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\u{E0000}-\u{E0FFF}]/gu;
/** Printable ASCII only: nothing to fold but case, the common case for SIS labels (kept fast for redaction). */
const PLAIN_ASCII = /^[\x20-\x7E]*$/;

/** One field name in the forms classification matches: patterns read the first two, codes the third. */
export interface NormalizedField {
  written: string;
  spelled: string;
  compact: string;
}

/** Normalises a field label or code for matching (see CategoryPatterns for the forms). */
export function normalizeField(field: string): NormalizedField {
  let written = field;
  if (!PLAIN_ASCII.test(written)) {
    // NFKC folds full-width and other compatibility letters; invisible characters go after it, since NFKC
    // keeps most of them.
    written = written.normalize('NFKC').replace(INVISIBLE, '');
  }
  written = written.trim();
  // camelCase and acronym boundaries split ("CA_USEnrolledLT3" → "CA_US Enrolled LT3") before case is folded.
  const split = written
    .replace(/(\p{Ll}|\p{N})(\p{Lu})/gu, '$1 $2')
    .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1 $2');
  let folded = split.toLowerCase();
  if (!PLAIN_ASCII.test(folded)) folded = folded.normalize('NFD').replace(/\p{M}/gu, '');
  // "<" and ">" carry meaning in SIS labels ("US Enrolled < 3 yr") and are kept.
  const spelled = folded
    .replace(/[^\p{L}\p{N}<>]+/gu, ' ')
    .trim()
    .replace(/\s+/g, ' ');
  const compact = folded.replace(/[^\p{L}\p{N}]+/gu, '');
  return { written, spelled, compact };
}

/** The form codes are compared in. */
export const compactField = (field: string): string => normalizeField(field).compact;

/**
 * Splits a user-edited export field list: commas, semicolons, tabs and line breaks all separate fields, as
 * SIS quick exports accept them. Invisible characters are not separators (they are removed inside names).
 */
export function splitFieldList(value: string): string[] {
  return value
    .split(/[\n\r\t,;\u0085\u2028\u2029]+/)
    .map((field) => field.trim())
    .filter((field) => field.length > 0);
}

export interface CompiledPatterns {
  id: Category;
  regexes: RegExp[];
  codes: Set<string>;
}

/** Compiled once per list of definitions (a bundle's, or a guard plan's): decide() classifies on every call. */
const compiled = new WeakMap<readonly CategoryPatterns[], CompiledPatterns[]>();

export function compile(definitions: readonly CategoryPatterns[]): CompiledPatterns[] {
  let list = compiled.get(definitions);
  if (!list) {
    // Immigration first, so a field that matches two categories is treated strictly.
    list = definitions
      .map((definition) => ({
        id: definition.id,
        regexes: definition.fieldPatterns.map((source) => new RegExp(source, 'iu')),
        codes: new Set((definition.codes ?? []).map(compactField).filter((code) => code.length > 0)),
      }))
      .sort((a, b) => Number(b.id === 'immigration') - Number(a.id === 'immigration'));
    compiled.set(definitions, list);
  }
  return list;
}

/** Per compiled list: fields already classified (a roster repeats the same values thousands of times). */
const memo = new WeakMap<readonly CompiledPatterns[], Map<string, Category | null>>();
const MEMO_LIMIT = 20_000;

/** The category of one field, or undefined when no definition knows it; immigration definitions first. */
export function classifyField(ordered: readonly CompiledPatterns[], field: string): Category | undefined {
  let seen = memo.get(ordered);
  if (!seen) {
    seen = new Map();
    memo.set(ordered, seen);
  }
  const known = seen.get(field);
  if (known !== undefined) return known ?? undefined;
  const { written, spelled, compact } = normalizeField(field);
  let category: Category | undefined;
  if (compact.length > 0) {
    // Patterns read the label as written and spelled out (codes, compared run together, cover the rest).
    const forms = written === spelled ? [written] : [written, spelled];
    category = ordered.find(
      (definition) =>
        definition.codes.has(compact) ||
        definition.regexes.some((regex) => forms.some((form) => regex.test(form))),
    )?.id;
  }
  if (seen.size >= MEMO_LIMIT) seen.clear();
  seen.set(field, category ?? null);
  return category;
}

/** Each field that some definition knows, with its category; fields nobody knows are left out. */
export function fieldCategories(
  definitions: readonly CategoryPatterns[],
  fields: readonly string[],
): Map<string, Category> {
  const found = new Map<string, Category>();
  if (fields.length === 0) return found;
  const ordered = compile(definitions);
  for (const field of fields) {
    const category = classifyField(ordered, field);
    if (category) found.set(field, category);
  }
  return found;
}

/** What classification reads from an adapter: its sensitive fields and its known export fields. */
export interface ClassifyingAdapter {
  sensitiveFields: readonly { category: Category; labels: readonly string[]; codes: readonly string[] }[];
  exports: { fields?: readonly { category: Category; names: readonly string[] }[] | undefined };
}

const definitionsCache = new WeakMap<object, WeakMap<object, Record<ClassifyPurpose, CategoryPatterns[]>>>();

/**
 * What is being classified: a page (view, print, copy, redaction) or an export's field list, which may also
 * name the adapters' known export fields. Those stay out of page classification: a label such as "Address" on
 * a page has always been left to the sections the page declares.
 */
export type ClassifyPurpose = 'view' | 'export';

/**
 * The district's category patterns plus every adapter's sensitive codes and labels (and, for exports, known
 * export fields): a field any of them knows is classified, whichever SIS page it was read on (a district
 * running two SISes gets both adapters' immigration codes everywhere).
 */
export function classificationFor(
  categories: readonly CategoryPatterns[],
  adapters: readonly ClassifyingAdapter[],
  purpose: ClassifyPurpose = 'view',
): CategoryPatterns[] {
  let byAdapters = definitionsCache.get(categories);
  if (!byAdapters) {
    byAdapters = new WeakMap();
    definitionsCache.set(categories, byAdapters);
  }
  const cached = byAdapters.get(adapters);
  if (cached) return cached[purpose];
  const view: CategoryPatterns[] = [
    ...categories.map(({ id, fieldPatterns, codes }) => ({
      id,
      fieldPatterns: [...fieldPatterns],
      ...(codes ? { codes: [...codes] } : {}),
    })),
    ...adapters.flatMap((adapter) =>
      adapter.sensitiveFields.map((field) => ({
        id: field.category,
        fieldPatterns: [...field.labels],
        codes: [...field.codes],
      })),
    ),
  ];
  const exportFields: CategoryPatterns[] = adapters.flatMap((adapter) =>
    (adapter.exports.fields ?? []).map((field) => ({
      id: field.category,
      fieldPatterns: [],
      codes: [...field.names],
    })),
  );
  const both = { view, export: [...view, ...exportFields] };
  byAdapters.set(adapters, both);
  return both[purpose];
}

/** The immigration-related part of a classification: what is always hidden from SROs. */
export function immigrationFields(definitions: readonly CategoryPatterns[]): {
  labels: string[];
  codes: string[];
} {
  const immigration = definitions.filter((definition) => definition.id === 'immigration');
  return {
    labels: [...new Set(immigration.flatMap((definition) => definition.fieldPatterns))],
    codes: [...new Set(immigration.flatMap((definition) => definition.codes ?? []))],
  };
}
