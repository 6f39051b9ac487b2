// The exception queue: pending requests oldest first, with the basis, its evidence, the justification, the SRO
// and agency, the student, the categories and actions and the time waited. A clerk approves for at most what
// the basis allows (with the notice duty of a subpoena or court order, and the confirmation of a juvenile-justice
// certification, where the basis needs them) or denies with a reason the SRO will see.
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { z } from 'zod';
import { ApiError, apiGet, apiSend } from '../api';
import { Empty, Field, Load, useErrorText, useLoad } from '../components';
import { fill, formatDateTime, localized, useLang, useText, type Texts } from '../i18n';
import { useConsole, type BasisInfo } from '../session';
import type { ConsolePage } from './page';

const NoticeSchema = z
  .object({
    kind: z.enum(['notified', 'order-forbids']),
    notifiedOn: z.string().optional(),
    method: z.string().optional(),
    recipient: z.string().optional(),
    by: z.string().optional(),
    detail: z.string().optional(),
    wording: z.string().optional(),
    recordedBy: z.string(),
    recordedAt: z.string(),
  })
  .nullable();

export const RequestViewSchema = z.object({
  request: z.object({
    id: z.string(),
    username: z.string(),
    studentId: z.string(),
    categories: z.array(z.string()),
    actions: z.array(z.string()),
    basis: z.string(),
    status: z.string(),
    filedAt: z.string(),
    decidedAt: z.string().optional(),
    decidedBy: z.string().optional(),
    validFrom: z.string().optional(),
    validUntil: z.string().optional(),
  }),
  justification: z.string(),
  evidence: z.record(z.string(), z.string()),
  agency: z.string().nullable(),
  policyVersion: z.number(),
  decisionReason: z.string().nullable(),
  notice: NoticeSchema,
  certification: z
    .object({ reference: z.string(), confirmedBy: z.string(), confirmedAt: z.string() })
    .nullable(),
  waitedMinutes: z.number().optional(),
});
type RequestView = z.infer<typeof RequestViewSchema>;
const QueueSchema = z.object({ now: z.string(), requests: z.array(RequestViewSchema) });

const TEXT: Texts<
  | 'intro'
  | 'status'
  | 'pending'
  | 'approved'
  | 'denied'
  | 'all'
  | 'empty'
  | 'officer'
  | 'agency'
  | 'student'
  | 'basis'
  | 'categories'
  | 'actions'
  | 'justification'
  | 'evidence'
  | 'filed'
  | 'waited'
  | 'decision'
  | 'approve'
  | 'deny'
  | 'minutes'
  | 'minutesHint'
  | 'note'
  | 'reason'
  | 'reasonHint'
  | 'noticeLegend'
  | 'noticeNotified'
  | 'noticeForbids'
  | 'notifiedOn'
  | 'method'
  | 'recipient'
  | 'by'
  | 'detail'
  | 'wording'
  | 'certLegend'
  | 'certConfirm'
  | 'submit'
  | 'approvedOk'
  | 'deniedOk'
  | 'history'
  | 'decidedBy'
  | 'validUntil'
  | 'noticeRecorded'
  | 'noticeForbidsRecorded'
  | 'certRecorded'
  | 'adminReadOnly'
  | 'mail'
  | 'email'
  | 'phone'
  | 'inPerson'
  | 'other'
  | 'parent'
  | 'guardian'
  | 'eligibleStudent'
  | 'required'
  | 'chooseDecision'
  | 'chooseNotice'
