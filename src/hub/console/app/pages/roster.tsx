// Admin: import the student roster the Board report disaggregates by (CSV from the SIS, in force from a date;
// every row valid or nothing imported), see the versions, and record an SRO interaction with a student.
import { useState } from 'preact/hooks';
import { z } from 'zod';
import { INTERACTION_TYPES } from '../../../../report/board/interaction';
import { ROW_LABELS, label } from '../../../../report/board/texts';
import { ApiError, apiGet, apiSend, type RowProblem } from '../api';
import { Field, Load, useErrorText, useLoad } from '../components';
import { fill, useText, useLang, type Texts } from '../i18n';
import type { ConsolePage } from './page';

const VersionsSchema = z.object({
  versions: z.array(
    z.object({
      id: z.string(),
      effectiveOn: z.string(),
      students: z.number(),
      importedAt: z.string(),
      importedBy: z.string(),
    }),
  ),
});
const ImportedSchema = z.object({
  version: z.object({ effectiveOn: z.string(), students: z.number() }),
  replaced: z.boolean(),
});

type Key =
  | 'rosterTitle'
  | 'rosterHelp'
  | 'effectiveOn'
  | 'file'
  | 'import'
  | 'imported'
  | 'versions'
  | 'none'
  | 'interactionTitle'
  | 'occurredAt'
  | 'school'
  | 'student'
  | 'type'
  | 'reason'
  | 'officer'
  | 'forceUsed'
  | 'parentNotified'
  | 'administratorPresent'
  | 'record'
  | 'recorded'
  | 'noFile'
  | 'badRows'
  | 'badRow'
  | 'badRowNoColumn'
  | 'moreBadRows';
const TEXT: Texts<Key> = {
  en: {
    rosterTitle: 'Import the roster',
    rosterHelp:
      'CSV with the columns student_id, school, grade, race_ethnicity, sex, disability, english_learner, foster, homeless. Every row must be valid: otherwise nothing is imported.',
    effectiveOn: 'In force from',
    file: 'Roster file (CSV)',
    import: 'Import',
    imported: 'Imported {n} students, in force from {date}.',
    versions: 'Roster versions',
    none: 'No roster has been imported.',
    interactionTitle: 'Record an SRO interaction',
    occurredAt: 'Date and time',
    school: 'School code',
    student: 'Student ID',
    type: 'Type',
    reason: 'Reason',
    officer: 'Officer (optional)',
    forceUsed: 'Force was used',
    parentNotified: 'The parent was notified',
    administratorPresent: 'An administrator was present',
    record: 'Record the interaction',
    recorded: 'Recorded.',
    noFile: 'Choose a CSV file first.',
    badRows: 'Rows to fix (nothing was imported):',
    badRow: 'Line {line}, {column}: {message}',
    badRowNoColumn: 'Line {line}: {message}',
    moreBadRows: 'The file has more bad rows than these: fix these and import it again.',
  },
  es: {
    rosterTitle: 'Importar la lista de estudiantes',
    rosterHelp:
      'CSV con las columnas student_id, school, grade, race_ethnicity, sex, disability, english_learner, foster, homeless. Todas las filas deben ser válidas: si no, no se importa nada.',
    effectiveOn: 'Vigente desde',
    file: 'Archivo de la lista (CSV)',
    import: 'Importar',
    imported: 'Se importaron {n} estudiantes, vigentes desde {date}.',
    versions: 'Versiones de la lista',
    none: 'No se ha importado ninguna lista.',
    interactionTitle: 'Registrar una interacción de un SRO',
    occurredAt: 'Fecha y hora',
    school: 'Código de la escuela',
    student: 'Número de estudiante',
    type: 'Tipo',
    reason: 'Motivo',
    officer: 'Oficial (opcional)',
    forceUsed: 'Se usó la fuerza',
    parentNotified: 'Se notificó al padre, madre o tutor',
    administratorPresent: 'Un administrador estuvo presente',
    record: 'Registrar la interacción',
    recorded: 'Registrada.',
    noFile: 'Elija primero un archivo CSV.',
    badRows: 'Filas que corregir (no se importó nada):',
    badRow: 'Línea {line}, {column}: {message}',
    badRowNoColumn: 'Línea {line}: {message}',
    moreBadRows: 'El archivo tiene más filas con errores que estas: corríjalas e impórtelo de nuevo.',
  },
};

