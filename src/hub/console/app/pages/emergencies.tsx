// Emergency review (34 CFR 99.36): each access granted at once in an SRO's browser, with the threat, the parties,
// the window and the records opened; mark it appropriate or refer it with a note. Overdue reviews stand out.
import { useState } from 'preact/hooks';
import { z } from 'zod';
import { ApiError, apiGet, apiSend } from '../api';
import { Empty, Field, Load, useErrorText, useLoad } from '../components';
import { fill, formatDateTime, useLang, useText, type Texts } from '../i18n';
import { useConsole } from '../session';
import type { ConsolePage } from './page';

const AccessSchema = z.object({
  id: z.string(),
  username: z.string(),
  studentId: z.string(),
  categories: z.array(z.string()),
  threat: z.string(),
  incident: z.string().nullable(),
  parties: z.array(z.string()),
  grantedAt: z.string(),
  validUntil: z.string(),
  recordsOpened: z.array(z.object({ at: z.string(), categories: z.array(z.string()) })),
  dueBy: z.string(),
  overdue: z.boolean(),
  review: z
    .object({ outcome: z.string(), note: z.string().nullable(), by: z.string(), at: z.string() })
    .nullable(),
});
type Access = z.infer<typeof AccessSchema>;

const TEXT: Texts<
  | 'intro'
  | 'show'
  | 'pending'
  | 'all'
  | 'empty'
  | 'threat'
  | 'incident'
  | 'parties'
  | 'window'
  | 'opened'
  | 'student'
  | 'records'
  | 'overdue'
  | 'due'
  | 'appropriate'
  | 'refer'
  | 'note'
  | 'noteHint'
  | 'save'
  | 'saved'
  | 'reviewed'
  | 'history'
  | 'none'
> = {
  en: {
    intro: 'Emergency access granted at once in an SRO’s browser, for review after the fact.',
    show: 'Show',
    pending: 'To review',
    all: 'All',
    empty: 'No emergency access waits for review.',
    threat: 'Threat',
    incident: 'Incident',
    parties: 'Disclosed to',
    window: 'Access window',
    opened: 'Records opened',
    student: 'Student',
    records: 'Records',
    overdue: 'Overdue',
    due: 'Review due {date}',
    appropriate: 'Appropriate',
    refer: 'Refer',
    note: 'Note',
    noteHint: 'Required for a referral: to whom and why.',
    save: 'Record the review',
    saved: 'Review recorded.',
    reviewed: '{outcome} by {by}, {at}',
    history: 'History',
    none: 'none',
  },
  es: {
    intro:
      'Accesos de emergencia concedidos de inmediato en el navegador de un SRO, para revisarlos después.',
    show: 'Mostrar',
    pending: 'Por revisar',
    all: 'Todos',
    empty: 'No hay accesos de emergencia por revisar.',
    threat: 'Amenaza',
    incident: 'Incidente',
    parties: 'Divulgado a',
    window: 'Ventana de acceso',
    opened: 'Expedientes abiertos',
    student: 'Estudiante',
    records: 'Expedientes',
    overdue: 'Atrasada',
    due: 'Revisión antes del {date}',
    appropriate: 'Apropiado',
    refer: 'Remitir',
    note: 'Nota',
    noteHint: 'Obligatoria para una remisión: a quién y por qué.',
    save: 'Registrar la revisión',
    saved: 'Revisión registrada.',
    reviewed: '{outcome} por {by}, {at}',
    history: 'Historial',
    none: 'ninguno',
  },
};

