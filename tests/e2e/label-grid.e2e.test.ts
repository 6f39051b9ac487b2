// Field labels over values in the row below (issue #15, deliver 1), in real Chromium with the built extension:
// the demo SIS's demographics page with `labels=grid` adds a row of `th` labels over a row of values and rows of
// `td` labels over rows of values (the demo adapter's `labelCells` rule for `table.labelGrid`), with colspan in
// both. An SRO with a consent for demographics sees the page with exactly the immigration-related value cells
// masked; a teacher sees every value. A grid whose value row has no cell under a sensitive label stays covered
// for the SRO (fail closed) and is shown to the teacher.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { SisServer } from '../fixtures/sis/server';
import { launchBrowser, type ExtensionBrowser } from './support/browser';
import { clearStore, putRecords } from './support/extension-db';
import { isCovered, noticeText, settled } from './support/guard';
import { recordUrl, signIn, startDemoSis } from './support/sis';
import { parentConsent } from './support/records';

const STUDENT = '100000';
const MASK = '[hidden: Ed. Code 234.7]';

const viewConsent = parentConsent('consent-view-demographics-grid', STUDENT);

/** Cells of the grids the tests look at, by id: their text as the page shows it now. */
const GRID_CELLS = [
  'gridBirthPlaceLabel',
  'gridBirthPlace',
  'gridHomeLanguage',
  'gridEnteredLabel',
  'gridEnteredUsSchool',
  'gridLocker',
  'gridBirthCountryLabel',
  'gridBirthCountryCode',
  'gridBirthCountry',
  'gridPrimaryLanguage',
] as const;
type GridCell = (typeof GRID_CELLS)[number];

async function gridTexts(page: Page): Promise<Record<GridCell, string>> {
  return page.evaluate(
    (ids) =>
      Object.fromEntries(
        ids.map((id) => [id, document.getElementById(id)?.textContent?.trim() ?? '(missing)']),
      ) as Record<string, string>,
    [...GRID_CELLS],
  ) as Promise<Record<GridCell, string>>;
}

/** The student's values as the teacher sees them (the demo data: Mexico, Guadalajara, 2019-08-14, English at home). */
const PLAIN: Record<GridCell, string> = {
  gridBirthPlaceLabel: 'Birth Place',
  gridBirthPlace: 'Guadalajara, Jalisco',
  gridHomeLanguage: 'English',
  gridEnteredLabel: 'Date Entered US School',
  gridEnteredUsSchool: '2019-08-14',
  gridLocker: '417',
  gridBirthCountryLabel: 'Birth Country',
  gridBirthCountryCode: 'ME',
  gridBirthCountry: 'Mexico',
  gridPrimaryLanguage: 'English',
};

let browser: ExtensionBrowser;
let sis: SisServer;

beforeAll(async () => {
  [browser, sis] = await Promise.all([launchBrowser(), startDemoSis()]);
});
afterAll(async () => {
  await browser?.dispose();
  await sis?.close();
});

describe('an SRO with a consent for demographics', () => {
  beforeAll(async () => {
    await signIn(browser.context, sis, 'officer.diaz');
    await putRecords(browser.worker, 'students', [{ id: STUDENT, birthDate: '2011-04-17' }]);
    await clearStore(browser.worker, 'consents');
    await putRecords(browser.worker, 'consents', [viewConsent]);
  });

  it('sees the grids with exactly the values under immigration-related labels masked', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${recordUrl(sis, 'home', STUDENT)}&labels=grid`);
    expect(await settled(page, false)).toBe(false);
    const deadline = Date.now() + 5000;
    let texts = await gridTexts(page);
    while (texts.gridEnteredUsSchool !== MASK && Date.now() < deadline) {
      await page.waitForTimeout(100);
      texts = await gridTexts(page);
    }
    expect(texts).toEqual({
      ...PLAIN,
      // th label row over a value row (Birth Place), td label rows over value rows (Date Entered US School,
      // under a value row whose first cell spans two columns; Birth Country spanning two value cells).
      gridBirthPlace: MASK,
      gridEnteredUsSchool: MASK,
      gridBirthCountryCode: MASK,
      gridBirthCountry: MASK,
    });
    expect(await isCovered(page)).toBe(false);
    await page.close();
  });

  it('a grid with no cell under a sensitive label stays covered', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${recordUrl(sis, 'home', STUDENT)}&labels=grid-short`);
    expect(await settled(page, true)).toBe(true);
    // Give the guard every chance to (wrongly) open it.
    await page.waitForTimeout(1500);
    expect(await isCovered(page)).toBe(true);
    expect(await noticeText(page)).not.toBe('');
    await page.close();
  });
});

describe('a teacher in the same browser', () => {
  beforeAll(async () => {
    await signIn(browser.context, sis, 'teacher.park');
  });

  it.each(['grid', 'grid-short'])('sees every value of the labels=%s grids', async (shape) => {
    const page = await browser.context.newPage();
    await page.goto(`${recordUrl(sis, 'home', STUDENT)}&labels=${shape}`);
    // The default wait: how fast the cover lifts is measured in `npm run bench`, not here (a 3 s limit failed once
    // in the full suite on the loaded 2-core machine, and passes alone).
    expect(await settled(page, false)).toBe(false);
    expect(await page.locator('[data-record-guard-redacted]').count()).toBe(0);
    const texts = await gridTexts(page);
    expect(texts).toEqual(
      shape === 'grid' ? PLAIN : { ...PLAIN, gridEnteredUsSchool: '(missing)', gridLocker: '(missing)' },
    );
    await page.close();
  });
});
