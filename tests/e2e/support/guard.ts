import { readFile } from 'node:fs/promises';
import type { Download, Frame, Page } from 'playwright-core';

/** Whether the network rules took this navigation to the gate instead of the record (it never arrived). */
export const onBlockedGate = (target: Page | Frame): boolean => target.url().includes('/gate.html#blocked=');

/**
 * Whether the record is hidden: Record Guard's cover hides <body> entirely, or, for an SRO already seen on the
 * SIS, the network rules took the navigation to the gate before any of the record arrived.
 */
export async function isCovered(target: Page | Frame): Promise<boolean> {
  if (onBlockedGate(target)) return true;
  return target.evaluate(() => document.body === null || getComputedStyle(document.body).display === 'none');
}

/** Waits until the guard has settled on covered or shown (the cover may be up for a moment while it checks). */
export async function settled(page: Page, expectCovered: boolean, timeout = 8000): Promise<boolean> {
  const deadline = Date.now() + timeout;
  for (;;) {
    // A blocked navigation may be on its way back from the gate to the record: read the record's page once its
    // document is parsed, not the moment between the two.
    if (!onBlockedGate(page)) await page.waitForLoadState('domcontentloaded').catch(() => undefined);
    const covered = await isCovered(page).catch(() => !expectCovered);
    // The notice is read (a DevTools walk of the page) only when it is what is awaited.
    if (expectCovered ? covered && (await noticeText(page)).length > 0 : !covered) return covered;
    if (Date.now() > deadline) return covered;
    await page.waitForTimeout(50);
  }
}

/**
 * The text of Record Guard's notice. It lives in a closed shadow root, which page scripts (and Playwright's
 * selectors) cannot enter; the DevTools protocol can, with `pierce`.
 */
export async function noticeText(page: Page): Promise<string> {
  if (onBlockedGate(page)) {
    // The gate is an extension page: its text is the notice (empty while it is still loading its context).
    return page
      .evaluate(() =>
        document.querySelector('main[aria-busy]') ? '' : (document.querySelector('main')?.innerText ?? ''),
      )
      .catch(() => '');
  }
  const session = await page.context().newCDPSession(page);
  try {
    interface DomNode {
      nodeName: string;
      nodeType: number;
      nodeValue: string;
      children?: DomNode[];
      shadowRoots?: DomNode[];
    }
    const { root } = (await session.send('DOM.getDocument', { depth: -1, pierce: true })) as {
      root: DomNode;
    };
    const texts: string[] = [];
    const collect = (node: DomNode, inside: boolean): void => {
      const within = inside || node.nodeName.toLowerCase().startsWith('record-guard-notice');
      if (within && node.nodeType === 3 && node.nodeValue.trim() !== '') texts.push(node.nodeValue.trim());
      if (node.nodeName.toLowerCase() === 'style') return;
      for (const child of [...(node.shadowRoots ?? []), ...(node.children ?? [])]) collect(child, within);
    };
    collect(root, false);
    return texts.join('\n');
  } finally {
    await session.detach();
  }
}

/**
 * The notice once it says `expected` (or what it says after `timeout`): a page that asked a busy background
 * first shows "could not check", then the verdict once the background answers its retry.
 */
export async function noticeSaying(page: Page, expected: string, timeout = 10_000): Promise<string> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const notice = await noticeText(page);
    if (notice.includes(expected) || Date.now() > deadline) return notice;
    await page.waitForTimeout(100);
  }
}

export interface DownloadOutcome {
  started: boolean;
  completed: boolean;
  content?: string;
  failure?: string | null;
}

/** Runs an action and reports what happened to any download it started (waits up to `ms`). */
export async function downloadOutcome(
  page: Page,
  action: () => Promise<unknown>,
  ms = 4000,
): Promise<DownloadOutcome> {
  const downloads: Download[] = [];
  const listener = (download: Download): void => {
    downloads.push(download);
  };
  page.on('download', listener);
  try {
    await action();
    const deadline = Date.now() + ms;
    while (downloads.length === 0 && Date.now() < deadline) await page.waitForTimeout(100);
    const download = downloads[0];
    if (!download) return { started: false, completed: false };
    const failure = await download.failure();
    if (failure !== null) return { started: true, completed: false, failure };
    const path = await download.path();
    return { started: true, completed: true, content: await readFile(path, 'utf8') };
  } finally {
    page.off('download', listener);
  }
}
