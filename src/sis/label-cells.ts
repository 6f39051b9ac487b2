// Where a field label in a table cell has its value: beside it (a row of label/value pairs, a `th` row header)
// or in the row below (a row of labels over a row of values, PowerSchool/Aeries/Synergy grids). Shared by the
// field finder (src/sis/read-page.ts), the check command and the in-page redactor (src/guard/redact.ts), so
// what the check reports is what the redactor masks. Plain DOM only (tagName, children, attributes): it runs
// in the content script and on linkedom in Node, and stays free of zod.

/** Where a label cell's value is, as an adapter's `labelCells` says. */
export type LabelValueAt = 'next-cell' | 'row-below' | 'either';

/** An adapter's `labelCells`, as the content script reads it (no zod). */
export type LabelCellsSetting = boolean | LabelCellRule | readonly LabelCellRule[] | undefined;

export interface LabelCellRule {
  value: LabelValueAt;
  /** Only tables matching this selector are read this way; absent: every table. */
  tables?: string;
}

/**
 * The rules of an adapter's `labelCells`, tried in order for each table: `true` is today's rule (values in the
 * next cell); `false` or absent: none; one rule or a list (a page that mixes layouts, told apart by `tables`).
 */
export function labelCellRules(setting: LabelCellsSetting): readonly LabelCellRule[] {
  if (setting === true) return [{ value: 'next-cell' }];
  if (setting === false || setting === undefined) return [];
  return Array.isArray(setting) ? setting : [setting as LabelCellRule];
}

/** Colspan and rowspan as browsers clamp them; a huge span would make a grid walk long for nothing. */
const MAX_SPAN = 100;
const spanOf = (cell: Element, attribute: 'colspan' | 'rowspan'): number => {
  const value = Number.parseInt(cell.getAttribute(attribute) ?? '1', 10);
  return Number.isFinite(value) && value >= 1 ? Math.min(value, MAX_SPAN) : 1;
};

export const colSpanOf = (cell: Element): number => spanOf(cell, 'colspan');

export const isCell = (element: Element): boolean => element.tagName === 'TD' || element.tagName === 'TH';

/** A row's cells: the browser's live `cells` where there is one (fast on big tables), else its children. */
export const cellsOf = (row: Element): Element[] => {
  const native = (row as Partial<HTMLTableRowElement>).cells;
  return native ? Array.from(native) : Array.from(row.children).filter(isCell);
};

/** A row whose cells are all `th` (none a row header): a row of labels, never of values. */
export const isHeaderRow = (row: Element): boolean => headerCells(row) > 0;

/** How many cells a row of `th` cells only has (0 for any other row), read without copying the cells. */
function headerCells(row: Element): number {
  const cells = (row as Partial<HTMLTableRowElement>).cells ?? cellsOf(row);
  for (let index = 0; index < cells.length; index += 1) {
    const cell = cells[index] as Element;
    if (cell.tagName !== 'TH' || cell.getAttribute('scope') === 'row') return 0;
  }
  return cells.length;
}

const tableOf = (row: Element): Element | null => row.closest('table');

/** The rows of a table in document order (thead, tbody, tfoot), not those of tables nested in its cells. */
export function rowsOf(table: Element): Element[] {
  const native = (table as Partial<HTMLTableElement>).rows;
  if (native) return Array.from(native);
  return Array.from(table.querySelectorAll('tr')).filter((row) => tableOf(row) === table);
}

/** A cell's place in the table's column grid: first column and how many it spans. */
export interface Slot {
  start: number;
  span: number;
}

/**
 * Walks the column slots of every cell in `rows` (a table's rows from its first), honouring colspan and rowspan:
 * a cell spanning rows from above pushes the cells of the rows it reaches to the right, as browsers lay out.
 * Nothing is kept per cell, so a 10,000-row grid costs one pass.
 */