> = {
  en: {
    intro: 'Requests wait here for a records clerk, oldest first.',
    status: 'Show',
    pending: 'Pending',
    approved: 'Approved',
    denied: 'Denied',
    all: 'All',
    empty: 'No requests here.',
    officer: 'Officer',
    agency: 'Agency',
    student: 'Student',
    basis: 'Legal basis',
    categories: 'Records',
    actions: 'Actions',
    justification: 'Justification',
    evidence: 'Evidence',
    filed: 'Filed',
    waited: 'Waiting for {minutes} min',
    decision: 'Decision',
    approve: 'Approve',
    deny: 'Deny',
    minutes: 'Access for (minutes)',
    minutesHint: 'At most {max} minutes under this basis.',
    note: 'Note for the record',
    reason: 'Reason the officer will see',
    reasonHint: 'Shown to the officer on the covered page.',
    noticeLegend: 'Notice to the parent or eligible student (34 CFR 99.31(a)(9)(ii), Education Code 49077)',
    noticeNotified: 'A reasonable effort to notify was made',
    noticeForbids: 'The order forbids notice',
    notifiedOn: 'Date of the effort',
    method: 'Method',
    recipient: 'Notified',
    by: 'By whom',
    detail: 'Details (optional)',
    wording: "The order's words forbidding notice",
    certLegend: 'Written certification (34 CFR 99.38(b))',
    certConfirm:
      'I have seen the written certification "{reference}" that the records will not be disclosed further without consent.',
    submit: 'Record the decision',
    approvedOk: 'Approved until {until}.',
    deniedOk: 'Denied. The officer will see your reason.',
    history: 'History',
    decidedBy: 'Decided by {who} at {when}',
    validUntil: 'Access until {until}',
    noticeRecorded: 'Notice: {method} to {recipient} on {date} by {by}',
    noticeForbidsRecorded: 'Notice forbidden by the order: “{wording}”',
    certRecorded: 'Certification {reference} confirmed by {who}',
    adminReadOnly: 'Only a records clerk decides requests.',
    mail: 'Mail',
    email: 'E-mail',
    phone: 'Phone',
    inPerson: 'In person',
    other: 'Other',
    parent: 'Parent',
    guardian: 'Guardian',
    eligibleStudent: 'Eligible student (18 or older)',
    required: 'Required.',
    chooseDecision: 'Choose approve or deny.',
    chooseNotice: 'Choose how the notice duty was met.',
  },
  es: {
    intro: 'Las solicitudes esperan aquí a un encargado de registros, la más antigua primero.',
    status: 'Mostrar',
    pending: 'Pendientes',
    approved: 'Aprobadas',
    denied: 'Denegadas',
    all: 'Todas',
    empty: 'No hay solicitudes aquí.',
    officer: 'Oficial',
    agency: 'Agencia',
    student: 'Estudiante',
    basis: 'Fundamento legal',
    categories: 'Expedientes',
    actions: 'Acciones',
    justification: 'Justificación',
    evidence: 'Pruebas',
    filed: 'Presentada',
    waited: 'Esperando {minutes} min',
    decision: 'Decisión',
    approve: 'Aprobar',
    deny: 'Denegar',
    minutes: 'Acceso por (minutos)',
    minutesHint: 'Como máximo {max} minutos con este fundamento.',
    note: 'Nota para el registro',
    reason: 'Motivo que verá el oficial',
    reasonHint: 'Se muestra al oficial en la página cubierta.',
    noticeLegend: 'Aviso al padre o al estudiante (34 CFR 99.31(a)(9)(ii), Código de Educación 49077)',
    noticeNotified: 'Se hizo un esfuerzo razonable para avisar',
    noticeForbids: 'La orden prohíbe el aviso',
    notifiedOn: 'Fecha del esfuerzo',
    method: 'Medio',
    recipient: 'Se avisó a',
    by: 'Por quién',
    detail: 'Detalles (opcional)',
    wording: 'Las palabras de la orden que prohíben el aviso',
    certLegend: 'Certificación escrita (34 CFR 99.38(b))',
    certConfirm:
      'He visto la certificación escrita "{reference}" de que los expedientes no se divulgarán sin consentimiento.',
    submit: 'Registrar la decisión',
    approvedOk: 'Aprobada hasta {until}.',
    deniedOk: 'Denegada. El oficial verá su motivo.',
    history: 'Historial',
    decidedBy: 'Decidida por {who} el {when}',
    validUntil: 'Acceso hasta {until}',
    noticeRecorded: 'Aviso: {method} a {recipient} el {date} por {by}',
    noticeForbidsRecorded: 'Aviso prohibido por la orden: “{wording}”',
    certRecorded: 'Certificación {reference} confirmada por {who}',
    adminReadOnly: 'Solo un encargado de registros decide las solicitudes.',
    mail: 'Correo postal',
    email: 'Correo electrónico',
    phone: 'Teléfono',
    inPerson: 'En persona',
    other: 'Otro',
    parent: 'Padre o madre',
    guardian: 'Tutor',
    eligibleStudent: 'Estudiante elegible (18 años o más)',
    required: 'Obligatorio.',
    chooseDecision: 'Elija aprobar o denegar.',
    chooseNotice: 'Elija cómo se cumplió el deber de aviso.',
  },
};

