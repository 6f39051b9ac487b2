import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, seriousAxeViolations, type ExtensionBrowser } from './support/browser';

describe('the built extension in Chromium', () => {
  let browser: ExtensionBrowser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.dispose();
  });

  it('loads with its stable id and a running service worker', async () => {
    expect(browser.worker.url()).toBe(browser.extensionUrl('background.js'));
    const manifest = await browser.worker.evaluate(() =>
      (globalThis as unknown as { chrome: typeof Browser }).chrome.runtime.getManifest(),
    );
    expect(manifest.manifest_version).toBe(3);
  });

  it('the accessibility check finds a known violation (so a clean result means something)', async () => {
    const page = await browser.context.newPage();
    await page.setContent('<main><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input></main>');
    const ids = (await seriousAxeViolations(page)).map((violation) => violation.id);
    expect(ids).toContain('image-alt');
    await page.close();
  });

  it('popup shows the district policy in force, accessibly', async () => {
    const page = await browser.context.newPage();
    await page.goto(browser.extensionUrl('popup.html'));
    // isVisible() does not wait: the popup's script renders the heading a moment after the page loads.
    await page.getByRole('heading', { name: 'Record Guard' }).waitFor();
    // The popup asks the background for its status: read it once it has answered, not while "Loading…".
    await page.getByText('Newman-Crows Landing Unified School District').first().waitFor();
    const text = await page.locator('main').innerText();
    expect(text).toContain('Newman-Crows Landing Unified School District');
    expect(text).toMatch(/ncluhsd-sro-records · v\d+/);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.close();
  });
});

describe('the extension in Spanish', () => {
  let browser: ExtensionBrowser;
  beforeAll(async () => {
    browser = await launchBrowser({ locale: 'es' });
  });
  afterAll(async () => {
    await browser?.dispose();
  });

  it('popup labels are Spanish when the browser is', async () => {
    const page = await browser.context.newPage();
    await page.goto(browser.extensionUrl('popup.html'));
    await page.getByText('Política vigente').first().waitFor();
    const text = await page.locator('main').innerText();
    expect(text).toContain('Política vigente');
    expect(text).not.toContain('Cargando');
    await page.close();
  });
});
