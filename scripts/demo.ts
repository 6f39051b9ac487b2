// `npm run demo`: builds the extension, starts the demo SIS and the district hub, opens Chromium with Record
// Guard loaded and walks through what teachers, SROs and records clerks see. Headless (screenshots in
// demo-output/) when there is no display; with a display the browser stays open until Ctrl+C.
import { execFileSync } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { startSis } from '../tests/fixtures/sis/server';
import { launchBrowser } from '../tests/e2e/support/browser';
import { putRecords } from '../tests/e2e/support/extension-db';
import { settled } from '../tests/e2e/support/guard';
import { hubJson, prepareHub, startHub } from '../tests/e2e/support/hub';
import { clearManagedSettings, setManagedSettings } from '../tests/e2e/support/managed';
import { recordUrl, signIn } from '../tests/e2e/support/sis';
import { adminDemo } from './demo-admin';
import { consoleDemo } from './demo-console';
import { powerSchoolDemo } from './demo-powerschool';

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

  console.log('Starting the district hub on its embedded database…');
  const { dataDir, tokens } = await prepareHub([
    { user: 'officer.diaz', role: 'sro' },
    { user: 'clerk.nguyen', role: 'clerk' },
    { user: 'admin.lee', role: 'admin' },
  ]);
  const hub = await startHub(dataDir);
  console.log(`District hub: ${hub.url} (data in ${dataDir}). Demo tokens (secrets in a real district):`);
  for (const [user, token] of Object.entries(tokens)) console.log(`  ${user}: ${token}`);
  // The hub URL and the SRO's token reach the extension as enterprise policy, as in a district. Writing
  // Chromium's policy directory needs root; without it the demo stores the consent as the sync would.
  const managed = process.getuid?.() === 0;
  if (managed) await setManagedSettings({ hubUrl: hub.url, hubToken: tokens['officer.diaz'] as string });
  else
    console.log(
      '  (not root: Chromium policy cannot be written, so this browser will not sync with the hub)',
    );

  const browser = await launchBrowser({ userDataDir: `${OUT}/profile`, headless });
  const page = await browser.context.newPage();
  const shutdown = async (): Promise<void> => {
    await browser.close();
    await sis.close();
    await hub.stop();
    if (managed) await clearManagedSettings();
  };
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
  await page.goto(`${record}&header=welcome`);
  await settled(page, false);
  await shot(
    page,
    '1b-teacher-by-display-name',
    'A header showing only "Welcome, J. Park" (as PowerSchool\'s does): the roster\'s display names say it is the teacher',
  );

  await signIn(browser.context, sis, 'officer.diaz');
  await page.goto(record);
  await settled(page, true);
  await shot(
    page,
    '2-sro-without-consent',
    'An SRO opens the same record without consent: it stays hidden, with the reason',
  );

  // The records clerk records a parent's written consent at the hub; the SRO's browser picks it up on its next sync.
  const consent = {
    studentId: '100000',
    signer: { name: 'Rosa Garcia', relation: 'parent' },
    categories: ['demographics', 'health'],
    actions: ['view', 'export'],
    purpose: 'Mentoring program check-ins',
    recipient: { kind: 'agency', agency: 'Newman Police Department' },
    signedOn: '2026-09-01',
    expiresOn: '2027-06-30',
    documentRef: 'DMS-2026-0412',
    studentBirthDate: '2011-04-17',
  };
  const created = await hubJson(hub, tokens['clerk.nguyen'] as string, '/v1/consents', {
    method: 'POST',
    body: consent,
  });
  console.log(
    `  The clerk records a parent's consent at the hub (HTTP ${created.status}); the SRO's browser syncs within a minute…`,
  );
  if (!managed) {
    await putRecords(browser.worker, 'students', [{ id: '100000', birthDate: '2011-04-17' }]);
    await putRecords(browser.worker, 'consents', [{ id: 'demo-consent-1', ...consent }]);
  }
  await page.goto(record);
  await settled(page, false, 70_000);
  await shot(
    page,
    '3-sro-with-consent',
    'With the consent synced: the record opens, immigration fields hidden (EC 234.7)',
  );

  // Labels over values in the row below (a PowerSchool/Aeries-style grid): only the value cells are hidden.
  await page.goto(`${record}&labels=grid`);
  await settled(page, false);
  await page
    .waitForFunction(() =>
      document.querySelector('#gridEnteredUsSchool')?.hasAttribute('data-record-guard-redacted'),
    )
    .catch(() => undefined);
  await page.locator('#stateGrid').scrollIntoViewIfNeeded();
  await shot(
    page,
    '3b-sro-grid-values-hidden',
    'A grid of labels over values: only the values under immigration labels are hidden',
  );
  await page.goto(record);
  await settled(page, false);

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
  await shot(
    page,
    '5-sro-grades-not-covered',
    'Grades are not in the consent: the page never loads, the gate shows why and the ways forward',
  );

  // Typed data URLs and the roster are stopped at the network: their bytes never reach the browser.
  await page.goto(`${sis.url}/ws/v1/student/100000?expansions=demographics,health`).catch(() => undefined);
  await page.waitForSelector('main.gate h1', { timeout: 5000 }).catch(() => undefined);
  await shot(
    page,
    '5b-sro-data-url-blocked',
    'A typed PowerSchool-style data URL is stopped before any of it arrives (network-first)',
  );

  await powerSchoolDemo({ sis, headless, outDir: OUT, shot });

  await consoleDemo({
    hub,
    sis,
    sro: browser,
    clerkToken: tokens['clerk.nguyen'] as string,
    synced: managed,
    shot,
  });

  await page.goto(browser.extensionUrl('options.html'));
  await page.waitForTimeout(1500);
  await shot(page, '6-options-log', 'Options page: the local log, waiting events, verification and export');

  await adminDemo({ hub, sro: browser, tokens, managed, headless, outDir: OUT, shot });

  const devices = await hubJson(hub, tokens['admin.lee'] as string, '/v1/devices');
  console.log(`  Events the hub has received from this browser so far: ${JSON.stringify(devices.body)}`);

  if (headless) {
    await shutdown();
    console.log('Done.');
    return;
  }
  console.log('The browser stays open: try the SIS as any user. Ctrl+C to stop.');
  await new Promise<void>((done) => process.once('SIGINT', () => done()));
  await shutdown();
}

await main();
