import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core';

export const EXTENSION_DIR = resolve('.output/chrome-mv3');
/** Fixed by the public key in wxt.config.ts. */
export const EXTENSION_ID = 'dcmgapjhaiphlbfpmmbgmikodemfpigl';
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface ExtensionBrowser {
  context: BrowserContext;
  worker: Worker;
  userDataDir: string;
  extensionUrl(path: string): string;
  /** Closes the browser; the profile stays until `dispose` so a test can reopen it (browser restart). */
  close(): Promise<void>;
  dispose(): Promise<void>;
}

export interface LaunchOptions {
  /** Reuse a profile to simulate a browser restart. */
  userDataDir?: string;
  /** Launch without the extension, for baselines. */
  withoutExtension?: boolean;
  /** Unpacked extensions to load beside Record Guard (benchmark baselines). */
  alsoLoad?: string[];
  locale?: string;
  /** Default true; the demo opens a visible window where there is a display. */
  headless?: boolean;
  /** Default true. False: return as soon as the worker exists (a cold start, as a user meets it). */
  waitReady?: boolean;
  /**
   * Host names this browser resolves to 127.0.0.1 (Chromium's --host-resolver-rules), e.g. a vendor's
   * `district.powerschool.com`, so a bundled vendor adapter guards the demo SIS under its real host pattern.
   */
  mapHostsToLocal?: string[];
}

export async function launchBrowser(options: LaunchOptions = {}): Promise<ExtensionBrowser> {
  const userDataDir = options.userDataDir ?? (await mkdtemp(join(tmpdir(), 'record-guard-e2e-')));
  const extensions = [...(options.withoutExtension ? [] : [EXTENSION_DIR]), ...(options.alsoLoad ?? [])].join(
    ',',
  );
  const extensionArgs =
    extensions === '' ? [] : [`--disable-extensions-except=${extensions}`, `--load-extension=${extensions}`];
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: options.headless ?? true,
    locale: options.locale ?? 'en-US',
    args: [
      ...extensionArgs,
      ...(options.locale ? [`--lang=${options.locale}`] : []),
      ...(options.mapHostsToLocal?.length
        ? [
            `--host-resolver-rules=${options.mapHostsToLocal.map((host) => `MAP ${host} 127.0.0.1`).join(',')}`,
          ]
        : []),
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
    // Both kinds keep the browser's extension system on, as on every teacher's browser: Playwright's default
    // --disable-extensions would make the baseline a browser no district runs.
    ignoreDefaultArgs: ['--disable-extensions'],
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
  });
  let worker: Worker | undefined;
  if (!options.withoutExtension) {
    worker = context.serviceWorkers().find((candidate) => candidate.url().includes(EXTENSION_ID));
    worker ??= await context.waitForEvent('serviceworker', {
      predicate: (candidate) => candidate.url().includes(EXTENSION_ID),
      timeout: 20_000,
    });
  }
  // E2E_WORKER_CONSOLE=1 prints the service worker's console, for debugging a failing test.
  if (worker && process.env.E2E_WORKER_CONSOLE)
    worker.on('console', (message) => console.log(`[worker] ${message.text()}`));
  if (worker && options.waitReady !== false) await extensionReady(worker);
  return {
    context,
    // Baseline browsers have no worker; tests that use one always launch with the extension.
    worker: worker as Worker,
    userDataDir,
    extensionUrl: (path) => `chrome-extension://${EXTENSION_ID}/${path.replace(/^\//, '')}`,
    close: () => context.close(),
    dispose: async () => {
      await context.close().catch(() => undefined);
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until the background has read the managed settings once (the first storage.managed read after a
 * browser starts can take seconds; afterwards the last known settings are used at once) and published its
 * guard plan: the steady state every browser is in after its first minute.
 */
export async function extensionReady(worker: Worker, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = await worker.evaluate(async () => {
      const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
      const local = await api.storage.local.get('managed.lastKnown');
      const session = await api.storage.session.get('guard.plan');
      return local['managed.lastKnown'] !== undefined && session['guard.plan'] !== undefined;
    });
    if (ready) return;
    if (Date.now() > deadline) throw new Error('the extension did not become ready');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Runs axe-core in the page and returns violations of serious or critical impact. */
export async function seriousAxeViolations(
  page: Page,
): Promise<{ id: string; impact: string; nodes: number }[]> {
  // Evaluated through the DevTools protocol: extension pages' CSP refuses injected <script> tags.
  const axeSource = await readFile(resolve('node_modules/axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  const results = await page.evaluate(async () => {
    // axe is injected above; its types are not in this page's scope.
    const axe = (globalThis as unknown as { axe: { run: () => Promise<AxeResults> } }).axe;
    interface AxeResults {
      violations: { id: string; impact: string | null; nodes: unknown[] }[];
    }
    const run = await axe.run();
    return run.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact ?? 'unknown',
      nodes: violation.nodes.length,
    }));
  });
  return results.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}
