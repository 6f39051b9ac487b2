// The district admin's pages: every enrolled browser with the policy it runs (those that stopped reporting or
// updating stand out), the published policy history, and tokens (issue with the secret shown once; revoke).
import { useState } from 'preact/hooks';
import { z } from 'zod';
import { ApiError, apiGet, apiSend } from '../api';
import { Empty, Field, Load, useErrorText, useLoad } from '../components';
import { fill, formatDateTime, useLang, useText, type Texts } from '../i18n';
import { useConsole } from '../session';
import type { ConsolePage } from './page';

const DevicesSchema = z.object({
  publishedVersion: z.number().nullable(),
  staleAfterHours: z.number(),
  devices: z.array(
    z.object({
      device: z.string(),
      owner: z.string().nullable(),
      policyVersion: z.number().nullable(),
      lastReportAt: z.string(),
      events: z.number(),
      backlog: z.number(),
      flags: z.number(),
      lastRejection: z.object({ at: z.string(), check: z.string(), reason: z.string() }).nullable(),
      // What the browser last reported about its managed settings (src/hub/admin.ts ManagedReport).
      managed: z
        .object({
          inForce: z.string(),
          problems: z.number(),
          signedPolicyRequired: z.boolean(),
          notices: z.array(z.object({ kind: z.string(), path: z.string().optional() })),
        })
        .nullable()
        .optional(),
      stale: z.array(z.enum(['no-report', 'old-policy'])),
    }),
  ),
});

const ListChangeSchema = z.object({
  added: z.array(z.string()),
  removed: z.array(z.string()),
  changed: z.array(z.string()),
});
const HistorySchema = z.object({
  versions: z.array(
    z.object({
      version: z.number(),
      policyId: z.string(),
      publishedAt: z.string(),
      publishedBy: z.string(),
      signed: z.boolean(),
      keyId: z.string().nullable(),
      sha256: z.string(),
      changes: z.object({
        rules: ListChangeSchema,
        roster: ListChangeSchema,
        adapters: ListChangeSchema,
        bases: ListChangeSchema,
        settings: z.array(z.string()),
      }),
    }),
  ),
});

const TokenSchema = z.object({
  id: z.string(),
  user: z.string(),
  role: z.string(),
  agency: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.string(),
  revokedAt: z.string().nullable(),
});
const TokensSchema = z.object({ tokens: z.array(TokenSchema) });
const IssuedSchema = z.object({ token: z.string(), info: TokenSchema });
const RevokedSchema = z.object({ info: TokenSchema });

type DeviceKey =
  | 'intro'
  | 'published'
  | 'noneSigned'
  | 'device'
  | 'owner'
  | 'policy'
  | 'lastReport'
  | 'backlog'
  | 'flags'
  | 'rejection'
  | 'managed'
  | 'tableLabel'
  | 'signedRequired'
  | 'signedNotRequired'
  | 'settingsRefused'
  | 'settingsLastGood'
  | 'noticeUnknownKey'
  | 'noticeWrongType'
  | 'noticeSigningImplied'
  | 'noticeSigningOff'
  | 'noticeNoKeys'
  | 'state'
  | 'ok'
  | 'noReport'
  | 'oldPolicy'
  | 'none'
  | 'empty'
  | 'unknown';
