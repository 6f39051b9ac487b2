// Consents (34 CFR 99.30, Education Code 49075): search a student's consents with their statuses, record a new
// one (each error next to its field), revoke one now or on a date.
import { useState } from 'preact/hooks';
import { z } from 'zod';
import { ApiError, apiGet, apiSend } from '../api';
import { Empty, Field, Load, useErrorText, useLoad } from '../components';
import { fill, useText, type Texts } from '../i18n';
import { useConsole } from '../session';
import type { ConsolePage } from './page';

const ConsentViewSchema = z.object({
  consent: z.object({
    id: z.string(),
    studentId: z.string(),
    signer: z.object({ name: z.string(), relation: z.string() }),
    categories: z.array(z.string()),
    actions: z.array(z.string()),
    purpose: z.string(),
    recipient: z.object({ kind: z.string(), username: z.string().optional(), agency: z.string().optional() }),
    signedOn: z.string(),
    expiresOn: z.string().optional(),
    documentRef: z.string(),
  }),
  status: z.string(),
  recordedBy: z.string(),
  revokeReason: z.string().nullable(),
  revokesOn: z.string().nullable(),
});
type ConsentView = z.infer<typeof ConsentViewSchema>;

const TEXT: Texts<
  | 'search'
  | 'studentId'
  | 'find'
  | 'none'
  | 'newTitle'
  | 'signerName'
  | 'relation'
  | 'parent'
  | 'guardian'
  | 'eligibleStudent'
  | 'categories'
  | 'actions'
  | 'purpose'
  | 'recipientKind'
  | 'recipientSro'
  | 'recipientAgency'
  | 'recipient'
  | 'signedOn'
  | 'expiresOn'
  | 'expiresHint'
  | 'documentRef'
  | 'birthDate'
  | 'birthHint'
  | 'save'
  | 'saved'
  | 'revoke'
  | 'revokeReason'
  | 'revokeOn'
  | 'revokeOnHint'
  | 'revokeConfirm'
  | 'revoked'
  | 'fix'
  | 'history'
  | 'status_active'
  | 'status_not-yet-valid'
  | 'status_expired'
  | 'status_revoked'
  | 'status_ended-majority'
  | 'revokesOn'
  | 'signedBy'
  | 'choose'
