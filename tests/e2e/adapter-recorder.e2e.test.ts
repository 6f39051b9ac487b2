// The adapter recorder (issue #15) end to end: an admin signed in to the demo SIS as a test user picks who is
// signed in, a section, an export link and a sensitive label on a student page from the options page, and records
// the SIS's sign-in, sign-out and start pages; the JSON it writes validates with the adapter schema and reads
// another student's page of the demo SIS. Then the recorded adapter goes into the policy the running extension
// enforces (a stored policy bundle, applied without reloading the extension): it covers an SRO's record on the
// demo SIS, and after the SRO signs out a teacher's record is open and its export downloads. Without the sign-in
// pages (what the review step warns of) the SIS stays guarded for the teacher. The page picked on is the
// demographics page with its labels-over-values grids (`labels=grid`): one sensitive label is picked in a
// label/value pair table, one in a row of labels over a row of values, and the recorded `labelCells` then masks
// exactly the value under that label for an SRO with a consent for demographics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHTML } from 'linkedom';
import type { Page } from 'playwright-core';
import { SisAdapterSchema, type SisAdapter } from '../../src/policy/adapter';
import { parsePolicyBundle } from '../../src/policy/bundle';
import { readPolicyDirectory } from '../../src/policy/files';
import { checkAdapter } from '../../src/sis/check';
import type { SisServer } from '../fixtures/sis/server';
import { launchBrowser, seriousAxeViolations, type ExtensionBrowser } from './support/browser';
import { clearStore, putRecords } from './support/extension-db';
import { downloadOutcome, isCovered, noticeText, settled } from './support/guard';
import { recordUrl, signIn, startDemoSis } from './support/sis';
import { parentConsent } from './support/records';

type Bundle = { policy: { version: number }; adapters: { id: string }[] };

/** Stores a policy bundle as an update does (policy.bundle), through the running service worker. */
async function storePolicy(browser: ExtensionBrowser, bundle: Bundle): Promise<void> {
  await browser.worker.evaluate(async (value) => {
    const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
    await api.storage.local.set({ 'policy.bundle': value });
  }, bundle);
}

