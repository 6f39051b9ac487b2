// English and Spanish labels of the Board report and the disclosure record (pages, print and CSV).
import type { Dimension } from './dimensions';
import type { InteractionType } from './interaction';

export type Lang = 'en' | 'es';
type Texts = Record<string, { en: string; es: string }>;

export const TABLE_TITLES: Texts = {
  access: { en: 'SRO record access by outcome', es: 'Acceso de los SRO a expedientes, por resultado' },
  'access-basis': {
    en: 'SRO record access by legal basis',
    es: 'Acceso de los SRO a expedientes, por base legal',
  },
  'access-category': {
    en: 'SRO record access by category',
    es: 'Acceso de los SRO a expedientes, por categoría',
  },
  exports: { en: 'Exports attempted and allowed', es: 'Exportaciones intentadas y permitidas' },
  requests: { en: 'Exception requests', es: 'Solicitudes de excepción' },
  immigration: {
    en: 'Requests touching immigration-related information (Education Code 234.7)',
    es: 'Solicitudes sobre información relacionada con la inmigración (Código de Educación 234.7)',
  },
  interactions: {
    en: 'SRO interactions with students, by type',
    es: 'Interacciones de los SRO con estudiantes, por tipo',
  },
};

/** The interaction types, as the SRO's form offers them and the report's rows name them: one table for both. */
export const INTERACTION_TYPE_LABELS: Record<InteractionType, { en: string; es: string }> = {
  arrest: { en: 'Arrest', es: 'Arresto' },
  citation: { en: 'Citation', es: 'Citación' },
  'referral-for-prosecution': { en: 'Referral for prosecution', es: 'Remisión a la fiscalía' },
  'report-of-misconduct': {
    en: 'Report of misconduct to the school',
    es: 'Informe de mala conducta a la escuela',
  },
  warning: { en: 'Warning', es: 'Advertencia' },
  'counselling-or-referral': {
    en: 'Counselling or referral to services',
    es: 'Orientación o remisión a servicios',
  },
  other: { en: 'Other', es: 'Otro' },
};

export const ROW_LABELS: Texts = {
  all: { en: 'All', es: 'Todos' },
  consent: { en: 'Written consent', es: 'Consentimiento por escrito' },
  'approved-exception': { en: 'Approved exception', es: 'Excepción aprobada' },
  emergency: { en: 'Health or safety emergency', es: 'Emergencia de salud o seguridad' },
  'other-immediate': { en: 'Other immediate basis', es: 'Otra base inmediata' },
  blocked: { en: 'Blocked', es: 'Bloqueado' },
  attempted: { en: 'Attempted', es: 'Intentadas' },
  allowed: { en: 'Allowed', es: 'Permitidas' },
  filed: { en: 'Filed', es: 'Presentadas' },
  approved: { en: 'Approved', es: 'Aprobadas' },
  denied: { en: 'Denied', es: 'Denegadas' },
  pending: { en: 'Pending', es: 'Pendientes' },
  withdrawn: { en: 'Withdrawn', es: 'Retiradas' },
  redacted: { en: 'Redacted', es: 'Ocultadas' },
  none: { en: 'Policy rule (no basis)', es: 'Regla de la política (sin base)' },
  ...INTERACTION_TYPE_LABELS,
  demographics: { en: 'Demographics', es: 'Datos demográficos' },
  contacts: { en: 'Contacts', es: 'Contactos' },
  attendance: { en: 'Attendance', es: 'Asistencia' },
  grades: { en: 'Grades', es: 'Calificaciones' },
  discipline: { en: 'Discipline', es: 'Disciplina' },
  health: { en: 'Health', es: 'Salud' },
  'special-education': { en: 'Special education', es: 'Educación especial' },
  immigration: { en: 'Immigration-related', es: 'Relacionado con la inmigración' },
  'written-consent': { en: 'Written consent', es: 'Consentimiento por escrito' },
  'health-safety-emergency': { en: 'Health or safety emergency', es: 'Emergencia de salud o seguridad' },
  'judicial-order': { en: 'Subpoena or court order', es: 'Citación judicial u orden judicial' },
  'juvenile-justice': { en: 'Juvenile justice system', es: 'Sistema de justicia juvenil' },
  'school-official': { en: 'School official', es: 'Funcionario escolar' },
  'directory-information': { en: 'Directory information', es: 'Información de directorio' },
  'law-enforcement-unit-record': { en: 'Law enforcement unit record', es: 'Registro de la unidad policial' },
};

