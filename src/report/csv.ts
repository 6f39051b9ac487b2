// CSV for people's spreadsheets: RFC 4180 (CRLF line ends, fields with a comma, quote or line break quoted,
// quotes doubled) and safe from formula injection: a cell that a spreadsheet would read as a formula (starting
// with = + - @, a tab, a carriage return or a line feed, or the full-width ＝ ＋ － ＠) gets a leading
// apostrophe, so it is shown as the text it is (OWASP "CSV Injection").

export type CsvValue = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/u;

/** The text with a leading apostrophe if a spreadsheet would take it for a formula. */
export function neutralizeFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** One cell: neutralised, then quoted if it holds a comma, a quote or a line break. */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  const text = neutralizeFormula(String(value));
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows to CSV text, every line ended by CRLF. `bom` prefixes a UTF-8 byte-order mark (for Excel). */
export function toCsv(rows: readonly (readonly CsvValue[])[], options: { bom?: boolean } = {}): string {
  const body = rows.map((row) => `${row.map(csvCell).join(',')}\r\n`).join('');
  return options.bom ? `\uFEFF${body}` : body;
}