const METHOD_KEYS = {
  mail: 'mail',
  email: 'email',
  phone: 'phone',
  'in-person': 'inPerson',
  other: 'other',
} as const;
const RECIPIENT_KEYS = {
  parent: 'parent',
  guardian: 'guardian',
  'eligible-student': 'eligibleStudent',
} as const;

type Errors = Record<string, string>;

/** The hub's field names (`notice.notifiedOn`) as this form's ids. */
const fieldId = (requestId: string, field: string) => `r-${requestId}-${field.replace(/[^a-zA-Z0-9]/g, '-')}`;

function DecisionForm(props: {
  view: RequestView;
  basis: BasisInfo | undefined;
  onDone(message: string): void;
}) {
  const text = useText(TEXT);
  const lang = useLang();
  const { policy } = useConsole();
  const errorText = useErrorText();
  const { view, basis } = props;
  const id = view.request.id;
  const max = basis?.maxGrantMinutes ?? 60;
  const [decision, setDecision] = useState<'' | 'approve' | 'deny'>('');
  const [minutes, setMinutes] = useState(String(Math.min(30, max)));
  const [reason, setReason] = useState('');
  const [noticeKind, setNoticeKind] = useState<'' | 'notified' | 'order-forbids'>('');
  const [notifiedOn, setNotifiedOn] = useState('');
  const [method, setMethod] = useState('mail');
  const [recipient, setRecipient] = useState('parent');
  const [by, setBy] = useState('');
  const [detail, setDetail] = useState('');
  const [wording, setWording] = useState('');
  const [certified, setCertified] = useState(false);
  const [errors, setErrors] = useState<Errors>({});
  const [general, setGeneral] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const noticeDuty = basis?.notice.required === true;
  const certification = basis?.evidence.some((field) => field.id === 'certification-ref')
    ? view.evidence['certification-ref']
    : undefined;

  const submit = async (event: Event) => {
    event.preventDefault();
    setGeneral(undefined);
    const local: Errors = {};
    if (decision === '') local.decision = text.chooseDecision;
    if (reason.trim() === '') local.reason = text.required;
    const body: Record<string, unknown> = { decision, reason };
    if (decision === 'approve') {
      body.minutes = Number(minutes);
      if (noticeDuty) {
        if (noticeKind === '') local.notice = text.chooseNotice;
        else if (noticeKind === 'notified') {
          body.notice = {
            kind: 'notified',
            notifiedOn,
            method,
            recipient,
            by,
            ...(detail.trim() ? { detail } : {}),
          };
        } else body.notice = { kind: 'order-forbids', wording };
      }
      if (certification !== undefined && certified) body.certificationConfirmed = true;
    }
    // Everything the form can tell is checked here; the rest (limits, the notice date, the certification)
    // is the hub's to say, and its message lands next to the field it names.
    if (Object.keys(local).length > 0 && (local.decision || local.reason)) {
      setErrors(local);
      document.getElementById(fieldId(id, Object.keys(local)[0] ?? 'decision'))?.focus();
      return;
    }
    setBusy(true);
    try {
      const answer = await apiSend(
        'POST',
        `/requests/${encodeURIComponent(id)}/decision`,
        body,
        z.object({ request: RequestViewSchema.omit({ waitedMinutes: true }) }),
      );
      setErrors({});
      props.onDone(
        answer.request.request.status === 'approved'
          ? fill(text.approvedOk, {
              until: formatDateTime(answer.request.request.validUntil ?? '', lang, policy?.timeZone),
            })
          : text.deniedOk,
      );
    } catch (error) {
      if (error instanceof ApiError && error.field) {
        const key = error.field === 'body' ? 'decision' : error.field;
        setErrors({ [key]: error.message.replace(/^[^:]+: /, '') });
        document.getElementById(fieldId(id, key))?.focus();
      } else setGeneral(errorText(error));
    } finally {
      setBusy(false);
    }
  };

  const field = (name: string) => ({ id: fieldId(id, name), error: errors[name] });
  return (
    <form onSubmit={(event) => void submit(event)} noValidate aria-label={`${text.decision} ${id}`}>
      <fieldset aria-describedby={errors.decision ? `${fieldId(id, 'decision')}-error` : undefined}>
        <legend>{text.decision}</legend>
        <div class="checks">
          <label>
            <input
              type="radio"
              id={fieldId(id, 'decision')}
              name={`decision-${id}`}
              checked={decision === 'approve'}
              onChange={() => setDecision('approve')}
            />
            {text.approve}
          </label>
          <label>
            <input
              type="radio"
              name={`decision-${id}`}
              checked={decision === 'deny'}
              onChange={() => setDecision('deny')}
            />
            {text.deny}
          </label>
        </div>
        {errors.decision && (
          <p class="field-error" id={`${fieldId(id, 'decision')}-error`}>
            {errors.decision}
          </p>
        )}
      </fieldset>
      {decision === 'approve' && (
        <>
          <Field {...field('minutes')} label={text.minutes} hint={fill(text.minutesHint, { max })}>
            {(describedBy, invalid) => (
              <input
                id={fieldId(id, 'minutes')}
                type="number"
                min={1}
                max={max}
                step={1}
                value={minutes}
                aria-describedby={describedBy}
                aria-invalid={invalid || undefined}
                onInput={(event) => setMinutes(event.currentTarget.value)}
              />
            )}
          </Field>
          {noticeDuty && (
            <fieldset
              id={fieldId(id, 'notice')}
              tabIndex={-1}
              aria-describedby={errors.notice ? `${fieldId(id, 'notice')}-error` : undefined}
            >
              <legend>{text.noticeLegend}</legend>
              {basis?.notice.text && <p class="hint">{localized(basis.notice.text, lang)}</p>}
              <div class="checks">
                <label>
                  <input
                    type="radio"
                    name={`notice-${id}`}
                    checked={noticeKind === 'notified'}
                    onChange={() => setNoticeKind('notified')}
                  />
                  {text.noticeNotified}
                </label>
                <label>
                  <input
                    type="radio"
                    name={`notice-${id}`}
                    checked={noticeKind === 'order-forbids'}
                    onChange={() => setNoticeKind('order-forbids')}
                  />
                  {text.noticeForbids}
                </label>
              </div>
              {errors.notice && (
                <p class="field-error" id={`${fieldId(id, 'notice')}-error`} role="alert">
                  {errors.notice}
                </p>
              )}
              {noticeKind === 'notified' && (
                <>
                  <Field {...field('notice.notifiedOn')} label={text.notifiedOn}>
                    {(describedBy, invalid) => (
                      <input
                        id={fieldId(id, 'notice.notifiedOn')}
                        type="date"
                        value={notifiedOn}
                        aria-describedby={describedBy}
                        aria-invalid={invalid || undefined}
                        onInput={(event) => setNotifiedOn(event.currentTarget.value)}
                      />
                    )}
                  </Field>
                  <Field {...field('notice.method')} label={text.method}>
                    {(describedBy) => (
                      <select
                        id={fieldId(id, 'notice.method')}
                        value={method}
                        aria-describedby={describedBy}
                        onChange={(event) => setMethod(event.currentTarget.value)}
                      >
                        {Object.entries(METHOD_KEYS).map(([value, key]) => (
                          <option key={value} value={value}>
                            {text[key]}
                          </option>
                        ))}
                      </select>
                    )}
                  </Field>
                  <Field {...field('notice.recipient')} label={text.recipient}>
                    {(describedBy) => (
                      <select
                        id={fieldId(id, 'notice.recipient')}
                        value={recipient}
                        aria-describedby={describedBy}
                        onChange={(event) => setRecipient(event.currentTarget.value)}
                      >
                        {Object.entries(RECIPIENT_KEYS).map(([value, key]) => (
                          <option key={value} value={value}>
                            {text[key]}
                          </option>
                        ))}
                      </select>
                    )}
                  </Field>
                  <Field {...field('notice.by')} label={text.by}>
                    {(describedBy, invalid) => (
                      <input
                        id={fieldId(id, 'notice.by')}
                        value={by}
                        aria-describedby={describedBy}
                        aria-invalid={invalid || undefined}
                        onInput={(event) => setBy(event.currentTarget.value)}
                      />
                    )}
                  </Field>
                  <Field {...field('notice.detail')} label={text.detail}>
                    {(describedBy) => (
                      <textarea
                        id={fieldId(id, 'notice.detail')}
                        value={detail}
                        aria-describedby={describedBy}
                        onInput={(event) => setDetail(event.currentTarget.value)}
                      />
                    )}
                  </Field>
                </>
              )}
              {noticeKind === 'order-forbids' && (
                <Field {...field('notice.wording')} label={text.wording}>
                  {(describedBy, invalid) => (
                    <textarea
                      id={fieldId(id, 'notice.wording')}
                      value={wording}
                      aria-describedby={describedBy}
                      aria-invalid={invalid || undefined}
                      onInput={(event) => setWording(event.currentTarget.value)}
                    />
                  )}
                </Field>
              )}
            </fieldset>
          )}
          {certification !== undefined && (
            <fieldset
              aria-describedby={
                errors.certificationConfirmed ? `${fieldId(id, 'certificationConfirmed')}-error` : undefined
              }
            >
              <legend>{text.certLegend}</legend>
              <label>
                <input
                  type="checkbox"
                  id={fieldId(id, 'certificationConfirmed')}
                  checked={certified}
                  onChange={(event) => setCertified(event.currentTarget.checked)}
                />{' '}
                {fill(text.certConfirm, { reference: certification })}
              </label>
              {errors.certificationConfirmed && (
                <p class="field-error" id={`${fieldId(id, 'certificationConfirmed')}-error`} role="alert">
                  {errors.certificationConfirmed}
                </p>
              )}
            </fieldset>
          )}
        </>
      )}
      <Field
        {...field('reason')}
        label={decision === 'deny' ? text.reason : text.note}
        hint={decision === 'deny' ? text.reasonHint : undefined}
      >
        {(describedBy, invalid) => (
          <textarea
            id={fieldId(id, 'reason')}
            value={reason}
            aria-describedby={describedBy}
            aria-invalid={invalid || undefined}
            onInput={(event) => setReason(event.currentTarget.value)}
          />
        )}
      </Field>
      {general && (
        <p class="error-box" role="alert">
          {general}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {text.submit}
      </button>
    </form>
  );
}

function RequestCard(props: { view: RequestView; onDone(message: string): void }) {
  const text = useText(TEXT);
  const lang = useLang();
  const { policy, session } = useConsole();
  const { view } = props;
  const basis = policy?.bases.find((candidate) => candidate.id === view.request.basis);
  const label = (fieldId: string) => {
    const field = basis?.evidence.find((candidate) => candidate.id === fieldId);
    return field ? localized(field.label, lang) : fieldId;
  };
  const headingId = `req-${view.request.id}`;
  return (
    <article class="card" aria-labelledby={headingId}>
      <h2 id={headingId}>
        {fill('{student} · {basis}', {
          student: `${text.student} ${view.request.studentId}`,
          basis: basis ? localized(basis.title, lang) : view.request.basis,
        })}
      </h2>
      <dl class="facts">
        <dt>{text.officer}</dt>
        <dd>{view.request.username}</dd>
        <dt>{text.agency}</dt>
        <dd>{view.agency ?? '—'}</dd>
        <dt>{text.student}</dt>
        <dd>{view.request.studentId}</dd>
        <dt>{text.basis}</dt>
        <dd>
          {basis ? localized(basis.title, lang) : view.request.basis}
          {basis && ` (${basis.citations.join(' · ')})`}
        </dd>
        <dt>{text.categories}</dt>
        <dd>{view.request.categories.join(', ')}</dd>
        <dt>{text.actions}</dt>
        <dd>{view.request.actions.join(', ')}</dd>
        <dt>{text.justification}</dt>
        <dd>{view.justification}</dd>
        {Object.entries(view.evidence).map(([key, value]) => (
          <Fragment key={key}>
            <dt>{label(key)}</dt>
            <dd>{value}</dd>
          </Fragment>
        ))}
        <dt>{text.filed}</dt>
        <dd>
          {formatDateTime(view.request.filedAt, lang, policy?.timeZone)}
          {view.request.status === 'pending' && view.waitedMinutes !== undefined && (
            <>
              {' '}
              <span class="badge">{fill(text.waited, { minutes: view.waitedMinutes })}</span>
            </>
          )}
        </dd>
      </dl>
      {view.request.status === 'pending' ? (
        session.role === 'clerk' ? (
          <DecisionForm view={view} basis={basis} onDone={props.onDone} />
        ) : (
          <p class="hint">{text.adminReadOnly}</p>
        )
      ) : (
        <ul>
          <li>
            <strong>{text[view.request.status === 'approved' ? 'approved' : 'denied']}</strong>{' '}
            {fill(text.decidedBy, {
              who: view.request.decidedBy ?? '?',
              when: formatDateTime(view.request.decidedAt ?? '', lang, policy?.timeZone),
            })}
            {view.decisionReason && ` — ${view.decisionReason}`}
          </li>
          {view.request.validUntil && (
            <li>
              {fill(text.validUntil, {
                until: formatDateTime(view.request.validUntil, lang, policy?.timeZone),
              })}
            </li>
          )}
          {view.notice?.kind === 'notified' && (
            <li>
              {fill(text.noticeRecorded, {
                method:
                  text[METHOD_KEYS[(view.notice.method ?? 'other') as keyof typeof METHOD_KEYS] ?? 'other'],
                recipient:
                  text[
                    RECIPIENT_KEYS[(view.notice.recipient ?? 'parent') as keyof typeof RECIPIENT_KEYS] ??
                      'parent'
                  ],
                date: view.notice.notifiedOn ?? '',
                by: view.notice.by ?? '',
              })}
            </li>
          )}
          {view.notice?.kind === 'order-forbids' && (
            <li>{fill(text.noticeForbidsRecorded, { wording: view.notice.wording ?? '' })}</li>
          )}
          {view.certification && (
            <li>
              {fill(text.certRecorded, {
                reference: view.certification.reference,
                who: view.certification.confirmedBy,
              })}
            </li>
          )}
          <li>
            <a href={`#/history?target=${encodeURIComponent(`request:${view.request.id}`)}`}>
              {text.history}
            </a>
          </li>
        </ul>
      )}
    </article>
  );
}

function Queue() {
  const text = useText(TEXT);
  const [status, setStatus] = useState<'pending' | 'approved' | 'denied' | 'all'>('pending');
  const [message, setMessage] = useState<string | undefined>(undefined);
  const [loaded, reload] = useLoad(() => apiGet(`/requests?status=${status}`, QueueSchema), [status]);
  return (
    <>
      <p>{text.intro}</p>
      <div class="actions">
        <label for="queue-status">{text.status}</label>
        <select
          id="queue-status"
          value={status}
          onChange={(event) => setStatus(event.currentTarget.value as typeof status)}
        >
          <option value="pending">{text.pending}</option>
          <option value="approved">{text.approved}</option>
          <option value="denied">{text.denied}</option>
          <option value="all">{text.all}</option>
        </select>
      </div>
      <div aria-live="polite">{message && <p class="success">{message}</p>}</div>
      <Load loaded={loaded} retry={reload}>
        {(queue) =>
          queue.requests.length === 0 ? (
            <Empty>{text.empty}</Empty>
          ) : (
            queue.requests.map((view) => (
              <RequestCard
                key={view.request.id}
                view={view}
                onDone={(done) => {
                  setMessage(done);
                  reload();
                }}
              />
            ))
          )
        }
      </Load>
    </>
  );
}

export const queuePage: ConsolePage = {
  id: 'queue',
  title: { en: 'Exception queue', es: 'Cola de excepciones' },
  roles: ['clerk', 'admin'],
  component: Queue,
};
