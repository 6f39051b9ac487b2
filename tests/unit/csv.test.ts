import { describe, expect, it } from 'vitest';
import { csvCell, neutralizeFormula, toCsv } from '../../src/report/csv';

/** A small RFC 4180 reader, to check that what is written reads back cell for cell. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] as string;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 1;
    } else cell += char;
  }
  return rows;
}

describe('csv', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+1 555 0100', "'+1 555 0100"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1:A2)', "'@SUM(A1:A2)"],
    ['\t=cmd', "'\t=cmd"],
    ['\r=cmd', "'\r=cmd"],
    ['\uFF1D1+1', "'\uFF1D1+1"],
    ['\uFF0B1', "'\uFF0B1"],
    ['\uFF0D1', "'\uFF0D1"],
    ['\uFF20SUM(A1)', "'\uFF20SUM(A1)"],
    ['plain text = fine', 'plain text = fine'],
    ['a-b', 'a-b'],
    ['', ''],
  ])('neutralises formula starts: %j', (input, expected) => {
    expect(neutralizeFormula(input)).toBe(expected);
  });

  it('quotes per RFC 4180 and doubles quotes', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(null)).toBe('');
    expect(csvCell(42)).toBe('42');
    expect(csvCell(true)).toBe('true');
  });

  it('neutralises before quoting, so an injected cell with commas stays one inert cell', () => {
    expect(csvCell('=HYPERLINK("http://evil.example","x")')).toBe(
      `"'=HYPERLINK(""http://evil.example"",""x"")"`,
    );
    expect(csvCell('\r\n=1')).toBe(`"'\r\n=1"`);
  });

  it('writes CRLF rows that read back cell for cell, HTML included', () => {
    const rows = [
      ['id', 'justification'],
      ['1', '<script>alert("x")</script>, then a "quote"'],
      ['2', 'multi\nline, text'],
      ['3', '=cmd|" /C calc"!A0'],
    ];
    const text = toCsv(rows);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(parseCsv(text)).toEqual([
      ['id', 'justification'],
      ['1', '<script>alert("x")</script>, then a "quote"'],
      ['2', 'multi\nline, text'],
      ['3', `'=cmd|" /C calc"!A0`],
    ]);
    expect(toCsv(rows, { bom: true }).startsWith('\uFEFFid,justification\r\n')).toBe(true);
  });
});
