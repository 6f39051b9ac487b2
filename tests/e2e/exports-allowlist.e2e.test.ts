// Exports by allowlist, and an allowed export that opens only itself, attacked as issue 9 describes: an SRO
// with an export consent for demographics, in real Chromium with the built extension, on the demo SIS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Consent } from '../../src/policy/consent';
import { LABEL_VARIANTS, LOCKER_ROW, labelVariantValue } from '../fixtures/sis/powerschool';
import type { SisServer } from '../fixtures/sis/server';
import { launchBrowser, type ExtensionBrowser } from './support/browser';
import { clearStore, putRecords } from './support/extension-db';
import { downloadOutcome, noticeText, settled } from './support/guard';
import { recordUrl, signIn, startDemoSis } from './support/sis';

const STUDENT = '100000';
const MASK = '[hidden: Ed. Code 234.7]';

const exportConsent: Consent = {
  id: 'consent-export-demographics',
  studentId: STUDENT,
  signer: { name: 'Rosa Garcia', relation: 'parent' },
  categories: ['demographics', 'grades'],
  actions: ['view', 'export'],
  purpose: 'Mentoring program check-ins',
  recipient: { kind: 'agency', agency: 'Newman Police Department' },
  signedOn: '2026-09-01',
  expiresOn: '2027-06-30',
  documentRef: 'DMS-2026-0412',
};

/** Every variant issue 9 found exporting immigration data, each with a field the SRO may export. */
const IMMIGRATION_LISTS: readonly [string, string][] = [
  ['an underscore', 'LastName, Birth_Country'],
  ['dashes', 'LastName, Date-Entered-US'],
  ['a dot', 'LastName, CA_Birth.Place'],
  ['a campus-style label', 'LastName, First_US_School'],
  ['a tab-separated list', 'LastName\tCA_BirthCountry'],
  ['a zero-width space inside a code', 'LastName, CA_Birth\u200BCountry'],
  ['a code only an adapter declares', 'LastName, CA_USEnrolledLT3'],
  [
    'full-width letters',
    'LastName, \uFF23\uFF21_\uFF22\uFF49\uFF52\uFF54\uFF48\uFF23\uFF4F\uFF55\uFF4E\uFF54\uFF52\uFF59',
  ],
  ['a Spanish label', 'LastName; País de nacimiento'],
  ['newlines and a label', 'LastName\nUS Citizen'],
];

/** The one-shot export allow rules in the browser now (ids 50,000–59,999). */
async function allowRules(): Promise<number[]> {
  return browser.worker.evaluate(async () => {
    const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
    const rules = await api.declarativeNetRequest.getSessionRules();
    return rules.map((rule) => rule.id).filter((id) => id >= 50_000 && id < 60_000);
  });
}

async function noAllowRulesLeft(ms = 3000): Promise<number[]> {
  const deadline = Date.now() + ms;
  let left = await allowRules();
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = await allowRules();
  }
  return left;
}

/** Visible text of the page and every frame in it. */
async function allText(page: Page): Promise<string> {
  const texts = await Promise.all(
    page.frames().map((frame) => frame.evaluate(() => document.body?.innerText ?? '').catch(() => '')),
  );
  return texts.join('\n');
}

/** Waits for Record Guard's message (its closed shadow root, read through DevTools) to contain `part`. */
async function messageContaining(page: Page, part: string, ms = 5000): Promise<string> {
  const deadline = Date.now() + ms;
  let text = await noticeText(page);
  while (!text.includes(part) && Date.now() < deadline) {
    await page.waitForTimeout(100);
    text = await noticeText(page);
  }
  return text;
}

async function openRecord(page: Page, query = ''): Promise<void> {
  await page.goto(`${recordUrl(sis, 'home', STUDENT)}${query}`);
  expect(await settled(page, false)).toBe(false);
}

let browser: ExtensionBrowser;
let sis: SisServer;

beforeAll(async () => {
  [browser, sis] = await Promise.all([launchBrowser(), startDemoSis()]);
  await signIn(browser.context, sis, 'officer.diaz');
  await putRecords(browser.worker, 'students', [{ id: STUDENT, birthDate: '2011-04-17' }]);
  await clearStore(browser.worker, 'consents');
  await putRecords(browser.worker, 'consents', [exportConsent]);
});
afterAll(async () => {
  await browser?.dispose();
  await sis?.close();
});

