// SRO browser hardening in real Chromium, with a real enterprise policy file (/etc/chromium/policies/managed/,
// root only, removed afterwards): without it a typed javascript: URL runs in a SIS page, view-source: shows a
// covered record's source and incognito can open, and the options page says the browser is unhardened; with
// deploy/linux/record-guard-sro.json the browser refuses each of these and the options page says so. Developer
// tools are checked in a browser of their own, since the policy that turns them off also refuses the DevTools
// protocol this test drives Chromium with.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
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
import { recordUrl, signIn, startDemoSis } from './support/sis';

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
      await page.goto(recordUrl(sis, 'demographics', '100000'));
      expect(await settled(page, true)).toBe(true);
      await typeIntoAddressBar(page, BOOKMARKLET);
      await expect.poll(() => page.title()).toBe('pwned by a bookmarklet');

      const source = await browser.context.newPage();
      await source.goto(`view-source:${recordUrl(sis, 'demographics', '100000')}`);
      // The attack from issue 9: the covered record's whole source, Birth Country included.
      expect(await source.locator('body').innerText()).toContain('Birth Country');

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
        .poll(async () => (await hardeningEvents(browser.worker)).at(-1)?.evidence)
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
      await page.goto(recordUrl(sis, 'demographics', '100000'));
      expect(await settled(page, true)).toBe(true);
      const title = await page.title();
      expect(await typeIntoAddressBar(page, BOOKMARKLET)).toBe('net::ERR_ABORTED');
      await page.waitForTimeout(500);
      expect(await page.title()).toBe(title);
      expect(await settled(page, true)).toBe(true);

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
      await options.screenshot({ path: `${SCREENSHOTS}/hardening-hardened.png`, fullPage: true });
      await expect
        .poll(async () => (await hardeningEvents(browser.worker)).at(-1)?.evidence)
        .toMatchObject({ 'incognito-disabled': 'ok', 'view-source-refused': 'ok' });

      // A page that does not show who is signed in (the managed role says SRO) offers no gate.
      const anonymous = await browser.context.newPage();
      await anonymous.goto(`${recordUrl(sis, 'health', '100000')}&frame=1`);
      expect(await settled(anonymous, true)).toBe(true);
      const notice = await noticeText(anonymous);
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

  it('with DeveloperToolsAvailability 2 as well, no DevTools client can attach to a SIS page (and can without it)', async () => {
    const attach = async (withPolicy: boolean): Promise<{ extensionLoaded: boolean; attach: string }> => {
      if (withPolicy) {
        policyFile = await writePolicyFile(POLICY_NAME, {
          ...(await deployPolicy()),
          DeveloperToolsAvailability: 2,
        });
      }
      const port = await new Promise<number>((resolve) => {
        const server = createServer().listen(0, '127.0.0.1', () => {
          const address = server.address();
          server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
        });
      });
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