function RosterImport(props: { onDone(): void }) {
  const text = useText(TEXT);
  const errorText = useErrorText();
  const [date, setDate] = useState(new Date().toISOString().slice(0, 10));
  const [file, setFile] = useState<File | undefined>(undefined);
  const [message, setMessage] = useState<
    | { ok: boolean; text: string; field?: string; rows?: readonly RowProblem[]; truncated?: boolean }
    | undefined
  >(undefined);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (!file) return setMessage({ ok: false, text: text.noFile, field: 'csv' });
    try {
      const answer = await apiSend(
        'POST',
        '/roster',
        { effectiveOn: date, csv: await file.text() },
        ImportedSchema,
      );
      setMessage({
        ok: true,
        text: fill(text.imported, { n: answer.version.students, date: answer.version.effectiveOn }),
      });
      props.onDone();
    } catch (error) {
      setMessage({
        ok: false,
        text: errorText(error),
        ...(error instanceof ApiError && error.field ? { field: error.field } : {}),
        ...(error instanceof ApiError ? { rows: error.rows, truncated: error.truncated } : {}),
      });
    }
  };
  return (
    <form onSubmit={(event) => void submit(event)}>
      <h2>{text.rosterTitle}</h2>
      <p class="hint">{text.rosterHelp}</p>
      <Field
        id="roster-date"
        label={text.effectiveOn}
        error={message?.field === 'effectiveOn' ? message.text : undefined}
      >
        {(describedBy, invalid) => (
          <input
            id="roster-date"
            type="date"
            value={date}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            onInput={(event) => setDate(event.currentTarget.value)}
          />
        )}
      </Field>
      <Field
        id="roster-file"
        label={text.file}
        error={message && !message.ok && message.field !== 'effectiveOn' ? message.text : undefined}
      >
        {(describedBy, invalid) => (
          <input
            id="roster-file"
            type="file"
            accept=".csv,text/csv"
            aria-describedby={describedBy}
            aria-invalid={invalid}
            onChange={(event) => setFile(event.currentTarget.files?.[0])}
          />
        )}
      </Field>
      {message && !message.ok && message.rows && message.rows.length > 0 ? (
        // Every bad row the hub named, so the admin fixes the file in one go (the message above names the first).
        <div id="roster-rows" class="error-box" role="alert">
          <p>{text.badRows}</p>
          <ul>
            {message.rows.map((row) => (
              <li key={`${row.line}-${row.column ?? ''}`} data-line={row.line} data-column={row.column}>
                {row.column
                  ? fill(text.badRow, { line: row.line, column: row.column, message: row.message })
                  : fill(text.badRowNoColumn, { line: row.line, message: row.message })}
              </li>
            ))}
          </ul>
          {message.truncated ? <p>{text.moreBadRows}</p> : null}
        </div>
      ) : null}
      {message?.ok ? (
        <p class="success" role="status">
          {message.text}
        </p>
      ) : null}
      <p>
        <button type="submit">{text.import}</button>
      </p>
    </form>
  );
}

