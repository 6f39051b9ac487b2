import type { Action, Category, LocalizedText } from '../policy/vocabulary';
import type { ReasonCode } from './decision';

const ACTION_TEXT: Record<Action, LocalizedText & { es: string }> = {
  view: { en: 'view', es: 'ver' },
  export: { en: 'export', es: 'exportar' },
  print: { en: 'print', es: 'imprimir' },
  copy: { en: 'copy', es: 'copiar' },
};

const CATEGORY_TEXT: Record<Category, LocalizedText & { es: string }> = {
  demographics: { en: 'demographics', es: 'datos demográficos' },
  contacts: { en: 'contacts', es: 'contactos' },
  attendance: { en: 'attendance', es: 'asistencia' },
  grades: { en: 'grades', es: 'calificaciones' },
  discipline: { en: 'discipline', es: 'disciplina' },
  health: { en: 'health', es: 'salud' },
  'special-education': { en: 'special education', es: 'educación especial' },
  immigration: { en: 'immigration-related fields', es: 'campos relacionados con la inmigración' },
};

const list = (categories: readonly Category[], lang: 'en' | 'es'): string =>
  categories.map((category) => CATEGORY_TEXT[category][lang]).join(', ');

const MAX_NAMED_FIELDS = 5;
const MAX_FIELD_CHARS = 60;

/**
 * Field names as the SRO typed them, quoted, each cut short, at most five, with invisible characters shown as
 * a middle dot so that a name that looks right but is not can be seen.
 */
function fieldList(fields: readonly string[], lang: 'en' | 'es'): string {
  const visible = (field: string): string =>
    field.replace(
      // Control characters are what this looks for.
      // eslint-disable-next-line no-control-regex
      /[\u0000-\u001F\u007F-\u009F\u00AD\u200B-\u200F\u202A-\u202E\u2060-\u206F\uFEFF]/gu,
      '\u00b7',
    );
  const shown = fields.slice(0, MAX_NAMED_FIELDS).map((field) => {
    const name = visible(field);
    return `"${name.length > MAX_FIELD_CHARS ? `${name.slice(0, MAX_FIELD_CHARS)}…` : name}"`;
  });
  const more = fields.length - shown.length;
  if (more > 0) shown.push(lang === 'en' ? `and ${more} more` : `y ${more} más`);
  return shown.join(', ');
}

/** Short, plain sentences: an SRO reads them under time pressure. */
export function reasonText(
  code: ReasonCode,
  context: {
    action: Action;
    categories: readonly Category[];
    studentId: string;
    /** For export-field-unknown: the fields nothing classifies. */
    fields?: readonly string[];
  },
): LocalizedText {
  const { action, categories, studentId } = context;
  const en = { what: `${ACTION_TEXT[action].en} ${list(categories, 'en')}`, who: `student ${studentId}` };
  const es = {
    what: `${ACTION_TEXT[action].es} ${list(categories, 'es')}`,
    who: `del estudiante ${studentId}`,
  };
  switch (code) {
    case 'not-guarded':
      return {
        en: 'Record Guard does not apply to this user.',
        es: 'Record Guard no se aplica a este usuario.',
      };
    case 'identity-unknown':
      return {
        en: 'Blocked: Record Guard could not tell who is signed in to the SIS on this page. Sign in to the SIS again.',
        es: 'Bloqueado: Record Guard no pudo saber quién inició sesión en el SIS en esta página. Vuelva a iniciar sesión en el SIS.',
      };
    case 'no-policy':
      return {
        en: 'Blocked: no valid district policy is in force in this browser. Contact district IT.',
        es: 'Bloqueado: no hay una política del distrito válida en este navegador. Comuníquese con TI del distrito.',
      };
    case 'student-unknown':
      return {
        en: 'Blocked: Record Guard could not tell which student this page is about, so it stays hidden.',
        es: 'Bloqueado: Record Guard no pudo saber de qué estudiante trata esta página, así que permanece oculta.',
      };
    case 'categories-unknown':
      return {
        en: 'Blocked: Record Guard could not tell which records this page or export holds.',
        es: 'Bloqueado: Record Guard no pudo saber qué expedientes contiene esta página o exportación.',
      };
    case 'no-rule':
      return {
        en: `Blocked: the district policy has no rule for SROs to ${en.what}.`,
        es: `Bloqueado: la política del distrito no tiene una regla para que los agentes puedan ${es.what}.`,
      };
    case 'rule-allows':
      return {
        en: `The district policy lets SROs ${en.what}.`,
        es: `La política del distrito permite a los agentes ${es.what}.`,
      };
    case 'covered':
      return {
        en: `Allowed: consent or an approved exception on file covers this for ${en.who}.`,
        es: `Permitido: un consentimiento o una excepción aprobada cubre esto para el expediente ${es.who}.`,
      };
    case 'immigration-redacted':
      return {
        en: 'Immigration-related fields are hidden: SROs may not collect citizenship or immigration status (Education Code 234.7).',
        es: 'Los campos relacionados con la inmigración están ocultos: los agentes no pueden recopilar la situación migratoria (Código de Educación 234.7).',
      };
    case 'immigration-export-blocked':
      return {
        en: `Blocked: this ${ACTION_TEXT[action].en} includes immigration-related fields, which SROs may never take (Education Code 234.7). Remove those fields.`,
        es: `Bloqueado: esta acción (${ACTION_TEXT[action].es}) incluye campos relacionados con la inmigración, que los agentes nunca pueden obtener (Código de Educación 234.7). Quite esos campos.`,
      };
    case 'export-field-unknown':
      return {
        en: `Blocked: Record Guard does not know the export field ${fieldList(context.fields ?? [], 'en')}, so it cannot tell what the export would take. Remove it, or ask district IT to add it to the policy.`,
        es: `Bloqueado: Record Guard no conoce el campo de exportación ${fieldList(context.fields ?? [], 'es')}, así que no puede saber qué se llevaría la exportación. Quítelo o pida a TI del distrito que lo agregue a la política.`,
      };
    case 'awaiting-approval':
      return {
        en: `Waiting: your request to ${en.what} for ${en.who} is with a records clerk.`,
        es: `En espera: su solicitud para ${es.what} ${es.who} está con un encargado de registros.`,
      };
    case 'not-covered':
      return {
        en: `No written consent or approved exception lets you ${en.what} for ${en.who}. State a legal basis to continue.`,
        es: `Ningún consentimiento escrito ni excepción aprobada le permite ${es.what} ${es.who}. Indique una base legal para continuar.`,
      };
    case 'no-basis':
      return {
        en: `Blocked: no consent, approved exception or legal basis lets you ${en.what} for ${en.who}.`,
        es: `Bloqueado: ningún consentimiento, excepción aprobada ni base legal le permite ${es.what} ${es.who}.`,
      };
  }
}
