// The records clerk's side of `npm run demo`: the hub's console in a plain Chromium (a clerk's office browser),
// the SRO's subpoena request in the queue, the approval with the notice duty recorded, and the SRO's page
// opening by itself. Screenshots in demo-output/ as 7-*.png.
import type { Page } from 'playwright-core';
import type { ExtensionBrowser } from '../tests/e2e/support/browser';
import { launchClerkBrowser, queueCard, signInToConsole } from '../tests/e2e/support/console';
import { fillSubpoena, openGateFromNotice } from '../tests/e2e/support/gate';
import { settled } from '../tests/e2e/support/guard';
import type { HubProcess } from '../tests/e2e/support/hub';
import { recordUrl } from '../tests/e2e/support/sis';
import type { SisServer } from '../tests/fixtures/sis/server';

export async function consoleDemo(options: {
  hub: HubProcess;
  sis: SisServer;
  sro: ExtensionBrowser;
  clerkToken: string;
  /** Whether the SRO's browser syncs with the hub (managed settings written). */
  synced: boolean;
  shot(page: Page, name: string, caption: string): Promise<void>;
}): Promise<void> {
  const { hub, sis, sro, shot } = options;
  const clerkBrowser = await launchClerkBrowser();
  try {
    const clerk = await clerkBrowser.newPage({ viewport: { width: 1280, height: 900 } });
    await signInToConsole(clerk, hub.url, options.clerkToken);
    await shot(
      clerk,
      '7a-console-signed-in',
      'The records console at the hub: signed in with a session, not the token',
    );
    if (!options.synced) {
      console.log('  (the SRO browser does not sync here, so no request reaches the queue)');
      return;
    }
    const record = await sro.context.newPage();
    await record.goto(recordUrl(sis, 'discipline', '100007'));
    await settled(record, true);
    const gate = await openGateFromNotice(sro, record);
    await fillSubpoena(gate);
    await gate.fill(
      '#justification',
      'Subpoena duces tecum served on the district for the discipline records of student 100007 in case JV-2026-0456.',
    );
    await gate.click('button[type=submit]');
    await gate.locator('.result').waitFor();
    await gate.close();
    let card = queueCard(clerk, '100007');
    for (let round = 0; round < 30 && (await card.count()) === 0; round += 1) {
      await clerk.goto(`${hub.url}/console/#/queue`);
      await clerk.reload();
      await clerk.waitForTimeout(500);
      card = queueCard(clerk, '100007');
    }
    await shot(
      clerk,
      '7b-console-queue',
      "The clerk's queue: the SRO's subpoena request with its evidence and time waited",
    );
    await card.getByLabel('Approve').check();
    await card.getByLabel('Access for (minutes)').fill('30');
    await card.getByLabel('Note for the record').fill('Subpoena verified with the court clerk.');
    await card.getByLabel('A reasonable effort to notify was made').check();
    await card
      .getByLabel('Date of the effort')
      .fill(new Date(Date.now() - 86_400_000).toISOString().slice(0, 10));
    await card.getByLabel('By whom').fill('L. Nguyen, Records');
    await shot(
      clerk,
      '7c-console-approval',
      'The approval: 30 minutes, with the notice to the parent recorded (EC 49077)',
    );
    const clicked = Date.now();
    await card.getByRole('button', { name: 'Record the decision' }).click();
    const open = !(await settled(record, false, 10_000));
    console.log(
      `  The SRO's page ${open ? `opened by itself ${Date.now() - clicked} ms after the click` : 'did not open'}`,
    );
    await shot(record, '7d-sro-page-opened', "The SRO's covered page opened by itself after the approval");
    await record.close();
  } finally {
    await clerkBrowser.close();
  }
}
