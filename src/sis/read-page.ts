// Reads a SIS page through an adapter: who is signed in, which student, which sections, which fields.
// Runs in the content script, so it must stay small and free of zod and Preact.
import type { Extractor, SisAdapter } from '../policy/adapter';
import type { Category } from '../policy/vocabulary';

const MAX_FIELDS = 2000;
const MAX_TEXT = 200;

function applyPattern(raw: string | null | undefined, pattern: string | undefined): string | undefined {
  if (raw === null || raw === undefined) return undefined;
  const text = raw.trim();
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
    case 'url-param':
      new URL(href).searchParams.getAll(extractor.param).forEach((value) => {
        values.push(applyPattern(value, extractor.pattern));
      });
      break;
    case 'url-path': {
      const url = new URL(href);
      values.push(applyPattern(`${url.pathname}${url.search}`, extractor.pattern));
      break;
    }
  }
  return [...new Set(values.filter((value): value is string => value !== undefined))];
}

/** The first extractor that finds anything wins; `conflicting` when it finds different values. */
export function extractFirst(
  extractors: readonly Extractor[],
  doc: Document,
  href: string,
): { value?: string; conflicting: boolean } {
  for (const extractor of extractors) {
    const values = extractAll(extractor, doc, href);
    if (values.length === 1) return { value: values[0] as string, conflicting: false };
    if (values.length > 1) return { conflicting: true };
  }
  return { conflicting: false };
}

export interface PageIdentity {
  username?: string;
  roleLabel?: string;
  conflicting: boolean;
}

export function readIdentity(adapter: SisAdapter, doc: Document, href: string): PageIdentity {
  const user = extractFirst(adapter.identity, doc, href);
  const label = extractFirst(adapter.roleLabel, doc, href);
  return {
    ...(user.value !== undefined ? { username: user.value } : {}),
    ...(label.value !== undefined ? { roleLabel: label.value } : {}),
    conflicting: user.conflicting || label.conflicting,
  };
}

export function readStudentId(
  adapter: SisAdapter,
  doc: Document,
  href: string,
): { value?: string; conflicting: boolean } {
  return extractFirst(adapter.student, doc, href);
}

export function readCategories(adapter: SisAdapter, doc: Document, href: string): Category[] {
  const url = new URL(href);
  const pathAndQuery = `${url.pathname}${url.search}`;
  const found = new Set<Category>();
  for (const section of adapter.sections) {
    if (section.url !== undefined && new RegExp(section.url, 'iu').test(pathAndQuery))
      found.add(section.category);
    if (section.selector !== undefined && doc.querySelector(section.selector)) found.add(section.category);
  }
  return [...found];
}

/** Field labels (table headers, labels, definition terms) and field codes present on the page. */
export function readFields(adapter: SisAdapter, doc: Document): string[] {
  const fields = new Set<string>();
  const add = (text: string | null | undefined): void => {
    const trimmed = text?.trim().replace(/\s+/g, ' ').replace(/:$/, '');
    if (trimmed && trimmed.length <= MAX_TEXT && fields.size < MAX_FIELDS) fields.add(trimmed);
  };
  doc.querySelectorAll(adapter.fieldLabels).forEach((element) => add(element.textContent));
  for (const sensitive of adapter.sensitiveFields) {
    if (sensitive.codeAttribute === undefined) continue;
    const attribute = sensitive.codeAttribute;
    doc
      .querySelectorAll(`[${CSS.escape(attribute)}]`)
      .forEach((element) => add(element.getAttribute(attribute)));
  }
  return [...fields];
}