function walkGrid(
  rows: readonly Element[],
  visit: (rowIndex: number, cell: Element, slot: Slot) => void,
): void {
  /** Per row index below, the columns a rowspan from above holds. */
  const held = new Map<number, Set<number>>();
  rows.forEach((row, rowIndex) => {
    const taken = held.get(rowIndex);
    let column = 0;
    for (const cell of cellsOf(row)) {
      while (taken?.has(column)) column += 1;
      const span = spanOf(cell, 'colspan');
      visit(rowIndex, cell, { start: column, span });
      const down = cell.hasAttribute('rowspan')
        ? Math.min(spanOf(cell, 'rowspan'), rows.length - rowIndex)
        : 1;
      for (let below = 1; below < down; below += 1) {
        const set = held.get(rowIndex + below) ?? new Set<number>();
        for (let c = column; c < column + span; c += 1) set.add(c);
        held.set(rowIndex + below, set);
      }
      column += span;
    }
    held.delete(rowIndex);
  });
}

/** The column slot of every cell in `rows` (see walkGrid). */
export function gridOf(rows: readonly Element[]): Map<Element, Slot> {
  const slots = new Map<Element, Slot>();
  walkGrid(rows, (_rowIndex, cell, slot) => slots.set(cell, slot));
  return slots;
}

/** Column slots of one row on its own (colspan only): for rows a streaming page adds one at a time. */
export function rowSlots(row: Element): { cell: Element; slot: Slot }[] {
  let column = 0;
  return cellsOf(row).map((cell) => {
    const slot = { start: column, span: spanOf(cell, 'colspan') };
    column += slot.span;
    return { cell, slot };
  });
}

/**
 * Column slots of one row's cells as the table lays them out, a `rowspan` from the rows above counted: walks the
 * table from its first row down to this one. For rows added later to a table that has any `rowspan`, where the
 * row's own colspans put a cell in the wrong column.
 */
export function rowSlotsInGrid(row: Element): { cell: Element; slot: Slot }[] {
  const table = tableOf(row);
  const rows = table ? rowsOf(table) : [];
  const at = rows.indexOf(row);
  if (at < 0) return rowSlots(row);
  const found: { cell: Element; slot: Slot }[] = [];
  walkGrid(rows.slice(0, at + 1), (rowIndex, cell, slot) => {
    if (rowIndex === at) found.push({ cell, slot });
  });
  return found;
}

/** A row of two or more `td` cells, an even number of them: it reads as label/value pairs. */
const isPairRow = (cells: readonly Element[]): boolean =>
  cells.length >= 2 && cells.length % 2 === 0 && cells.every((cell) => cell.tagName === 'TD');

/**
 * A `td` cell that the pairs reading takes for a label: the first of a pair in a row of pairs (what
 * `labelCellsIn` reports under `next-cell` and `either`).
 */
export function readsAsPairLabel(cell: Element): boolean {
  const row = cell.parentElement;
  if (cell.tagName !== 'TD' || !row || row.tagName !== 'TR') return false;
  const cells = cellsOf(row);
  return isPairRow(cells) && cells.indexOf(cell) % 2 === 0;
}

export const overlaps = (a: Slot, b: Slot): boolean =>
  a.start < b.start + b.span && b.start < a.start + a.span;

/** The first rule whose `tables` (if any) matches the cell's table. */
export function ruleFor(rules: readonly LabelCellRule[], cell: Element): LabelCellRule | undefined {
  const table = cell.closest('table');
  return rules.find((rule) => rule.tables === undefined || (table !== null && table.matches(rule.tables)));
}

/** Where a label's value was looked for, and the cells found there. */
export interface ValueCells {
  /** `column`: a header row over a grid of value rows (the rows below, down to the next header row). */
  at: 'next-cell' | 'row-below' | 'column';
  cells: Element[];
  /** False when the layout says where the value is and no cell is there (the caller fails closed). */
  located: boolean;
  /** Under `either`, the cells beside the label may be labels themselves (a row of labels). */
  mayBeLabels?: boolean;
  /** For a `td` label read as `row-below` or `either`: the cells under it in the next row (undefined: none). */
  below?: Element[];
}

/** A header cell heads a column: in <thead> or in a row of `th` cells only, and not a row header. */
export function isColumnHeader(cell: Element): boolean {
  if (cell.getAttribute('scope') === 'row') return false;
  const row = cell.parentElement;
  if (!row || row.tagName !== 'TR') return false;
  if (row.parentElement?.tagName === 'THEAD') return true;
  return cell.tagName === 'TH' && isHeaderRow(row);
}

