// CSV import of consents (a scanned-form workflow, or an SIS export): the file is read here (refused unless it
// is UTF-8 and small enough), the hub checks every row and shows a preview; nothing is imported until the clerk
// confirms the valid rows. A second import of the same file imports nothing new (document references).
import { useState } from 'preact/hooks';
import { z } from 'zod';
import { apiSend } from '../api';
import { Empty, useErrorText } from '../components';
import { fill, useText, type Texts } from '../i18n';
import type { ConsolePage } from './page';

const MAX_BYTES = 8 * 1024 * 1024;

const ImportSchema = z.object({
  confirmed: z.boolean(),
  rows: z.array(
    z.object({
      line: z.number(),
      status: z.enum(['valid', 'invalid', 'already-imported']),
      errors: z.array(z.object({ column: z.string(), message: z.string() })),
      documentRef: z.string().optional(),
      studentId: z.string().optional(),
    }),
  ),
  counts: z.object({
    valid: z.number(),
    invalid: z.number(),
    alreadyImported: z.number(),
    imported: z.number(),
  }),
});
type ImportAnswer = z.infer<typeof ImportSchema>;

const TEXT: Texts<
  | 'intro'
  | 'columns'
  | 'file'
  | 'preview'
  | 'tooBig'
  | 'notUtf8'
  | 'summary'
  | 'confirm'
  | 'done'
  | 'line'
  | 'status'
  | 'student'
  | 'ref'
  | 'problems'
  | 'valid'
  | 'invalid'
  | 'already'
  | 'nothing'
  | 'empty'
> = {
  en: {
    intro:
      'Import consents from a CSV file. Every row is checked first; nothing is imported until you confirm.',
    columns: 'Columns: {columns}. Lists (categories, actions) are separated by “;”. Dates as YYYY-MM-DD.',
    file: 'CSV file (UTF-8)',
    preview: 'Check the file',
    tooBig: 'The file is {size} MB; at most 8 MB can be imported at once. Split it and import each part.',
    notUtf8: 'The file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8” and choose it again.',
    summary: '{valid} rows can be imported, {invalid} have problems, {already} were imported before.',
    confirm: 'Import the {valid} valid rows',
    done: '{imported} consents imported; {already} were already imported; {invalid} rows with problems were left out.',
    line: 'Line',
    status: 'Result',
    student: 'Student',
    ref: 'Document',
    problems: 'Problems',
    valid: 'Valid',
    invalid: 'Problem',
    already: 'Already imported',
    nothing: 'No valid rows to import.',
    empty: 'The file has no rows.',
  },
  es: {
    intro:
      'Importe consentimientos desde un archivo CSV. Primero se revisa cada fila; nada se importa hasta que confirme.',
    columns:
      'Columnas: {columns}. Las listas (categorías, acciones) se separan con “;”. Fechas como AAAA-MM-DD.',
    file: 'Archivo CSV (UTF-8)',
    preview: 'Revisar el archivo',
    tooBig:
      'El archivo tiene {size} MB; se pueden importar como máximo 8 MB a la vez. Divídalo e importe cada parte.',
    notUtf8:
      'El archivo no es texto UTF-8. En su hoja de cálculo, guárdelo como “CSV UTF-8” y elíjalo de nuevo.',
    summary:
      '{valid} filas se pueden importar, {invalid} tienen problemas, {already} ya se importaron antes.',
    confirm: 'Importar las {valid} filas válidas',
    done: '{imported} consentimientos importados; {already} ya estaban importados; {invalid} filas con problemas quedaron fuera.',
    line: 'Línea',
    status: 'Resultado',
    student: 'Estudiante',
    ref: 'Documento',
    problems: 'Problemas',
    valid: 'Válida',
    invalid: 'Problema',
    already: 'Ya importada',
    nothing: 'No hay filas válidas para importar.',
    empty: 'El archivo no tiene filas.',
  },
};