const DEVICE_TEXT: Texts<DeviceKey> = {
  en: {
    intro:
      'Every browser that reports to this hub. Rows marked "Needs attention" stopped reporting ({hours} h) or run an older policy than the one published.',
    published: 'Published signed policy: version {version}',
    noneSigned: 'No signed policy has been published yet.',
    device: 'Browser',
    owner: 'User',
    policy: 'Policy version',
    lastReport: 'Last report',
    backlog: 'Log backlog',
    flags: 'Chain flags',
    rejection: 'Last rejected update',
    managed: 'Managed settings',
    tableLabel: 'Browsers that report to this hub',
    signedRequired: 'Signed policy required',
    signedNotRequired: 'Signed policy NOT required',
    settingsRefused: '{count} setting(s) refused',
    settingsLastGood: 'Using the last good settings',
    noticeUnknownKey: 'Unknown setting {path}',
    noticeWrongType: 'Setting {path} has the wrong type',
    noticeSigningImplied: 'Keys set without requireSignedPolicy (signing required anyway)',
    noticeSigningOff: 'requireSignedPolicy is false although keys are set',
    noticeNoKeys: 'Signing required but no key trusted: SRO pages stay covered',
    state: 'State',
    ok: 'Up to date',
    noReport: 'Needs attention: no report',
    oldPolicy: 'Needs attention: older policy',
    none: 'none',
    empty: 'No browser has reported yet.',
    unknown: 'unknown',
  },
  es: {
    intro:
      'Cada navegador que informa a este servidor. Las filas marcadas «Requiere atención» dejaron de informar ({hours} h) o usan una política más antigua que la publicada.',
    published: 'Política firmada publicada: versión {version}',
    noneSigned: 'Aún no se ha publicado ninguna política firmada.',
    device: 'Navegador',
    owner: 'Usuario',
    policy: 'Versión de la política',
    lastReport: 'Último informe',
    backlog: 'Registros pendientes',
    flags: 'Alertas de la cadena',
    rejection: 'Última actualización rechazada',
    managed: 'Configuración administrada',
    tableLabel: 'Navegadores que informan a este servidor',
    signedRequired: 'Se exige política firmada',
    signedNotRequired: 'NO se exige política firmada',
    settingsRefused: '{count} ajuste(s) rechazado(s)',
    settingsLastGood: 'Usa la última configuración válida',
    noticeUnknownKey: 'Ajuste desconocido {path}',
    noticeWrongType: 'El ajuste {path} tiene un tipo incorrecto',
    noticeSigningImplied: 'Claves sin requireSignedPolicy (se exige la firma de todos modos)',
    noticeSigningOff: 'requireSignedPolicy es false aunque hay claves',
    noticeNoKeys: 'Se exige la firma pero no hay clave de confianza: las páginas del SRO siguen cubiertas',
    state: 'Estado',
    ok: 'Al día',
    noReport: 'Requiere atención: sin informes',
    oldPolicy: 'Requiere atención: política antigua',
    none: 'ninguna',
    empty: 'Ningún navegador ha informado todavía.',
    unknown: 'desconocida',
  },
};

type DeviceManaged = z.infer<typeof DevicesSchema>['devices'][number]['managed'];

/** The browser's managed-settings report in a few words: signing, refused settings, and each warning. */
function ManagedCell({ managed, text }: { managed: DeviceManaged | null; text: Record<DeviceKey, string> }) {
  if (!managed) return <>{text.unknown}</>;
  const noticeText = (notice: { kind: string; path?: string | undefined }): string => {
    const path = notice.path ?? '';
    switch (notice.kind) {
      case 'unknown-key':
        return fill(text.noticeUnknownKey, { path });
      case 'wrong-type':
        return fill(text.noticeWrongType, { path });
      case 'signing-implied':
        return text.noticeSigningImplied;
      case 'signing-off':
        return text.noticeSigningOff;
      case 'no-keys':
        return text.noticeNoKeys;
      default:
        return notice.kind;
    }
  };
  return (
    <>
      {managed.signedPolicyRequired ? text.signedRequired : <strong>{text.signedNotRequired}</strong>}
      {managed.inForce === 'last-good' && <div>{text.settingsLastGood}</div>}
      {managed.problems > 0 && <div>{fill(text.settingsRefused, { count: managed.problems })}</div>}
      {managed.notices.length > 0 && (
        <ul class="notices">
          {managed.notices.map((notice, index) => (
            <li key={index}>{noticeText(notice)}</li>
          ))}
        </ul>
      )}
    </>
  );
}

