// The recorder's reading of where a picked label's value is (src/recorder/layout.ts, by the label-cell rules of
// src/sis/label-cells.ts on a skeleton of the picked cell's table), and the `labelCells` it writes from that
// (src/recorder/build.ts), checked against what the finder then reports on the page.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { SisAdapterSchema } from '../../src/policy/adapter';
import { buildAdapter, labelCellsFor, type Pick } from '../../src/recorder/build';
import { cellLayout } from '../../src/recorder/layout';
import { CellSnapshotSchema, PickedElementSchema, type CellSnapshot } from '../../src/recorder/picked';
import { readLabelCells } from '../../src/sis/read-page';
import { REPO_ROOT } from './support';

const doc = (html: string): Document =>
  parseHTML(`<!doctype html><html><body>${html}</body></html>`).document as unknown as Document;
const blank = (): Document => doc('');

/**
 * What the picking script (src/recorder/pick.ts) describes of a cell's table, taken here from linkedom markup:
 * the same fields, with the class attribute standing for how a cell looks (linkedom computes no styles).
 */
function snapshotOf(page: Document, cellSelector: string, table?: string): CellSnapshot {
  const cell = page.querySelector(cellSelector);
  const row = cell?.parentElement;
  const owner = cell?.closest('table');
  if (!cell || !row || !owner) throw new Error(`no cell ${cellSelector}`);
  const rows = Array.from(owner.querySelectorAll('tr'));
  const at = rows.indexOf(row as HTMLTableRowElement);
  const cellsOf = (one: Element) => Array.from(one.children).filter((c) => /^T[DH]$/.test(c.tagName));
  return CellSnapshotSchema.parse({
    ...(table ? { table } : {}),
    row: at,
    cell: cellsOf(row).indexOf(cell),
    rows: rows.slice(0, at + 2).map((one) => ({
      head: one.parentElement?.tagName === 'THEAD',
      cells: cellsOf(one).map((each) => {
        const text = each.textContent?.trim() ?? '';
        return {
          th: each.tagName === 'TH',
          colspan: Number(each.getAttribute('colspan') ?? 1),
          rowspan: Number(each.getAttribute('rowspan') ?? 1),
          rowHeader: each.getAttribute('scope') === 'row',
          colon: text.endsWith(':'),
          empty: text === '',
          look: `${each.tagName}|${each.getAttribute('class') ?? ''}|`,
        };
      }),
    })),
  });
}

const STATE_GRID = `<table class="grid labelGrid" id="stateGrid">
<tr><td class="bold">Grade</td><td class="bold">Track</td><td class="bold" id="entered">Date Entered US School</td><td class="bold">Locker</td></tr>
<tr><td colspan="2">9 · A</td><td>2019-08-14</td><td>417</td></tr>
</table>`;
const PAIRS = `<table class="linkDescList" id="pairs">
<tr><td class="label">Student Number</td><td>100000</td><td class="label" id="country">Birth Country</td><td>Mexico</td></tr>
<tr><td class="label">Home Language</td><td>English</td><td class="label">Locker</td><td>417</td></tr>
</table>`;

