// A teacher (and every other non-SRO user) sees and exports everything as if Record Guard were absent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SisServer } from '../fixtures/sis/server';
import { launchBrowser, type ExtensionBrowser } from './support/browser';
import { downloadOutcome, isCovered, noticeText, settled } from './support/guard';
import { recordUrl, signIn, startDemoSis, startFreshSis } from './support/sis';

const SECTIONS = ['home', 'contacts', 'attendance', 'grades', 'discipline', 'health'];

describe('non-SRO users are never touched', () => {
  let browser: ExtensionBrowser;
  let sis: SisServer;
  beforeAll(async () => {
    [browser, sis] = await Promise.all([launchBrowser(), startDemoSis()]);
    await signIn(browser.context, sis, 'teacher.park');
  });
  afterAll(async () => {
    await browser?.dispose();
    await sis?.close();
  });

  it.each(SECTIONS)(
    'a teacher sees the %s section unchanged, immigration fields included',
    async (section) => {
      const page = await browser.context.newPage();
      await page.goto(recordUrl(sis, section, '100000'));
      // The page may be covered for the few milliseconds it takes to read who is signed in.
      expect(await settled(page, false, 1000)).toBe(false);
      expect(await noticeText(page)).toBe('');
      expect(await page.locator('[data-record-guard-redacted]').count()).toBe(0);
      if (section === 'home') {
        await expect(page.locator('body').innerText()).resolves.toContain('Mexico');
        const frame = page.frameLocator('#healthFrame');
        await expect(frame.locator('body').isVisible()).resolves.toBe(true);
      }
      await page.close();
    },
  );

  it("a known teacher's page and its embedded frame are left alone in every new tab", async () => {
    for (let tab = 0; tab < 2; tab += 1) {
      const page = await browser.context.newPage();
      await page.goto(recordUrl(sis, 'home', '100001'));
      expect(await settled(page, false, 1000)).toBe(false);
      const frame = page.frame({ url: /frame=1/ });
      if (!frame) throw new Error('health frame missing');
      await frame.waitForLoadState('domcontentloaded');
      const deadline = Date.now() + 2000;
      while ((await isCovered(frame)) && Date.now() < deadline) await page.waitForTimeout(50);
      expect(await isCovered(frame)).toBe(false);
      await page.close();
    }
  });

  it('a teacher downloads by link, quick export (with Birth Country), blob, report and script', async () => {
    const page = await browser.context.newPage();
    await page.goto(recordUrl(sis, 'home', '100000'));
    const link = await downloadOutcome(page, () => page.click('#csvDownload'));
    expect(link.completed).toBe(true);
    expect(link.content).toContain('Mexico');

    await page.fill('#quickExportFields', 'LastName, FirstName, CA_BirthCountry');
    const quick = await downloadOutcome(page, () => page.click('#quickExport [type=submit]'));
    expect(quick.completed).toBe(true);
    expect(quick.content).toContain('Mexico');

    await page.goto(recordUrl(sis, 'home', '100000'));
    const blob = await downloadOutcome(page, () => page.click('[data-export="blob"]'));
    expect(blob.completed).toBe(true);

    await page.goto(recordUrl(sis, 'home', '100000'));
    const report = await downloadOutcome(page, () => page.click('[data-export="report"]'), 8000);
    expect(report.completed).toBe(true);

    await page.goto(recordUrl(sis, 'home', '100000'));
    const scripted = await downloadOutcome(page, () => page.click('[data-export="scripted"]'));
    expect(scripted.completed).toBe(true);
    await page.close();
  });

  it('clerk and admin pages are untouched too (Aeries-like and Campus-like pages)', async () => {
    for (const user of ['clerk.nguyen', 'admin.lee'] as const) {
      await signIn(browser.context, sis, user);
      const page = await browser.context.newPage();
      await page.goto(`${sis.url}/StudentData.aspx?SN=100000&tab=demographics`);
      expect(await settled(page, false, 1000)).toBe(false);
      await expect(page.locator('body').innerText()).resolves.toContain('Mexico');
      await page.goto(`${sis.url}/campus/student/demographics?personID=100000`);
      await page.locator('[data-section="demographics"]').waitFor();
      expect(await isCovered(page)).toBe(false);
      await page.close();
    }
  });

  it('a teacher who opens a SIS JSON URL is not covered, and every export after it works', async () => {
    await signIn(browser.context, sis, 'teacher.park');
    const json = await browser.context.newPage();
    await json.goto(`${sis.url}/campus/api/students`);
    // No header on a JSON document: the origin's known teacher session is not demoted to "unknown" by it.
    expect(await settled(json, false, 1500)).toBe(false);
    await json.close();
    const seen = await browser.worker.evaluate(async (origin) => {
      const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
      const stored = (await api.storage.session.get('identities'))['identities'] as
        { origins?: Record<string, { username?: string; role?: string }> } | undefined;
      return stored?.origins?.[origin];
    }, sis.url);
    expect(seen).toMatchObject({ username: 'teacher.park', role: 'teacher' });
    const page = await browser.context.newPage();
    for (let attempt = 0; attempt < 4; attempt += 1) {
      await page.goto(recordUrl(sis, 'home', '100000'));
      const link = await downloadOutcome(page, () => page.click('#csvDownload'));
      expect(link.completed).toBe(true);
      await page.fill('#quickExportFields', 'LastName, FirstName, CA_BirthCountry');
      const quick = await downloadOutcome(page, () => page.click('#quickExport [type=submit]'));
      expect(quick.completed).toBe(true);
    }
    await page.close();
  });

  it("a SIS page that fills in its header by XHR after load is uncovered once the teacher's name is read", async () => {
    // A SIS origin nobody was seen on yet: nothing to borrow, the page waits for its own header.
    const fresh = await startFreshSis();
    try {
      await signIn(browser.context, fresh, 'teacher.park', { quiet: true });
      const page = await browser.context.newPage();
      await page.goto(`${recordUrl(fresh, 'home', '100000')}&lateheader=1`, { waitUntil: 'load' });
      const loaded = Date.now();
      await page.locator('#userName').waitFor({ state: 'attached', timeout: 3000 });
      const headerAt = Date.now();
      expect(await settled(page, false, 2000)).toBe(false);
      const uncoveredAt = Date.now();
      // The header arrives about 100 ms after load by XHR; the page is open within the identity read's bound.
      expect(uncoveredAt - headerAt).toBeLessThan(1000);
      expect(uncoveredAt - loaded).toBeLessThan(2000);
      await expect(page.locator('body').innerText()).resolves.toContain('Mexico');
      expect(await noticeText(page)).toBe('');
      await page.close();
    } finally {
      await fresh.close();
    }
  });
});
