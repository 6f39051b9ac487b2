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
  layout: { en: 'Where its value is', es: 'Dónde está su valor' },
  layoutNextCell: { en: 'in the next cell', es: 'en la celda siguiente' },
  layoutRowBelow: { en: 'in the row below', es: 'en la fila de abajo' },
  layoutEither: {
    en: 'next cell or row below (both are hidden)',
    es: 'celda siguiente o fila de abajo (se ocultan ambas)',
  },
  layoutHeader: {
    en: 'under or beside the header (read by the table)',
    es: 'bajo o junto al encabezado (lo lee la tabla)',
  },
  json: { en: 'Adapter JSON', es: 'JSON del adaptador' },
  copy: { en: 'Copy', es: 'Copiar' },
  copied: { en: 'Copied.', es: 'Copiado.' },
  download: { en: 'Download', es: 'Descargar' },
  noTabs: { en: 'No web page is open.', es: 'No hay ninguna página web abierta.' },
  pagesTitle: {
    en: 'Sign-in, sign-out and start pages',
    es: 'Páginas de inicio de sesión, de cierre y de inicio',
  },
  pagesIntro: {
    en: 'These pages tell Record Guard who is signed in. On a sign-in or sign-out page it forgets who was signed in, so the next person (a teacher after an SRO) is read afresh. A start page shows who is signed in but no student: it is never covered. Open the page in the SIS tab and press its button, or type its path.',
    es: 'Estas páginas le indican a Record Guard quién inició sesión. En una página de inicio o de cierre de sesión olvida quién había iniciado sesión, así que a la persona siguiente (un maestro después de un SRO) la lee de nuevo. Una página de inicio muestra quién inició sesión pero ningún estudiante: nunca se cubre. Abra la página en la pestaña del SIS y pulse su botón, o escriba su ruta.',
  },
  signInPages: {
    en: 'Sign-in and sign-out pages (one path a line)',
    es: 'Páginas de inicio y de cierre de sesión (una ruta por línea)',
  },
  identityPages: {
    en: 'Start pages and shells: who is signed in, no student (one path a line)',
    es: 'Páginas de inicio y marcos: quién inició sesión, sin estudiante (una ruta por línea)',
  },
  pagesHint: {
    en: 'A path such as /login or /logout; any query after it is included. A full address from the SIS tab also works.',
    es: 'Una ruta como /login o /logout; se incluye cualquier consulta después. También sirve una dirección completa de la pestaña del SIS.',
  },
  addSignIn: {
    en: 'Record this page as sign-in or sign-out',
    es: 'Grabar esta página como inicio o cierre de sesión',
  },
  addIdentity: {
    en: 'Record this page as a start page',
    es: 'Grabar esta página como página de inicio',
  },
  addedPage: { en: 'Recorded page', es: 'Página grabada' },
  review: { en: 'Review before publishing:', es: 'Revise antes de publicar:' },
} as const;

/** What the review step points out; the English text also goes into the adapter's `verification.toCheck`. */
export const RECORDER_WARNINGS = {
  'no-identity': {
    en: 'Pick the element that shows who is signed in.',
    es: 'Elija el elemento que muestra quién inició sesión.',
  },
  'display-name': {
    en: "The header shows a display name: list each SRO's display name in the roster.",
    es: 'El encabezado muestra un nombre: anote el nombre de cada SRO en la lista de personal.',
  },
  'no-student': {
    en: 'Give the test student id the page shows, or pick the element with it.',
    es: 'Indique el id. del estudiante de prueba que muestra la página, o elija el elemento que lo contiene.',
  },
  'no-section': {
    en: 'Pick at least one section and say which record category it holds.',
    es: 'Elija al menos una sección e indique qué categoría del expediente contiene.',
  },
  'no-sign-in': {
    en: 'No sign-in or sign-out page is recorded. After an SRO uses this browser, Record Guard cannot see them sign out: the SIS stays guarded for everyone on this browser, teachers too, until the browser is restarted. Record the SIS sign-in page and its sign-out page.',
    es: 'No se grabó ninguna página de inicio ni de cierre de sesión. Después de que un SRO use este navegador, Record Guard no puede ver que cerró la sesión: el SIS queda protegido para todos en este navegador, también para los maestros, hasta que se reinicie el navegador. Grabe la página de inicio de sesión del SIS y la de cierre de sesión.',
  },
  'open-record-page': {
    en: 'A sign-in, sign-out or start page you recorded is also a page you picked a record on: it would never be covered. Remove it from the pages.',
    es: 'Una página de inicio de sesión, de cierre de sesión o de inicio que grabó es también una página en la que eligió elementos de un expediente: nunca se cubriría. Quítela de la lista.',
  },
  'other-host-page': {
    en: 'A page you recorded is on another host (a single sign-on service?). Record Guard sees only the SIS pages: record the SIS page you land on after signing out, and the first SIS page after signing in.',
    es: 'Una página que grabó está en otro servidor (¿un servicio de inicio de sesión único?). Record Guard solo ve las páginas del SIS: grabe la página del SIS a la que llega después de cerrar la sesión y la primera página del SIS después de iniciarla.',
  },
} as const;

export type RecorderWarning = keyof typeof RECORDER_WARNINGS;

export type RecorderTextKey = keyof typeof RECORDER_TEXT;
