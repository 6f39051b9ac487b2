// Two browsers against one real hub: an SRO with the extension on the demo SIS, a records clerk in the hub's
// console (a plain Chromium). The SRO files a subpoena request; the clerk sees it in the queue; approving
// without the notice record is refused; with it recorded, the SRO's covered page opens by itself within 5 s;
// a denial leaves the page covered with the clerk's reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { SisServer } from '../fixtures/sis/server';
import { launchBrowser, seriousAxeViolations, type ExtensionBrowser } from './support/browser';
import { ensureConsoleBuilt, launchClerkBrowser, queueCard, signInToConsole } from './support/console';
import { fillSubpoena, openGateFromNotice } from './support/gate';
import { noticeSaying, settled } from './support/guard';
import { hubJson, prepareHub, removeHubData, startHub, type HubProcess } from './support/hub';
import { clearManagedSettings, setManagedSettings } from './support/managed';
import { recordUrl, signIn, startDemoSis } from './support/sis';

const OPEN_WITHIN_MS = 5000;

describe('the records console with an SRO browser', () => {
  let sis: SisServer;
  let hub: HubProcess;
  let sro: ExtensionBrowser;
  let clerkBrowser: Browser;
  let clerk: Page;
  let tokens: Record<string, string>;
  let dataDir: string;
  beforeAll(async () => {
    ensureConsoleBuilt();
    ({ dataDir, tokens } = await prepareHub([
      { user: 'officer.diaz', role: 'sro' },
      { user: 'clerk.nguyen', role: 'clerk' },
    ]));
    [hub, sis] = await Promise.all([startHub(dataDir), startDemoSis()]);
    await setManagedSettings({ hubUrl: hub.url, hubToken: tokens['officer.diaz'] as string });
    [sro, clerkBrowser] = await Promise.all([launchBrowser(), launchClerkBrowser()]);
    await signIn(sro.context, sis, 'officer.diaz');
    clerk = await clerkBrowser.newPage({ viewport: { width: 1280, height: 900 } });
    await signInToConsole(clerk, hub.url, tokens['clerk.nguyen'] as string);
  }, 120_000);
  afterAll(async () => {
    await clearManagedSettings();
    await sro?.dispose();
    await clerkBrowser?.close();
    await hub?.stop();
    await sis?.close();
    if (dataDir) await removeHubData(dataDir);
  });

  /** Files a subpoena request from the record's covered page; the record's tab stays open. */
  async function fileSubpoena(section: string, studentId: string): Promise<Page> {
    const page = await sro.context.newPage();
    await page.goto(recordUrl(sis, section, studentId));
    expect(await settled(page, true)).toBe(true);
    const gate = await openGateFromNotice(sro, page);
    await fillSubpoena(gate);
    // A justification of its own: the same words for another student within 30 minutes are refused as reused.
    await gate.fill(
      '#justification',
      `Subpoena duces tecum served on the district for the ${section} records of student ${studentId} in case JV-2026-0456.`,
    );
    await gate.click('button[type=submit]');
    await gate.locator('.result').waitFor();
    await gate.close();
    return page;
  }

  /** Reloads the queue until the student's request is in it (the SRO's browser pushes it right after filing). */
  async function cardFor(studentId: string) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      await clerk.goto(`${hub.url}/console/#/queue`);
      await clerk.reload();
      const card = queueCard(clerk, studentId);
      if ((await card.count()) > 0) return card;
      if (Date.now() > deadline) throw new Error(`no request for ${studentId} reached the queue`);
      await clerk.waitForTimeout(500);
    }
  }

  it('subpoena: refused without the notice record; approved with it, the covered page opens within 5 s', async () => {
    const page = await fileSubpoena('discipline', '100000');
    const card = await cardFor('100000');
    await expect(card.textContent()).resolves.toContain('Subpoena duces tecum');
    await expect(card.textContent()).resolves.toContain('JV-2026-0456');
    await expect(card.textContent()).resolves.toContain('officer.diaz');
    await expect(card.textContent()).resolves.toMatch(/Waiting for \d+ min/);
    expect(await seriousAxeViolations(clerk)).toEqual([]);

    await card.getByLabel('Approve').check();
    await card.getByLabel('Access for (minutes)').fill('30');
    await card.getByLabel('Note for the record').fill('Subpoena verified with the court clerk.');
    await card.getByRole('button', { name: 'Record the decision' }).click();
    await card.locator('.field-error', { hasText: 'reasonable effort to notify' }).waitFor({ timeout: 5000 });
    const still = await hubJson(hub, tokens['clerk.nguyen'] as string, '/v1/requests?status=pending');
    expect(JSON.stringify(still.body)).toContain('"studentId":"100000"');
    expect(await settled(page, true, 500)).toBe(true);

    await card.getByLabel('A reasonable effort to notify was made').check();
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    await card.getByLabel('Date of the effort').fill(yesterday);
    await card.getByLabel('Method').selectOption('mail');
    await card.getByLabel('By whom').fill('L. Nguyen, Records');
    const clicked = Date.now();
    await card.getByRole('button', { name: 'Record the decision' }).click();
    expect(await settled(page, false, OPEN_WITHIN_MS)).toBe(false);
    const openedMs = Date.now() - clicked;
    expect(openedMs).toBeLessThan(OPEN_WITHIN_MS);
    await clerk.locator('.success', { hasText: 'Approved until' }).waitFor({ timeout: 5000 });

    // The notice is stored with the approval and in the audit log.
    const approved = await hubJson(hub, tokens['clerk.nguyen'] as string, '/v1/requests?status=approved');
    const entry = (
      approved.body as { requests: { request: { studentId: string }; notice: unknown }[] }
    ).requests.find((candidate) => candidate.request.studentId === '100000');
    expect(entry?.notice).toMatchObject({
      kind: 'notified',
      by: 'L. Nguyen, Records',
      notifiedOn: yesterday,
    });
    await page.close();
  }, 180_000);

  it('a denial leaves the record covered with the clerk’s reason, on the page and in the popup', async () => {
    const page = await fileSubpoena('attendance', '100007');
    const card = await cardFor('100007');
    await card.getByLabel('Deny').check();
    await card.getByLabel('Reason the officer will see').fill('The subpoena names a different student.');
    await card.getByRole('button', { name: 'Record the decision' }).click();
    await clerk.locator('.success', { hasText: 'Denied' }).waitFor({ timeout: 5000 });
    const notice = await noticeSaying(page, 'The subpoena names a different student.', 10_000);
    expect(notice).toContain('The subpoena names a different student.');
    expect(await settled(page, true, 500)).toBe(true);
    const popup = await sro.context.newPage();
    await popup.goto(sro.extensionUrl('popup.html'));
    await popup
      .locator('.requests li', { hasText: 'The subpoena names a different student.' })
      .waitFor({ timeout: 10_000 });
    await popup.close();
    await page.close();
  }, 180_000);
});
