// Reads a SIS page through an adapter: who is signed in, which student, which sections, which fields.
// Runs in the content script, so it must stay small and free of zod and Preact.
import type { Extractor, SisAdapter } from '../policy/adapter';
import type { Category } from '../policy/vocabulary';
import { DEFAULT_HEADINGS, MAX_PATTERN_INPUT } from './limits';
import { labelCellRules, labelCellsIn, valueCellsOf } from './label-cells';

/** Every record category (policy/vocabulary's list, without importing zod into the page). */
const ALL_CATEGORIES: readonly Category[] = [
  'demographics',
  'contacts',
  'attendance',
  'grades',
  'discipline',
  'health',
  'special-education',
  'immigration',
];

const MAX_FIELDS = 2000;
const MAX_TEXT = 200;

function applyPattern(raw: string | null | undefined, pattern: string | undefined): string | undefined {
  if (raw === null || raw === undefined) return undefined;
  // Header text spans lines ("Welcome,\n   Jane Doe"): one space for any run of white space, so a pattern
  // written for one line reads it. Cut before matching: no pattern runs on a page-sized text.
  const text = raw.replace(/\s+/gu, ' ').trim().slice(0, MAX_PATTERN_INPUT);
  if (text === '') return undefined;
  if (pattern === undefined) return text.slice(0, MAX_TEXT);
  const match = new RegExp(pattern, 'u').exec(text);
  if (!match) return undefined;
  return (match[1] ?? match[0]).trim().slice(0, MAX_TEXT) || undefined;
}

/** Every value the extractor finds; several different values mean the page is ambiguous. */
export function extractAll(extractor: Extractor, doc: Document, href: string): string[] {
  const values: (string | undefined)[] = [];
  switch (extractor.from) {
    case 'text':
      doc.querySelectorAll(extractor.selector).forEach((element) => {
        values.push(applyPattern(element.textContent, extractor.pattern));
      });
      break;
    case 'attribute':
      doc.querySelectorAll(extractor.selector).forEach((element) => {
        values.push(applyPattern(element.getAttribute(extractor.attribute), extractor.pattern));
      });
      break;
    case 'hidden-input':
      doc.querySelectorAll('input[type="hidden"]').forEach((element) => {
        const input = element as HTMLInputElement;
        if (input.name === extractor.name) values.push(applyPattern(input.value, extractor.pattern));
      });
      break;
    case 'title':
      values.push(applyPattern(doc.title, extractor.pattern));
      break;
    case 'url-param':
      new URL(href).searchParams.getAll(extractor.param).forEach((value) => {
        values.push(applyPattern(value, extractor.pattern));
      });
      break;
    case 'url-path': {
      const url = new URL(href);
      // The fragment too: hash-routed apps name the student there ("#/student/123/attendance").
      values.push(applyPattern(`${url.pathname}${url.search}${url.hash}`, extractor.pattern));
      break;
    }
  }
  return [...new Set(values.filter((value): value is string => value !== undefined))];
}

/** Whether an identity extractor reads a display name ("Welcome, Jane Doe") rather than a login. */
const readsDisplayName = (extractor: Extractor): boolean =>
  'yields' in extractor && extractor.yields === 'display-name';

/** What reading found; `failed` counts extractors that threw (a selector the browser refuses). */
export interface Extracted {
  value?: string;
  conflicting: boolean;
  failed?: number;
}

/**
 * The first extractor that finds anything wins; `conflicting` when it finds different values. An extractor
 * that throws is skipped (the next one may still read the page) and counted, so a broken adapter line never
 * stops the others: who is signed in is still read, and an SRO's page with no student id stays covered.
 */
export function extractFirst(extractors: readonly Extractor[], doc: Document, href: string): Extracted {
  const { by: _by, ...extracted } = firstReading(extractors, doc, href);
  return extracted;
}