const COLUMNS =
  'student_id, signer_name, signer_relation, categories, actions, purpose, recipient_kind, recipient, signed_on, expires_on, document_ref, student_birth_date';

function Import() {
  const text = useText(TEXT);
  const errorText = useErrorText();
  const [csv, setCsv] = useState<string | undefined>(undefined);
  const [preview, setPreview] = useState<ImportAnswer | undefined>(undefined);
  const [done, setDone] = useState<ImportAnswer | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const check = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    setPreview(undefined);
    setDone(undefined);
    const input = document.getElementById('csv-file') as HTMLInputElement | null;
    const file = input?.files?.[0];
    if (!file) return;
    if (file.size > MAX_BYTES) {
      setError(fill(text.tooBig, { size: (file.size / 1024 / 1024).toFixed(1) }));
      return;
    }
    let decoded: string;
    try {
      decoded = new TextDecoder('utf-8', { fatal: true }).decode(await file.arrayBuffer());
    } catch {
      setError(text.notUtf8);
      return;
    }
    setBusy(true);
    try {
      const answer = await apiSend(
        'POST',
        '/consents/import',
        { csv: decoded, confirm: false },
        ImportSchema,
      );
      setCsv(decoded);
      setPreview(answer);
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setBusy(false);
    }
  };

  const confirm = async () => {
    if (csv === undefined) return;
    setBusy(true);
    try {
      setDone(await apiSend('POST', '/consents/import', { csv, confirm: true }, ImportSchema));
      setPreview(undefined);
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setBusy(false);
    }
  };

  const statusText = { valid: text.valid, invalid: text.invalid, 'already-imported': text.already };
  const shown = done ?? preview;
  return (
    <>
      <p>{text.intro}</p>
      <p class="hint">{fill(text.columns, { columns: COLUMNS })}</p>
      <form onSubmit={(event) => void check(event)}>
        <div class="field">
          <label for="csv-file">{text.file}</label>
          <input
            id="csv-file"
            type="file"
            accept=".csv,text/csv"
            aria-describedby={error ? 'csv-error' : undefined}
          />
        </div>
        {error && (
          <p id="csv-error" class="error-box" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {text.preview}
        </button>
      </form>
      <div aria-live="polite">
        {done && (
          <p class="success">
            {fill(text.done, {
              imported: done.counts.imported,
              already: done.counts.alreadyImported,
              invalid: done.counts.invalid,
            })}
          </p>
        )}
        {preview && (
          <p>
            {fill(text.summary, {
              valid: preview.counts.valid,
              invalid: preview.counts.invalid,
              already: preview.counts.alreadyImported,
            })}
          </p>
        )}
      </div>
      {shown && shown.rows.length === 0 && <Empty>{text.empty}</Empty>}
      {shown && shown.rows.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{text.line}</th>
                <th scope="col">{text.status}</th>
                <th scope="col">{text.student}</th>
                <th scope="col">{text.ref}</th>
                <th scope="col">{text.problems}</th>
              </tr>
            </thead>
            <tbody>
              {shown.rows.map((row) => (
                <tr key={row.line} class={`row-${row.status}`}>
                  <td>{row.line}</td>
                  <td>{statusText[row.status]}</td>
                  <td>{row.studentId ?? ''}</td>
                  <td>{row.documentRef ?? ''}</td>
                  <td>
                    {row.errors.length > 0 && (
                      <ul>
                        {row.errors.map((problem, index) => (
                          <li key={index}>
                            <strong>{problem.column}</strong>: {problem.message}
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {preview &&
        (preview.counts.valid > 0 ? (
          <button type="button" disabled={busy} onClick={() => void confirm()}>
            {fill(text.confirm, { valid: preview.counts.valid })}
          </button>
        ) : (
          <Empty>{text.nothing}</Empty>
        ))}
    </>
  );
}

export const importPage: ConsolePage = {
  id: 'import',
  title: { en: 'Import consents (CSV)', es: 'Importar consentimientos (CSV)' },
  roles: ['clerk'],
  component: Import,
};
