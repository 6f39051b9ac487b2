/** The UI language: the browser's, if Spanish; English otherwise. */
export function uiLanguage(): 'en' | 'es' {
  return browser.i18n.getUILanguage().toLowerCase().startsWith('es') ? 'es' : 'en';
}

/** A message from _locales; the key itself if missing, so a gap is visible rather than blank. */
export function t(key: string, substitutions?: string | string[]): string {
  return browser.i18n.getMessage(key as never, substitutions) || key;
}

/** Policy text given in both languages. */
export function pick(text: { en: string; es?: string | undefined }): string {
  return (uiLanguage() === 'es' ? text.es : undefined) ?? text.en;
}

export function formatTime(instant: string): string {
  return new Intl.DateTimeFormat(uiLanguage(), { hour: 'numeric', minute: '2-digit' }).format(
    new Date(instant),
  );
}