> = {
  en: {
    search: 'Find a student’s consents',
    studentId: 'Student ID',
    find: 'Search',
    none: 'No consents are recorded for this student.',
    newTitle: 'Record a written consent',
    signerName: 'Signed by (name)',
    relation: 'Signer is the student’s',
    parent: 'Parent',
    guardian: 'Guardian',
    eligibleStudent: 'The student (18 or older)',
    categories: 'Records it covers',
    actions: 'What may be done',
    purpose: 'Purpose',
    recipientKind: 'Recipient',
    recipientSro: 'A named SRO',
    recipientAgency: 'An agency',
    recipient: 'Who receives the records',
    signedOn: 'Signature date',
    expiresOn: 'Expires on (last day)',
    expiresHint: 'Leave empty for “until revoked”.',
    documentRef: 'Document reference (where the signed form is kept)',
    birthDate: 'Student’s birth date',
    birthHint: 'From the SIS: decides who may sign (a parent until 18, the student after).',
    save: 'Record the consent',
    saved: 'Consent recorded for student {student}.',
    revoke: 'Revoke',
    revokeReason: 'Reason for the revocation',
    revokeOn: 'Takes effect on',
    revokeOnHint: 'Empty: at once.',
    revokeConfirm: 'Record the revocation',
    revoked: 'Revocation recorded.',
    fix: 'The consent was not recorded: correct the field marked below.',
    history: 'History',
    status_active: 'Active',
    'status_not-yet-valid': 'Not yet valid',
    status_expired: 'Expired',
    status_revoked: 'Revoked',
    'status_ended-majority': 'Ended: the student turned 18',
    revokesOn: 'Revocation takes effect {date}',
    signedBy: 'Signed {date} by {name} ({relation})',
    choose: 'Choose…',
  },
  es: {
    search: 'Buscar los consentimientos de un estudiante',
    studentId: 'ID del estudiante',
    find: 'Buscar',
    none: 'No hay consentimientos registrados para este estudiante.',
    newTitle: 'Registrar un consentimiento escrito',
    signerName: 'Firmado por (nombre)',
    relation: 'Quien firma es del estudiante el/la',
    parent: 'Padre o madre',
    guardian: 'Tutor',
    eligibleStudent: 'El estudiante (18 años o más)',
    categories: 'Expedientes que cubre',
    actions: 'Qué se permite',
    purpose: 'Propósito',
    recipientKind: 'Destinatario',
    recipientSro: 'Un oficial (SRO) nombrado',
    recipientAgency: 'Una agencia',
    recipient: 'Quién recibe los expedientes',
    signedOn: 'Fecha de la firma',
    expiresOn: 'Vence el (último día)',
    expiresHint: 'Vacío: “hasta que se revoque”.',
    documentRef: 'Referencia del documento (dónde se guarda el formulario firmado)',
    birthDate: 'Fecha de nacimiento del estudiante',
    birthHint: 'Del SIS: decide quién puede firmar (un padre hasta los 18, el estudiante después).',
    save: 'Registrar el consentimiento',
    saved: 'Consentimiento registrado para el estudiante {student}.',
    revoke: 'Revocar',
    revokeReason: 'Motivo de la revocación',
    revokeOn: 'Surte efecto el',
    revokeOnHint: 'Vacío: de inmediato.',
    revokeConfirm: 'Registrar la revocación',
    revoked: 'Revocación registrada.',
    fix: 'No se registró el consentimiento: corrija el campo marcado abajo.',
    history: 'Historial',
    status_active: 'Vigente',
    'status_not-yet-valid': 'Aún no vigente',
    status_expired: 'Vencido',
    status_revoked: 'Revocado',
    'status_ended-majority': 'Terminado: el estudiante cumplió 18',
    revokesOn: 'La revocación surte efecto el {date}',
    signedBy: 'Firmado el {date} por {name} ({relation})',
    choose: 'Elija…',
  },
};

/** Field ids of the form, by the hub's field names. */
const FIELD_IDS: Record<string, string> = {
  studentId: 'c-student',
  'signer.name': 'c-signer',
  'signer.relation': 'c-relation',
  categories: 'c-categories',
  actions: 'c-actions',
  purpose: 'c-purpose',
  recipient: 'c-recipient-kind',
  'recipient.username': 'c-recipient',
  'recipient.agency': 'c-recipient',
  signedOn: 'c-signed',
  expiresOn: 'c-expires',
  documentRef: 'c-docref',
  studentBirthDate: 'c-birth',
};
const fieldKey = (field: string): string =>
  field.startsWith('categories')
    ? 'categories'
    : field.startsWith('actions')
      ? 'actions'
      : field.startsWith('recipient.')
        ? 'recipient.value'
        : field;