/** extractFirst, with the extractor that read the value (an identity's says: a login or a display name). */
function firstReading(
  extractors: readonly Extractor[],
  doc: Document,
  href: string,
): Extracted & { by?: Extractor } {
  let failed = 0;
  for (const extractor of extractors) {
    let values: string[];
    try {
      values = extractAll(extractor, doc, href);
    } catch {
      failed += 1;
      continue;
    }
    if (values.length === 1)
      return { value: values[0] as string, conflicting: false, by: extractor, ...(failed ? { failed } : {}) };
    if (values.length > 1) return { conflicting: true, ...(failed ? { failed } : {}) };
  }
  return { conflicting: false, ...(failed ? { failed } : {}) };
}

export interface PageIdentity {
  /** The login, when the extractor that read the header reads logins. */
  username?: string;
  /** The display name ("Jane Doe"), when it reads display names: matched against the roster's names only. */
  displayName?: string;
  roleLabel?: string;
  conflicting: boolean;
}

export function readIdentity(adapter: SisAdapter, doc: Document, href: string): PageIdentity {
  const user = firstReading(adapter.identity.read, doc, href);
  const label = extractFirst(adapter.roleLabel, doc, href);
  const named = user.by !== undefined && readsDisplayName(user.by);
  return {
    ...(user.value !== undefined ? (named ? { displayName: user.value } : { username: user.value }) : {}),
    ...(label.value !== undefined ? { roleLabel: label.value } : {}),
    conflicting: user.conflicting || label.conflicting,
  };
}

export function readStudentId(adapter: SisAdapter, doc: Document, href: string): Extracted {
  return extractFirst(adapter.student, doc, href);
}

const matches = (source: string, text: string): boolean =>
  new RegExp(source, 'iu').test(text.replace(/\s+/gu, ' ').trim().slice(0, MAX_PATTERN_INPUT));

/** Whether a section rule's `url` or `fragment` part names this URL (the rest needs the page). */
function urlHolds(section: SisAdapter['sections'][number], url: URL): boolean {
  if (section.url !== undefined && matches(section.url, `${url.pathname}${url.search}`)) return true;
  return (
    section.fragment !== undefined && url.hash.length > 1 && matches(section.fragment, url.hash.slice(1))
  );
}

/** Whether one section rule holds on this page. Throws when the adapter's selector cannot run. */
function sectionHolds(section: SisAdapter['sections'][number], doc: Document, url: URL): boolean {
  if (urlHolds(section, url)) return true;
  if (section.selector !== undefined && doc.querySelector(section.selector)) return true;
  if (section.title !== undefined && matches(section.title, doc.title)) return true;
  if (section.heading !== undefined) {
    const source = section.heading;
    const headings = Array.from(doc.querySelectorAll(section.headingSelector ?? DEFAULT_HEADINGS));
    if (headings.slice(0, 50).some((heading) => matches(source, heading.textContent ?? ''))) return true;
  }
  if (section.formField !== undefined) {
    const { name, value } = section.formField;
    const fields = Array.from(doc.querySelectorAll('input, select, textarea')) as HTMLInputElement[];
    if (fields.some((field) => field.name === name && (value === undefined || matches(value, field.value))))
      return true;
  }
  return false;
}

/**
 * The record categories the page shows. A rule that throws (a selector the browser refuses) counts as every
 * category: for an SRO the page is then guarded as holding anything; for anyone else categories change nothing.
 */
export function readCategories(adapter: SisAdapter, doc: Document, href: string): Category[] {
  const url = new URL(href);
  const found = new Set<Category>();
  for (const section of adapter.sections) {
    try {
      if (sectionHolds(section, doc, url)) found.add(section.category);
    } catch {
      return [...ALL_CATEGORIES];
    }
  }
  return [...found];
}

/**
 * The record categories a URL alone says a page holds (the adapter's `url` and `fragment` section rules): what
 * the gate names for a navigation the network stopped before any of the page arrived.
 */
export function readUrlCategories(adapter: SisAdapter, href: string): Category[] {
  const url = new URL(href);
  const found = new Set<Category>();
  for (const section of adapter.sections) if (urlHolds(section, url)) found.add(section.category);
  return [...found];
}

