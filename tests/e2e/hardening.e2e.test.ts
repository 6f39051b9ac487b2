// SRO browser hardening in real Chromium, with a real enterprise policy file (/etc/chromium/policies/managed/,
// root only, removed afterwards): without it a typed javascript: URL runs in a SIS page, view-source: shows a
// covered record's source and incognito can open, and the options page says the browser is unhardened; with
// deploy/linux/record-guard-sro.json the browser refuses each of these and the options page says so. Developer
// tools are checked in a browser of their own, since the policy that turns them off also refuses the DevTools
// protocol this test drives Chromium with.
import { execFile, spawn } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page, type Worker } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SisServer } from '../fixtures/sis/server';
import {
  CHROMIUM,
  EXTENSION_DIR,
  EXTENSION_ID,
  launchBrowser,
  seriousAxeViolations,
  type ExtensionBrowser,
} from './support/browser';
import { noticeText, settled } from './support/guard';
import { deepText, typeIntoAddressBar, writePolicyFile, type PolicyFile } from './support/policy-file';
import { recordUrl, signIn, startDemoSis, startFreshSis } from './support/sis';

const POLICY_NAME = 'record-guard-hardening-e2e.json';
const SCREENSHOTS = 'test-results';
/** Would run in the SIS page's own origin, as a bookmarklet does. */
const BOOKMARKLET = "javascript:void(document.title='pwned by a bookmarklet')";

/**
 * deploy/linux/record-guard-sro.json as this test can apply it: without ExtensionSettings (it would install the
 * same id from the district's update URL over the unpacked build under test), without DeveloperToolsAvailability
 * and ExtensionDeveloperModeSettings (they refuse the DevTools protocol and the unpacked build; the last test
 * checks developer tools), and without the hub URL (there is no district hub here).
 */
async function deployPolicy(): Promise<Record<string, unknown>> {
  const policy = JSON.parse(await readFile('deploy/linux/record-guard-sro.json', 'utf8')) as Record<
    string,
    unknown
  >;
  const {
    ExtensionSettings: _install,
    DeveloperToolsAvailability: _devtools,
    ExtensionDeveloperModeSettings: _developerMode,
    ...rest
  } = policy;
  return { ...rest, '3rdparty': { extensions: { [EXTENSION_ID]: { role: 'sro' } } } };
}

interface Finding {
  code: string | null;
  ok: string | null;
  text: string;
}

/** Opens the options page and waits until its hardening findings include `until` (checked again on reload). */
async function hardeningOnOptions(
  browser: ExtensionBrowser,
  until: string,
): Promise<{ page: Page; state: string; findings: Finding[] }> {
  const page = await browser.context.newPage();
  for (let attempt = 0; ; attempt++) {
    await page.goto(browser.extensionUrl('options.html'));
    await page.locator('#hardening[data-state]').waitFor();
    const findings = await page.locator('#hardening-findings li').evaluateAll((items) =>
      items.map((item) => ({
        code: item.getAttribute('data-code'),
        ok: item.getAttribute('data-ok'),
        text: (item as HTMLElement).innerText,
      })),
    );
    if (findings.some((finding) => finding.code === until) || attempt >= 20) {
      const state = (await page.locator('#hardening').getAttribute('data-state')) ?? '';
      return { page, state, findings };
    }
    await page.waitForTimeout(250);
  }
}

/** The 'browser-hardening' events in the extension's log, read inside the service worker. */
async function hardeningEvents(
  worker: Worker,
): Promise<{ evidence: Record<string, string>; actor: { role: string } }[]> {
  return worker.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('record-guard');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const events = await new Promise<
      { type: string; evidence: Record<string, string>; actor: { role: string } }[]
    >((resolve, reject) => {
      const request = db.transaction('events').objectStore('events').getAll();
      request.onsuccess = () => resolve(request.result as never);
      request.onerror = () => reject(request.error);
    });
    db.close();
    return events.filter((event) => event.type === 'browser-hardening');
  });
}