describe('cellLayout: where the picked label cell has its value', () => {
  it('a row of td labels that look alike over a row of values: the row below', () => {
    expect(cellLayout(snapshotOf(doc(STATE_GRID), '#entered'), blank())).toBe('row-below');
  });

  it('a row of label/value pairs: the next cell', () => {
    expect(cellLayout(snapshotOf(doc(PAIRS), '#country'), blank())).toBe('next-cell');
  });

  it('an odd row of td labels over values (no pairs possible): the row below, whatever the cells look like', () => {
    const page = doc(
      '<table><tr><td id="city">Birth City</td><td>State</td><td>Country</td></tr><tr><td>a</td><td>b</td><td>c</td></tr></table>',
    );
    expect(cellLayout(snapshotOf(page, '#city'), blank())).toBe('row-below');
  });

  it('a label ending in ":" with its value beside it, in a row of one pair: the next cell', () => {
    const page = doc(
      '<table><tr><td class="l" id="l">Birth Country:</td><td>x</td><td class="l">Grade:</td></tr></table>',
    );
    expect(cellLayout(snapshotOf(page, '#l'), blank())).toBe('next-cell');
  });

  it('cells that all look the same in a row of four: cannot tell, both', () => {
    const page = doc(
      '<table><tr><td id="l">Birth Country</td><td>Mexico</td><td>Grade</td><td>9</td></tr><tr><td>a</td><td>b</td><td>c</td><td>d</td></tr></table>',
    );
    expect(cellLayout(snapshotOf(page, '#l'), blank())).toBe('either');
  });

  it('a th header needs no rule; a td in <thead> is a header row over values', () => {
    const grid = doc(
      '<table><tr><th id="h">Birth Place</th><th>Grade</th></tr><tr><td>x</td><td>9</td></tr></table>',
    );
    expect(cellLayout(snapshotOf(grid, '#h'), blank())).toBe('header');
    const head = doc(
      '<table><thead><tr><td id="h">Birth Place</td><td>Grade</td></tr></thead><tbody><tr><td>x</td><td>9</td></tr></tbody></table>',
    );
    expect(cellLayout(snapshotOf(head, '#h'), blank())).toBe('row-below');
  });

  it('leaves the document it reads in as it was', () => {
    const scratch = blank();
    cellLayout(snapshotOf(doc(STATE_GRID), '#entered'), scratch);
    expect(scratch.querySelectorAll('table').length).toBe(0);
  });
});

describe('the pick record', () => {
  it('is validated: a snapshot whose picked cell is not among its rows is refused with the field named', () => {
    const snapshot = snapshotOf(doc(STATE_GRID), '#entered');
    const parsed = CellSnapshotSchema.safeParse({ ...snapshot, cell: 9 });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['cell']);
    const element = {
      selector: '#entered',
      text: 'Date Entered US School',
      tag: 'td',
      attributes: {},
      url: 'https://sis.example/a',
      title: 'x',
    };
    expect(PickedElementSchema.safeParse({ ...element, cell: snapshot }).success).toBe(true);
    expect(PickedElementSchema.safeParse({ ...element, url: 'not a url' }).success).toBe(false);
    expect(PickedElementSchema.safeParse({ ...element, extra: 1 }).success).toBe(false);
  });
});

const URL_ = 'https://sis.district.example/admin/students/home.html?frn=001204511';
const sensitive = (text: string, snapshot: CellSnapshot | undefined, layout?: Pick['layout']): Pick => ({
  role: 'sensitive',
  element: {
    selector: '#x',
    text,
    tag: 'td',
    attributes: {},
    url: URL_,
    title: 'Student',
    ...(snapshot ? { cell: snapshot } : {}),
  },
  ...(layout ? { layout } : {}),
});

