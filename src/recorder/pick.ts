// The recorder's picking script. Injected into the admin's SIS tab with scripting.executeScript, so it must be
// one self-contained function (no imports, no closures): it outlines the element under the pointer, and the
// next click (or Enter on a focused element) picks it; Escape cancels. Nothing on the page is changed for good.

export interface PickedElement {
  /** A CSS selector that matches the picked element alone on this page. */
  selector: string;
  /** Its text, white space collapsed, at most 200 characters. */
  text: string;
  tag: string;
  /** Attributes that often carry a login, a code or a field name. */
  attributes: Record<string, string>;
  /** The page's URL when it was picked. */
  url: string;
  /** The tab's title, for section and title rules. */
  title: string;
}

export function pickElement(prompt: string): Promise<PickedElement | null> {
  const KEPT = ['id', 'name', 'title', 'aria-label', 'value', 'href', 'type'];
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
        if (KEPT.includes(attribute.name) || attribute.name.startsWith('data-'))
          attributes[attribute.name] = attribute.value.slice(0, 200);
      }
      resolve({
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
