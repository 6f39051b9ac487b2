// English and Spanish for the options page's admin view (src/ui/AdminStatus.tsx). Kept beside it rather than
// in _locales so the view's texts, with their placeholders, stay in one reviewable place.
export interface Bilingual {
  en: string;
  es: string;
}

export const ADMIN_TEXTS = {
  policyTitle: { en: 'Policy in force', es: 'Política vigente' },
  policy: { en: 'Policy', es: 'Política' },
  source: { en: 'Source', es: 'Origen' },
  sourceSigned: {
    en: 'signed update from the district hub',
    es: 'actualización firmada del servidor del distrito',
  },
  sourceStored: { en: 'stored update (not signed)', es: 'actualización guardada (sin firma)' },
  sourceBundled: { en: 'bundled with the extension', es: 'incluida en la extensión' },
  sourceNone: { en: 'none valid', es: 'ninguna válida' },
  signature: { en: 'Signature', es: 'Firma' },
  signatureVerified: {
    en: 'verified, key {key}, signed {at}',
    es: 'verificada, clave {key}, firmada el {at}',
  },
  signatureNone: { en: 'none (not a signed update)', es: 'ninguna (no es una actualización firmada)' },
  held: {
    en: 'A signed policy is required and none has been verified yet: SRO pages stay covered. Other staff are not affected.',
    es: 'Se requiere una política firmada y aún no se ha verificado ninguna: las páginas de los agentes siguen cubiertas. El resto del personal no se ve afectado.',
  },
  lastChecked: { en: 'Last checked', es: 'Última comprobación' },
  never: { en: 'never', es: 'nunca' },
  checkApplied: { en: 'a new policy was applied', es: 'se aplicó una política nueva' },
  checkUnchanged: { en: 'no new policy', es: 'no hay política nueva' },
  checkRejected: { en: 'the offered policy was rejected', es: 'se rechazó la política ofrecida' },
  checkNonePublished: { en: 'the hub has no policy yet', es: 'el servidor aún no tiene política' },
  checkNoHub: { en: 'no hub configured', es: 'no hay servidor configurado' },
  checkFailed: { en: 'the hub could not be reached', es: 'no se pudo contactar al servidor' },
  rejectionTitle: { en: 'Last rejected update', es: 'Última actualización rechazada' },
  noRejection: { en: 'No update has been rejected.', es: 'No se ha rechazado ninguna actualización.' },
  failedCheck: { en: 'Failed check', es: 'Comprobación fallida' },
  checkSignature: { en: 'signature', es: 'firma' },
  checkSchema: { en: 'schema', es: 'esquema' },
  checkDistrict: { en: 'district', es: 'distrito' },
  checkVersion: { en: 'version', es: 'versión' },
  why: { en: 'Why', es: 'Motivo' },
  field: { en: 'Field', es: 'Campo' },
  key: { en: 'Key', es: 'Clave' },
  offeredVersion: { en: 'Offered version', es: 'Versión ofrecida' },
  when: { en: 'When', es: 'Cuándo' },
  keptNote: {
    en: 'The policy in force did not change.',
    es: 'La política vigente no cambió.',
  },
  changesTitle: {
    en: 'What changed from the previous policy',
    es: 'Qué cambió respecto a la política anterior',
  },
  noChanges: { en: 'No update applied yet.', es: 'Aún no se ha aplicado ninguna actualización.' },
  fromTo: { en: 'From {from} to {to}', es: 'De {from} a {to}' },
  rules: { en: 'Rules', es: 'Reglas' },
  roster: { en: 'Roster', es: 'Lista de personal' },
  adapters: { en: 'SIS adapters', es: 'Adaptadores del SIS' },
  bases: { en: 'Legal bases', es: 'Bases legales' },
  settings: { en: 'Other settings', es: 'Otros ajustes' },
  added: { en: 'added', es: 'añadido' },
  removed: { en: 'removed', es: 'quitado' },
  changed: { en: 'changed', es: 'cambiado' },
  nothing: { en: 'no change', es: 'sin cambios' },
  managedTitle: { en: 'Managed settings in force', es: 'Ajustes administrados vigentes' },
  managedLive: { en: 'Read from the enterprise policy.', es: 'Leídos de la política empresarial.' },
  managedLastGood: {
    en: 'The enterprise policy was refused; the last good settings stay in force.',
    es: 'Se rechazó la política empresarial; siguen vigentes los últimos ajustes válidos.',
  },
  managedNone: { en: 'No managed settings.', es: 'No hay ajustes administrados.' },
  managedProblems: { en: 'Problems in the managed settings', es: 'Problemas en los ajustes administrados' },
  managedWarnings: {
    en: 'Check these managed settings',
    es: 'Revise estos ajustes administrados',
  },
  noticeUnknownKey: {
    en: 'Unknown setting {path}: Record Guard does not read it.',
    es: 'Ajuste desconocido {path}: Record Guard no lo lee.',
  },
  noticeDidYouMean: { en: 'Did you mean {suggestion}?', es: '¿Quiso decir {suggestion}?' },
  noticeWrongType: {
    en: 'Setting {path} has a value of the wrong type (expected {expected}).',
    es: 'El ajuste {path} tiene un valor de tipo incorrecto (se esperaba {expected}).',
  },
  noticeSigningImplied: {
    en: 'A signed policy is required: trusted keys (policyKeys) are set and requireSignedPolicy is not. If you did set requireSignedPolicy, the browser dropped it because its name is misspelt or its value is not true or false (chrome://policy then shows it as not set): check the spelling and the value where the policy is written. Setting requireSignedPolicy to true says so explicitly, and this note goes.',
    es: 'Se requiere una política firmada: hay claves de confianza (policyKeys) y requireSignedPolicy no está definido. Si definió requireSignedPolicy, el navegador lo descartó porque el nombre está mal escrito o el valor no es true ni false (chrome://policy lo muestra entonces como no definido): revise la ortografía y el valor donde se escribe la política. Si pone requireSignedPolicy en true lo indica de forma explícita, y esta nota desaparece.',
  },
  noticeSigningOff: {
    en: 'requireSignedPolicy is false although trusted keys are set: the policy bundled with the extension applies until a signed one verifies. Remove requireSignedPolicy (or set it to true) once the hub serves a signed policy.',
    es: 'requireSignedPolicy es false aunque hay claves de confianza: se aplica la política incluida en la extensión hasta que se verifique una firmada. Quite requireSignedPolicy (o póngalo en true) cuando el servidor ofrezca una política firmada.',
  },
  noticeNoKeys: {
    en: 'A signed policy is required but no trusted key (policyKeys) is set: no policy can verify, and SRO pages stay covered.',
    es: 'Se requiere una política firmada pero no hay ninguna clave de confianza (policyKeys): ninguna política puede verificarse y las páginas de los agentes siguen cubiertas.',
  },
  syncTitle: { en: 'Sync with the district hub', es: 'Sincronización con el servidor del distrito' },
  lastSync: { en: 'Last sync', es: 'Última sincronización' },
  syncProblem: { en: 'Last problem', es: 'Último problema' },
  networkGapTitle: {
    en: 'Hosts without network rules',
    es: 'Servidores sin reglas de red',
  },
  networkGap: {
    en: 'Adapter "{adapter}" has no network section: on hosts {hosts} only the in-page cover guards; the network rules of {lower} (lower priority) no longer apply there. Add a network section to "{adapter}" to keep records from reaching the browser there.',
    es: 'El adaptador "{adapter}" no tiene sección network: en los servidores {hosts} solo protege la cubierta en la página; las reglas de red de {lower} (de menor prioridad) ya no se aplican allí. Añada una sección network a "{adapter}" para que los expedientes no lleguen al navegador allí.',
  },
  tabTitle: { en: 'SIS adapters on the current tab', es: 'Adaptadores del SIS en la pestaña actual' },
  noTab: { en: 'No web page is open.', es: 'No hay ninguna página web abierta.' },
  tabNoAdapter: { en: 'No adapter matches {url}.', es: 'Ningún adaptador corresponde a {url}.' },
  tabHostOnly: { en: 'host matches, page not guarded', es: 'el host corresponde, página no protegida' },
  tabGuarded: { en: 'guarded page', es: 'página protegida' },
} satisfies Record<string, Bilingual>;

export type AdminTextKey = keyof typeof ADMIN_TEXTS;