/**
 * The value cells under a column header: rows after the header's block of header rows, down to the next
 * header row of two or more cells (labels of other values). A one-cell `th` row (a group title such as
 * "Term 1") does not end the grid. Rows in <tbody>/<tfoot> under a <thead> header are all its values.
 */
function columnValues(header: Element, row: Element, table: Element): Element[] {
  const rows = rowsOf(table);
  const at = rows.indexOf(row);
  const inHead = row.parentElement?.tagName === 'THEAD';
  let first = at + 1;
  while (
    first < rows.length &&
    (isHeaderRow(rows[first] as Element) || rows[first]?.parentElement?.tagName === 'THEAD')
  )
    first += 1;
  /** Header rows inside the grid (one-cell title rows, or any under a <thead>): labels, never masked. */
  const headerRows = new Set<number>();
  let end = rows.length;
  for (let index = first; index < rows.length; index += 1) {
    const count = headerCells(rows[index] as Element);
    if (count === 0) continue;
    if (!inHead && count >= 2) {
      end = index;
      break;
    }
    headerRows.add(index);
  }
  const cells: Element[] = [];
  // Most grids have no spans: the header's cell index is its column in every row (the browser's own cells).
  if (table.querySelector('[colspan], [rowspan]') === null) {
    const column = cellsOf(row).indexOf(header);
    for (let index = first; index < end; index += 1) {
      if (headerRows.has(index)) continue;
      const below = rows[index] as Element;
      const cell = (below as Partial<HTMLTableRowElement>).cells?.[column] ?? cellsOf(below)[column];
      if (cell) cells.push(cell);
    }
    return cells;
  }
  let own: Slot | undefined;
  walkGrid(rows.slice(0, end), (rowIndex, cell, slot) => {
    if (cell === header) own = slot;
    else if (own && rowIndex >= first && !headerRows.has(rowIndex) && overlaps(slot, own)) cells.push(cell);
  });
  return cells;
}

/** The next row of the label's table (across thead/tbody/tfoot), or undefined. */
function rowBelow(row: Element, rows: readonly Element[]): Element | undefined {
  const index = rows.indexOf(row);
  return index >= 0 ? rows[index + 1] : undefined;
}

/** The cells in the row below a label that stand under its columns (colspan and rowspan honoured). */
function cellsBelow(label: Element, row: Element, table: Element): Element[] | undefined {
  const rows = rowsOf(table);
  const below = rowBelow(row, rows);
  if (!below) return undefined;
  const slots = gridOf(rows.slice(0, rows.indexOf(below) + 1));
  const own = slots.get(label);
  if (!own) return undefined;
  const cells = cellsOf(below).filter((cell) => {
    const slot = slots.get(cell);
    return slot !== undefined && overlaps(slot, own);
  });
  return cells.length > 0 ? cells : undefined;
}

const followingCells = (label: Element): Element[] => {
  const cells: Element[] = [];
  let sibling = label.nextElementSibling;
  while (sibling) {
    if (isCell(sibling)) cells.push(sibling);
    sibling = sibling.nextElementSibling;
  }
  return cells;
};

/**
 * Where the value of a label in table cell `label` is. A column header's values are the column below it (any
 * rule: a row of `th` holds no values); a `th` row header's are the cells after it. A `td` label follows the
 * adapter's rule for its table: the cells after it (`next-cell`, and without a rule, as the redactor always
 * did), the cells under it in the next row (`row-below`; the next cell too where the label's row reads as
 * pairs), or both (`either`). `located` is false where the rule says the value is in the row below and nothing
 * stands there (under `either`: nothing below and nothing beside).
 */
