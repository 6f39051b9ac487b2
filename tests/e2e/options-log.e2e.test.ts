// The admin's page: the local log verifies, a tampered entry is named, and the log exports as JSON and CSV.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SisServer } from '../fixtures/sis/server';
import { launchBrowser, seriousAxeViolations, type ExtensionBrowser } from './support/browser';
import { downloadOutcome, settled } from './support/guard';
import { recordUrl, signIn, startDemoSis } from './support/sis';

describe('the options page and the local log', () => {
  let browser: ExtensionBrowser;
  let sis: SisServer;
  beforeAll(async () => {
    [browser, sis] = await Promise.all([launchBrowser(), startDemoSis()]);
    await signIn(browser.context, sis, 'officer.diaz');
    const page = await browser.context.newPage();
    for (const section of ['home', 'grades', 'health']) {
      await page.goto(recordUrl(sis, section, '100000'));
      await settled(page, true);
    }
    await page.close();
  });
  afterAll(async () => {
    await browser?.dispose();
    await sis?.close();
  });

  it('shows the log, verifies it and exports it', async () => {
    const page = await browser.context.newPage();
    await page.goto(browser.extensionUrl('options.html'));
    await page.locator('#event-count').waitFor();
    expect(Number(await page.locator('#event-count').innerText())).toBeGreaterThanOrEqual(3);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Verify the log' }).click();
    await expect
      .poll(() => page.locator('#verify-result').innerText())
      .toMatch(/The log verifies: \d+ events/);

    const csv = await downloadOutcome(page, () =>
      page.getByRole('button', { name: 'Export the log (CSV)' }).click(),
    );
    expect(csv.completed).toBe(true);
    expect(csv.content).toMatch(/^\uFEFF?id,seq,time,type/);
    expect(csv.content).toContain('officer.diaz');
    const json = await downloadOutcome(page, () =>
      page.getByRole('button', { name: 'Export the log (JSON)' }).click(),
    );
    expect(json.completed).toBe(true);
    expect(JSON.parse(json.content ?? '{}').events.length).toBeGreaterThanOrEqual(3);
    await page.close();
  });

  it('names the first broken entry when a stored event is changed', async () => {
    const changedSeq = await browser.worker.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open('record-guard');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const seq = await new Promise<number>((resolve, reject) => {
        const tx = db.transaction('events', 'readwrite');
        const store = tx.objectStore('events');
        const cursorRequest = store.index('seq').openCursor();
        cursorRequest.onsuccess = () => {
          const cursor = cursorRequest.result;
          if (!cursor) return;
          const event = cursor.value as { seq: number; outcome?: string; type: string };
          if (event.seq >= 2 && event.type === 'decision') {
            // Someone turns a refusal into an allowed access after the fact.
            cursor.update({ ...event, outcome: 'allow' });
            resolve(event.seq);
            return;
          }
          cursor.continue();
        };
        tx.onerror = () => reject(tx.error);
      });
      db.close();
      return seq;
    });
    const page = await browser.context.newPage();
    await page.goto(browser.extensionUrl('options.html'));
    await page.getByRole('button', { name: 'Verify the log' }).click();
    await expect
      .poll(() => page.locator('#verify-result').innerText())
      .toContain(`the first broken entry is #${changedSeq} (hash)`);
    await page.close();
  });

  it('says the background did not answer instead of "working" for ever, and the late answer replaces it', async () => {
    // Keep the service worker busy for 6 s: longer than a page waits for an answer (4 s).
    void browser.worker
      .evaluate(() => {
        const end = Date.now() + 6000;
        while (Date.now() < end);
      })
      .catch(() => undefined);
    const page = await browser.context.newPage();
    void page.goto(browser.extensionUrl('options.html')).catch(() => undefined);
    const alert = page.locator('#status-unavailable');
    await alert.waitFor({ timeout: 8000 });
    await expect(alert.innerText()).resolves.toContain('did not answer');
    await expect(page.locator('#hardening-unavailable').innerText()).resolves.toContain('did not answer');
    expect(await seriousAxeViolations(page)).toEqual([]);
    // Once the worker is free, the answer that was on its way replaces the failure by itself.
    await page.locator('#event-count').waitFor({ timeout: 10_000 });
    await page.locator('#hardening-state').waitFor({ timeout: 10_000 });
    expect(await page.locator('#status-unavailable').count()).toBe(0);
    expect(await page.locator('#hardening-unavailable').count()).toBe(0);
    await page.close();
  });
});
