// Hides sensitive fields (immigration-related, Education Code 234.7) by replacing their text, never with CSS
// tricks: the value must not be in the rendered page at all. Works on what is there and on what is added later.

import { classifyField, compactField, compile, type CompiledPatterns } from '../decide/classify';
import {
  cellsOf,
  colSpanOf as spanOf,
  isCell,
  overlaps,
  gridOf,
  rowsOf,
  rowSlotsInGrid,
  valueCellsOf,
  type LabelCellRule,
  type Slot,
} from '../sis/label-cells';

const MARK = 'data-record-guard-redacted';
const LABEL_SELECTOR = 'th,td,label,dt,dd,span,div,strong,b,legend,option';

// childElementCount walks every child in Blink: on a <tbody> that grows row by row while a 5,000-row page
// streams in, asking it for each added text node made the redactor quadratic (seconds on the roster).
const hasNoElementChild = (element: Element): boolean => element.firstElementChild === null;
const hasMoreThanTwoElementChildren = (element: Element): boolean =>
  (element.firstElementChild?.nextElementSibling?.nextElementSibling ?? null) !== null;

export interface RedactionRules {
  /** Regex sources matched against a field label, as decide() classifies fields (src/decide/classify.ts). */
  labels: readonly string[];
  /** Field codes matched against `codeAttributes` after the same normalisation. */
  codes: readonly string[];
  codeAttributes: readonly string[];
  mask: string;
  /**
   * The adapter's `labelCells` (src/sis/label-cells.ts): where a `td` label's value is. Absent: the cells after
   * it, as before. Column headers and `th` row headers are read by the table's structure under any rule.
   */
  labelCells?: readonly LabelCellRule[];
}

export class Redactor {
  private readonly sensitive: CompiledPatterns[];
  private readonly codes: Set<string>;
  private readonly codeSelector: string;
  /** Tables whose columns are redacted: the column slots of each sensitive column header. */
  private readonly tableColumns = new WeakMap<Element, Slot[]>();
  /**
   * Sensitive labels whose value the adapter puts in the row below where no cell stands yet: a streaming page
   * adds the row later (masked as it comes); one still missing once the page is parsed keeps the page covered.
   */
  private readonly pending = new Set<Element>();
  /**
   * Sensitive labels read as `either` whose value was found beside them but with no row below yet: a row a
   * streaming page adds under them later is masked as it comes (they do not keep the page covered).
   */
  private readonly awaitingBelow = new Set<Element>();
  /** Watched tables with a `rowspan` anywhere: their added rows are placed on the table's grid, not by themselves. */
  private readonly spannedTables = new WeakSet<Element>();
  /** While a batch of mutations is handled: the column grid of each spanned table, walked once for the batch. */
  private batchGrids: Map<Element, Map<Element, Slot>> | undefined;
  /** Labels being handled, so masking a cell that is itself a label cannot loop. */
  private readonly handling = new Set<Element>();
  count = 0;

  constructor(private readonly rules: RedactionRules) {
    // The same classification decide() runs, on the immigration-related labels and codes alone.
    this.sensitive = compile([{ id: 'immigration', fieldPatterns: rules.labels, codes: rules.codes }]);
    this.codes = new Set(rules.codes.map(compactField));
    this.codeSelector = rules.codeAttributes.map((attribute) => `[${CSS.escape(attribute)}]`).join(',');
  }

  private isSensitiveLabel(text: string | null): boolean {
    if (!text) return false;
    const trimmed = text.trim();
    return (
      trimmed.length > 0 && trimmed.length <= 120 && classifyField(this.sensitive, trimmed) !== undefined
    );
  }

  private maskElement(element: Element): void {
    if (element.getAttribute(MARK) === '1' && element.textContent === this.rules.mask) return;
    if (element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement) {
      element.value = '';
      element.placeholder = this.rules.mask;
      element.readOnly = true;
    } else if (element instanceof HTMLSelectElement) {
      element.replaceChildren(new Option(this.rules.mask, '', true, true));
      element.disabled = true;
    } else {
      element.textContent = this.rules.mask;
    }
    element.setAttribute(MARK, '1');
    this.count += 1;
  }

  /**
   * Masks a cell that may be a label too (a neighbour under `either`): a sensitive one has its own values
   * handled first, since once masked its text no longer reads as a label.
   */
  private maskValue(cell: Element): void {
    if (
      cell.getAttribute(MARK) !== '1' &&
      !this.handling.has(cell) &&
      isCell(cell) &&
      this.isSensitiveLabel(cell.textContent)
    ) {
      this.redactValuesOf(cell);
    }
    this.maskElement(cell);
  }

