// Hides sensitive fields (immigration-related, Education Code 234.7) by replacing their text, never with CSS
// tricks: the value must not be in the rendered page at all. Works on what is there and on what is added later.

import { classifyField, compactField, compile, type CompiledPatterns } from '../decide/classify';

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
}

export class Redactor {
  private readonly sensitive: CompiledPatterns[];
  private readonly codes: Set<string>;
  private readonly codeSelector: string;
  /** Tables whose columns are redacted: index of each hidden column. */
  private readonly tableColumns = new WeakMap<HTMLTableElement, Set<number>>();
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

  /** The value element(s) that belong to a label element. */
  private redactValuesOf(label: Element): void {
    if (label instanceof HTMLTableCellElement) {
      const table = label.closest('table');
      if (table && this.isColumnHeader(label)) {
        this.hideColumn(table, label.cellIndex);
        return;
      }
      let sibling = label.nextElementSibling;
      while (sibling) {
        this.maskElement(sibling);
        sibling = sibling.nextElementSibling;
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

  /** A header cell heads a column when it is in <thead>, or in a first row made only of header cells. */
  private isColumnHeader(cell: HTMLTableCellElement): boolean {
    if (cell.tagName !== 'TH' || cell.getAttribute('scope') === 'row') return false;
    if (cell.closest('thead')) return true;
    const row = cell.parentElement as HTMLTableRowElement;
    return (
      row.rowIndex === 0 && row.cells.length > 1 && Array.from(row.cells).every((c) => c.tagName === 'TH')
    );
  }

  private hideColumn(table: HTMLTableElement, index: number): void {
    let columns = this.tableColumns.get(table);
    if (!columns) {
      columns = new Set();
      this.tableColumns.set(table, columns);
    }
    columns.add(index);
    for (const body of Array.from(table.tBodies)) {
      for (const row of Array.from(body.rows)) {
        const cell = row.cells[index];
        if (cell) this.maskElement(cell);
      }
    }
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
  }

  /**
   * Handles one batch of DOM changes; new rows of a table with a hidden column are masked without a rescan.
   * The batch is read as the DOM is now, so a node added inside another node added in the same batch is
   * covered by that outer node's scan and is not scanned again (a streamed 5,000-row table arrives as one
   * record per row, cell and text node).
   */
  handleMutations(mutations: readonly MutationRecord[]): void {
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
        if (element instanceof HTMLTableRowElement) {
          const columns = this.tableColumns.get(element.closest('table') as HTMLTableElement);
          if (columns) {
            for (const index of columns) {
              const cell = element.cells[index];
              if (cell) this.maskElement(cell);
            }
          }
        }
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
  }
}
