// `npm run demo`: builds the extension, starts the demo SIS, opens Chromium with Record Guard loaded and walks
// through what teachers and SROs see. Headless (screenshots in demo-output/) when there is no display; with a
// display the browser stays open for you to try the SIS yourself until Ctrl+C.
import { execFileSync } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { startSis } from '../tests/fixtures/sis/server';
import { launchBrowser } from '../tests/e2e/support/browser';
import { putRecords } from '../tests/e2e/support/extension-db';
import { settled } from '../tests/e2e/support/guard';
import { recordUrl, signIn } from '../tests/e2e/support/sis';

const OUT = resolve('demo-output');
const headless = !process.env.DISPLAY;

async function shot(page: Page, name: string, caption: string): Promise<void> {
  const path = `${OUT}/${name}.png`;
  await page.screenshot({ path, fullPage: true });
  console.log(`  ${caption}\n    ${path}`);
}

async function main(): Promise<void> {
  console.log('Building the extension…');
  execFileSync('npx', ['wxt', 'build'], { stdio: 'ignore' });
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });

  const sis = await startSis({ port: Number(process.env.SIS_PORT ?? 0), reportDelayMs: 800 });
  console.log(
    `Demo SIS: ${sis.url} (users officer.diaz, teacher.park, clerk.nguyen, admin.lee; password demo)`,
  );
  const browser = await launchBrowser({ userDataDir: `${OUT}/profile`, headless });
  const page = await browser.context.newPage();
  console.log(`Chromium with Record Guard is ${headless ? 'running headless' : 'open'}. Screenshots:`);

  await page.goto(browser.extensionUrl('popup.html'));
  await shot(page, '0-policy-in-force', 'The policy this browser enforces (extension popup)');

  const record = recordUrl(sis, 'home', '100000');
  await signIn(browser.context, sis, 'teacher.park');
  await page.goto(record);
  await settled(page, false);
  await shot(
    page,
    '1-teacher-sees-record',
    'A teacher opens a student record: nothing changes, nothing is logged',
  );

  await signIn(browser.context, sis, 'officer.diaz');
  await page.goto(record);
  await settled(page, true);
  await shot(
    page,
    '2-sro-without-consent',
    'An SRO opens the same record without consent: it stays hidden, with the reason',
  );

  // A parent's written consent, as the records clerk records it (the hub sync delivers it to SRO browsers).
  await putRecords(browser.worker, 'students', [{ id: '100000', birthDate: '2011-04-17' }]);
  await putRecords(browser.worker, 'consents', [
    {
      id: 'demo-consent-1',
      studentId: '100000',
      signer: { name: 'Rosa Garcia', relation: 'parent' },
      categories: ['demographics', 'health'],
      actions: ['view', 'export'],
      purpose: 'Mentoring program check-ins',
      recipient: { kind: 'agency', agency: 'Newman Police Department' },
      signedOn: '2026-09-01',
      expiresOn: '2027-06-30',
      documentRef: 'DMS-2026-0412',
    },
  ]);
  await page.goto(record);
  await settled(page, false);
  await shot(
    page,
    '3-sro-with-consent',
    'With a parent consent on file: the record opens, immigration fields hidden (EC 234.7)',
  );

  await page.fill('#quickExportFields', 'LastName, FirstName, CA_BirthCountry');
  await page.click('#quickExportSubmit');
  await page.waitForTimeout(600);
  await shot(
    page,
    '4-sro-export-blocked',
    'A quick export that includes Birth Country is stopped, even with consent',
  );

  await page.goto(recordUrl(sis, 'grades', '100000'));
  await settled(page, true);
  await shot(page, '5-sro-grades-not-covered', 'Grades are not in the consent: covered again');

  if (headless) {
    await browser.close();
    await sis.close();
    console.log('Done.');
    return;
  }
  console.log('The browser stays open: try the SIS as any user. Ctrl+C to stop.');
  await new Promise<void>((done) => process.once('SIGINT', () => done()));
  await browser.close();
  await sis.close();
}

await main();
