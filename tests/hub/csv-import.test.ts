// The console's shared CSV reading (consents and opt-out imports): a bad file is refused whole with a 400
// naming `csv` and what is wrong; a bad row is named by its column (or `(row)`), never stored.
import { describe, expect, it } from 'vitest';
import { readCsvFile, readCsvRow, type CsvShape } from '../../src/hub/console/csv-import';
import { HttpError } from '../../src/hub/errors';

const SHAPE: CsvShape = {
  known: ['student_id', 'name', 'note'],
  required: ['student_id', 'name'],
  maxColumns: 3,
  maxRows: 2,
};

function refusal(text: string): { status: number; field: string | undefined; message: string } {
  try {
    readCsvFile(text, SHAPE);
  } catch (error) {
    if (error instanceof HttpError)
      return { status: error.statusCode, field: error.field, message: error.message };
    throw error;
  }
  throw new Error('the file was accepted');
}

describe('readCsvRow', () => {
  const header = ['student_id', 'name', 'note'];

  it('names a row with more cells than the header as (row), and reads nothing of it', () => {
    expect(readCsvRow(['1', 'Ana', 'x', '=extra'], header)).toEqual({
      ok: false,
      problems: [{ column: '(row)', message: 'has 4 cells; the header names 3 columns' }],
    });
  });

  it('names each formula-like cell by its column and its first character', () => {
    const row = readCsvRow(['=1+1', 'Ana', '\tcmd'], header);
    expect(row.ok).toBe(true);
    expect(row.problems).toEqual([
      { column: 'student_id', message: 'starts with "=": a formula-like cell is refused' },
      { column: 'note', message: 'starts with "tab": a formula-like cell is refused' },
    ]);
    for (const start of ['+', '-', '@']) {
      expect(readCsvRow(['1', `${start}SUM(A1)`], header).problems).toEqual([
        { column: 'name', message: `starts with "${start}": a formula-like cell is refused` },
      ]);
    }
    expect(readCsvRow(['1', '\rx'], header).problems[0]?.message).toMatch(/carriage return/);
  });

  it('gives a good row by column name, missing cells empty, values as written', () => {
    expect(readCsvRow([' 1 ', 'Ana Lopez'], header)).toEqual({
      ok: true,
      record: { student_id: ' 1 ', name: 'Ana Lopez', note: '' },
      problems: [],
    });
  });
});

describe('readCsvFile', () => {
  it('reads the header trimmed and lower case, a byte-order mark and quoted cells', () => {
    expect(readCsvFile('\uFEFF Student_ID ,NAME\n"1","Lopez, Ana"\n\n', SHAPE)).toEqual({
      header: ['student_id', 'name'],
      records: [['1', 'Lopez, Ana']],
    });
  });

  it.each([
    ['not UTF-8', 'student_id,name\n1,L\uFFFDpez', /is not UTF-8 text/],
    ['empty', '', /is empty: the first line must name the columns/],
    ['too many columns', 'student_id,name,note,other', /line 1 has 4 columns; at most 3/],
    [
      'an unknown column',
      'student_id,name,colour',
      /line 1: "colour" is not a known column \(student_id, name, note\)/,
    ],
    ['a repeated column', 'student_id,name,name', /line 1: the column "name" appears twice/],
    ['a missing column', 'student_id,note', /line 1: the column "name" is missing/],
    ['too many rows', 'student_id,name\n1,a\n2,b\n3,c', /has 3 rows; at most 2 per file/],
    ['unreadable', 'student_id,name\n"1,a', /is not a CSV file this import can read: /],
  ])('refuses a file with %s, naming csv', (_, text, message) => {
    const answer = refusal(text);
    expect(answer).toMatchObject({ status: 400, field: 'csv' });
    expect(answer.message).toMatch(message);
  });
});