describe('labelCellsFor: the labelCells the recorder writes', () => {
  const grid = snapshotOf(doc(STATE_GRID), '#entered', '#stateGrid');
  const pairs = snapshotOf(doc(PAIRS), '#country', 'table.linkDescList');
  const unstable = snapshotOf(doc(STATE_GRID), '#entered');

  it('values in the next cell: the next-cell rule for every table', () => {
    expect(labelCellsFor([sensitive('Birth Country', pairs, 'next-cell')])).toEqual({ value: 'next-cell' });
    // A td picked before picks described their table: the next cell, as the recorder always wrote.
    expect(labelCellsFor([sensitive('Birth Country', undefined)])).toEqual({ value: 'next-cell' });
  });

  it('values in the row below: that rule for the picked table alone', () => {
    expect(labelCellsFor([sensitive('Date Entered US School', grid, 'row-below')])).toEqual({
      value: 'row-below',
      tables: '#stateGrid',
    });
  });

  it('row below in a table known by its classes alone: either in that table (the class may match pairs elsewhere)', () => {
    const byClass = snapshotOf(doc(STATE_GRID), '#entered', 'table.grid');
    expect(labelCellsFor([sensitive('Date Entered US School', byClass, 'row-below')])).toEqual({
      value: 'either',
      tables: 'table.grid',
    });
  });

  it('row below in a table with no stable selector: either, for every table', () => {
    expect(labelCellsFor([sensitive('Date Entered US School', unstable, 'row-below')])).toEqual({
      value: 'either',
    });
  });

  it('mixed picks: the scoped rule first, then the next-cell rule for the other tables', () => {
    expect(
      labelCellsFor([
        sensitive('Birth Country', pairs, 'next-cell'),
        sensitive('Date Entered US School', grid, 'row-below'),
      ]),
    ).toEqual([{ value: 'row-below', tables: '#stateGrid' }, { value: 'next-cell' }]);
    // Mixed, and the row-below table has no stable selector: either for all.
    expect(
      labelCellsFor([
        sensitive('Birth Country', pairs, 'next-cell'),
        sensitive('Date Entered US School', unstable, 'row-below'),
      ]),
    ).toEqual({ value: 'either' });
  });

  it('one table picked with both layouts, or one the recorder could not tell: either, in that table', () => {
    expect(
      labelCellsFor([
        sensitive('Date Entered US School', grid, 'row-below'),
        sensitive('Birth Country', grid, 'next-cell'),
      ]),
    ).toEqual([{ value: 'either', tables: '#stateGrid' }, { value: 'next-cell' }]);
    expect(labelCellsFor([sensitive('Birth Country', grid, 'either')])).toEqual({
      value: 'either',
      tables: '#stateGrid',
    });
  });

  it('header cells and labels outside tables need no rule', () => {
    const header = snapshotOf(
      doc('<table><tr><th id="h">Birth Place</th></tr><tr><td>x</td></tr></table>'),
      '#h',
    );
    expect(labelCellsFor([sensitive('Birth Place', header, 'header')])).toBe(false);
    expect(
      labelCellsFor([
        {
          ...sensitive('Birth Place', undefined),
          element: { ...sensitive('x', undefined).element, tag: 'span' },
        },
      ]),
    ).toBe(false);
  });
});

describe('a recorded adapter on a labels-over-values grid', () => {
  it('the finder reports the picked label with its value in the row below, and the pairs beside it unchanged', async () => {
    const html = await readFile(join(REPO_ROOT, 'tests/fixtures/pages/powerschool/state-grid.html'), 'utf8');
    const page = parseHTML(html).document as unknown as Document;
    const label = Array.from(page.querySelectorAll('td')).find(
      (cell) => cell.textContent?.trim() === 'Date Entered US School',
    );
    if (!label) throw new Error('the fixture has no Date Entered US School cell');
    label.id = 'picked-label';
    const owner = label.closest('table') as Element;
    const tableSelector = owner.id ? `#${owner.id}` : `table.${Array.from(owner.classList).join('.')}`;
    const snapshot = snapshotOf(page, '#picked-label', tableSelector);
    const layout = cellLayout(snapshot, blank());
    expect(layout).toBe('row-below');
    const { adapter } = buildAdapter({
      id: 'recorded',
      name: 'Recorded',
      url: URL_,
      picks: [
        {
          role: 'identity',
          element: { ...sensitive('x', undefined).element, selector: '#userName', tag: 'span' },
        },
        {
          role: 'section',
          category: 'demographics',
          element: { ...sensitive('x', undefined).element, tag: 'table' },
        },
        { ...sensitive('Date Entered US School', snapshot), layout },
      ],
      studentId: '204511',
      displayName: true,
      recordedOn: '2026-12-01',
    });
    const parsed = SisAdapterSchema.parse(adapter);
    expect(parsed.labelCells).toEqual({ value: 'row-below', tables: tableSelector });
    const cells = readLabelCells(parsed, page);
    // Its row of four labels also reads as pairs, so the redactor masks beside it too and the check says so.
    expect(cells.filter((cell) => cell.label === 'Date Entered US School')).toEqual([
      { label: 'Date Entered US School', valueAt: 'row-below', located: true },
      { label: 'Date Entered US School', valueAt: 'next-cell', located: true },
    ]);
  });
});
