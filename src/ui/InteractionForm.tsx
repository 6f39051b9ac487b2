// The SRO interaction log form (issue 14), an extension page so it works wherever the SRO is. The background
// validates again and writes the `interaction` event; this page only collects and shows what it answers.
import { useEffect, useState } from 'preact/hooks';
import {
  INTERACTION_TYPES,
  type InteractionContext,
  type InteractionRecordReply,
} from '../report/board/interaction';
import { INTERACTION_TYPE_LABELS } from '../report/board/texts';
import { askBackground } from './messages';

type Lang = 'en' | 'es';
const TEXT = {
  title: { en: 'Log an interaction with a student', es: 'Registrar una interacción con un estudiante' },
  intro: {
    en: 'Each interaction is kept in this browser’s tamper-evident log and reported to the district for the Board’s report.',
    es: 'Cada interacción se guarda en el registro a prueba de alteraciones de este navegador y se informa al distrito para el informe a la Junta.',
  },
  officer: { en: 'Officer (SIS username)', es: 'Oficial (usuario del SIS)' },
  occurredAt: { en: 'Date and time', es: 'Fecha y hora' },
  school: { en: 'School code', es: 'Código de la escuela' },
  studentId: { en: 'Student ID', es: 'Número de estudiante' },
  type: { en: 'Type', es: 'Tipo' },
  reason: { en: 'Reason', es: 'Motivo' },
  forceUsed: { en: 'Force was used', es: 'Se usó la fuerza' },
  parentNotified: { en: 'The parent was notified', es: 'Se notificó al padre, madre o tutor' },
  administratorPresent: { en: 'An administrator was present', es: 'Un administrador estuvo presente' },
  submit: { en: 'Record the interaction', es: 'Registrar la interacción' },
  recorded: { en: 'Recorded (event {id}).', es: 'Registrada (evento {id}).' },
  problems: { en: 'Please correct:', es: 'Corrija lo siguiente:' },
  required: { en: 'is required', es: 'es obligatorio' },
  future: { en: 'is in the future', es: 'está en el futuro' },
  failed: {
    en: 'Not recorded: the extension did not answer.',
    es: 'No se registró: la extensión no respondió.',
  },
  noHub: {
    en: 'No district hub is set: the interaction stays in this browser’s log until one is.',
    es: 'No hay un servidor del distrito configurado: la interacción queda en el registro de este navegador hasta que lo haya.',
  },
} as const;

const uiLang = (): Lang => (browser.i18n.getUILanguage().toLowerCase().startsWith('es') ? 'es' : 'en');

/** A datetime-local value (the browser's own zone) as an instant with offset; undefined if empty or invalid. */
const toInstant = (local: string): string | undefined => {
  const millis = Date.parse(local);
  return local && !Number.isNaN(millis) ? new Date(millis).toISOString() : undefined;
};

const FIELDS = ['officer', 'occurredAt', 'school', 'studentId', 'type', 'reason'] as const;