/** The adapters of the guard plan the content scripts read, once the plan of this policy version is out. */
async function planAdapters(browser: ExtensionBrowser, version: number): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const plan = await browser.worker.evaluate(async () => {
      const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
      return (await api.storage.session.get('guard.plan'))['guard.plan'] as
        { policyVersion?: number; adapters?: { id: string }[] } | undefined;
    });
    if (plan?.policyVersion === version) return (plan.adapters ?? []).map((adapter) => adapter.id);
    if (Date.now() > deadline) throw new Error(`policy version ${version} never came into force`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Which adapter the background last read who is signed in with, on this origin. */
async function identityAdapter(browser: ExtensionBrowser, origin: string): Promise<string | undefined> {
  return browser.worker.evaluate(async (key) => {
    const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
    const stored = (await api.storage.session.get('identities'))['identities'] as
      { origins?: Record<string, { adapterId?: string }> } | undefined;
    return stored?.origins?.[key]?.adapterId;
  }, origin);
}

/** Who the background last saw signed in on this origin (undefined: nobody named). */
async function identityOn(
  browser: ExtensionBrowser,
  origin: string,
): Promise<{ username?: string; role?: string } | undefined> {
  return browser.worker.evaluate(async (key) => {
    const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
    const stored = (await api.storage.session.get('identities'))['identities'] as
      { origins?: Record<string, { username?: string; role?: string }> } | undefined;
    return stored?.origins?.[key];
  }, origin);
}

/** Moves the focus with Tab alone until `selector` has it: the control is reachable by keyboard. */
async function tabTo(page: Page, selector: string): Promise<void> {
  for (let presses = 0; presses < 120; presses += 1) {
    if (await page.evaluate((target) => document.activeElement?.matches(target) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`${selector} is not reachable with Tab`);
}

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

  let recorded: SisAdapter | undefined;

  it('records a valid adapter that reads the demo SIS', async () => {
    const record = await browser.context.newPage();
    await record.goto(`${recordUrl(sis, 'home', '100000')}&labels=grid`);
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
    // A label in a row of labels over a row of values (the state-reporting grid).
    await pick(options, record, 'sensitive', '#gridEnteredLabel');
    await options.waitForSelector('#recorder-valid');
    // The recorder read where each value is from the picked cell's table, and says so in the picks list.
    expect(await options.inputValue('select[data-layout-of="3"]')).toBe('next-cell');
    expect(await options.inputValue('select[data-layout-of="4"]')).toBe('row-below');
    expect(await options.textContent('label[for="recorder-layout-4"]')).toBe('Where its value is');
    // Valid, but without a sign-in or sign-out page the review step says what that means.
    expect(await options.textContent('#recorder-warnings [data-warning="no-sign-in"]')).toContain(
      'stays guarded for everyone',
    );

    // The SIS's sign-in page, opened in the SIS tab and recorded from there by keyboard alone; the sign-out
    // page typed as a path; the start page recorded from the tab.
    await record.goto(`${sis.url}/login`);
    await options.bringToFront();
    await options.focus('#recorder-tab');
    await tabTo(options, '#recorder-add-sign-in');
    await options.keyboard.press('Enter');
    await options.waitForFunction(
      () => (document.getElementById('recorder-sign-in') as HTMLTextAreaElement | null)?.value === '/login',
      undefined,
      { polling: 100, timeout: 8000 },
    );
    await options.focus('#recorder-sign-in');
    await options.keyboard.press('End');
    await options.keyboard.type('\n/logout');
    await record.goto(`${sis.url}/admin/home.html`);
    await options.bringToFront();
    await options.click('#recorder-add-identity');
    await options.waitForFunction(
      () =>
        (document.getElementById('recorder-identity-pages') as HTMLTextAreaElement | null)?.value ===
        '/admin/home.html',
      undefined,
      { polling: 100, timeout: 8000 },
    );
    await options.waitForSelector('#recorder-valid');
    expect(await options.isVisible('#recorder-warnings')).toBe(false);
    expect(await seriousAxeViolations(options)).toEqual([]);
    // axe-core on the options page with the recorder section open and filled in (picks, JSON, validation).
    expect(await options.isVisible('#adapter-recorder #recorder-json')).toBe(true);
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
    expect(adapter.sensitiveFields[0]?.labels).toEqual(['^Birth Country$', '^Date Entered US School$']);
    // Row below in the grid's table alone (by its id), the next cell everywhere else.
    expect(adapter.labelCells).toEqual([
      { value: 'row-below', tables: '#stateGrid' },
      { value: 'next-cell' },
    ]);
    expect(adapter.pages).toEqual({
      signIn: ['/login(?:\\?[^#]*)?', '/logout(?:\\?[^#]*)?'],
      identityOnly: ['/admin/home\\.html(?:\\?[^#]*)?'],
    });
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
    // On the grid page, the check finds the picked label with its value in the row below.
    const gridUrl = `${url}&labels=grid`;
    const gridHtml = await (await browser.context.request.get(gridUrl)).text();
    const grid = checkAdapter(adapter, parseHTML(gridHtml).document as unknown as Document, gridUrl);
    expect(grid.sensitiveCells).toContainEqual({
      field: 'Date Entered US School',
      valueAt: 'row-below',
      located: true,
    });
    recorded = adapter;
  });

  it('the recorded adapter, put into the stored policy, guards the demo SIS in the running extension', async () => {
    if (!recorded) throw new Error('no adapter was recorded');
    const bundled = (await readPolicyDirectory('policies')) as Bundle;
    // Without the bundled demo adapter nothing else claims the demo SIS's record pages (the shapes adapter
    // claims /shell/ and /hashapp/ only): whatever guards them below is the recorded adapter.
    const others = bundled.adapters.filter((adapter) => adapter.id !== 'demo-sis');
    expect(others.length).toBe(bundled.adapters.length - 1);
    const control: Bundle = { ...bundled, policy: { ...bundled.policy, version: 2 }, adapters: others };
    const withRecorded: Bundle = {
      ...bundled,
      policy: { ...bundled.policy, version: 3 },
      adapters: [...others, recorded],
    };
    expect(parsePolicyBundle(control).ok).toBe(true);
    expect(parsePolicyBundle(withRecorded).ok).toBe(true);
    // An ordinary born-abroad minor, and another student: pages the recorded adapter was not recorded on.
    const url = recordUrl(sis, 'home', '100000');

    // The control: the same policy without the recorded adapter leaves an SRO's record open. Were the
    // recorded adapter not used below, the SRO's page would stay open the same way.
    await storePolicy(browser, control);
    expect(await planAdapters(browser, 2)).not.toContain('demo-sis');
    await signIn(browser.context, sis, 'officer.diaz');
    const page = await browser.context.newPage();
    await page.goto(url);
    expect(await settled(page, false, 10_000)).toBe(false);
    await page.waitForTimeout(500);
    expect(await settled(page, false)).toBe(false);

    // The policy update with the recorded adapter, applied by the running worker (no extension reload): the
    // plan content scripts read carries it, and the background re-evaluates open pages.
    await storePolicy(browser, withRecorded);
    const inForce = await planAdapters(browser, 3);
    expect(inForce).toContain('recorded-demo');
    expect(inForce).not.toContain('demo-sis');
    // The policy change forgot who was signed in: the SIS's start page shows the background the SRO again.
    await signIn(browser.context, sis, 'officer.diaz');
    await page.reload();
    expect(await settled(page, true, 10_000)).toBe(true);
    expect((await noticeText(page)).length).toBeGreaterThan(0);
    expect(await identityAdapter(browser, sis.url)).toBe('recorded-demo');
    const another = await browser.context.newPage();
    await another.goto(recordUrl(sis, 'home', '100012'));
    expect(await settled(another, true, 10_000)).toBe(true);
    await another.close();
    await page.close();
  });

  it("after the SRO signs out, a teacher's record page under the recorded adapter is open and exports", async () => {
    // Goes on from the test above: the recorded adapter in force, officer.diaz seen on the demo SIS.
    expect(await identityOn(browser, sis.url)).toMatchObject({ username: 'officer.diaz', role: 'sro' });
    const page = await browser.context.newPage();
    await page.goto(recordUrl(sis, 'home', '100000'));
    expect(await settled(page, true, 10_000)).toBe(true);

    // The SRO signs out: the SIS's sign-out page lands on its sign-in page, both recorded as sign-in pages.
    await page.goto(`${sis.url}/logout`);
    expect(new URL(page.url()).pathname).toBe('/login');
    const deadline = Date.now() + 8000;
    while ((await identityOn(browser, sis.url))?.username !== undefined && Date.now() < deadline)
      await page.waitForTimeout(100);
    // The origin keeps its guard with nobody named until the next person is read.
    expect(await identityOn(browser, sis.url)).toEqual({ adapterId: 'recorded-demo', role: 'sro' });

    // A teacher signs in (sign-in page, then the recorded start page shows who it is).
    await signIn(browser.context, sis, 'teacher.park');
    expect(await identityOn(browser, sis.url)).toMatchObject({ username: 'teacher.park', role: 'teacher' });
    expect(await identityAdapter(browser, sis.url)).toBe('recorded-demo');
    await page.goto(recordUrl(sis, 'home', '100000'));
    expect(await settled(page, false, 10_000)).toBe(false);
    await page.waitForTimeout(500);
    expect(await settled(page, false)).toBe(false);
    const link = await downloadOutcome(page, () => page.click('#csvDownload'));
    expect(link.completed).toBe(true);
    expect(link.content).toContain('Mexico');
    await page.close();
  });

  it('without the sign-in pages (what the review warns of), the SIS stays guarded for a teacher after an SRO', async () => {
    if (!recorded) throw new Error('no adapter was recorded');
    const bundled = (await readPolicyDirectory('policies')) as Bundle;
    const others = bundled.adapters.filter((adapter) => adapter.id !== 'demo-sis');
    const withoutPages = { ...recorded, pages: { signIn: [], identityOnly: [] } };
    const bundle: Bundle = {
      ...bundled,
      policy: { ...bundled.policy, version: 4 },
      adapters: [...others, withoutPages],
    };
    expect(parsePolicyBundle(bundle).ok).toBe(true);
    await storePolicy(browser, bundle);
    expect(await planAdapters(browser, 4)).toContain('recorded-demo');
    // The SRO is read on a record page (the start page is no longer an open page of the adapter).
    await signIn(browser.context, sis, 'officer.diaz', { quiet: true });
    const page = await browser.context.newPage();
    await page.goto(recordUrl(sis, 'home', '100000'));
    expect(await settled(page, true, 10_000)).toBe(true);
    expect(await identityOn(browser, sis.url)).toMatchObject({ username: 'officer.diaz', role: 'sro' });
    await page.goto(`${sis.url}/logout`);
    await signIn(browser.context, sis, 'teacher.park', { quiet: true });
    await page.goto(recordUrl(sis, 'home', '100000'));
    // The teacher's record stays covered: nothing told Record Guard the SRO signed out.
    expect(await settled(page, true, 10_000)).toBe(true);
    expect(await identityOn(browser, sis.url)).toMatchObject({ username: 'officer.diaz', role: 'sro' });
    await page.close();
  });

  it('the recorded labelCells masks exactly the value under the picked grid label for an SRO with a consent', async () => {
    if (!recorded) throw new Error('no adapter was recorded');
    const bundled = (await readPolicyDirectory('policies')) as Bundle;
    const others = bundled.adapters.filter((adapter) => adapter.id !== 'demo-sis');
    const bundle: Bundle = {
      ...bundled,
      policy: { ...bundled.policy, version: 5 },
      adapters: [...others, recorded],
    };
    expect(parsePolicyBundle(bundle).ok).toBe(true);
    await storePolicy(browser, bundle);
    expect(await planAdapters(browser, 5)).toContain('recorded-demo');
    const consent = parentConsent(
      'consent-view-demographics-recorder',
      '100000',
      ['demographics'],
      'DMS-2026-0414',
    );

    await putRecords(browser.worker, 'students', [{ id: '100000', birthDate: '2011-04-17' }]);
    await clearStore(browser.worker, 'consents');
    await putRecords(browser.worker, 'consents', [consent]);
    await signIn(browser.context, sis, 'officer.diaz');
    const page = await browser.context.newPage();
    await page.goto(`${recordUrl(sis, 'home', '100000')}&labels=grid`);
    expect(await settled(page, false, 10_000)).toBe(false);
    const MASK = '[hidden: Ed. Code 234.7]';
    const cell = (id: string) =>
      page.evaluate((target) => document.getElementById(target)?.textContent?.trim() ?? '(missing)', id);
    const deadline = Date.now() + 5000;
    while ((await cell('gridEnteredUsSchool')) !== MASK && Date.now() < deadline)
      await page.waitForTimeout(100);
    // The value under the picked label is masked; the label, the cells beside it (a next-cell rule would have
    // masked "Locker", the label beside it) and the value under the non-sensitive label are not.
    expect(await cell('gridEnteredUsSchool')).toBe(MASK);
    expect(await cell('gridEnteredLabel')).toBe('Date Entered US School');
    expect(await cell('gridLocker')).toBe('417');
    expect(await cell('gridPrimaryLanguage')).toBe('English');
    // The other sensitive label in the same grid is read the same way (Birth Country over two value cells).
    expect(await cell('gridBirthCountryLabel')).toBe('Birth Country');
    expect(await cell('gridBirthCountryCode')).toBe(MASK);
    expect(await cell('gridBirthCountry')).toBe(MASK);
    expect(await isCovered(page)).toBe(false);
    await page.close();
  });
});
