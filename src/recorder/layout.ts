// Where the value of a label the admin picked in a table cell is, told by the same rules the finder and the
// redactor use (src/sis/label-cells.ts) rather than a second copy of them: the picked cell's table, as the
// picking script described it (src/recorder/picked.ts), is rebuilt as an empty skeleton in a document of the
// recorder's own (the options page's, or linkedom's in tests) and read there.
import { cellsOf, isColumnHeader, labelCellsIn, valueCellsOf, type LabelValueAt } from '../sis/label-cells';
import type { CellSnapshot } from './picked';

/**
 * `header`: a `th` column or row header, read by the table's structure under any rule (no `labelCells` needed).
 * `either`: the table does not say (a row that may be labels or label/value pairs): both places are masked.
 */
export type PickedLayout = LabelValueAt | 'header';

/** The skeleton of the described table: cells with their kind and spans, text only a ":" where there was one. */
function rebuild(snapshot: CellSnapshot, doc: Document): { table: Element; picked: Element } {
  const table = doc.createElement('table');
  let section: Element | undefined;
  let picked: Element | undefined;
  snapshot.rows.forEach((described, rowIndex) => {
    const kind = described.head ? 'thead' : 'tbody';
    if (section?.tagName.toLowerCase() !== kind) {
      section = doc.createElement(kind);
      table.append(section);
    }
    const row = doc.createElement('tr');
    described.cells.forEach((cell, cellIndex) => {
      const element = doc.createElement(cell.th ? 'th' : 'td');
      if (cell.colspan > 1) element.setAttribute('colspan', String(cell.colspan));
      if (cell.rowspan > 1) element.setAttribute('rowspan', String(cell.rowspan));
      if (cell.rowHeader) element.setAttribute('scope', 'row');
      element.textContent = cell.colon ? 'label:' : cell.empty ? '' : 'text';
      element.setAttribute('data-look', cell.look);
      row.append(element);
      if (rowIndex === snapshot.row && cellIndex === snapshot.cell) picked = element;
    });
    section.append(row);
  });
  doc.body.append(table);
  if (!picked) throw new Error('the picked cell is not in the rows described');
  return { table, picked };
}

/**
 * Where the picked label's value is. A `th` header needs no rule. For a `td` label, the rules are asked which
 * layouts read it as a label: the next-cell rule (a cell of a row of pairs, or one ending in ":"), the row-below
 * rule (a row of labels over a row of values), or both. Both is the common case of a row with an even number
 * of cells; then how the cells look decides: a row of labels looks alike and its values below look different,
 * a row of pairs alternates label and value. Undecided (or read by neither): `either`.
 */
export function cellLayout(snapshot: CellSnapshot, doc: Document): PickedLayout {
  const { table, picked } = rebuild(snapshot, doc);
  try {
    if (picked.tagName === 'TH') return 'header';
    if (isColumnHeader(picked)) return 'row-below';
    const found = new Set(
      labelCellsIn(doc, [{ value: 'either' }])
        .filter((entry) => entry.cell === picked)
        .map((entry) => entry.at),
    );
    if (found.size === 1) return found.has('next-cell') ? 'next-cell' : 'row-below';
    if (found.size === 0) return 'either';
    const look = (cell: Element | undefined): string | undefined =>
      cell?.getAttribute('data-look') ?? undefined;
    const own = look(picked);
    const row = picked.parentElement as Element;
    const cells = cellsOf(row);
    const next = look(cells[cells.indexOf(picked) + 1]);
    const below = (valueCellsOf(picked, [{ value: 'row-below' }]).below ?? []).map(look);
    const belowDiffers = below.length > 0 && below.every((other) => other !== own);
    const rowAlike = cells.every((cell) => look(cell) === own);
    if (rowAlike && belowDiffers) return 'row-below';
    if (next !== own && !belowDiffers) return 'next-cell';
    return 'either';
  } finally {
    table.remove();
  }
}
