// An SRO cannot see or take a protected record without consent, whatever they click, type or navigate.
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Consent } from '../../src/policy/consent';
import type { SisServer } from '../fixtures/sis/server';
import { launchBrowser, type ExtensionBrowser } from './support/browser';
import { clearStore, putRecords } from './support/extension-db';
import { downloadOutcome, isCovered, noticeText, onBlockedGate, settled } from './support/guard';
import { recordUrl, signIn, startDemoSis, startFreshSis } from './support/sis';

const SECTIONS = ['home', 'contacts', 'attendance', 'grades', 'discipline', 'health'];
const MASK = '[hidden: Ed. Code 234.7]';
const STUDENT = '100000';

function consent(overrides: Partial<Consent>): Consent {
  return {
    id: 'consent-1',
    studentId: STUDENT,
    signer: { name: 'Rosa Garcia', relation: 'parent' },
    categories: ['demographics', 'health'],
    actions: ['view'],
    purpose: 'Mentoring program check-ins',
    recipient: { kind: 'agency', agency: 'Newman Police Department' },
    signedOn: '2026-09-01',
    expiresOn: '2027-06-30',
    documentRef: 'DMS-2026-0412',
    ...overrides,
  };
}

describe('an SRO', () => {
  let browser: ExtensionBrowser;
  let sis: SisServer;
  beforeAll(async () => {
    [browser, sis] = await Promise.all([launchBrowser(), startDemoSis()]);
    await mkdir('test-results', { recursive: true });
    await signIn(browser.context, sis, 'officer.diaz');
    await putRecords(browser.worker, 'students', [
      { id: STUDENT, birthDate: '2011-04-17' },
      { id: '100001', birthDate: '2012-01-09' },
    ]);
  });
  afterAll(async () => {
    await browser?.dispose();
    await sis?.close();
  });

  describe('without consent', () => {
    beforeEach(async () => {
      await clearStore(browser.worker, 'consents');
    });

    it.each(SECTIONS)('cannot see the %s section, and is told why', async (section) => {
      const page = await browser.context.newPage();
      await page.goto(recordUrl(sis, section, STUDENT));
      expect(await settled(page, true)).toBe(true);
      const notice = await noticeText(page);
      expect(notice).toContain('This student record is protected');
      expect(notice).toContain(`student ${STUDENT}`);
      expect(notice).toContain('34 CFR 99.30');
      await page.close();
    });

    it('sees nothing in a screenshot taken while the record is still arriving', async () => {
      // The first page on a SIS nobody has been seen on yet is guarded by the in-page cover alone (the network
      // rules come once the SRO is seen): a second demo SIS is such a place.
      const fresh = await startFreshSis();
      await signIn(browser.context, fresh, 'officer.diaz', { quiet: true });
      const page = await browser.context.newPage();
      // The SIS sends its header at once and holds the record back for 1.5 s: the decision window.
      await page.goto(`${recordUrl(fresh, 'home', STUDENT)}&delay=1500`, { waitUntil: 'commit' });
      await page.waitForSelector('#userName', { state: 'attached' });
      expect(await isCovered(page)).toBe(true);
      await page.screenshot({ path: 'test-results/sro-during-load.png' });
      await page.waitForLoadState('load');
      expect(await isCovered(page)).toBe(true);
      await page.screenshot({ path: 'test-results/sro-after-load.png' });
      const visible = await page.evaluate(() => document.body.checkVisibility());
      expect(visible).toBe(false);
      await page.close();
      await fresh.close();
    });

    it('cannot see the record in the Aeries-like page, the Campus-like app or the embedded frame', async () => {
      const page = await browser.context.newPage();
      await page.goto(`${sis.url}/StudentData.aspx?SN=${STUDENT}&tab=demographics`);
      expect(await settled(page, true)).toBe(true);
      await page.goto(`${sis.url}/campus/student/demographics?personID=${STUDENT}`);
      expect(await settled(page, true)).toBe(true);
      // The record page and the health frame it embeds never arrive: the navigation is taken to the gate.
      await page.goto(recordUrl(sis, 'home', STUDENT));
      expect(await settled(page, true)).toBe(true);
      expect(onBlockedGate(page)).toBe(true);
      expect(page.frame({ url: /frame=1/ })).toBeNull();
      await page.close();
    });

    it('cannot download by link, blob, report, script or typed URL', async () => {
      // On a covered page (the first one on a SIS, before the network rules): its export controls are there.
      const fresh = await startFreshSis();
      await signIn(browser.context, fresh, 'officer.diaz', { quiet: true });
      const page = await browser.context.newPage();
      await page.goto(recordUrl(fresh, 'home', STUDENT));
      await settled(page, true);
      // The page is covered, so a person cannot click; a script (or the SRO in the console) still can.
      for (const selector of ['#csvDownload', '[data-export="blob"]', '[data-export="scripted"]']) {
        const outcome = await downloadOutcome(page, () =>
          page.evaluate((s) => (document.querySelector(s) as HTMLElement).click(), selector),
        );
        expect({ selector, completed: outcome.completed }).toEqual({ selector, completed: false });
      }
      const quick = await downloadOutcome(page, () =>
        page.evaluate(() => (document.querySelector('#quickExport') as HTMLFormElement).requestSubmit()),
      );
      expect(quick.completed).toBe(false);
      const auto = await downloadOutcome(page, () =>
        page.goto(`${recordUrl(fresh, 'home', STUDENT)}&autoexport=1`).catch(() => undefined),
      );
      expect(auto.completed).toBe(false);
      const typed = await downloadOutcome(page, () =>
        page.goto(`${fresh.url}/export/student-${STUDENT}-grades.csv`).catch(() => undefined),
      );
      expect(typed.completed).toBe(false);
      // From here on the SRO has been seen on this SIS: the record page itself no longer arrives.
      await page.goto(recordUrl(fresh, 'home', STUDENT));
      expect(await settled(page, true)).toBe(true);
      expect(onBlockedGate(page)).toBe(true);
      await page.close();
      await fresh.close();
    });
  });

  describe('with a parent consent for demographics and health (view only)', () => {
    beforeAll(async () => {
      await clearStore(browser.worker, 'consents');
      await putRecords(browser.worker, 'consents', [consent({})]);
    });

    it('sees the demographics page and its health frame, with immigration fields hidden', async () => {
      const page = await browser.context.newPage();
      await page.goto(recordUrl(sis, 'home', STUDENT));
      expect(await settled(page, false)).toBe(false);
      const text = await page.locator('body').innerText();
      expect(text).toContain('Garcia');
      expect(text).not.toContain('Mexico');
      expect(text).not.toContain('Guadalajara');
      expect(text).toContain(MASK);
      const frame = page.frame({ url: /frame=1/ });
      if (!frame) throw new Error('health frame missing');
      const deadline = Date.now() + 5000;
      while ((await isCovered(frame)) && Date.now() < deadline) await page.waitForTimeout(50);
      expect(await isCovered(frame)).toBe(false);
      await page.screenshot({ path: 'test-results/sro-with-consent.png', fullPage: true });
      await page.close();
    });

    it("another agency's SRO is not covered by a consent naming Newman Police Department", async () => {
      await signIn(browser.context, sis, 'deputy.ross');
      const page = await browser.context.newPage();
      await page.goto(recordUrl(sis, 'home', STUDENT));
      expect(await settled(page, true)).toBe(true);
      await page.close();
      await signIn(browser.context, sis, 'officer.diaz');
    });

    it('an immigration field a page script fetches after load never arrives', async () => {
      const page = await browser.context.newPage();
      const fetched: string[] = [];
      page.on('requestfailed', (request) => void fetched.push(request.url()));
      await page.goto(`${recordUrl(sis, 'home', STUDENT)}&late=1`);
      expect(await settled(page, false)).toBe(false);
      await page.waitForTimeout(1500);
      // The REST endpoint can return immigration data: the network rules never open it for an SRO.
      expect(fetched.some((url) => url.includes('/ws/v1/student/'))).toBe(true);
      expect(await page.locator('body').innerText()).not.toContain('Mexico');
      await page.close();
    });

    it('still cannot see sections the consent does not name', async () => {
      const page = await browser.context.newPage();
      for (const section of ['contacts', 'grades', 'discipline']) {
        await page.goto(recordUrl(sis, section, STUDENT));
        expect(await settled(page, true)).toBe(true);
      }
      await page.close();
    });

    it('back and forward keep each page in its state', async () => {
      const page = await browser.context.newPage();
      await page.goto(recordUrl(sis, 'home', STUDENT));
      expect(await settled(page, false)).toBe(false);
      await page.goto(recordUrl(sis, 'grades', STUDENT));
      expect(await settled(page, true)).toBe(true);
      await page.goBack();
      expect(await settled(page, false)).toBe(false);
      expect(await page.locator('body').innerText()).not.toContain('Mexico');
      await page.goForward();
      expect(await settled(page, true)).toBe(true);
      await page.close();
    });

    it('in-page navigation to another section covers it, and its data never arrives', async () => {
      const page = await browser.context.newPage();
      await page.goto(`${sis.url}/campus/student/demographics?personID=${STUDENT}`);
      await page.locator('[data-section="demographics"]').waitFor({ state: 'attached' });
      expect(await settled(page, false)).toBe(false);
      expect(await page.locator('body').innerText()).not.toContain('Mexico');
      // Record every moment the grades section is in the page while the body is visible.
      await page.evaluate(() => {
        const w = window as unknown as { leaked: boolean };
        w.leaked = false;
        new MutationObserver(() => {
          const grades = document.querySelector('[data-section="grades"]');
          if (grades && getComputedStyle(document.body).display !== 'none') w.leaked = true;
        }).observe(document, { childList: true, subtree: true, attributes: true });
      });
      await page.evaluate(() => {
        const link = [...document.querySelectorAll('a[data-route]')].find((a) =>
          a.textContent?.includes('Grades'),
        );
        (link as HTMLElement).click();
      });
      // The grades data is fetched by the app: the network rules stop it, and the route is covered.
      expect(await settled(page, true)).toBe(true);
      expect(await page.locator('[data-section="grades"]').count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { leaked: boolean }).leaked)).toBe(false);
      await page.goBack();
      await page.locator('[data-section="demographics"]').waitFor({ state: 'attached' });
      expect(await settled(page, false)).toBe(false);
      await page.close();
    });

    it('cannot print, copy or export what it may only view', async () => {
      const page = await browser.context.newPage();
      await page.goto(recordUrl(sis, 'home', STUDENT));
      expect(await settled(page, false)).toBe(false);
      await page.emulateMedia({ media: 'print' });
      expect(await isCovered(page)).toBe(true);
      await page.emulateMedia({ media: 'screen' });
      const copied = await page.evaluate(() => {
        let seen = false;
        document.addEventListener('copy', () => (seen = true));
        const range = document.createRange();
        range.selectNodeContents(document.querySelector('#student-title') as Node);
        getSelection()?.addRange(range);
        const event = new ClipboardEvent('copy', {
          bubbles: true,
          cancelable: true,
          clipboardData: new DataTransfer(),
        });
        document.querySelector('#student-title')?.dispatchEvent(event);
        return { seen, prevented: event.defaultPrevented };
      });
      expect(copied).toEqual({ seen: false, prevented: true });
      const link = await downloadOutcome(page, () => page.click('#csvDownload'));
      expect(link.completed).toBe(false);
      await page.close();
    });
  });

  describe('with consent to export demographics', () => {
    beforeAll(async () => {
      await clearStore(browser.worker, 'consents');
      await putRecords(browser.worker, 'consents', [
        consent({
          id: 'consent-export',
          categories: ['demographics', 'health'],
          actions: ['view', 'export'],
        }),
      ]);
    });

    it('a quick export without immigration fields goes through; with Birth Country it is stopped', async () => {
      const page = await browser.context.newPage();
      await page.goto(recordUrl(sis, 'home', STUDENT));
      expect(await settled(page, false)).toBe(false);
      await page.fill('#quickExportFields', 'LastName, FirstName');
      const allowed = await downloadOutcome(page, () => page.click('#quickExportSubmit'));
      expect(allowed.completed).toBe(true);
      expect(allowed.content).toContain('Garcia');

      await page.goto(recordUrl(sis, 'home', STUDENT));
      expect(await settled(page, false)).toBe(false);
      await page.fill('#quickExportFields', 'LastName, CA_BirthCountry');
      const blocked = await downloadOutcome(page, () => page.click('#quickExportSubmit'));
      expect(blocked.completed).toBe(false);
      await page.close();
    });
  });

  describe('hostile page content', () => {
    beforeAll(async () => {
      await clearStore(browser.worker, 'consents');
      await putRecords(browser.worker, 'consents', [
        consent({ id: 'consent-hostile', studentId: '100001', categories: ['demographics'] }),
      ]);
    });

    it('script-like names are shown as text and unlock nothing', async () => {
      const page = await browser.context.newPage();
      const dialogs: string[] = [];
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      await page.goto(recordUrl(sis, 'home', '100001'));
      expect(await settled(page, false)).toBe(false);
      expect(dialogs).toEqual([]);
      await page.goto(recordUrl(sis, 'grades', '100001'));
      expect(await settled(page, true)).toBe(true);
      await page.close();
    });

    it('a page that imitates Record Guard does not unlock the record', async () => {
      const page = await browser.context.newPage();
      await page.goto(recordUrl(sis, 'home', '100002'));
      expect(await settled(page, true)).toBe(true);
      // Page script can neither find nor remove the real notice, nor lift the cover for good.
      await page.evaluate(() => {
        document.querySelectorAll('style').forEach((style) => style.remove());
        document.body.style.setProperty('display', 'block', 'important');
        document.querySelectorAll('record-guard-notice').forEach((notice) => notice.remove());
      });
      await page.waitForTimeout(100);
      expect(await isCovered(page)).toBe(true);
      expect(await noticeText(page)).toContain('This student record is protected');
      await page.close();
    });
  });
});
