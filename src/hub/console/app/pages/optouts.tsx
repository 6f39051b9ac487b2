// Directory-information opt-outs (34 CFR 99.37, Education Code 49073): look up a student's answer to the annual
// notice and record it. A student with nothing on file counts as opted out.
import { useState } from 'preact/hooks';
import { z } from 'zod';
import { ApiError, apiGet, apiSend } from '../api';
import { Field, useErrorText } from '../components';
import { fill, useText, type Texts } from '../i18n';
import { useConsole } from '../session';
import type { ConsolePage } from './page';

const OptOutSchema = z.object({
  optOut: z.object({
    studentId: z.string(),
    optedOut: z.boolean().nullable(),
    schoolYear: z.string().nullable(),
    recordedBy: z.string().nullable(),
  }),
});

const TEXT: Texts<
  | 'intro'
  | 'studentId'
  | 'look'
  | 'unknown'
  | 'out'
  | 'notOut'
  | 'answer'
  | 'optedOut'
  | 'notOptedOut'
  | 'year'
  | 'doc'
  | 'save'
  | 'saved'
> = {
  en: {
    intro:
      'Record each family’s answer to the annual directory-information notice. A student with nothing on file counts as opted out: the directory basis is not offered for them.',
    studentId: 'Student ID',
    look: 'Look up',
    unknown: 'Nothing on file for {student}: counts as opted out.',
    out: '{student} opted out ({year}, recorded by {by}).',
    notOut: '{student} did not opt out ({year}, recorded by {by}).',
    answer: 'The family’s answer',
    optedOut: 'Opted out of directory information',
    notOptedOut: 'Did not opt out',
    year: 'School year (e.g. 2026-27)',
    doc: 'Document reference (optional)',
    save: 'Record the answer',
    saved: 'Recorded for student {student}.',
  },
  es: {
    intro:
      'Registre la respuesta de cada familia al aviso anual de información de directorio. Un estudiante sin respuesta registrada cuenta como excluido: no se ofrece la base de directorio.',
    studentId: 'ID del estudiante',
    look: 'Consultar',
    unknown: 'No hay nada registrado para {student}: cuenta como excluido.',
    out: '{student} se excluyó ({year}, registrado por {by}).',
    notOut: '{student} no se excluyó ({year}, registrado por {by}).',
    answer: 'La respuesta de la familia',
    optedOut: 'Se excluyó de la información de directorio',
    notOptedOut: 'No se excluyó',
    year: 'Año escolar (p. ej. 2026-27)',
    doc: 'Referencia del documento (opcional)',
    save: 'Registrar la respuesta',
    saved: 'Registrado para el estudiante {student}.',
  },
};

function OptOuts() {
  const text = useText(TEXT);
  const errorText = useErrorText();
  const { session } = useConsole();
  const [studentId, setStudentId] = useState('');
  const [optedOut, setOptedOut] = useState(true);
  const [schoolYear, setSchoolYear] = useState('');
  const [documentRef, setDocumentRef] = useState('');
  const [status, setStatus] = useState<string | undefined>(undefined);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const describe = (answer: z.infer<typeof OptOutSchema>['optOut']) =>
    answer.optedOut === null
      ? fill(text.unknown, { student: answer.studentId })
      : fill(answer.optedOut ? text.out : text.notOut, {
          student: answer.studentId,
          year: answer.schoolYear ?? '',
          by: answer.recordedBy ?? '',
        });
  const fail = (error: unknown) =>
    setErrors(
      error instanceof ApiError && error.field
        ? { [error.field]: error.message.replace(/^[^:]+: /, '') }
        : { form: errorText(error) },
    );
  const look = async () => {
    setErrors({});
    try {
      setStatus(
        describe(
          (await apiGet(`/optouts?studentId=${encodeURIComponent(studentId.trim())}`, OptOutSchema)).optOut,
        ),
      );
    } catch (error) {
      fail(error);
    }
  };
  const save = async (event: Event) => {
    event.preventDefault();
    setErrors({});
    try {
      const answer = await apiSend(
        'POST',
        '/optouts',
        {
          studentId: studentId.trim(),
          optedOut,
          schoolYear: schoolYear.trim(),
          ...(documentRef.trim() ? { documentRef: documentRef.trim() } : {}),
        },
        OptOutSchema,
      );
      setStatus(`${fill(text.saved, { student: answer.optOut.studentId })} ${describe(answer.optOut)}`);
    } catch (error) {
      fail(error);
    }
  };
  return (
    <>
      <p>{text.intro}</p>
      <form onSubmit={(event) => void save(event)} noValidate>
        <Field id="o-student" label={text.studentId} error={errors.studentId}>
          {(describedBy, invalid) => (
            <input
              id="o-student"
              value={studentId}
              aria-describedby={describedBy}
              aria-invalid={invalid || undefined}
              onInput={(event) => setStudentId(event.currentTarget.value)}
            />
          )}
        </Field>
        <button type="button" class="secondary" onClick={() => void look()}>
          {text.look}
        </button>
        <div aria-live="polite">{status && <p class="success">{status}</p>}</div>
        {session.role === 'clerk' && (
          <>
            <fieldset class="checks">
              <legend>{text.answer}</legend>
              <label>
                <input type="radio" name="opted" checked={optedOut} onChange={() => setOptedOut(true)} />{' '}
                {text.optedOut}
              </label>
              <label>
                <input type="radio" name="opted" checked={!optedOut} onChange={() => setOptedOut(false)} />{' '}
                {text.notOptedOut}
              </label>
            </fieldset>
            <Field id="o-year" label={text.year} error={errors.schoolYear}>
              {(describedBy, invalid) => (
                <input
                  id="o-year"
                  value={schoolYear}
                  aria-describedby={describedBy}
                  aria-invalid={invalid || undefined}
                  onInput={(event) => setSchoolYear(event.currentTarget.value)}
                />
              )}
            </Field>
            <Field id="o-doc" label={text.doc} error={errors.documentRef}>
              {(describedBy) => (
                <input
                  id="o-doc"
                  value={documentRef}
                  aria-describedby={describedBy}
                  onInput={(event) => setDocumentRef(event.currentTarget.value)}
                />
              )}
            </Field>
            {errors.form && (
              <p class="error-box" role="alert">
                {errors.form}
              </p>
            )}
            <button type="submit">{text.save}</button>
          </>
        )}
      </form>
      {session.role === 'clerk' && <OptOutImport />}
    </>
  );
}

