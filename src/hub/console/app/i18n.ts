// English and Spanish: the browser's language first, switchable (the choice is kept in this browser).
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export const LANGS = ['en', 'es'] as const;
export type Lang = (typeof LANGS)[number];

/** A page's texts: the same keys in both languages (TypeScript checks that none is missing). */
export type Texts<K extends string> = Record<Lang, Record<K, string>>;

const STORAGE_KEY = 'rg-console-lang';

export function initialLang(): Lang {
  try {
    const kept = localStorage.getItem(STORAGE_KEY);
    if (kept === 'en' || kept === 'es') return kept;
  } catch {
    // storage unavailable: fall through to the browser's language
  }
  return navigator.language.toLowerCase().startsWith('es') ? 'es' : 'en';
}

export function keepLang(lang: Lang): void {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // not kept: the switch still works for this page
  }
  document.documentElement.lang = lang;
}

export const LangContext = createContext<Lang>('en');

export function useLang(): Lang {
  return useContext(LangContext);
}

/** The texts of the current language. */
export function useText<K extends string>(texts: Texts<K>): Record<K, string> {
  return texts[useLang()];
}

/** Fills {name} placeholders. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in values ? String(values[name]) : whole,
  );
}

/** A localized text from the policy (`{ en, es }`). */
export function localized(text: { en: string; es?: string | undefined }, lang: Lang): string {
  return lang === 'es' && text.es ? text.es : text.en;
}

export function formatDateTime(iso: string, lang: Lang, timeZone?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(lang === 'es' ? 'es-US' : 'en-US', {
    dateStyle: 'medium',
    timeStyle: 'short',
    ...(timeZone ? { timeZone } : {}),
  }).format(date);
}