export function valueCellsOf(label: Element, rules: readonly LabelCellRule[]): ValueCells {
  const row = label.parentElement;
  const table = row?.closest('table');
  if (!row || row.tagName !== 'TR' || !table) return { at: 'next-cell', cells: [], located: false };
  if (isColumnHeader(label)) {
    return { at: 'column', cells: columnValues(label, row, table), located: true };
  }
  const beside = followingCells(label);
  if (label.tagName === 'TH') return { at: 'next-cell', cells: beside, located: beside.length > 0 };
  const value = ruleFor(rules, label)?.value ?? 'next-cell';
  if (value === 'next-cell') return { at: 'next-cell', cells: beside, located: beside.length > 0 };
  const below = cellsBelow(label, row, table);
  // `row-below` in a row that reads as label/value pairs masks the cell beside too: a `tables` selector matching
  // tables by class (PowerSchool's `grid`, `linkDescList`) also matches tables of pairs on other pages, where the
  // value is the next cell. It still counts as located only once the row below is there.
  if (value === 'row-below') {
    if (!readsAsPairLabel(label))
      return { at: 'row-below', cells: below ?? [], located: below !== undefined, below };
    return {
      at: 'row-below',
      cells: [...beside, ...(below ?? [])],
      located: below !== undefined,
      mayBeLabels: true,
      below,
    };
  }
  // `either`: the value may be beside or below; both are masked. It is located where either place has a cell:
  // a pair in the last row of a table has no row below, and its value is the next cell. (The redactor still
  // masks a row below that a streaming page adds later.)
  return {
    at: 'row-below',
    cells: [...beside, ...(below ?? [])],
    located: below !== undefined || beside.length > 0,
    mayBeLabels: true,
    below,
  };
}

/** A `td` label cell the finder reports, and where its value is. */
export interface LabelCell {
  cell: Element;
  at: 'next-cell' | 'row-below';
}

/**
 * The `td` label cells of the tables the rules cover. `next-cell`: the first of each `td` pair in a row of pairs,
 * and any cell ending in ":". `row-below`: the cells of a row of `td` labels over a row of values (in a row that
 * also reads as pairs, its pair labels are reported beside as well: a class-scoped rule may match pairs); rows pair
 * from the top of the table (labels, values, labels, …), a row of `th` labels starts a grid whose `td` rows are
 * all values, a row mixing `th` and `td` (row headers) is a row of pairs, and a single `td` spanning columns is a
 * title (the row after it starts a new pair). `either`: both.
 */
export function labelCellsIn(doc: Document, rules: readonly LabelCellRule[]): LabelCell[] {
  const found: LabelCell[] = [];
  if (rules.length === 0) return found;
  for (const table of Array.from(doc.querySelectorAll('table'))) {
    // Each table is read by the first rule that covers it, as the redactor does.
    const rule = ruleFor(rules, table);
    if (!rule) continue;
    const rows = rowsOf(table);
    let state: 'none' | 'labels' | 'values' | 'grid' = 'none';
    rows.forEach((row, index) => {
      const cells = cellsOf(row);
      const allTd = cells.length > 0 && cells.every((cell) => cell.tagName === 'TD');
      // The pairs rule as it always was: a `th` header over label/value pairs ("Field | Value") is common.
      if (rule.value !== 'row-below') {
        const pairs = isPairRow(cells);
        cells.forEach((cell, position) => {
          const text = cell.textContent?.trim() ?? '';
          if (cell.tagName === 'TD' && ((pairs && position % 2 === 0) || text.endsWith(':')))
            found.push({ cell, at: 'next-cell' });
        });
      }
      // A row of two or more `th` (a one-cell title row does not) starts a grid: its `td` rows are values.
      if (isHeaderRow(row)) {
        if (cells.length >= 2) state = 'grid';
        return;
      }
      // One `td` spanning columns ("1. Student" over a registration form's rows) titles what follows, as a
      // one-cell `th` row does: it is neither a row of labels nor of values, and the next row starts afresh.
      const title = allTd && cells.length === 1 && colSpanOf(cells[0] as Element) >= 2;
      if (!allTd || (title && state !== 'grid')) state = 'none';
      else if (state === 'grid') state = 'grid';
      else if (state === 'labels') state = 'values';
      else if (index + 1 < rows.length) {
        state = 'labels';
        if (rule.value !== 'next-cell') for (const cell of cells) found.push({ cell, at: 'row-below' });
        // A row of labels that also reads as pairs: valueCellsOf masks beside its pair labels too, and says so.
        if (rule.value === 'row-below' && isPairRow(cells))
          cells.forEach((cell, position) => {
            if (position % 2 === 0) found.push({ cell, at: 'next-cell' });
          });
      } else state = 'values';
    });
  }
  return found;
}