describe('an SRO with an export consent for demographics', () => {
  it.each(IMMIGRATION_LISTS)(
    'a quick export with %s is refused as immigration-related, and no download completes',
    async (_what, list) => {
      const page = await browser.context.newPage();
      const sent: string[] = [];
      page.on('request', (request) => {
        if (request.url().includes('/export/')) sent.push(request.url());
      });
      await openRecord(page);
      await page.fill('#quickExportFields', list);
      const outcome = await downloadOutcome(page, () => page.click('#quickExportSubmit'), 2500);
      expect(outcome.completed).toBe(false);
      expect(await messageContaining(page, 'Education Code 234.7')).toContain('immigration-related fields');
      // Refused in the page: the request never left.
      expect(sent).toEqual([]);
      await page.close();
    },
  );

  it('a field list changed by the page while it is being checked is not sent', async () => {
    const page = await browser.context.newPage();
    const sent: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/export/')) sent.push(request.url());
    });
    await openRecord(page);
    await page.fill('#quickExportFields', 'LastName, FirstName');
    const outcome = await downloadOutcome(
      page,
      () =>
        page.evaluate(() => {
          const form = document.querySelector('#quickExport') as HTMLFormElement;
          const list = document.querySelector('#quickExportFields') as HTMLTextAreaElement;
          // The checked list goes to the background; the page swaps in Birth Country before the answer.
          form.requestSubmit();
          list.value = 'LastName, CA_BirthCountry';
        }),
      2500,
    );
    expect(outcome.completed).toBe(false);
    expect(await messageContaining(page, 'field list changed')).toContain('field list changed');
    expect(sent).toEqual([]);
    await page.close();
  });

  it('a field nobody can classify is refused, and its name is shown', async () => {
    const page = await browser.context.newPage();
    await openRecord(page);
    await page.fill('#quickExportFields', 'LastName, Locker Combination, FirstName');
    const outcome = await downloadOutcome(page, () => page.click('#quickExportSubmit'), 2500);
    expect(outcome.completed).toBe(false);
    const message = await messageContaining(page, 'Locker Combination');
    expect(message).toContain('does not know the export field "Locker Combination"');
    await page.close();
  });

  it('after one allowed export, the roster typed in the same tab, another export or a replay are blocked', async () => {
    const page = await browser.context.newPage();
    await openRecord(page);
    await page.fill('#quickExportFields', 'LastName, FirstName\tGrade Level');
    const allowed = await downloadOutcome(page, () => page.click('#quickExportSubmit'));
    expect(allowed.completed).toBe(true);
    expect(allowed.content).toContain('Garcia');
    expect(allowed.content).not.toContain('Mexico');
    // Used once, so gone: nothing is left open for the next request.
    expect(await noAllowRulesLeft()).toEqual([]);

    // Within the old 60-second window, in the same tab.
    const roster = await downloadOutcome(page, () =>
      page.goto(`${sis.url}/export/roster.csv`).catch(() => undefined),
    );
    expect(roster.completed).toBe(false);
    const demographics = await downloadOutcome(page, () =>
      page.goto(`${sis.url}/export/student-${STUDENT}-demographics.csv`).catch(() => undefined),
    );
    expect(demographics.completed).toBe(false);

    // The allowed request was used once: the same endpoint, replayed by the page with immigration fields, fails.
    await openRecord(page);
    const replay = await page.evaluate(async () => {
      try {
        const response = await fetch('/export/quick', {
          method: 'POST',
          body: new URLSearchParams({ fields: 'LastName, CA_BirthCountry', students: 'all' }),
        });
        return `status ${response.status}`;
      } catch {
        return 'failed';
      }
    });
    expect(replay).toBe('failed');
    await page.close();
  });

  it('an allowed link opens its own URL once; the blob export opens its own section only', async () => {
    const page = await browser.context.newPage();
    const grades = recordUrl(sis, 'grades', STUDENT);
    await page.goto(grades);
    expect(await settled(page, false)).toBe(false);
    const link = await downloadOutcome(page, () => page.click('#csvDownload'));
    expect(link.completed).toBe(true);
    expect(await noAllowRulesLeft()).toEqual([]);
    // The same URL again, typed: the one use is spent.
    const again = await downloadOutcome(page, () =>
      page.goto(`${sis.url}/export/student-${STUDENT}-grades.csv`).catch(() => undefined),
    );
    expect(again.completed).toBe(false);

    await page.goto(grades);
    expect(await settled(page, false)).toBe(false);
    const blob = await downloadOutcome(page, () => page.click('[data-export="blob"]'));
    expect(blob.completed).toBe(true);
    // The page's own script cannot use the allowed export to fetch the roster's rows.
    const roster = await page.evaluate(async () => {
      try {
        const response = await fetch('/export/rows.json?section=roster');
        return `status ${response.status}`;
      } catch {
        return 'failed';
      }
    });
    expect(roster).toBe('failed');
    await page.close();
  });

  it('an allowed export in one tab opens nothing in another', async () => {
    const first = await browser.context.newPage();
    const second = await browser.context.newPage();
    await openRecord(first);
    await openRecord(second);
    await first.fill('#quickExportFields', 'LastName');
    // The second tab races the first tab's allowed export to the same endpoint.
    const [allowed, raced] = await Promise.all([
      downloadOutcome(first, () => first.click('#quickExportSubmit')),
      second.evaluate(async () => {
        await new Promise((resolve) => setTimeout(resolve, 150));
        try {
          await fetch('/export/quick', {
            method: 'POST',
            body: new URLSearchParams({ fields: 'LastName, CA_BirthCountry', students: 'all' }),
          });
          return 'fetched';
        } catch {
          return 'failed';
        }
      }),
    ]);
    expect(allowed.completed).toBe(true);
    expect(raced).toBe('failed');
    await first.close();
    await second.close();
  });

  it('a page with immigration-related labels in other words, spellings and Spanish is redacted', async () => {
    const page = await browser.context.newPage();
    await openRecord(page, '&labels=variants');
    const deadline = Date.now() + 5000;
    let text = await allText(page);
    while (text.includes(labelVariantValue(0)) && Date.now() < deadline) {
      await page.waitForTimeout(100);
      text = await allText(page);
    }
    const shown = LABEL_VARIANTS.map((label, index) => ({
      label,
      shown: text.includes(labelVariantValue(index)),
    }));
    expect(shown.filter((row) => row.shown)).toEqual([]);
    expect(text.split(MASK).length - 1).toBeGreaterThanOrEqual(LABEL_VARIANTS.length);
    // The rest of the record is there: the page was opened, not kept covered.
    expect(text).toContain(LOCKER_ROW.value);
    await page.close();
  });
});