export function InteractionForm({ lang = uiLang() }: { lang?: Lang }) {
  const tr = (key: keyof typeof TEXT) => TEXT[key][lang];
  const [context, setContext] = useState<InteractionContext | undefined>(undefined);
  const [values, setValues] = useState<Record<string, string>>({ type: 'warning' });
  const [flags, setFlags] = useState({
    forceUsed: false,
    parentNotified: false,
    administratorPresent: false,
  });
  const [problems, setProblems] = useState<{ field: string; message: string }[]>([]);
  const [done, setDone] = useState<string | undefined>(undefined);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    void askBackground<InteractionContext>({ channel: 'interaction.context' }).then((answer) => {
      setContext(answer);
      if (answer?.officer) setValues((old) => ({ officer: answer.officer ?? '', ...old }));
    });
  }, []);

  const set = (field: string) => (event: Event) =>
    setValues({ ...values, [field]: (event.currentTarget as HTMLInputElement).value });

  const submit = async (event: Event) => {
    event.preventDefault();
    setDone(undefined);
    setFailed(false);
    const missing = FIELDS.filter((field) => !(values[field] ?? '').trim()).map((field) => ({
      field,
      message: tr('required'),
    }));
    if (missing.length > 0) return setProblems(missing);
    try {
      const reply = await askBackground<InteractionRecordReply | undefined>({
        channel: 'interaction.record',
        officer: values.officer,
        interaction: {
          occurredAt: toInstant(values.occurredAt ?? ''),
          school: values.school?.trim(),
          studentId: values.studentId?.trim(),
          type: values.type,
          reason: values.reason,
          ...flags,
        },
      });
      if (!reply) return setFailed(true);
      if (reply.ok) {
        setProblems([]);
        setDone(reply.eventId);
        setValues({ officer: values.officer ?? '', type: 'warning' });
        setFlags({ forceUsed: false, parentNotified: false, administratorPresent: false });
      } else {
        setProblems(
          reply.problems.map((problem) => ({
            ...problem,
            message: problem.message === 'is in the future' ? tr('future') : problem.message,
          })),
        );
      }
    } catch {
      setFailed(true);
    }
  };

  const problemOf = (field: string) => problems.find((problem) => problem.field === field);
  const described = (field: string) =>
    problemOf(field) ? { 'aria-invalid': true, 'aria-describedby': `${field}-error` } : {};
  const errorOf = (field: string) => {
    const problem = problemOf(field);
    return problem ? (
      <span id={`${field}-error`} class="field-error">
        {problem.message}
      </span>
    ) : null;
  };
  const label = (field: (typeof FIELDS)[number]) => tr(field);

  return (
    <main class="gate" lang={lang}>
      <h1>{tr('title')}</h1>
      <p>{tr('intro')}</p>
      {context && !context.hub ? <p role="note">{tr('noHub')}</p> : null}
      {problems.length > 0 ? (
        <div role="alert" id="problems">
          <p>{tr('problems')}</p>
          <ul>
            {problems.map((problem) => (
              <li key={problem.field}>
                {FIELDS.includes(problem.field as (typeof FIELDS)[number])
                  ? label(problem.field as (typeof FIELDS)[number])
                  : problem.field}
                : {problem.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {done ? (
        <p role="status" id="recorded">
          {tr('recorded').replace('{id}', done)}
        </p>
      ) : null}
      {failed ? <p role="alert">{tr('failed')}</p> : null}
      <form onSubmit={(event) => void submit(event)} noValidate>
        {(['officer', 'occurredAt', 'school', 'studentId'] as const).map((field) => (
          <p key={field}>
            <label for={field}>{label(field)}</label>
            <br />
            {field === 'occurredAt' ? (
              <input
                id={field}
                name={field}
                type="datetime-local"
                value={values[field] ?? ''}
                onInput={set(field)}
                required
                {...described(field)}
              />
            ) : (
              <input
                id={field}
                name={field}
                type="text"
                value={values[field] ?? ''}
                onInput={set(field)}
                required
                {...described(field)}
              />
            )}
            {errorOf(field)}
          </p>
        ))}
        <p>
          <label for="type">{tr('type')}</label>
          <br />
          <select id="type" name="type" value={values.type} onChange={set('type')}>
            {INTERACTION_TYPES.map((type) => (
              <option key={type} value={type}>
                {INTERACTION_TYPE_LABELS[type][lang]}
              </option>
            ))}
          </select>
        </p>
        <p>
          <label for="reason">{tr('reason')}</label>
          <br />
          <textarea
            id="reason"
            name="reason"
            rows={4}
            cols={60}
            value={values.reason ?? ''}
            onInput={set('reason')}
            required
            {...described('reason')}
          />
          {errorOf('reason')}
        </p>
        <fieldset>
          {(['forceUsed', 'parentNotified', 'administratorPresent'] as const).map((flag) => (
            <p key={flag}>
              <input
                id={flag}
                name={flag}
                type="checkbox"
                checked={flags[flag]}
                onChange={(event) =>
                  setFlags({ ...flags, [flag]: (event.currentTarget as HTMLInputElement).checked })
                }
              />{' '}
              <label for={flag}>{tr(flag)}</label>
            </p>
          ))}
        </fieldset>
        <p>
          <button type="submit">{tr('submit')}</button>
        </p>
      </form>
    </main>
  );
}