function InteractionEntry() {
  const text = useText(TEXT);
  const lang = useLang();
  const errorText = useErrorText();
  const [values, setValues] = useState<Record<string, string>>({ type: 'warning' });
  const [flags, setFlags] = useState({
    forceUsed: false,
    parentNotified: false,
    administratorPresent: false,
  });
  const [message, setMessage] = useState<{ ok: boolean; text: string; field?: string } | undefined>(
    undefined,
  );
  const set = (field: string) => (event: Event) =>
    setValues({ ...values, [field]: (event.currentTarget as HTMLInputElement).value });
  const submit = async (event: Event) => {
    event.preventDefault();
    const at = Date.parse(values.occurredAt ?? '');
    try {
      await apiSend(
        'POST',
        '/interactions',
        {
          occurredAt: Number.isNaN(at) ? values.occurredAt : new Date(at).toISOString(),
          school: values.school?.trim(),
          studentId: values.studentId?.trim(),
          type: values.type,
          reason: values.reason,
          ...flags,
          ...(values.officer?.trim() ? { officer: values.officer.trim() } : {}),
        },
        z.object({ id: z.string() }),
      );
      setMessage({ ok: true, text: text.recorded });
      setValues({ type: 'warning' });
    } catch (error) {
      setMessage({
        ok: false,
        text: errorText(error),
        ...(error instanceof ApiError && error.field ? { field: error.field } : {}),
      });
    }
  };
  const errorFor = (field: string) =>
    message && !message.ok && message.field === field ? message.text : undefined;
  const input = (field: 'occurredAt' | 'school' | 'studentId' | 'officer', labelText: string) => (
    <Field id={`interaction-${field}`} label={labelText} error={errorFor(field)}>
      {(describedBy, invalid) =>
        field === 'occurredAt' ? (
          <input
            id={`interaction-${field}`}
            type="datetime-local"
            value={values[field] ?? ''}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            onInput={set(field)}
          />
        ) : (
          <input
            id={`interaction-${field}`}
            type="text"
            value={values[field] ?? ''}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            onInput={set(field)}
          />
        )
      }
    </Field>
  );
  return (
    <form onSubmit={(event) => void submit(event)}>
      <h2>{text.interactionTitle}</h2>
      {input('occurredAt', text.occurredAt)}
      {input('school', text.school)}
      {input('studentId', text.student)}
      <Field id="interaction-type" label={text.type} error={errorFor('type')}>
        {(describedBy) => (
          <select
            id="interaction-type"
            value={values.type}
            aria-describedby={describedBy}
            onChange={set('type')}
          >
            {INTERACTION_TYPES.map((type) => (
              <option key={type} value={type}>
                {label(ROW_LABELS, type, lang)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field id="interaction-reason" label={text.reason} error={errorFor('reason')}>
        {(describedBy, invalid) => (
          <textarea
            id="interaction-reason"
            rows={3}
            value={values.reason ?? ''}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            onInput={set('reason')}
          />
        )}
      </Field>
      {input('officer', text.officer)}
      <div class="checks">
        {(['forceUsed', 'parentNotified', 'administratorPresent'] as const).map((flag) => (
          <label key={flag}>
            <input
              type="checkbox"
              checked={flags[flag]}
              onChange={(event) => setFlags({ ...flags, [flag]: event.currentTarget.checked })}
            />{' '}
            {text[flag]}
          </label>
        ))}
      </div>
      {message && !message.field ? (
        <p class={message.ok ? 'success' : 'error-box'} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </p>
      ) : null}
      <p>
        <button type="submit">{text.record}</button>
      </p>
    </form>
  );
}

function RosterPage() {
  const text = useText(TEXT);
  const [loaded, retry] = useLoad(() => apiGet('/roster', VersionsSchema), []);
  return (
    <>
      <RosterImport onDone={retry} />
      <h2>{text.versions}</h2>
      <Load loaded={loaded} retry={retry}>
        {({ versions }) =>
          versions.length === 0 ? (
            <p class="empty">{text.none}</p>
          ) : (
            <ul>
              {versions.map((version) => (
                <li key={version.id}>
                  {version.effectiveOn}: {version.students} · {version.importedBy}
                </li>
              ))}
            </ul>
          )
        }
      </Load>
      <InteractionEntry />
    </>
  );
}

export const rosterPage: ConsolePage = {
  id: 'roster',
  title: { en: 'Roster and interactions', es: 'Lista e interacciones' },
  roles: ['admin'],
  component: RosterPage,
};