function RevokeForm(props: { view: ConsentView; onDone(message: string): void }) {
  const text = useText(TEXT);
  const errorText = useErrorText();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [effectiveOn, setEffectiveOn] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const id = props.view.consent.id;
  if (!open)
    return (
      <button type="button" class="secondary" onClick={() => setOpen(true)}>
        {text.revoke}
      </button>
    );
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      await apiSend(
        'POST',
        `/consents/${encodeURIComponent(id)}/revoke`,
        { reason, ...(effectiveOn ? { effectiveOn } : {}) },
        z.object({ consent: ConsentViewSchema }),
      );
      props.onDone(text.revoked);
    } catch (error) {
      if (error instanceof ApiError && error.field)
        setErrors({ [error.field]: error.message.replace(/^[^:]+: /, '') });
      else setErrors({ form: errorText(error) });
    }
  };
  return (
    <form
      onSubmit={(event) => void submit(event)}
      noValidate
      aria-label={`${text.revoke} ${props.view.consent.documentRef}`}
    >
      <Field id={`rv-${id}-reason`} label={text.revokeReason} error={errors.reason}>
        {(describedBy, invalid) => (
          <textarea
            id={`rv-${id}-reason`}
            value={reason}
            aria-describedby={describedBy}
            aria-invalid={invalid || undefined}
            onInput={(event) => setReason(event.currentTarget.value)}
          />
        )}
      </Field>
      <Field id={`rv-${id}-on`} label={text.revokeOn} hint={text.revokeOnHint} error={errors.effectiveOn}>
        {(describedBy, invalid) => (
          <input
            id={`rv-${id}-on`}
            type="date"
            value={effectiveOn}
            aria-describedby={describedBy}
            aria-invalid={invalid || undefined}
            onInput={(event) => setEffectiveOn(event.currentTarget.value)}
          />
        )}
      </Field>
      {errors.form && (
        <p class="error-box" role="alert">
          {errors.form}
        </p>
      )}
      <button type="submit" class="danger">
        {text.revokeConfirm}
      </button>
    </form>
  );
}

function ConsentList(props: { studentId: string; round: number; onMessage(message: string): void }) {
  const text = useText(TEXT);
  const { session } = useConsole();
  const [loaded, reload] = useLoad(
    () =>
      apiGet(
        `/consents?studentId=${encodeURIComponent(props.studentId)}`,
        z.object({ consents: z.array(ConsentViewSchema) }),
      ),
    [props.studentId, props.round],
  );
  return (
    <Load loaded={loaded} retry={reload}>
      {({ consents }) =>
        consents.length === 0 ? (
          <Empty>{text.none}</Empty>
        ) : (
          <ul class="plain">
            {consents.map((view) => (
              <li key={view.consent.id} class="card consent">
                <p>
                  <span class={view.status === 'active' ? 'badge' : 'badge danger'}>
                    {text[`status_${view.status}` as keyof typeof text] ?? view.status}
                  </span>{' '}
                  <strong>{view.consent.categories.join(', ')}</strong> · {view.consent.actions.join(', ')} →{' '}
                  {view.consent.recipient.username ?? view.consent.recipient.agency}
                </p>
                <p>{view.consent.purpose}</p>
                <p class="hint">
                  {fill(text.signedBy, {
                    date: view.consent.signedOn,
                    name: view.consent.signer.name,
                    relation: view.consent.signer.relation,
                  })}
                  {view.consent.expiresOn ? ` · ${text.expiresOn}: ${view.consent.expiresOn}` : ''} ·{' '}
                  {view.consent.documentRef}
                </p>
                {view.revokesOn && <p>{fill(text.revokesOn, { date: view.revokesOn })}</p>}
                {view.revokeReason && (
                  <p>
                    {text.revokeReason}: {view.revokeReason}
                  </p>
                )}
                <div class="actions">
                  <a href={`#/history?target=${encodeURIComponent(`consent:${view.consent.id}`)}`}>
                    {text.history}
                  </a>
                  {session.role === 'clerk' && view.status === 'active' && !view.revokesOn && (
                    <RevokeForm
                      view={view}
                      onDone={(message) => {
                        props.onMessage(message);
                        reload();
                      }}
                    />
                  )}
                </div>
              </li>
            ))}
          </ul>
        )
      }
    </Load>
  );
}

