// The recorder's own words in English and Spanish, kept here rather than in _locales so the recorder is one
// self-contained part of the options page.
export const RECORDER_TEXT = {
  title: { en: 'Adapter recorder', es: 'Grabador de adaptadores' },
  intro: {
    en: 'Sign in to your SIS as a test user, open a student record with a fake student, then pick the elements of that tab. Record Guard writes the adapter JSON for you to review, validate and publish.',
    es: 'Inicie sesión en su SIS como usuario de prueba, abra el expediente de un estudiante ficticio y elija los elementos de esa pestaña. Record Guard escribe el JSON del adaptador para que lo revise, valide y publique.',
  },
  tab: { en: 'SIS tab', es: 'Pestaña del SIS' },
  refresh: { en: 'Refresh tabs', es: 'Actualizar pestañas' },
  adapterId: { en: 'Adapter id', es: 'Identificador del adaptador' },
  adapterName: { en: 'Adapter name', es: 'Nombre del adaptador' },
  studentId: {
    en: 'Student id the page shows (test student)',
    es: 'Id. del estudiante que muestra la página (estudiante de prueba)',
  },
  displayName: {
    en: 'The header shows a display name, not the login',
    es: 'El encabezado muestra un nombre, no el usuario',
  },
  category: { en: 'Record category of the section', es: 'Categoría del expediente de la sección' },
  pickIdentity: { en: 'Pick who is signed in', es: 'Elegir quién inició sesión' },
  pickStudent: { en: 'Pick the student id', es: 'Elegir el id. del estudiante' },
  pickSection: { en: 'Pick a section', es: 'Elegir una sección' },
  pickExport: { en: 'Pick an export button', es: 'Elegir un botón de exportación' },
  pickSensitive: { en: 'Pick a sensitive field label', es: 'Elegir la etiqueta de un campo delicado' },
  prompt: {
    en: 'Record Guard: click the element (Esc cancels)',
    es: 'Record Guard: haga clic en el elemento (Esc cancela)',
  },
  picking: { en: 'Pick the element in the SIS tab…', es: 'Elija el elemento en la pestaña del SIS…' },
  cancelled: { en: 'Nothing picked.', es: 'No se eligió nada.' },
  cannotPick: {
    en: 'Record Guard cannot pick on that tab.',
    es: 'Record Guard no puede elegir en esa pestaña.',
  },
  picked: { en: 'Picked', es: 'Elegidos' },
  remove: { en: 'Remove', es: 'Quitar' },
  valid: {
    en: 'Valid adapter: review it, then publish it with your policy.',
    es: 'Adaptador válido: revíselo y publíquelo con su política.',
  },
  invalid: { en: 'Not valid yet:', es: 'Todavía no es válido:' },
  json: { en: 'Adapter JSON', es: 'JSON del adaptador' },
  copy: { en: 'Copy', es: 'Copiar' },
  copied: { en: 'Copied.', es: 'Copiado.' },
  download: { en: 'Download', es: 'Descargar' },
  noTabs: { en: 'No web page is open.', es: 'No hay ninguna página web abierta.' },
} as const;

export type RecorderTextKey = keyof typeof RECORDER_TEXT;
