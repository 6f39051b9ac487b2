// The recorder's picking script. Injected into the admin's SIS tab with scripting.executeScript, so it must be
// one self-contained function (no imports, no closures): it outlines the element under the pointer, and the
// next click (or Enter on a focused element) picks it; Escape cancels. Nothing on the page is changed for good.
// For a label in a table cell it also describes the cell's table (src/recorder/picked.ts), so the recorder can
// tell with the label-cell rules (src/sis/label-cells.ts, which this function cannot import) where its value is.
import type { CellSnapshot, PickedElement } from './picked';

export type { PickedElement } from './picked';

export function pickElement(prompt: string): Promise<PickedElement | null> {
  const KEPT = ['id', 'name', 'title', 'aria-label', 'value', 'href', 'type'];
  // The same limits as MAX_SNAPSHOT_ROWS / MAX_SNAPSHOT_CELLS in picked.ts (no imports in here).
  const MAX_ROWS = 400;
  const MAX_CELLS = 60;
  const cssEscape = (value: string): string => CSS.escape(value);
  const unique = (selector: string): boolean => {
    try {
      return document.querySelectorAll(selector).length === 1;
    } catch {
      return false;
    }
  };
  // Ids that look generated (long digit runs) change between page loads: not used.
  const stableId = (id: string): boolean => id !== '' && !/\d{4,}/.test(id);
  const selectorFor = (element: Element): string => {
    if (stableId(element.id) && unique(`#${cssEscape(element.id)}`)) return `#${cssEscape(element.id)}`;
    const tag = element.tagName.toLowerCase();
    for (const attribute of Array.from(element.attributes)) {
      if (!attribute.name.startsWith('data-') && attribute.name !== 'name') continue;
      if (attribute.value.length > 80) continue;
      const candidate = `${tag}[${cssEscape(attribute.name)}="${attribute.value.replace(/["\\]/g, '\\$&')}"]`;
      if (unique(candidate)) return candidate;
    }
    const parts: string[] = [];
    let current: Element | null = element;
    while (current && current !== document.documentElement) {
      const name = current.tagName.toLowerCase();
      if (stableId(current.id)) {
        parts.unshift(`#${cssEscape(current.id)}`);
        break;
      }
      const parent: Element | null = current.parentElement;
      const same = parent
        ? Array.from(parent.children).filter((child) => child.tagName === current?.tagName)
        : [];
      parts.unshift(same.length > 1 ? `${name}:nth-of-type(${same.indexOf(current) + 1})` : name);
      current = parent;
    }
    return parts.join(' > ');
  };
  /** `#id` or `table.class…` that matches this table alone; undefined where neither is stable. */
  const tableSelector = (table: HTMLTableElement): string | undefined => {
    if (stableId(table.id) && unique(`#${cssEscape(table.id)}`)) return `#${cssEscape(table.id)}`;
    const classes = Array.from(table.classList).filter((name) => !/\d{4,}/.test(name));
    if (classes.length === 0) return undefined;
    const candidate = `table.${classes.map(cssEscape).join('.')}`;
    return candidate.length <= 300 && unique(candidate) ? candidate : undefined;
  };
  /** The picked label's cell (the element, or the cell holding just its text) and that cell's table. */
  const cellSnapshot = (element: Element): CellSnapshot | undefined => {
    const cell = element.closest('td, th');
    if (!(cell instanceof HTMLTableCellElement)) return undefined;
    if (cell !== element && cell.textContent?.trim() !== element.textContent?.trim()) return undefined;
    const row = cell.parentElement;
    const table = cell.closest('table');
    if (!(row instanceof HTMLTableRowElement) || !table) return undefined;
    const rows = Array.from(table.rows);
    const at = rows.indexOf(row);
    // The rules pair rows from the top: every row down to the one below the label is described, or none.
    const described = rows.slice(0, at + 2);
    if (at < 0 || described.length > MAX_ROWS || described.some((one) => one.cells.length > MAX_CELLS))
      return undefined;
    const look = (one: Element): string => {
      const weight = Number.parseInt(getComputedStyle(one).fontWeight, 10);
      const bold = weight >= 600 || one.querySelector(':scope > b, :scope > strong') !== null;
      return `${one.tagName}|${one.className.slice(0, 200)}|${bold ? 'bold' : ''}`;
    };
    const span = (one: Element, name: string): number => {
      const value = Number.parseInt(one.getAttribute(name) ?? '1', 10);
      return Number.isFinite(value) && value >= 1 ? Math.min(value, 100) : 1;
    };
    const selector = tableSelector(table);
    return {
      ...(selector ? { table: selector } : {}),
      row: at,
      cell: Array.from(row.cells).indexOf(cell),
      rows: described.map((one) => ({
        head: one.parentElement?.tagName === 'THEAD',
        cells: Array.from(one.cells).map((each) => {
          const text = each.textContent?.trim() ?? '';
          return {
            th: each.tagName === 'TH',
            colspan: span(each, 'colspan'),
            rowspan: span(each, 'rowspan'),
            rowHeader: each.getAttribute('scope') === 'row',
            colon: text.endsWith(':'),
            empty: text === '',
            look: look(each),
          };
        }),
      })),
    };
  };

  return new Promise((resolve) => {
    const outline = document.createElement('div');
    outline.setAttribute('aria-hidden', 'true');
    outline.style.cssText =
      'position:fixed;pointer-events:none;z-index:2147483647;border:3px solid #b3261e;background:rgba(179,38,30,.08);display:none';
    const banner = document.createElement('div');
    banner.setAttribute('role', 'status');
    banner.textContent = prompt;
    banner.style.cssText =
      'position:fixed;top:0;left:0;right:0;z-index:2147483647;background:#1d1b20;color:#fff;font:16px system-ui;padding:8px;text-align:center';
    document.documentElement.append(outline, banner);
    let target: Element | null = null;
    const show = (element: Element | null): void => {
      target = element;
      if (!element) return;
      const box = element.getBoundingClientRect();
      Object.assign(outline.style, {
        display: 'block',
        top: `${box.top}px`,
        left: `${box.left}px`,
        width: `${box.width}px`,
        height: `${box.height}px`,
      });
    };
    const finish = (element: Element | null): void => {
      document.removeEventListener('mouseover', onOver, true);
      document.removeEventListener('click', onClick, true);
      document.removeEventListener('keydown', onKey, true);
      document.removeEventListener('focusin', onFocus, true);
      outline.remove();
      banner.remove();
      if (!element) {
        resolve(null);
        return;
      }
      const attributes: Record<string, string> = {};
      for (const attribute of Array.from(element.attributes)) {
        // Names as the pick record allows them (src/recorder/picked.ts): a longer one is of no use to a rule.
        if (attribute.name.length > 100) continue;
        if (KEPT.includes(attribute.name) || attribute.name.startsWith('data-'))
          attributes[attribute.name] = attribute.value.slice(0, 200);
      }
      const cell = cellSnapshot(element);
      resolve({
        ...(cell ? { cell } : {}),
        selector: selectorFor(element),
        text: (element.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 200),
        tag: element.tagName.toLowerCase(),
        attributes,
        url: location.href,
        title: document.title.slice(0, 200),
      });
    };
    const onOver = (event: MouseEvent): void => show(event.target instanceof Element ? event.target : null);
    const onFocus = (event: FocusEvent): void => show(event.target instanceof Element ? event.target : null);
    const onClick = (event: MouseEvent): void => {
      event.preventDefault();
      event.stopImmediatePropagation();
      finish(event.target instanceof Element ? event.target : null);
    };
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Escape') {
        event.preventDefault();
        finish(null);
      } else if (event.key === 'Enter' && target) {
        event.preventDefault();
        event.stopImmediatePropagation();
        finish(target);
      }
    };
    document.addEventListener('mouseover', onOver, true);
    document.addEventListener('click', onClick, true);
    document.addEventListener('keydown', onKey, true);
    document.addEventListener('focusin', onFocus, true);
  });
}
