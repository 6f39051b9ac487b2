// A teacher (and every other non-SRO user) sees and exports everything as if Record Guard were absent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SisServer } from '../fixtures/sis/server';
import { launchBrowser, type ExtensionBrowser } from './support/browser';
import { downloadOutcome, isCovered, noticeText, settled } from './support/guard';
import { recordUrl, signIn, startDemoSis } from './support/sis';

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
});