function Devices() {
  const text = useText(DEVICE_TEXT);
  const lang = useLang();
  const { policy } = useConsole();
  const [loaded, retry] = useLoad(() => apiGet('/admin/devices', DevicesSchema), []);
  return (
    <Load loaded={loaded} retry={retry}>
      {(answer) => (
        <>
          <p>{fill(text.intro, { hours: answer.staleAfterHours })}</p>
          <p id="published-version">
            {answer.publishedVersion === null
              ? text.noneSigned
              : fill(text.published, { version: answer.publishedVersion })}
          </p>
          {answer.devices.length === 0 ? (
            <Empty>{text.empty}</Empty>
          ) : (
            <div class="table-wrap" tabIndex={0} role="region" aria-label={text.tableLabel}>
              <table id="devices" class="words-whole">
                <thead>
                  <tr>
                    <th scope="col">{text.device}</th>
                    <th scope="col">{text.owner}</th>
                    <th scope="col">{text.policy}</th>
                    <th scope="col">{text.lastReport}</th>
                    <th scope="col">{text.backlog}</th>
                    <th scope="col">{text.flags}</th>
                    <th scope="col">{text.rejection}</th>
                    <th scope="col">{text.managed}</th>
                    <th scope="col">{text.state}</th>
                  </tr>
                </thead>
                <tbody>
                  {answer.devices.map((device) => (
                    <tr
                      key={device.device}
                      class={device.stale.length > 0 ? 'stale' : undefined}
                      data-device={device.device}
                      data-stale={device.stale.join(' ')}
                    >
                      <th scope="row">
                        <code>{device.device}</code>
                      </th>
                      <td>{device.owner ?? text.unknown}</td>
                      <td data-policy-version={device.policyVersion ?? ''}>
                        {device.policyVersion ?? text.unknown}
                      </td>
                      <td>{formatDateTime(device.lastReportAt, lang, policy?.timeZone)}</td>
                      <td>{device.backlog}</td>
                      <td>{device.flags}</td>
                      <td>
                        {device.lastRejection
                          ? `${device.lastRejection.check}: ${device.lastRejection.reason}`
                          : text.none}
                      </td>
                      <td data-managed={device.managed ? device.managed.inForce : ''}>
                        <ManagedCell managed={device.managed ?? null} text={text} />
                      </td>
                      <td>
                        {device.stale.length === 0 ? (
                          text.ok
                        ) : (
                          <strong>
                            {device.stale
                              .map((reason) => (reason === 'no-report' ? text.noReport : text.oldPolicy))
                              .join('; ')}
                          </strong>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </Load>
  );
}

type HistoryKey =
  | 'intro'
  | 'version'
  | 'when'
  | 'who'
  | 'signature'
  | 'changes'
  | 'unsigned'
  | 'signed'
  | 'key'
  | 'contents'
  | 'empty'
  | 'nothing';
const HISTORY_TEXT: Texts<HistoryKey> = {
  en: {
    intro:
      'Every published version of the policy, newest first: who published it, when, and what it changed.',
    version: 'Version',
    when: 'Published',
    who: 'By',
    signature: 'Signature',
    changes: 'What changed',
    unsigned: 'unsigned (no browser applies it)',
    signed: 'signed',
    key: 'key',
    contents: 'contents SHA-256',
    empty: 'No policy has been published.',
    nothing: 'only the version',
  },
  es: {
    intro:
      'Cada versión publicada de la política, la más reciente primero: quién la publicó, cuándo y qué cambió.',
    version: 'Versión',
    when: 'Publicada',
    who: 'Por',
    signature: 'Firma',
    changes: 'Qué cambió',
    unsigned: 'sin firma (ningún navegador la aplica)',
    signed: 'firmada',
    key: 'clave',
    contents: 'SHA-256 del contenido',
    empty: 'No se ha publicado ninguna política.',
    nothing: 'solo la versión',
  },
};

/** Each change as its own item, so a long list wraps between items and never inside an id. */
function describeChanges(changes: z.infer<typeof HistorySchema>['versions'][number]['changes']): string[] {
  const parts: string[] = [];
  const list = (name: string, change: z.infer<typeof ListChangeSchema>) => {
    for (const id of change.added) parts.push(`${name} +${id}`);
    for (const id of change.removed) parts.push(`${name} −${id}`);
    for (const id of change.changed) parts.push(`${name} ~${id}`);
  };
  list('rule', changes.rules);
  list('roster', changes.roster);
  list('adapter', changes.adapters);
  list('basis', changes.bases);
  for (const name of changes.settings) parts.push(`~${name}`);
  return parts;
}

function History() {
  const text = useText(HISTORY_TEXT);
  const lang = useLang();
  const { policy } = useConsole();
  const [loaded, retry] = useLoad(() => apiGet('/admin/policy-history', HistorySchema), []);
  return (
    <Load loaded={loaded} retry={retry}>
      {(answer) => (
        <>
          <p>{text.intro}</p>
          {answer.versions.length === 0 ? (
            <Empty>{text.empty}</Empty>
          ) : (
            // Fixed column widths: with the table's automatic layout the long list of changes took the
            // width and squeezed version, date and key into a letter per line (the demo's 1280 px shot).
            <table id="policy-history" class="history-table">
              <colgroup>
                <col class="col-version" />
                <col class="col-when" />
                <col class="col-who" />
                <col class="col-signature" />
                <col />
              </colgroup>
              <thead>
                <tr>
                  <th scope="col">{text.version}</th>
                  <th scope="col">{text.when}</th>
                  <th scope="col">{text.who}</th>
                  <th scope="col">{text.signature}</th>
                  <th scope="col">{text.changes}</th>
                </tr>
              </thead>
              <tbody>
                {answer.versions.map((entry) => {
                  const changes = describeChanges(entry.changes);
                  return (
                    <tr key={entry.version} data-version={entry.version}>
                      <th scope="row">
                        v{entry.version}
                        <span class="mono small">{entry.policyId}</span>
                      </th>
                      <td>{formatDateTime(entry.publishedAt, lang, policy?.timeZone)}</td>
                      <td class="mono">{entry.publishedBy}</td>
                      <td>
                        {entry.signed ? (
                          <>
                            {text.signed}, {text.key} <span class="mono">{entry.keyId ?? '?'}</span>
                          </>
                        ) : (
                          text.unsigned
                        )}
                        <span class="small">
                          {text.contents}{' '}
                          {/* Short on screen (the full digest in the title); the full digest in print. */}
                          <code class="hash-short" title={entry.sha256}>
                            {entry.sha256.slice(0, 12)}
                          </code>
                          <code class="hash-full">{entry.sha256}</code>
                        </span>
                      </td>
                      <td>
                        {changes.length === 0 ? (
                          text.nothing
                        ) : (
                          <ul class="changes">
                            {changes.map((change) => (
                              <li key={change}>{change}</li>
                            ))}
                          </ul>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </>
      )}
    </Load>
  );
}

type TokenKey =
  | 'intro'
  | 'issueTitle'
  | 'user'
  | 'role'
  | 'agency'
  | 'agencyHint'
  | 'issue'
  | 'issued'
  | 'once'
  | 'listTitle'
  | 'id'
  | 'created'
  | 'state'
  | 'active'
  | 'revokedAt'
  | 'revoke'
  | 'revoked'
  | 'empty';
const TOKEN_TEXT: Texts<TokenKey> = {
  en: {
    intro:
      'Tokens let browsers and people reach this hub. A token is shown once, when it is issued: the hub keeps only its hash.',
    issueTitle: 'Issue a token',
    user: 'Username',
    role: 'Role',
    agency: 'Agency (SROs)',
    agencyHint: 'The law-enforcement agency; taken from nothing else, so write it as consents name it.',
    issue: 'Issue the token',
    issued: 'Token for {user} ({role}), id {id}:',
    once: "Copy it now into the browser's managed settings (hubToken): it will not be shown again.",
    listTitle: 'Tokens',
    id: 'Id',
    created: 'Issued',
    state: 'State',
    active: 'active',
    revokedAt: 'revoked {time}',
    revoke: "Revoke {user}'s token",
    revoked: 'The token of {user} was revoked: it stops working at once.',
    empty: 'No tokens yet.',
  },
  es: {
    intro:
      'Los tokens permiten que navegadores y personas accedan a este servidor. Un token se muestra una sola vez, al emitirlo: el servidor solo guarda su hash.',
    issueTitle: 'Emitir un token',
    user: 'Usuario',
    role: 'Rol',
    agency: 'Agencia (agentes)',
    agencyHint: 'La agencia policial; escríbala como la nombran los consentimientos.',
    issue: 'Emitir el token',
    issued: 'Token para {user} ({role}), id {id}:',
    once: 'Cópielo ahora en los ajustes administrados del navegador (hubToken): no se volverá a mostrar.',
    listTitle: 'Tokens',
    id: 'Id',
    created: 'Emitido',
    state: 'Estado',
    active: 'activo',
    revokedAt: 'revocado {time}',
    revoke: 'Revocar el token de {user}',
    revoked: 'Se revocó el token de {user}: deja de funcionar de inmediato.',
    empty: 'Aún no hay tokens.',
  },
};

function Tokens() {
  const text = useText(TOKEN_TEXT);
  const lang = useLang();
  const { policy } = useConsole();
  const errorText = useErrorText();
  const [loaded, retry] = useLoad(() => apiGet('/admin/tokens', TokensSchema), []);
  const [user, setUser] = useState('');
  const [role, setRole] = useState('sro');
  const [agency, setAgency] = useState('');
  const [issued, setIssued] = useState<z.infer<typeof IssuedSchema> | undefined>(undefined);
  const [problem, setProblem] = useState<{ field?: string; message: string } | undefined>(undefined);
  const [status, setStatus] = useState('');

  const issue = async (event: Event): Promise<void> => {
    event.preventDefault();
    setProblem(undefined);
    setIssued(undefined);
    try {
      const answer = await apiSend(
        'POST',
        '/admin/tokens',
        { user, role, ...(agency.trim() !== '' ? { agency } : {}) },
        IssuedSchema,
      );
      setIssued(answer);
      setUser('');
      setAgency('');
      retry();
    } catch (error) {
      setProblem({
        ...(error instanceof ApiError && error.field ? { field: error.field.replace(/^body\./, '') } : {}),
        message: errorText(error),
      });
    }
  };
  const revoke = async (id: string, who: string): Promise<void> => {
    try {
      await apiSend('POST', `/admin/tokens/${encodeURIComponent(id)}/revoke`, {}, RevokedSchema);
      setStatus(fill(text.revoked, { user: who }));
      retry();
    } catch (error) {
      setStatus(errorText(error));
    }
  };
  const fieldError = (name: string) => (problem?.field === name ? problem.message : undefined);

  return (
    <>
      <p>{text.intro}</p>
      <h2>{text.issueTitle}</h2>
      <form id="issue-token" onSubmit={(event) => void issue(event)}>
        <Field id="token-user" label={text.user} error={fieldError('user')}>
          {(describedBy, invalid) => (
            <input
              id="token-user"
              name="user"
              required
              value={user}
              aria-describedby={describedBy}
              aria-invalid={invalid}
              onInput={(event) => setUser(event.currentTarget.value)}
            />
          )}
        </Field>
        <Field id="token-role" label={text.role} error={fieldError('role')}>
          {(describedBy, invalid) => (
            <select
              id="token-role"
              name="role"
              value={role}
              aria-describedby={describedBy}
              aria-invalid={invalid}
              onChange={(event) => setRole(event.currentTarget.value)}
            >
              <option value="sro">sro</option>
              <option value="clerk">clerk</option>
              <option value="admin">admin</option>
            </select>
          )}
        </Field>
        <Field id="token-agency" label={text.agency} hint={text.agencyHint} error={fieldError('agency')}>
          {(describedBy, invalid) => (
            <input
              id="token-agency"
              name="agency"
              value={agency}
              aria-describedby={describedBy}
              aria-invalid={invalid}
              onInput={(event) => setAgency(event.currentTarget.value)}
            />
          )}
        </Field>
        {problem && !problem.field && (
          <p role="alert" class="field-error">
            {problem.message}
          </p>
        )}
        <button type="submit">{text.issue}</button>
      </form>
      {issued && (
        <div id="issued-token" role="status" class="notice">
          <p>{fill(text.issued, { user: issued.info.user, role: issued.info.role, id: issued.info.id })}</p>
          <p>
            <code id="issued-secret">{issued.token}</code>
          </p>
          <p>
            <strong>{text.once}</strong>
          </p>
        </div>
      )}
      <h2>{text.listTitle}</h2>
      <p role="status" id="token-status">
        {status}
      </p>
      <Load loaded={loaded} retry={retry}>
        {(answer) =>
          answer.tokens.length === 0 ? (
            <Empty>{text.empty}</Empty>
          ) : (
            <table id="tokens">
              <thead>
                <tr>
                  <th scope="col">{text.user}</th>
                  <th scope="col">{text.role}</th>
                  <th scope="col">{text.id}</th>
                  <th scope="col">{text.created}</th>
                  <th scope="col">{text.state}</th>
                </tr>
              </thead>
              <tbody>
                {answer.tokens.map((token) => (
                  <tr key={token.id} data-token-id={token.id}>
                    <th scope="row">{token.user}</th>
                    <td>{token.role}</td>
                    <td>
                      <code>{token.id}</code>
                    </td>
                    <td>{formatDateTime(token.createdAt, lang, policy?.timeZone)}</td>
                    <td>
                      {token.revokedAt ? (
                        fill(text.revokedAt, {
                          time: formatDateTime(token.revokedAt, lang, policy?.timeZone),
                        })
                      ) : (
                        <>
                          {text.active}{' '}
                          <button type="button" onClick={() => void revoke(token.id, token.user)}>
                            {fill(text.revoke, { user: token.user })}
                          </button>
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Load>
    </>
  );
}

export const devicesPage: ConsolePage = {
  id: 'devices',
  title: { en: 'Browsers', es: 'Navegadores' },
  roles: ['admin'],
  component: Devices,
};

export const policyHistoryPage: ConsolePage = {
  id: 'policy-history',
  title: { en: 'Policy history', es: 'Historial de la política' },
  roles: ['admin'],
  component: History,
};

export const tokensPage: ConsolePage = {
  id: 'tokens',
  title: { en: 'Tokens', es: 'Tokens' },
  roles: ['admin'],
  component: Tokens,
};
