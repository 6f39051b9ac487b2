/** The UI language: the browser's, if Spanish; English otherwise. */
export function uiLanguage(): 'en' | 'es' {
  const language = typeof browser !== 'undefined' ? browser.i18n.getUILanguage() : 'en';
  return language.toLowerCase().startsWith('es') ? 'es' : 'en';
}

export function t(key: string, substitutions?: string | string[]): string {
  return browser.i18n.getMessage(key as never, substitutions) || key;
}