/** Field labels (table headers, labels, definition terms) and field codes present on the page. */
export function readFields(adapter: SisAdapter, doc: Document): string[] {
  const fields = new Set<string>();
  const add = (text: string | null | undefined): void => {
    const trimmed = text?.trim().replace(/\s+/g, ' ').replace(/:$/, '').trim();
    if (trimmed && trimmed.length <= MAX_TEXT && fields.size < MAX_FIELDS) fields.add(trimmed);
  };
  doc.querySelectorAll(adapter.fieldLabels).forEach((element) => add(element.textContent));
  for (const { cell } of labelCellsIn(doc, labelCellRules(adapter.labelCells))) add(cell.textContent);
  for (const sensitive of adapter.sensitiveFields) {
    if (sensitive.codeAttribute === undefined) continue;
    const attribute = sensitive.codeAttribute;
    doc.querySelectorAll(`[${cssEscape(attribute)}]`).forEach((element) => {
      // A cell may list several codes ("STU.RC1, STU.RC2").
      for (const code of (element.getAttribute(attribute) ?? '').split(',')) add(code);
    });
  }
  return [...fields];
}

/** A label read from a table cell, where its value is, and whether a cell stands there. */
export interface FoundLabelCell {
  label: string;
  /** `column`: a header over the rows below it; `row-below`: the cell under it in the next row. */
  valueAt: 'next-cell' | 'row-below' | 'column';
  located: boolean;
}

/**
 * Every label in a table cell (`th` headers, and the adapter's `labelCells`) with where its value is, as the
 * redactor finds it (src/sis/label-cells.ts): what `npm run adapter -- check` reports for sensitive fields.
 */
export function readLabelCells(adapter: SisAdapter, doc: Document): FoundLabelCell[] {
  const rules = labelCellRules(adapter.labelCells);
  const inCells = labelCellsIn(doc, rules);
  /** How the rules read each `td` label: a cell of a row of pairs, of a row of labels, or (under `either`) both. */
  const ways = new Map<Element, Set<FoundLabelCell['valueAt']>>();
  for (const entry of inCells) ways.set(entry.cell, (ways.get(entry.cell) ?? new Set()).add(entry.at));
  const cells = [...Array.from(doc.querySelectorAll('th')), ...inCells.map((entry) => entry.cell)];
  const found: FoundLabelCell[] = [];
  for (const cell of new Set(cells)) {
    if (found.length >= MAX_FIELDS) break;
    const label = cell.textContent?.trim().replace(/\s+/g, ' ').replace(/:$/, '').trim() ?? '';
    if (!label || label.length > MAX_TEXT) continue;
    const value = valueCellsOf(cell, rules);
    if (!value.mayBeLabels) {
      found.push({ label, valueAt: value.at, located: value.located });
      continue;
    }
    // `either` (and `row-below` in a row that reads as pairs) masks beside and below; the report says where the
    // label was read as one (a pair in a row of pairs, a label of a row of labels), so a pair in a mixed table is
    // not reported as a value below.
    // Under `either` with nothing below, the value found is the next cell: reported there, not below.
    const reported = new Set<string>();
    for (const way of ways.get(cell) ?? new Set(['row-below' as const])) {
      const below = value.below !== undefined;
      const at = way === 'row-below' && !below && value.located ? 'next-cell' : way;
      const located = at === 'next-cell' ? cell.nextElementSibling !== null : below;
      if (reported.has(at)) continue;
      reported.add(at);
      found.push({ label, valueAt: at, located });
    }
  }
  return found;
}

/** CSS.escape where the browser has it; attribute names in adapters are plain names otherwise. */
const cssEscape = (name: string): string =>
  typeof CSS !== 'undefined' && typeof CSS.escape === 'function'
    ? CSS.escape(name)
    : name.replace(/[^A-Za-z0-9_-]/gu, (char) => `\\${char}`);
