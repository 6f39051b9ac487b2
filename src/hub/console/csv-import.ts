// The console's CSV imports (consents, directory opt-outs) read a file and check each row's shape the same way:
// the file as a whole is refused with a 400 naming `csv` (not UTF-8, unreadable, no header, unknown, repeated
// or missing columns, too many columns or rows); a row is refused by name when it has more cells than the
// header or a cell a spreadsheet would run as a formula (CSV injection: refused, never stored). What each
// import then checks in a row's values is its own.
import { parse } from 'csv-parse/sync';
import { invalid } from '../errors';

export interface CsvShape {
  /** Every column the import knows, lower case. */
  known: readonly string[];
  /** The columns a file must have. */
  required: readonly string[];
  maxColumns: number;
  maxRows: number;
}

export interface CsvFile {
  /** The header's column names, trimmed and lower case. */
  header: string[];
  /** Every line after the header (line n of the file is records[n - 2]). */
  records: string[][];
}

export interface CellProblem {
  /** The column's name in the header, or `(row)` for the row as a whole. */
  column: string;
  message: string;
}

export type CsvRow =
  /** More cells than the header names: nothing of the row is read. */
  | { ok: false; problems: CellProblem[] }
  /** The row's cells by column name (missing cells empty), with its formula-like cells named. */
  | { ok: true; record: Record<string, string>; problems: CellProblem[] };

/** A cell a spreadsheet would run as a formula (CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** Parses a CSV file's text and checks its header; a problem with the file as a whole is a 400 naming `csv`. */
export function readCsvFile(text: string, shape: CsvShape): CsvFile {
  if (text.includes('\uFFFD')) {
    throw invalid(
      'csv',
      'is not UTF-8 text (it holds characters that could not be read): save it as "CSV UTF-8" and try again',
    );
  }
  let rows: string[][];
  try {
    rows = parse(text, {
      bom: true,
      relax_column_count: true,
      // A quote inside an unquoted cell (=HYPERLINK("…")) is read as text, so the row can be refused by name.
      relax_quotes: true,
      skip_empty_lines: true,
      max_record_size: 100_000,
    }) as string[][];
  } catch (error) {
    const message =
      error instanceof Error ? error.message.replace(/\s+/g, ' ').slice(0, 300) : 'cannot be read';
    throw invalid('csv', `is not a CSV file this import can read: ${message}`);
  }
  const [header, ...records] = rows;
  if (!header) throw invalid('csv', 'is empty: the first line must name the columns');
  if (header.length > shape.maxColumns)
    throw invalid('csv', `line 1 has ${header.length} columns; at most ${shape.maxColumns}`);
  const names = header.map((name) => name.trim().toLowerCase());
  const unknown = names.find((name) => !shape.known.includes(name));
  if (unknown !== undefined)
    throw invalid(
      'csv',
      `line 1: "${unknown.slice(0, 60)}" is not a known column (${shape.known.join(', ')})`,
    );
  // Two columns of one name: which one a row's value came from would be a guess.
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated !== undefined) throw invalid('csv', `line 1: the column "${repeated}" appears twice`);
  const missing = shape.required.find((name) => !names.includes(name));
  if (missing !== undefined) throw invalid('csv', `line 1: the column "${missing}" is missing`);
  if (records.length > shape.maxRows)
    throw invalid('csv', `has ${records.length} rows; at most ${shape.maxRows} per file`);
  return { header: names, records };
}

/** One row's cells by column name, or why its shape refuses it; formula-like cells are named by column. */
export function readCsvRow(cells: readonly string[], header: readonly string[]): CsvRow {
  if (cells.length > header.length) {
    return {
      ok: false,
      problems: [
        { column: '(row)', message: `has ${cells.length} cells; the header names ${header.length} columns` },
      ],
    };
  }
  const record: Record<string, string> = {};
  const problems: CellProblem[] = [];
  header.forEach((name, column) => {
    const value = cells[column] ?? '';
    record[name] = value;
    if (FORMULA_START.test(value)) {
      problems.push({
        column: name,
        message: `starts with "${value[0] === '\t' ? 'tab' : value[0] === '\r' ? 'carriage return' : value[0]}": a formula-like cell is refused`,
      });
    }
  });
  return { ok: true, record, problems };
}