  /** The value element(s) that belong to a label element. */
  private redactValuesOf(label: Element): void {
    if (isCell(label) && label.parentElement?.tagName === 'TR') {
      this.handling.add(label);
      try {
        const found = valueCellsOf(label, this.rules.labelCells ?? []);
        if (found.at === 'column') this.watchColumn(label);
        // Only `either` can put a label among the cells it masks; elsewhere they are values, whatever they say.
        for (const cell of found.cells) {
          if (found.mayBeLabels) this.maskValue(cell);
          else this.maskElement(cell);
        }
        if (found.located) this.pending.delete(label);
        else if (found.at === 'row-below') this.pending.add(label);
        if (found.located && found.mayBeLabels && found.below === undefined) this.awaitingBelow.add(label);
        else this.awaitingBelow.delete(label);
      } finally {
        this.handling.delete(label);
      }
      return;
    }
    if (label instanceof HTMLLabelElement && label.htmlFor) {
      const target = label.ownerDocument.getElementById(label.htmlFor);
      if (target) this.maskElement(target);
      return;
    }
    if (label.tagName === 'OPTION') {
      this.maskElement(label);
      return;
    }
    const value = label.nextElementSibling;
    if (value && (label.tagName !== 'DT' || value.tagName === 'DD')) this.maskElement(value);
  }

  /** Rows added later to a table with a sensitive column get that column masked as they come. */
  private watchColumn(header: Element): void {
    const table = header.closest('table');
    if (!table) return;
    // The header's column on the table's grid: a `rowspan` in the header rows above moves it right.
    const own = rowSlotsInGrid(header.parentElement as Element).find((entry) => entry.cell === header)?.slot;
    if (!own) return;
    const columns = this.tableColumns.get(table) ?? [];
    if (!columns.some((slot) => slot.start === own.start && slot.span === own.span)) columns.push(own);
    this.tableColumns.set(table, columns);
    if (table.querySelector('[rowspan]') !== null) this.spannedTables.add(table);
  }

  /** Masks the cells of an added row (or one added cell) that stand in a sensitive column. */
  private maskAddedInColumns(row: Element, only?: Element): void {
    const table = row.closest('table');
    const columns = table ? this.tableColumns.get(table) : undefined;
    if (!table || !columns) return;
    // One pass over the live cells, no allocation per cell: a script may add 10,000 rows in one batch. Header
    // cells are labels (a header row added later), except a row header, which is a data row's first value.
    const cells = (row as HTMLTableRowElement).cells ?? cellsOf(row);
    // A `rowspan` from a row above (a header or a value row) pushes this row's cells right: in a table with
    // any, the row is placed on the whole grid (a walk of the table down to it; rare, and correct over fast).
    const spanned = this.spannedTables.has(table);
    let placed: Map<Element, Slot> | undefined;
    if (spanned) {
      // One walk per table per batch (the batch's rows are all in the DOM already), not one per added row.
      placed = this.batchGrids?.get(table);
      if (!placed || !placed.has(cells[0] as Element)) {
        placed = gridOf(rowsOf(table));
        this.batchGrids?.set(table, placed);
      }
    }
    let start = 0;
    for (let index = 0; index < cells.length; index += 1) {
      const cell = cells[index] as Element;
      if (!spanned && cell.hasAttribute('rowspan')) this.spannedTables.add(table);
      const span = cell.hasAttribute('colspan') ? spanOf(cell) : 1;
      const slot = placed?.get(cell) ?? { start, span };
      start += span;
      if (only !== undefined && cell !== only) continue;
      if (cell.tagName === 'TH' && cell.getAttribute('scope') !== 'row') continue;
      if (columns.some((column) => overlaps(column, slot))) this.maskElement(cell);
    }
  }

  /** Tries the pending labels again (their row below may have come); forgets those no longer in the page. */
  private retryPending(): void {
    for (const label of [...this.pending, ...this.awaitingBelow]) {
      if (!label.isConnected) {
        this.pending.delete(label);
        this.awaitingBelow.delete(label);
      } else this.redactValuesOf(label);
    }
  }

  /**
   * How many sensitive labels have no value cell where the adapter says it is. The page guard keeps an SRO's
   * page covered while this is above 0 once the page is parsed: the value may be somewhere the redactor did
   * not look.
   */
  unresolved(): number {
    let count = 0;
    for (const label of this.pending) if (label.isConnected) count += 1;
    return count;
  }