describe('a teacher on the same pages, in the same browser', () => {
  beforeAll(async () => {
    await signIn(browser.context, sis, 'teacher.park');
  });

  it('exports every field list, the roster and sees every label', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${recordUrl(sis, 'home', STUDENT)}&labels=variants`);
    expect(await settled(page, false)).toBe(false);
    const text = await allText(page);
    for (const [index] of LABEL_VARIANTS.entries()) expect(text).toContain(labelVariantValue(index));

    for (const [, list] of IMMIGRATION_LISTS.filter(([what]) =>
      ['an underscore', 'a tab-separated list', 'a code only an adapter declares'].includes(what),
    )) {
      await page.goto(recordUrl(sis, 'home', STUDENT));
      expect(await settled(page, false)).toBe(false);
      await page.fill('#quickExportFields', list);
      const quick = await downloadOutcome(page, () => page.click('#quickExportSubmit'));
      expect({ list, completed: quick.completed }).toEqual({ list, completed: true });
    }
    await page.goto(recordUrl(sis, 'home', STUDENT));
    await page.fill('#quickExportFields', 'LastName, Birth_Country');
    const quick = await downloadOutcome(page, () => page.click('#quickExportSubmit'));
    expect(quick.content).toContain('Mexico');

    const roster = await downloadOutcome(page, () =>
      page.goto(`${sis.url}/export/roster.csv`).catch(() => undefined),
    );
    expect(roster.completed).toBe(true);
    expect(roster.content).toContain('Mexico');
    await page.close();
  });
});