function ReviewForm(props: { access: Access; onDone(): void }) {
  const text = useText(TEXT);
  const errorText = useErrorText();
  const [outcome, setOutcome] = useState<'appropriate' | 'referred'>('appropriate');
  const [note, setNote] = useState('');
  const [error, setError] = useState<{ field?: string; message: string } | undefined>(undefined);
  const id = props.access.id;
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      await apiSend(
        'POST',
        `/emergencies/${encodeURIComponent(id)}/review`,
        { outcome, ...(note.trim() ? { note } : {}) },
        z.object({ access: AccessSchema }),
      );
      props.onDone();
    } catch (caught) {
      setError(
        caught instanceof ApiError && caught.field
          ? { field: caught.field, message: caught.message.replace(/^[^:]+: /, '') }
          : { message: errorText(caught) },
      );
    }
  };
  return (
    <form onSubmit={(event) => void submit(event)} noValidate aria-label={`${text.save} ${id}`}>
      <fieldset class="checks">
        <legend>{text.save}</legend>
        <label>
          <input
            type="radio"
            name={`o-${id}`}
            checked={outcome === 'appropriate'}
            onChange={() => setOutcome('appropriate')}
          />{' '}
          {text.appropriate}
        </label>
        <label>
          <input
            type="radio"
            name={`o-${id}`}
            checked={outcome === 'referred'}
            onChange={() => setOutcome('referred')}
          />{' '}
          {text.refer}
        </label>
      </fieldset>
      <Field
        id={`n-${id}`}
        label={text.note}
        hint={text.noteHint}
        error={error?.field === 'note' ? error.message : undefined}
      >
        {(describedBy, invalid) => (
          <textarea
            id={`n-${id}`}
            value={note}
            aria-describedby={describedBy}
            aria-invalid={invalid || undefined}
            onInput={(event) => setNote(event.currentTarget.value)}
          />
        )}
      </Field>
      {error && error.field !== 'note' && (
        <p class="error-box" role="alert">
          {error.message}
        </p>
      )}
      <button type="submit">{text.save}</button>
    </form>
  );
}

function Emergencies() {
  const text = useText(TEXT);
  const lang = useLang();
  const { policy } = useConsole();
  const [status, setStatus] = useState<'pending' | 'all'>('pending');
  const [message, setMessage] = useState<string | undefined>(undefined);
  const [loaded, reload] = useLoad(
    () => apiGet(`/emergencies?status=${status}`, z.object({ accesses: z.array(AccessSchema) })),
    [status],
  );
  const when = (iso: string) => formatDateTime(iso, lang, policy?.timeZone);
  return (
    <>
      <p>{text.intro}</p>
      <div class="actions">
        <label for="em-status">{text.show}</label>
        <select
          id="em-status"
          value={status}
          onChange={(event) => setStatus(event.currentTarget.value === 'all' ? 'all' : 'pending')}
        >
          <option value="pending">{text.pending}</option>
          <option value="all">{text.all}</option>
        </select>
      </div>
      <div aria-live="polite">{message && <p class="success">{message}</p>}</div>
      <Load loaded={loaded} retry={reload}>
        {({ accesses }) =>
          accesses.length === 0 ? (
            <Empty>{text.empty}</Empty>
          ) : (
            accesses.map((access) => (
              <article
                key={access.id}
                class={access.overdue ? 'card overdue emergency' : 'card emergency'}
                aria-labelledby={`em-${access.id}`}
              >
                <h2 id={`em-${access.id}`}>
                  {text.student} {access.studentId} · {access.username}{' '}
                  {access.overdue && <span class="badge danger">{text.overdue}</span>}
                </h2>
                <dl class="facts">
                  <dt>{text.threat}</dt>
                  <dd>{access.threat}</dd>
                  <dt>{text.incident}</dt>
                  <dd>{access.incident ?? '—'}</dd>
                  <dt>{text.parties}</dt>
                  <dd>{access.parties.join(', ')}</dd>
                  <dt>{text.records}</dt>
                  <dd>{access.categories.join(', ')}</dd>
                  <dt>{text.window}</dt>
                  <dd>
                    {when(access.grantedAt)} – {when(access.validUntil)}
                  </dd>
                  <dt>{text.opened}</dt>
                  <dd>
                    {access.recordsOpened.length === 0
                      ? text.none
                      : access.recordsOpened
                          .map((entry) => `${when(entry.at)} (${entry.categories.join(', ')})`)
                          .join('; ')}
                  </dd>
                </dl>
                <p class="hint">{fill(text.due, { date: when(access.dueBy) })}</p>
                {access.review ? (
                  <p>
                    {fill(text.reviewed, {
                      outcome: access.review.outcome === 'referred' ? text.refer : text.appropriate,
                      by: access.review.by,
                      at: when(access.review.at),
                    })}
                    {access.review.note ? ` — ${access.review.note}` : ''}
                  </p>
                ) : (
                  <ReviewForm
                    access={access}
                    onDone={() => {
                      setMessage(text.saved);
                      reload();
                    }}
                  />
                )}
                <a href={`#/history?target=${encodeURIComponent(`emergency:${access.id}`)}`}>
                  {text.history}
                </a>
              </article>
            ))
          )
        }
      </Load>
    </>
  );
}

export const emergenciesPage: ConsolePage = {
  id: 'emergencies',
  title: { en: 'Emergency review', es: 'Revisión de emergencias' },
  roles: ['clerk', 'admin'],
  component: Emergencies,
};