  /** Scans a subtree (the document at first, added nodes later). */
  scan(root: ParentNode): void {
    if (this.codeSelector !== '') {
      root.querySelectorAll(this.codeSelector).forEach((element) => {
        for (const attribute of this.rules.codeAttributes) {
          const code = element.getAttribute(attribute);
          if (code !== null && this.codes.has(compactField(code))) this.maskElement(element);
        }
      });
    }
    root.querySelectorAll(LABEL_SELECTOR).forEach((element) => {
      if (element.getAttribute(MARK) === '1' || hasMoreThanTwoElementChildren(element)) return;
      if (this.isSensitiveLabel(element.textContent)) this.redactValuesOf(element);
    });
    if (this.pending.size > 0 || this.awaitingBelow.size > 0) this.retryPending();
  }

  /**
   * Handles one batch of DOM changes; new rows of a table with a hidden column are masked without a rescan.
   * The batch is read as the DOM is now, so a node added inside another node added in the same batch is
   * covered by that outer node's scan and is not scanned again (a streamed 5,000-row table arrives as one
   * record per row, cell and text node).
   */
  handleMutations(mutations: readonly MutationRecord[]): void {
    this.batchGrids = new Map();
    try {
      this.handleBatch(mutations);
    } finally {
      this.batchGrids = undefined;
    }
  }

  private handleBatch(mutations: readonly MutationRecord[]): void {
    const added = new Set<Node>();
    for (const mutation of mutations) {
      mutation.addedNodes.forEach((node) => {
        if (node.nodeType === 1) added.add(node);
      });
    }
    /** The element's own record scans it (and so everything now inside it) when it has element children. */
    const scannedWithParent = (parent: Element | null): boolean =>
      parent !== null && added.has(parent) && !hasNoElementChild(parent);
    for (const mutation of mutations) {
      if (mutation.type === 'characterData') {
        const parent = mutation.target.parentElement;
        const marked = parent?.closest(`[${MARK}]`);
        if (marked && marked.textContent !== this.rules.mask) this.maskElement(marked);
        continue;
      }
      const target = mutation.target as Element;
      // A target added in this batch has its ancestors checked by its own record: only itself is left.
      const markedTarget =
        target.nodeType !== 1
          ? null
          : added.has(target)
            ? target.hasAttribute(MARK)
              ? target
              : null
            : target.closest(`[${MARK}]`);
      if (markedTarget && markedTarget.textContent !== this.rules.mask) this.maskElement(markedTarget);
      mutation.addedNodes.forEach((node) => {
        if (node.nodeType !== 1) {
          const parent = node.parentElement;
          // A label candidate added in this batch is checked with the same text by its own record.
          if (parent && added.has(parent) && parent.matches(LABEL_SELECTOR)) return;
          if (parent && hasNoElementChild(parent) && this.isSensitiveLabel(parent.textContent)) {
            this.redactValuesOf(parent);
          }
          return;
        }
        const element = node as Element;
        if (element.tagName === 'TR') this.maskAddedInColumns(element);
        else if (element.tagName === 'TBODY' || element.tagName === 'TFOOT' || element.tagName === 'THEAD') {
          // A script that renders a body of rows at once adds the section, not its rows.
          for (const row of Array.from(element.children))
            if (row.tagName === 'TR') this.maskAddedInColumns(row);
        } else if (isCell(element) && element.parentElement?.tagName === 'TR')
          this.maskAddedInColumns(element.parentElement, element);
        if (scannedWithParent(element.parentElement)) {
          // The parent's scan skips marked elements and those with more than two element children; the
          // direct check below does not.
          if (
            (element.getAttribute(MARK) === '1' || hasMoreThanTwoElementChildren(element)) &&
            element.matches(LABEL_SELECTOR) &&
            this.isSensitiveLabel(element.textContent)
          ) {
            this.redactValuesOf(element);
          }
          return;
        }
        if (element.matches(LABEL_SELECTOR) && this.isSensitiveLabel(element.textContent)) {
          this.redactValuesOf(element);
        }
        if (this.codeSelector !== '' && element.matches(this.codeSelector))
          this.scan(element.parentElement ?? element);
        if (element.firstElementChild) this.scan(element);
      });
    }
    if (this.pending.size > 0 || this.awaitingBelow.size > 0) this.retryPending();
  }
}