function ConsentForm(props: { studentId: string; onSaved(studentId: string, message: string): void }) {
  const text = useText(TEXT);
  const errorText = useErrorText();
  const { policy } = useConsole();
  const [values, setValues] = useState<Record<string, string>>({
    studentId: props.studentId,
    relation: 'parent',
    kind: 'agency',
  });
  const [categories, setCategories] = useState<string[]>([]);
  const [actions, setActions] = useState<string[]>(['view']);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string | undefined>(undefined);
  const set = (name: string) => (event: Event) =>
    setValues({ ...values, [name]: (event.currentTarget as HTMLInputElement).value });
  const toggle = (list: string[], setList: (next: string[]) => void, value: string) =>
    setList(list.includes(value) ? list.filter((item) => item !== value) : [...list, value]);

  const submit = async (event: Event) => {
    event.preventDefault();
    setGeneral(undefined);
    const body = {
      studentId: values.studentId ?? '',
      signer: { name: values.signer ?? '', relation: values.relation },
      categories,
      actions,
      purpose: values.purpose ?? '',
      recipient:
        values.kind === 'sro'
          ? { kind: 'sro', username: values.recipient ?? '' }
          : { kind: 'agency', agency: values.recipient ?? '' },
      signedOn: values.signedOn ?? '',
      ...(values.expiresOn ? { expiresOn: values.expiresOn } : {}),
      documentRef: values.documentRef ?? '',
      ...(values.birthDate ? { studentBirthDate: values.birthDate } : {}),
    };
    try {
      await apiSend('POST', '/consents', body, z.object({ consent: ConsentViewSchema }));
      setErrors({});
      props.onSaved(body.studentId, fill(text.saved, { student: body.studentId }));
    } catch (error) {
      if (error instanceof ApiError && error.field) {
        const key = fieldKey(error.field);
        setErrors({ [key]: error.message.replace(/^[^:]+: /, '') });
        setGeneral(text.fix);
        document
          .getElementById(key === 'recipient.value' ? 'c-recipient' : (FIELD_IDS[key] ?? 'c-student'))
          ?.focus();
      } else setGeneral(errorText(error));
    }
  };
  const input = (
    name: string,
    id: string,
    label: string,
    type: 'text' | 'date' = 'text',
    hint?: string,
    errorKey = name,
  ) => (
    <Field id={id} label={label} hint={hint} error={errors[errorKey]}>
      {(describedBy, invalid) =>
        type === 'date' ? (
          <input
            id={id}
            type="date"
            value={values[name] ?? ''}
            aria-describedby={describedBy}
            aria-invalid={invalid || undefined}
            onInput={set(name)}
          />
        ) : (
          <input
            id={id}
            type="text"
            value={values[name] ?? ''}
            aria-describedby={describedBy}
            aria-invalid={invalid || undefined}
            onInput={set(name)}
          />
        )
      }
    </Field>
  );
  const recipients =
    values.kind === 'sro'
      ? (policy?.sros.map((sro) => ({
          value: sro.username,
          label: `${sro.displayName} (${sro.agency ?? '—'})`,
        })) ?? [])
      : (policy?.agencies.map((agency) => ({ value: agency, label: agency })) ?? []);
  return (
    <form onSubmit={(event) => void submit(event)} noValidate aria-labelledby="new-consent">
      <h2 id="new-consent">{text.newTitle}</h2>
      {general && (
        <p class="error-box" role="alert">
          {general}
        </p>
      )}
      {input('studentId', 'c-student', text.studentId, 'text', undefined, 'studentId')}
      {input('signer', 'c-signer', text.signerName, 'text', undefined, 'signer.name')}
      <Field id="c-relation" label={text.relation} error={errors['signer.relation']}>
        {(describedBy) => (
          <select
            id="c-relation"
            value={values.relation}
            aria-describedby={describedBy}
            onChange={set('relation')}
          >
            <option value="parent">{text.parent}</option>
            <option value="guardian">{text.guardian}</option>
            <option value="eligible-student">{text.eligibleStudent}</option>
          </select>
        )}
      </Field>
      <fieldset
        id="c-categories"
        tabIndex={-1}
        class="checks"
        aria-describedby={errors.categories ? 'c-categories-error' : undefined}
      >
        <legend>{text.categories}</legend>
        {(policy?.categories ?? []).map((category) => (
          <label key={category}>
            <input
              type="checkbox"
              checked={categories.includes(category)}
              onChange={() => toggle(categories, setCategories, category)}
            />{' '}
            {category}
          </label>
        ))}
        {errors.categories && (
          <p id="c-categories-error" class="field-error">
            {errors.categories}
          </p>
        )}
      </fieldset>
      <fieldset
        id="c-actions"
        tabIndex={-1}
        class="checks"
        aria-describedby={errors.actions ? 'c-actions-error' : undefined}
      >
        <legend>{text.actions}</legend>
        {['view', 'export', 'print', 'copy'].map((action) => (
          <label key={action}>
            <input
              type="checkbox"
              checked={actions.includes(action)}
              onChange={() => toggle(actions, setActions, action)}
            />{' '}
            {action}
          </label>
        ))}
        {errors.actions && (
          <p id="c-actions-error" class="field-error">
            {errors.actions}
          </p>
        )}
      </fieldset>
      <Field id="c-purpose" label={text.purpose} error={errors.purpose}>
        {(describedBy, invalid) => (
          <textarea
            id="c-purpose"
            value={values.purpose ?? ''}
            aria-describedby={describedBy}
            aria-invalid={invalid || undefined}
            onInput={set('purpose')}
          />
        )}
      </Field>
      <Field id="c-recipient-kind" label={text.recipientKind} error={errors.recipient}>
        {(describedBy) => (
          <select
            id="c-recipient-kind"
            value={values.kind}
            aria-describedby={describedBy}
            onChange={(event) => setValues({ ...values, kind: event.currentTarget.value, recipient: '' })}
          >
            <option value="agency">{text.recipientAgency}</option>
            <option value="sro">{text.recipientSro}</option>
          </select>
        )}
      </Field>
      <Field id="c-recipient" label={text.recipient} error={errors['recipient.value']}>
        {(describedBy, invalid) => (
          <select
            id="c-recipient"
            value={values.recipient ?? ''}
            aria-describedby={describedBy}
            aria-invalid={invalid || undefined}
            onChange={set('recipient')}
          >
            <option value="">{text.choose}</option>
            {recipients.map((recipient) => (
              <option key={recipient.value} value={recipient.value}>
                {recipient.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      {input('signedOn', 'c-signed', text.signedOn, 'date')}
      {input('expiresOn', 'c-expires', text.expiresOn, 'date', text.expiresHint)}
      {input('documentRef', 'c-docref', text.documentRef)}
      {input('birthDate', 'c-birth', text.birthDate, 'date', text.birthHint, 'studentBirthDate')}
      <button type="submit">{text.save}</button>
    </form>
  );
}

function Consents(props: { params: URLSearchParams }) {
  const text = useText(TEXT);
  const { session } = useConsole();
  const [query, setQuery] = useState(props.params.get('student') ?? '');
  const [studentId, setStudentId] = useState(props.params.get('student') ?? '');
  const [round, setRound] = useState(0);
  const [message, setMessage] = useState<string | undefined>(undefined);
  return (
    <>
      <form
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          setStudentId(query.trim());
          setMessage(undefined);
        }}
      >
        <h2>{text.search}</h2>
        <div class="actions">
          <label for="search-student">{text.studentId}</label>
          <input id="search-student" value={query} onInput={(event) => setQuery(event.currentTarget.value)} />
          <button type="submit">{text.find}</button>
        </div>
      </form>
      <div aria-live="polite">{message && <p class="success">{message}</p>}</div>
      {studentId && <ConsentList studentId={studentId} round={round} onMessage={setMessage} />}
      {session.role === 'clerk' && (
        <ConsentForm
          key={studentId}
          studentId={studentId}
          onSaved={(saved, done) => {
            setQuery(saved);
            setStudentId(saved);
            setRound(round + 1);
            setMessage(done);
          }}
        />
      )}
    </>
  );
}

export const consentsPage: ConsolePage = {
  id: 'consents',
  title: { en: 'Consents', es: 'Consentimientos' },
  roles: ['clerk', 'admin'],
  component: Consents,
};
