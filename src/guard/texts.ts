// The few sentences the content script shows itself; decisions bring their own reasons in both languages.
export type Language = 'en' | 'es';

const TEXTS = {
  checkingTitle: {
    en: 'Record Guard is checking this page…',
    es: 'Record Guard está revisando esta página…',
  },
  checkingBody: {
    en: 'Student records stay hidden until the district policy has been applied.',
    es: 'Los expedientes estudiantiles permanecen ocultos hasta que se aplique la política del distrito.',
  },
  blockedTitle: { en: 'This student record is protected', es: 'Este expediente estudiantil está protegido' },
  unavailableTitle: {
    en: 'Record Guard could not check this page',
    es: 'Record Guard no pudo revisar esta página',
  },
  unavailableBody: {
    en: 'The record stays hidden because Record Guard did not answer. Reload the page; if this continues, contact district IT.',
    es: 'El expediente permanece oculto porque Record Guard no respondió. Vuelva a cargar la página; si continúa, comuníquese con el departamento de TI del distrito.',
  },
  exportBlocked: { en: 'Record Guard stopped this export: ', es: 'Record Guard detuvo esta exportación: ' },
  exportChanged: {
    en: 'Record Guard stopped this export: its field list changed while it was being checked. Try again.',
    es: 'Record Guard detuvo esta exportación: su lista de campos cambió mientras se revisaba. Inténtelo de nuevo.',
  },
  printBlocked: {
    en: 'Record Guard: printing this record is not allowed without consent or an approved exception.',
    es: 'Record Guard: no se permite imprimir este expediente sin consentimiento o una excepción aprobada.',
  },
  copyBlocked: {
    en: 'Record Guard: copying from this record is not allowed without consent or an approved exception.',
    es: 'Record Guard: no se permite copiar de este expediente sin consentimiento o una excepción aprobada.',
  },
  mask: { en: '[hidden: Ed. Code 234.7]', es: '[oculto: Cód. Educ. 234.7]' },
  continue: { en: 'State a legal basis…', es: 'Indicar una base legal…' },
} satisfies Record<string, Record<Language, string>>;

export type TextKey = keyof typeof TEXTS;
export const text = (key: TextKey, language: Language): string => TEXTS[key][language];
export const pick = (value: { en: string; es?: string | undefined }, language: Language): string =>
  (language === 'es' ? value.es : undefined) ?? value.en;