async function incognitoAnswer(worker: Worker): Promise<string> {
  return worker.evaluate(async () => {
    const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
    const before = (await api.windows.getAll()).length;
    try {
      // chrome://settings never opens in incognito: an available incognito mode refuses the page, creating nothing.
      await api.windows.create({ incognito: true, url: 'chrome://settings' });
      return 'opened';
    } catch (error) {
      const after = (await api.windows.getAll()).length;
      return `${(error as Error).message} (windows ${before} → ${after})`;
    }
  });
}

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

interface PackedBuild {
  id: string;
  dir: string;
  crx: Buffer;
  version: string;
}

/**
 * This build packed as a CRX, signed with a throwaway key made for the test (the district's signing key is never
 * in the repository), so Chromium can force-install it from an update server: its id is the throwaway key's.
 */
async function packBuild(): Promise<PackedBuild> {
  const dir = await mkdtemp(join(tmpdir(), 'record-guard-crx-'));
  const ext = join(dir, 'record-guard');
  await cp(EXTENSION_DIR, ext, { recursive: true });
  const manifest = JSON.parse(await readFile(join(ext, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  // The manifest's key is the district's; the CRX is signed with the throwaway one.
  delete manifest.key;
  await writeFile(join(ext, 'manifest.json'), JSON.stringify(manifest));
  await new Promise<void>((resolve, reject) =>
    execFile(CHROMIUM, ['--headless', '--no-sandbox', `--pack-extension=${ext}`], (error) =>
      error ? reject(error) : resolve(),
    ),
  );
  const der = createPublicKey(await readFile(`${ext}.pem`, 'utf8')).export({ type: 'spki', format: 'der' });
  const hex = createHash('sha256').update(der).digest('hex').slice(0, 32);
  const id = [...hex].map((digit) => String.fromCharCode(97 + parseInt(digit, 16))).join('');
  return { id, dir, crx: await readFile(`${ext}.crx`), version: String(manifest.version) };
}

/** The district's update server: an update manifest and the CRX it names. */
async function updateServer(build: PackedBuild): Promise<{ url: string; server: Server }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = createHttpServer((request, response) => {
    if (request.url?.startsWith('/updates.xml')) {
      response.setHeader('content-type', 'text/xml');
      response.end(
        `<?xml version='1.0' encoding='UTF-8'?><gupdate xmlns='http://www.google.com/update2/response' protocol='2.0'><app appid='${build.id}'><updatecheck codebase='${url}/record-guard.crx' version='${build.version}' /></app></gupdate>`,
      );
    } else if (request.url === '/record-guard.crx') {
      response.setHeader('content-type', 'application/x-chrome-extension');
      response.end(build.crx);
    } else {
      response.statusCode = 404;
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url, server };
}

describe('hardened SRO browsers', () => {
  let sis: SisServer;
  let policyFile: PolicyFile | undefined;
  beforeAll(async () => {
    sis = await startDemoSis();
    await mkdir(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    await policyFile?.remove();
    await sis?.close();
  });

  it('without the policy: a typed javascript: URL runs, view-source: shows the record, incognito opens; the options page says unhardened', async () => {
    const browser = await launchBrowser();
    try {
      await signIn(browser.context, sis, 'officer.diaz');
      const page = await browser.context.newPage();
      // A SIS page an SRO may load (the start page): page script typed into the address bar runs in it.
      await page.goto(`${sis.url}/admin/home.html`);
      expect(await settled(page, false)).toBe(false);
      await typeIntoAddressBar(page, BOOKMARKLET);
      await expect.poll(() => page.title()).toBe('pwned by a bookmarklet');

      // The attack from issue 9, the source of a record, is stopped at the network even here …
      const record = await browser.context.newPage();
      await record.goto(`view-source:${recordUrl(sis, 'demographics', '100000')}`).catch(() => undefined);
      await record.waitForTimeout(500);
      expect(await record.locator('body').innerText()).not.toContain('Birth Country');
      // … but the browser still shows page sources on SIS hosts, which the hardening check reports.
      const source = await browser.context.newPage();
      await source.goto(`view-source:${sis.url}/admin/home.html`);
      expect(await source.locator('body').innerText()).toContain('userName');

      expect(await incognitoAnswer(browser.worker)).toMatch(/Cannot open URL .* in an incognito window/);

      const { page: options, state, findings } = await hardeningOnOptions(browser, 'view-source-shown');
      expect(state).toBe('unhardened');
      expect(findings).toEqual([
        expect.objectContaining({
          code: 'not-force-installed',
          ok: 'false',
          text: expect.stringMatching(/unpacked/),
        }),
        expect.objectContaining({
          code: 'incognito-open',
          ok: 'false',
          text: expect.stringMatching(/can be opened/),
        }),
        expect.objectContaining({
          code: 'view-source-shown',
          ok: 'false',
          text: expect.stringContaining('127.0.0.1'),
        }),
      ]);
      expect(await options.locator('#hardening-state').innerText()).toMatch(/Not hardened/);
      expect(await seriousAxeViolations(options)).toEqual([]);
      await options.screenshot({ path: `${SCREENSHOTS}/hardening-unhardened.png`, fullPage: true });

      // An SRO signed in here: the change is an event in the log, for the hub.
      await expect
        .poll(async () => (await hardeningEvents(browser.worker)).at(-1)?.evidence, { timeout: 15_000 })
        .toMatchObject({ state: 'unhardened', 'view-source-shown': 'finding', 'incognito-open': 'finding' });
    } finally {
      await browser.dispose();
    }
  }, 120_000);

  it('with deploy/linux/record-guard-sro.json: javascript: and view-source: refused, incognito cannot open; the options page shows each finding hardened', async () => {
    policyFile = await writePolicyFile(POLICY_NAME, await deployPolicy());
    const browser = await launchBrowser();
    try {
      const policyPage = await browser.context.newPage();
      await policyPage.goto('chrome://policy');
      await expect.poll(() => deepText(policyPage)).toContain('URLBlocklist');
      const policyText = await deepText(policyPage);
      for (const name of [
        'URLBlocklist',
        'javascript://*',
        'view-source:*',
        'IncognitoModeAvailability',
        'BrowserGuestModeEnabled',
        'BrowserAddPersonEnabled',
      ]) {
        expect(policyText).toContain(name);
      }
      expect(policyText).not.toMatch(/unknown policy|schema validation error/i);
      // Each of the four policies applied, with the status "OK".
      expect(policyText.match(/^OK$/gm)?.length ?? 0).toBeGreaterThanOrEqual(4);
      await policyPage.screenshot({ path: `${SCREENSHOTS}/hardening-chrome-policy.png`, fullPage: true });

      await signIn(browser.context, sis, 'officer.diaz');
      const page = await browser.context.newPage();
      await page.goto(`${sis.url}/admin/home.html`);
      expect(await settled(page, false)).toBe(false);
      const title = await page.title();
      expect(await typeIntoAddressBar(page, BOOKMARKLET)).toBe('net::ERR_ABORTED');
      await page.waitForTimeout(500);
      expect(await page.title()).toBe(title);

      const source = await browser.context.newPage();
      await expect(source.goto(`view-source:${recordUrl(sis, 'demographics', '100000')}`)).rejects.toThrow(
        /ERR_BLOCKED_BY_ADMINISTRATOR/,
      );
      const shown = await source.locator('body').innerText();
      expect(shown).toMatch(/blocked/i);
      expect(shown).not.toContain('Birth Country');

      expect(await incognitoAnswer(browser.worker)).toBe('Incognito mode is disabled. (windows 1 → 1)');

      const { page: options, state, findings } = await hardeningOnOptions(browser, 'view-source-refused');
      expect(findings).toEqual([
        // An unpacked build cannot be force-installed: Chromium reports installType "development", and the check
        // rightly counts that against the browser (a force-install needs the district's signed CRX).
        expect.objectContaining({ code: 'not-force-installed', ok: 'false' }),
        expect.objectContaining({
          code: 'incognito-disabled',
          ok: 'true',
          text: expect.stringMatching(/turned off/),
        }),
        expect.objectContaining({
          code: 'view-source-refused',
          ok: 'true',
          text: expect.stringMatching(/refused/),
        }),
      ]);
      expect(state).toBe('unhardened');
      expect(await seriousAxeViolations(options)).toEqual([]);
      await options.screenshot({ path: `${SCREENSHOTS}/hardening-unpacked-with-policy.png`, fullPage: true });
      await expect
        .poll(async () => (await hardeningEvents(browser.worker)).at(-1)?.evidence, { timeout: 15_000 })
        .toMatchObject({ 'incognito-disabled': 'ok', 'view-source-refused': 'ok' });

      // A page that does not show who is signed in (the managed role says SRO) offers no gate.
      // On a SIS where nobody has been seen signed in yet, the network rules of the SRO browser take the record
      // to the gate, which says it cannot tell who is signed in.
      const fresh = await startFreshSis();
      await signIn(browser.context, fresh, 'officer.diaz', { quiet: true });
      const anonymous = await browser.context.newPage();
      await anonymous.goto(`${recordUrl(fresh, 'health', '100000')}&frame=1`);
      expect(await settled(anonymous, true)).toBe(true);
      const notice = await noticeText(anonymous);
      await fresh.close();
      expect(notice).toMatch(/could not tell who is signed in.*Sign in to the SIS again/s);
      expect(notice).not.toContain('State a legal basis');

      // A gate opened without a user name says the same, instead of refusing the basis.
      const gateId = '01JDGATE0000000000000000ZZ';
      await browser.worker.evaluate(async (id) => {
        const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
        await api.storage.session.set({
          [`gate.${id}`]: {
            context: {
              gateId: id,
              studentId: '100000',
              categories: ['health'],
              action: 'view',
              url: 'http://127.0.0.1/',
            },
            fields: [],
          },
        });
      }, gateId);
      const gate = await browser.context.newPage();
      await gate.goto(browser.extensionUrl(`gate.html#${gateId}`));
      await gate.locator('[role=alert]').waitFor();
      const gateText = await gate.locator('main').innerText();
      expect(gateText).toMatch(
        /could not tell who is signed in to the SIS in that tab.*Sign in to the SIS again/s,
      );
      expect(gateText).not.toMatch(/cannot cover this request/);
      expect(await gate.locator('form').count()).toBe(0);
      expect(await seriousAxeViolations(gate)).toEqual([]);
    } finally {
      await browser.dispose();
      await policyFile.remove();
    }
  }, 120_000);

  it('force-installed by ExtensionInstallForcelist from an update server, with the policy: the options page shows the browser hardened', async () => {
    const build = await packBuild();
    const updates = await updateServer(build);
    const profile = await mkdtemp(join(tmpdir(), 'record-guard-forced-'));
    policyFile = await writePolicyFile(POLICY_NAME, {
      ...(await deployPolicy()),
      ExtensionInstallForcelist: [`${build.id};${updates.url}/updates.xml`],
      '3rdparty': { extensions: { [build.id]: { role: 'sro' } } },
      // Only for this test's DevTools client: by default Chromium refuses it on force-installed extensions' pages.
      DeveloperToolsAvailability: 1,
    });
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'],
      // The browser must be free to install extensions and to fetch the update manifest, as a managed one is.
      ignoreDefaultArgs: [
        '--disable-extensions',
        '--disable-background-networking',
        '--disable-component-update',
      ],
    });
    try {
      const worker =
        context.serviceWorkers().find((candidate) => candidate.url().includes(build.id)) ??
        (await context.waitForEvent('serviceworker', {
          predicate: (candidate) => candidate.url().includes(build.id),
          timeout: 30_000,
        }));
      expect(
        await worker.evaluate(async () => {
          const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
          return (await api.management.getSelf()).installType;
        }),
      ).toBe('admin');
      await signIn(context, sis, 'officer.diaz');
      const source = await context.newPage();
      await expect(source.goto(`view-source:${recordUrl(sis, 'demographics', '100000')}`)).rejects.toThrow(
        /ERR_BLOCKED_BY_ADMINISTRATOR/,
      );
      const forced: ExtensionBrowser = {
        context,
        worker,
        userDataDir: profile,
        extensionUrl: (path) => `chrome-extension://${build.id}/${path.replace(/^\//, '')}`,
        close: () => context.close(),
        dispose: () => context.close(),
      };
      const { page: options, state, findings } = await hardeningOnOptions(forced, 'view-source-refused');
      expect(findings).toEqual([
        expect.objectContaining({
          code: 'force-installed',
          ok: 'true',
          text: expect.stringMatching(/force-installed/),
        }),
        expect.objectContaining({ code: 'incognito-disabled', ok: 'true' }),
        expect.objectContaining({ code: 'view-source-refused', ok: 'true' }),
      ]);
      expect(state).toBe('hardened');
      expect(await options.locator('#hardening-state').innerText()).toMatch(/^Hardened/);
      expect(await seriousAxeViolations(options)).toEqual([]);
      await expect
        .poll(async () => (await hardeningEvents(worker)).at(-1)?.evidence, { timeout: 15_000 })
        .toEqual({
          state: 'hardened',
          'force-installed': 'ok',
          'incognito-disabled': 'ok',
          'view-source-refused': 'ok',
        });
      // Reloaded once the managed role has been read, so the screenshot shows the whole state.
      await options.reload();
      await options.locator('#hardening[data-state=hardened]').waitFor();
      await options.screenshot({ path: `${SCREENSHOTS}/hardening-hardened.png`, fullPage: true });
    } finally {
      await context.close().catch(() => undefined);
      await policyFile.remove();
      updates.server.close();
      await rm(profile, { recursive: true, force: true }).catch(() => undefined);
      await rm(build.dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('with DeveloperToolsAvailability 2 as well, no DevTools client can attach to a SIS page (and can without it)', async () => {
    const attach = async (withPolicy: boolean): Promise<{ extensionLoaded: boolean; attach: string }> => {
      if (withPolicy) {
        policyFile = await writePolicyFile(POLICY_NAME, {
          ...(await deployPolicy()),
          DeveloperToolsAvailability: 2,
        });
      }
      const port = await freePort();
      const profile = await mkdtemp(join(tmpdir(), 'record-guard-devtools-'));
      const child = spawn(
        CHROMIUM,
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          `--user-data-dir=${profile}`,
          `--remote-debugging-port=${port}`,
          `--disable-extensions-except=${EXTENSION_DIR}`,
          `--load-extension=${EXTENSION_DIR}`,
          'about:blank',
        ],
        { stdio: 'ignore' },
      );
      try {
        const browser = await (async () => {
          for (let tries = 0; ; tries++) {
            try {
              return await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
            } catch (error) {
              if (tries > 40) throw error;
              await new Promise((resolve) => setTimeout(resolve, 250));
            }
          }
        })();
        const session = await browser.newBrowserCDPSession();
        let extensionLoaded = false;
        for (let tries = 0; tries < 40 && !extensionLoaded; tries++) {
          const { targetInfos } = (await session.send('Target.getTargets')) as {
            targetInfos: { type: string; url: string }[];
          };
          extensionLoaded = targetInfos.some(
            (target) => target.type === 'service_worker' && target.url.includes(EXTENSION_ID),
          );
          if (!extensionLoaded) await new Promise((resolve) => setTimeout(resolve, 250));
        }
        const { targetId } = (await session.send('Target.createTarget', {
          url: recordUrl(sis, 'demographics', '100000'),
        })) as { targetId: string };
        let answer: string;
        try {
          await session.send('Target.attachToTarget', { targetId, flatten: true });
          answer = 'attached';
        } catch (error) {
          answer = (error as Error).message;
        }
        await browser.close().catch(() => undefined);
        return { extensionLoaded, attach: answer };
      } finally {
        if (child.exitCode === null) child.kill();
        await new Promise((resolve) => setTimeout(resolve, 300));
        await rm(profile, { recursive: true, force: true }).catch(() => undefined);
        await policyFile?.remove();
      }
    };
    expect(await attach(false)).toEqual({ extensionLoaded: true, attach: 'attached' });
    const hardened = await attach(true);
    expect(hardened.extensionLoaded).toBe(true);
    expect(hardened.attach).toMatch(/Target.attachToTarget\): Not allowed/);
  }, 120_000);
});