const ImportAnswerSchema = z.object({
  confirmed: z.boolean(),
  recorded: z.number(),
  rows: z.array(
    z.object({
      line: z.number(),
      status: z.enum(['valid', 'invalid', 'unchanged']),
      errors: z.array(z.object({ column: z.string(), message: z.string() })),
      studentId: z.string().optional(),
    }),
  ),
});

const IMPORT_TEXT: Texts<
  | 'title'
  | 'hint'
  | 'file'
  | 'check'
  | 'confirm'
  | 'done'
  | 'notUtf8'
  | 'tooBig'
  | 'line'
  | 'result'
  | 'problems'
> = {
  en: {
    title: 'Import answers (CSV)',
    hint: 'Columns: student_id, opted_out (yes/no), school_year, document_ref. Nothing is recorded until you confirm.',
    file: 'CSV file (UTF-8)',
    check: 'Check the file',
    confirm: 'Record the {count} valid rows',
    done: '{count} answers recorded.',
    notUtf8: 'The file is not UTF-8 text: save it as “CSV UTF-8”.',
    tooBig: 'The file is larger than 4 MB: split it.',
    line: 'Line',
    result: 'Result',
    problems: 'Problems',
  },
  es: {
    title: 'Importar respuestas (CSV)',
    hint: 'Columnas: student_id, opted_out (yes/no), school_year, document_ref. Nada se registra hasta que confirme.',
    file: 'Archivo CSV (UTF-8)',
    check: 'Revisar el archivo',
    confirm: 'Registrar las {count} filas válidas',
    done: '{count} respuestas registradas.',
    notUtf8: 'El archivo no es texto UTF-8: guárdelo como “CSV UTF-8”.',
    tooBig: 'El archivo supera 4 MB: divídalo.',
    line: 'Línea',
    result: 'Resultado',
    problems: 'Problemas',
  },
};

function OptOutImport() {
  const text = useText(IMPORT_TEXT);
  const errorText = useErrorText();
  const [csv, setCsv] = useState<string | undefined>(undefined);
  const [answer, setAnswer] = useState<z.infer<typeof ImportAnswerSchema> | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const check = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    const file = (document.getElementById('optout-file') as HTMLInputElement | null)?.files?.[0];
    if (!file) return;
    if (file.size > 4 * 1024 * 1024) return setError(text.tooBig);
    try {
      const decoded = new TextDecoder('utf-8', { fatal: true }).decode(await file.arrayBuffer());
      setAnswer(await apiSend('POST', '/optouts/import', { csv: decoded }, ImportAnswerSchema));
      setCsv(decoded);
    } catch (caught) {
      setError(caught instanceof TypeError ? text.notUtf8 : errorText(caught));
    }
  };
  const valid = answer?.rows.filter((row) => row.status === 'valid').length ?? 0;
  return (
    <section aria-labelledby="optout-import">
      <h2 id="optout-import">{text.title}</h2>
      <p class="hint">{text.hint}</p>
      <form onSubmit={(event) => void check(event)}>
        <div class="field">
          <label for="optout-file">{text.file}</label>
          <input id="optout-file" type="file" accept=".csv,text/csv" />
        </div>
        {error && (
          <p class="error-box" role="alert">
            {error}
          </p>
        )}
        <button type="submit">{text.check}</button>
      </form>
      {answer && (
        <>
          {answer.confirmed && <p class="success">{fill(text.done, { count: answer.recorded })}</p>}
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{text.line}</th>
                  <th scope="col">{text.result}</th>
                  <th scope="col">{text.problems}</th>
                </tr>
              </thead>
              <tbody>
                {answer.rows.map((row) => (
                  <tr key={row.line} class={`row-${row.status}`}>
                    <td>{row.line}</td>
                    <td>{row.status}</td>
                    <td>{row.errors.map((problem) => `${problem.column}: ${problem.message}`).join('; ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {!answer.confirmed && valid > 0 && csv !== undefined && (
            <button
              type="button"
              onClick={() =>
                void apiSend('POST', '/optouts/import', { csv, confirm: true }, ImportAnswerSchema).then(
                  setAnswer,
                  (caught: unknown) => setError(errorText(caught)),
                )
              }
            >
              {fill(text.confirm, { count: valid })}
            </button>
          )}
        </>
      )}
    </section>
  );
}

export const optOutsPage: ConsolePage = {
  id: 'optouts',
  title: { en: 'Directory opt-outs', es: 'Exclusiones de directorio' },
  roles: ['clerk', 'admin'],
  component: OptOuts,
};
