// The adapter recorder (issue #15) end to end: an admin signed in to the demo SIS as a test user picks who is
// signed in, a section, an export link and a sensitive label on a student page from the options page; the
// JSON it writes validates with the adapter schema and reads another student's page of the demo SIS.
// Not yet shown here: the recorded adapter loaded into the running extension (a policy update) guarding it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHTML } from 'linkedom';
import type { Page } from 'playwright-core';
import { SisAdapterSchema } from '../../src/policy/adapter';
import { checkAdapter } from '../../src/sis/check';
import type { SisServer } from '../fixtures/sis/server';
import { launchBrowser, seriousAxeViolations, type ExtensionBrowser } from './support/browser';
import { recordUrl, signIn, startDemoSis } from './support/sis';

async function pick(options: Page, sis: Page, role: string, target: string): Promise<void> {
  await options.bringToFront();
  await options.click(`button[data-pick="${role}"]`);
  // The picking script is injected into the SIS tab; the click there picks (and is kept from the page).
  // Polled on a timer: a tab in the background gets no animation frames.
  await sis.waitForFunction(
    () =>
      Array.from(document.querySelectorAll('[role="status"]')).some((element) =>
        element.textContent?.startsWith('Record Guard:'),
      ),
    undefined,
    { polling: 100, timeout: 8000 },
  );
  // A click event on the element itself (the header name may be too small for a pointer click in headless).
  await sis.locator(target).first().dispatchEvent('click');
  await options.waitForFunction(
    () => document.getElementById('recorder-status')?.textContent?.startsWith('Picked'),
    undefined,
    { polling: 100, timeout: 8000 },
  );
}

describe('the adapter recorder', () => {
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

  it('records a valid adapter that reads the demo SIS', async () => {
    const record = await browser.context.newPage();
    await record.goto(recordUrl(sis, 'home', '100000'));
    const title = await record.title();
    const options = await browser.context.newPage();
    await options.goto(browser.extensionUrl('options.html'));
    await options.click('#adapter-recorder button:has-text("Refresh tabs")');
    await options.selectOption('#recorder-tab', { label: title });
    await options.fill('#recorder-id', 'recorded-demo');
    await options.fill('#recorder-student', '100000');
    await pick(options, record, 'identity', '#userName');
    await options.selectOption('#recorder-category', 'demographics');
    await pick(options, record, 'section', 'table.linkDescList');
    await pick(options, record, 'export', '#csvDownload');
    await pick(options, record, 'sensitive', 'td.label:text-is("Birth Country")');
    await options.waitForSelector('#recorder-valid');
    expect(await seriousAxeViolations(options)).toEqual([]);
    const json = JSON.parse(await options.inputValue('#recorder-json')) as Record<string, unknown>;
    const adapter = SisAdapterSchema.parse(json);
    expect(adapter.match.hosts).toEqual([`127.0.0.1:${sis.port}`]);
    expect(adapter.identity.read[0]).toMatchObject({ from: 'attribute', attribute: 'data-username' });
    expect(adapter.student[0]).toMatchObject({
      from: 'url-param',
      param: 'frn',
      pattern: '^001(\\d{1,40})$',
    });
    expect(adapter.sensitiveFields[0]?.labels).toEqual(['^Birth Country$']);
    await record.close();
    await options.close();

    // The recorded adapter reads the live demo SIS through the content script's own code: the page of another
    // student, fetched with the signed-in session.
    const url = recordUrl(sis, 'home', '100001');
    const html = await (await browser.context.request.get(url)).text();
    const { document } = parseHTML(html);
    const report = checkAdapter(adapter, document as unknown as Document, url);
    expect(report.page).toBe('guarded');
    expect(report.identity.username).toBe('teacher.park');
    expect(report.student.value).toBe('100001');
    expect(report.sections).toContain('demographics');
    expect(report.missing).toEqual([]);
  });
});
