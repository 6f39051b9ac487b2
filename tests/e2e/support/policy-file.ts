import { mkdir, rm, writeFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';

// Chromium on Linux reads enterprise policy from here (root only). A file there applies to every Chromium on the
// machine while it exists: each test names its own file and removes it as soon as it is done.
const POLICY_DIR = '/etc/chromium/policies/managed';

export interface PolicyFile {
  path: string;
  remove(): Promise<void>;
}

export async function writePolicyFile(name: string, policy: Record<string, unknown>): Promise<PolicyFile> {
  if (!/^record-guard-[a-z0-9-]+\.json$/.test(name))
    throw new Error(`policy file name ${name} is not a test's own`);
  await mkdir(POLICY_DIR, { recursive: true });
  const path = `${POLICY_DIR}/${name}`;
  await writeFile(path, JSON.stringify(policy));
  return { path, remove: () => rm(path, { force: true }) };
}

/** Every text node of a page, shadow roots included (chrome://policy is built of web components). */
export async function deepText(page: Page): Promise<string> {
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
    const collect = (node: DomNode): void => {
      if (node.nodeType === 3 && node.nodeValue.trim() !== '') texts.push(node.nodeValue.trim());
      if (node.nodeName.toLowerCase() === 'style' || node.nodeName.toLowerCase() === 'script') return;
      for (const child of [...(node.shadowRoots ?? []), ...(node.children ?? [])]) collect(child);
    };
    collect(root);
    return texts.join('\n');
  } finally {
    await session.detach();
  }
}

/**
 * Navigates the tab as the address bar does with a typed URL: a browser-initiated navigation with the "typed"
 * transition (Page.navigate), which is what the URL blocklist applies to. Returns the browser's error, if any.
 */
export async function typeIntoAddressBar(page: Page, url: string): Promise<string | undefined> {
  const session = await page.context().newCDPSession(page);
  try {
    const result = (await session.send('Page.navigate', { url, transitionType: 'typed' })) as {
      errorText?: string;
    };
    return result.errorText;
  } finally {
    await session.detach();
  }
}