export const DIMENSION_LABELS: Record<Dimension, { en: string; es: string }> = {
  'race-ethnicity': { en: 'Race/ethnicity', es: 'Raza/etnia' },
  sex: { en: 'Sex', es: 'Sexo' },
  disability: { en: 'Disability (IEP/504)', es: 'Discapacidad (IEP/504)' },
  'english-learner': { en: 'English learner', es: 'Aprendiz de inglés' },
  'foster-youth': { en: 'Foster youth', es: 'Jóvenes en hogares de acogida' },
  homeless: { en: 'Homeless', es: 'Sin hogar' },
};

export const GROUP_LABELS: Texts = {
  'hispanic-latino': { en: 'Hispanic or Latino', es: 'Hispano o latino' },
  'american-indian-alaska-native': {
    en: 'American Indian or Alaska Native',
    es: 'Indígena americano o nativo de Alaska',
  },
  asian: { en: 'Asian', es: 'Asiático' },
  'black-african-american': { en: 'Black or African American', es: 'Negro o afroamericano' },
  'native-hawaiian-pacific-islander': {
    en: 'Native Hawaiian or Pacific Islander',
    es: 'Nativo de Hawái o de las islas del Pacífico',
  },
  white: { en: 'White', es: 'Blanco' },
  'two-or-more': { en: 'Two or more races', es: 'Dos o más razas' },
  'not-reported': { en: 'Not reported', es: 'No declarado' },
  female: { en: 'Female', es: 'Femenino' },
  male: { en: 'Male', es: 'Masculino' },
  nonbinary: { en: 'Nonbinary', es: 'No binario' },
  iep: { en: 'IEP', es: 'IEP' },
  '504': { en: 'Section 504 plan', es: 'Plan de la Sección 504' },
  none: { en: 'Neither', es: 'Ninguno' },
  yes: { en: 'Yes', es: 'Sí' },
  no: { en: 'No', es: 'No' },
  unknown: { en: 'Unknown', es: 'Desconocido' },
  'not-in-roster': { en: 'Not in roster', es: 'No está en la lista' },
};

export const REPORT_TEXT: Texts = {
  title: {
    en: 'Board report: School Resource Officers',
    es: 'Informe a la Junta: Oficiales de Recursos Escolares',
  },
  period: { en: 'Period', es: 'Período' },
  schools: { en: 'Schools', es: 'Escuelas' },
  allSchools: { en: 'All schools', es: 'Todas las escuelas' },
  roster: { en: 'Roster in force', es: 'Lista vigente' },
  enrolled: { en: 'Enrolled', es: 'Inscritos' },
  count: { en: 'Count', es: 'Número' },
  rate: { en: 'Per 1,000 enrolled', es: 'Por cada 1.000 inscritos' },
  rri: { en: 'Relative rate index', es: 'Índice de tasa relativa' },
  reference: { en: 'reference group', es: 'grupo de referencia' },
  allStudents: { en: 'All students', es: 'Todos los estudiantes' },
  suppressed: {
    en: 'Cells under {n} are not shown (*), nor values from which one could be worked out (**).',
    es: 'No se muestran las celdas menores de {n} (*), ni los valores que permitirían deducirlas (**).',
  },
  approvalRate: { en: 'Approval rate', es: 'Tasa de aprobación' },
  medianHours: { en: 'Median hours to decision', es: 'Mediana de horas hasta la decisión' },
  download: { en: 'Download CSV', es: 'Descargar CSV' },
  print: { en: 'Print', es: 'Imprimir' },
  group: { en: 'Group', es: 'Grupo' },
  chartOf: { en: 'Chart: per 1,000 enrolled, by', es: 'Gráfico: por cada 1.000 inscritos, según' },
  suppressedShort: { en: 'not shown', es: 'no se muestra' },
};

export const label = (table: Texts, key: string, lang: Lang): string => table[key]?.[lang] ?? key;
