// Directory-information opt-outs (34 CFR 99.37, Education Code 49073): look up a student's answer to the annual
// notice and record it. A student with nothing on file counts as opted out.
import { useState } from 'preact/hooks';
import { z } from 'zod';
import { ApiError, apiGet, apiSend } from '../api';
import { Field, useErrorText } from '../components';
import { fill, useText, type Texts } from '../i18n';
import { useConsole } from '../session';
import type { ConsolePage } from './registry';

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
    </>
  );
}

export const optOutsPage: ConsolePage = {
  id: 'optouts',
  title: { en: 'Directory opt-outs', es: 'Exclusiones de directorio' },
  roles: ['clerk', 'admin'],
  component: OptOuts,
};
