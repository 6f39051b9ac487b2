// The bundled PowerSchool adapter in `npm run demo`: a second SRO browser resolves district.powerschool.com to the
// demo SIS (which serves PowerSchool's "Welcome, <display name>" header under that name), so the vendor adapter —
// not the demo one — guards it with its network section. Screenshots in demo-output/ as 5c-*.png and 5d-*.png.
import type { Page } from 'playwright-core';
import { launchBrowser } from '../tests/e2e/support/browser';
import { settled } from '../tests/e2e/support/guard';
import type { SisServer } from '../tests/fixtures/sis/server';

const HOST = 'district.powerschool.com';

export async function powerSchoolDemo(options: {
  sis: SisServer;
  headless: boolean;
  outDir: string;
  shot(page: Page, name: string, caption: string): Promise<void>;
}): Promise<void> {
  const { sis, shot } = options;
  const origin = sis.url.replace('127.0.0.1', HOST);
  const browser = await launchBrowser({
    userDataDir: `${options.outDir}/profile-powerschool`,
    headless: options.headless,
    mapHostsToLocal: [HOST],
  });
  try {
    const page = await browser.context.newPage();
    await page.goto(`${origin}/login?as=officer.diaz&next=/admin/home.html`);
    await page.waitForURL(`${origin}/admin/home.html`);
    await settled(page, false);
    await shot(
      page,
      '5c-powerschool-start-page',
      `Under ${HOST} the bundled PowerSchool adapter reads "Welcome, Officer M. Diaz" and knows the SRO by the roster's display name`,
    );
    await page.goto(`${origin}/admin/students/contacts.html?frn=001100001`);
    await page.waitForSelector('main.gate h1', { timeout: 10_000 }).catch(() => undefined);
    await shot(
      page,
      '5d-powerschool-record-at-gate',
      'A PowerSchool student page (frn=001100001) the SRO has no basis for: stopped at the network, the gate instead',
    );
  } finally {
    await browser.close();
  }
}
