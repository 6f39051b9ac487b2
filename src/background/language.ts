/**
 * The language pages are answered in: the browser's, if Spanish; English otherwise. The background's own copy
 * of src/ui/i18n.ts's uiLanguage(): the background never imports the UI (eslint.config.js's layer rules).
 */
export function uiLanguage(): 'en' | 'es' {
  return browser.i18n.getUILanguage().toLowerCase().startsWith('es') ? 'es' : 'en';
}
