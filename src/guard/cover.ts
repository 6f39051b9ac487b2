// Covers a guarded page until a verdict arrives, and shows SROs why it stays covered.
// The cover hides <body> with display:none (nothing inside can override it), and the notice lives in a
// closed shadow root outside <body>, so page content can neither reveal the record nor imitate or read the notice.

const COVER_ID = 'record-guard-cover';
const NOTICE_TAG = 'record-guard-notice';

const COVER_CSS = `html>body{display:none!important}`;
const PRINT_BLOCK_CSS = `@media print{html>body{display:none!important}${NOTICE_TAG}{display:block!important}}`;

let coverStyle: HTMLStyleElement | undefined;
let printStyle: HTMLStyleElement | undefined;
let guardian: MutationObserver | undefined;
let bodyGuardian: MutationObserver | undefined;

function ensureAttached(element: HTMLElement | undefined): void {
  if (element && !element.isConnected) document.documentElement.append(element);
}

/**
 * Page script is not trusted to leave the cover alone: our style and notice elements are put back if removed,
 * and an inline display on <body> (which would outrank the stylesheet) is taken off while the page is covered.
 * (A script that can run in the SIS page can still fight the cover with stylesheets of its own; on SRO browsers,
 * DevTools should be disabled by policy: see the README.)
 */
function watchRemoval(): void {
  if (guardian) return;
  guardian = new MutationObserver(() => {
    ensureAttached(coverStyle);
    ensureAttached(printStyle);
    if (coverStyle) ensureAttached(noticeHost);
    guardBody();
  });
  guardian.observe(document.documentElement, { childList: true });
}

function guardBody(): void {
  const body = document.body;
  if (!coverStyle || !body) return;
  body.style.removeProperty('display');
  if (bodyGuardian) return;
  bodyGuardian = new MutationObserver(() => {
    if (coverStyle && body.style.display !== '') body.style.removeProperty('display');
  });
  bodyGuardian.observe(body, { attributes: true, attributeFilter: ['style'] });
}

function makeStyle(id: string, css: string): HTMLStyleElement {
  const style = document.createElement('style');
  style.id = id;
  style.textContent = css;
  return style;
}

export function cover(): void {
  coverStyle ??= makeStyle(COVER_ID, COVER_CSS);
  ensureAttached(coverStyle);
  watchRemoval();
  guardBody();
}

export function uncover(): void {
  coverStyle?.remove();
  coverStyle = undefined;
  bodyGuardian?.disconnect();
  bodyGuardian = undefined;
}

/** Stops watching the document: for pages Record Guard leaves alone. */
export function release(): void {
  uncover();
  if (!printStyle) {
    guardian?.disconnect();
    guardian = undefined;
  }
}

export const isCovered = (): boolean => coverStyle?.isConnected === true;

/** Printing shows only the notice while the verdict does not allow printing. */
export function setPrintAllowed(allowed: boolean): void {
  if (allowed) {
    printStyle?.remove();
    printStyle = undefined;
    return;
  }
  printStyle ??= makeStyle(`${COVER_ID}-print`, PRINT_BLOCK_CSS);
  ensureAttached(printStyle);
  watchRemoval();
}

export interface NoticeContent {
  title: string;
  body: string;
  detail?: string;
  /** Shown as a polite status line (e.g. "Checking…"), not an alert. */
  busy?: boolean;
  /** A button in the notice (the way forward: open the gate). */
  action?: { label: string; onActivate: () => void };
}

let noticeHost: HTMLElement | undefined;
let noticeRoot: ShadowRoot | undefined;

const NOTICE_CSS = `:host{all:initial;position:fixed;inset:0;z-index:2147483647;display:flex;align-items:flex-start;
justify-content:center;background:#f6f7f9;font:16px/1.5 system-ui,sans-serif;color:#1b1f24}
.box{margin-top:10vh;max-width:36rem;background:#fff;border:2px solid #8a1c1c;border-radius:8px;padding:1.5rem 2rem}
.busy{border-color:#4a5568}h1{font-size:1.3rem;margin:0 0 .5rem}p{margin:.5rem 0}.detail{color:#4a5568;font-size:.9rem}
button{font:inherit;font-weight:600;margin-top:.75rem;padding:.6rem 1.2rem;border:0;border-radius:6px;background:#0b4f8a;color:#fff;cursor:pointer}
button:focus-visible{outline:3px solid #f2b705;outline-offset:2px}`;

/** Shows (or replaces) the notice. Text is set with textContent: page text can never become markup here. */
export function showNotice(content: NoticeContent): void {
  if (!noticeHost) {
    noticeHost = document.createElement(NOTICE_TAG);
    noticeRoot = noticeHost.attachShadow({ mode: 'closed' });
  }
  const root = noticeRoot as ShadowRoot;
  const style = document.createElement('style');
  style.textContent = NOTICE_CSS;
  const box = document.createElement('div');
  box.className = content.busy ? 'box busy' : 'box';
  box.setAttribute('role', content.busy ? 'status' : 'alert');
  const title = document.createElement('h1');
  title.textContent = content.title;
  const body = document.createElement('p');
  body.textContent = content.body;
  box.append(title, body);
  if (content.detail) {
    const detail = document.createElement('p');
    detail.className = 'detail';
    detail.textContent = content.detail;
    box.append(detail);
  }
  if (content.action) {
    const { label, onActivate } = content.action;
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = label;
    // Only a real user gesture opens the gate; page script cannot reach into this closed shadow root anyway.
    button.addEventListener('click', (event) => {
      if (event.isTrusted) onActivate();
    });
    box.append(button);
  }
  root.replaceChildren(style, box);
  if (!noticeHost.isConnected) document.documentElement.append(noticeHost);
}

export function hideNotice(): void {
  noticeHost?.remove();
}

/** Short-lived message for a stopped export, print or copy on an otherwise visible page. */
export function flash(text: string, action?: NoticeContent['action']): void {
  const host = document.createElement(`${NOTICE_TAG}-flash`);
  const root = host.attachShadow({ mode: 'closed' });
  const box = document.createElement('div');
  box.setAttribute('role', 'alert');
  box.textContent = text;
  if (action) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = action.label;
    button.style.cssText =
      'display:block;margin-top:.5rem;font:inherit;font-weight:600;padding:.4rem .9rem;border:0;border-radius:5px;background:#fff;color:#8a1c1c;cursor:pointer';
    button.addEventListener('click', (event) => {
      if (event.isTrusted) {
        host.remove();
        action.onActivate();
      }
    });
    box.append(button);
  }
  box.style.cssText =
    'all:initial;position:fixed;left:50%;top:1rem;transform:translateX(-50%);z-index:2147483647;max-width:40rem;' +
    'background:#8a1c1c;color:#fff;font:15px/1.4 system-ui,sans-serif;padding:.75rem 1rem;border-radius:6px';
  root.append(box);
  document.documentElement.append(host);
  // Keyboard users land on the way forward at once; the alert role announces the message.
  box.querySelector('button')?.focus();
  setTimeout(() => host.remove(), action ? 20_000 : 8000);
}
