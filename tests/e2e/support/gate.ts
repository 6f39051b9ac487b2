import type { Page } from 'playwright-core';
import type { ExtensionBrowser } from './browser';
import { onBlockedGate } from './guard';

/** Opens the gate from the covered page's notice, with the keyboard as a person would. */
export async function openGateFromNotice(browser: ExtensionBrowser, page: Page): Promise<Page> {
  if (onBlockedGate(page)) {
    // The network rules already took this navigation to the gate: the same gate opens in a tab of its own, so
    // that the test can go on with the record's tab as it would after a covered page.
    const gate = await browser.context.newPage();
    await gate.goto(page.url());
    await gate.waitForSelector('form');
    return gate;
  }
  // Up to three tries: on a loaded machine the notice's button may not have taken focus yet when Enter is
  // pressed (one CI run waited 30 s for a gate tab that was never asked for).
  for (let attempt = 1; ; attempt += 1) {
    const opened = browser.context.waitForEvent('page', { timeout: 10_000 });
    await page.bringToFront();
    // Tab until the focus is inside the notice (its closed shadow root shows as the host being active).
    for (let presses = 0; presses < 6; presses += 1) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(() => document.activeElement?.tagName === 'RECORD-GUARD-NOTICE')) break;
    }
    await page.keyboard.press('Enter');
    const gate = await opened.catch((error: unknown) => {
      if (attempt >= 3) throw error;
      return undefined;
    });
    if (!gate) continue;
    await gate.waitForSelector('form');
    return gate;
  }
}

export async function fillEmergency(gate: Page, justification: string): Promise<void> {
  await gate.check('#basis-health-safety-emergency');
  await gate.fill(
    '#evidence-threat',
    'A student reported that a classmate brought a knife to campus this morning',
  );
  await gate.fill('#evidence-incident-number', 'NPD-2026-1142');
  await gate.fill('#justification', justification);
  await gate.check('#attestation');
}

export async function fillSubpoena(gate: Page): Promise<void> {
  await gate.check('#basis-judicial-order');
  await gate.fill('#evidence-case-number', 'JV-2026-0456');
  await gate.fill('#evidence-issuing-court', 'Stanislaus County Superior Court, Juvenile Division');
  await gate.fill('#evidence-order-date', '2026-11-20');
  await gate.fill(
    '#justification',
    'Subpoena duces tecum served on the district for discipline records of this student in case JV-2026-0456.',
  );
  await gate.check('#attestation');
}
