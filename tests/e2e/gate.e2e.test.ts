// The SRO's way forward: the gate takes a legal basis, its evidence and a justification; an emergency opens
// the record at once for a short time, a subpoena files a request and the record stays covered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPolicyDirectory } from '../../src/policy/files';
import type { SisServer } from '../fixtures/sis/server';
import { launchBrowser, seriousAxeViolations, type ExtensionBrowser } from './support/browser';
import { clearStore, putRecords } from './support/extension-db';
import { downloadOutcome, noticeText, settled } from './support/guard';
import { fillEmergency, fillSubpoena, openGateFromNotice } from './support/gate';
import { recordUrl, signIn, startDemoSis } from './support/sis';

const HTML_IN_TEXT = `<img src=x onerror="document.title='owned'">`;
const GOOD =
  'A student told the front office that a classmate has a knife in his backpack; I need his schedule to find him now.';

describe('the gate', () => {
  let browser: ExtensionBrowser;
  let sis: SisServer;
  beforeAll(async () => {
    [browser, sis] = await Promise.all([launchBrowser(), startDemoSis()]);
    await signIn(browser.context, sis, 'officer.diaz');
    await putRecords(browser.worker, 'students', [{ id: '100000', birthDate: '2011-04-17' }]);
  });
  afterAll(async () => {
    await browser?.dispose();
    await sis?.close();
  });

  it('refuses a junk justification with a message, then opens the record on a real emergency', async () => {
    const page = await browser.context.newPage();
    await page.goto(recordUrl(sis, 'grades', '100000'));
    expect(await settled(page, true)).toBe(true);
    expect(await noticeText(page)).toContain('State a legal basis');
    const gate = await openGateFromNotice(browser, page);
    expect(await gate.locator('main').innerText()).toContain('You asked to view Grades of student 100000');
    expect(await seriousAxeViolations(gate)).toEqual([]);

    await fillEmergency(gate, 'asdf asdf asdf asdf asdf asdf asdf asdf asdf asdf');
    await gate.click('button[type=submit]');
    const problems = gate.locator('.problems');
    await problems.waitFor();
    expect(await problems.innerText()).toMatch(/keyboard/i);
    expect(await settled(page, true)).toBe(true);

    // Markup typed into the form is text, never markup.
    await gate.fill('#justification', `${HTML_IN_TEXT} ${GOOD}`);
    await gate.click('button[type=submit]');
    await gate.locator('.result').waitFor();
    expect(await gate.locator('.result').innerText()).toMatch(/Access granted until .*review/s);
    expect(await gate.title()).toBe('Record Guard');
    expect(await seriousAxeViolations(gate)).toEqual([]);
    await gate.close();

    expect(await settled(page, false)).toBe(false);
    expect(await page.locator('body').innerText()).toContain('Grades');

    const popup = await browser.context.newPage();
    await popup.goto(browser.extensionUrl('popup.html'));
    await popup.locator('ul.grants li').waitFor();
    const grants = await popup.locator('ul.grants').innerText();
    expect(grants).toContain('Student 100000');
    expect(grants).toMatch(/(29|30) min left/);
    await popup.close();
    await page.close();
  });

  it('a subpoena files a request and the record stays covered until a clerk approves', async () => {
    const page = await browser.context.newPage();
    await page.goto(recordUrl(sis, 'discipline', '100000'));
    expect(await settled(page, true)).toBe(true);
    const gate = await openGateFromNotice(browser, page);
    await fillSubpoena(gate);
    expect(await gate.locator('button[type=submit]').innerText()).toContain('Send the request');
    await gate.click('button[type=submit]');
    await gate.locator('.result').waitFor();
    expect(await gate.locator('.result').innerText()).toContain('Request sent');
    await gate.close();

    await page.reload();
    expect(await settled(page, true)).toBe(true);
    expect(await noticeText(page)).toContain('is with a records clerk');
    const popup = await browser.context.newPage();
    await popup.goto(browser.extensionUrl('popup.html'));
    await popup.locator('ul.requests li').waitFor();
    expect(await popup.locator('ul.requests').innerText()).toContain('waiting for a records clerk');
    await popup.close();
    await page.close();
  });

  it('a stopped export offers the same way forward, and the emergency grant then lets the export through', async () => {
    await clearStore(browser.worker, 'grants');
    const page = await browser.context.newPage();
    await putRecords(browser.worker, 'consents', [
      {
        id: 'view-attendance',
        studentId: '100000',
        signer: { name: 'Rosa Garcia', relation: 'parent' },
        categories: ['attendance'],
        actions: ['view'],
        purpose: 'Attendance mentoring',
        recipient: { kind: 'sro', username: 'officer.diaz' },
        signedOn: '2026-09-01',
        documentRef: 'DMS-2026-0413',
      },
    ]);
    await page.goto(recordUrl(sis, 'attendance', '100000'));
    expect(await settled(page, false)).toBe(false);
    const stopped = await downloadOutcome(page, () => page.click('#csvDownload'));
    expect(stopped.completed).toBe(false);
    // The stop message carries the button and takes the focus: Enter opens the gate.
    const opened = browser.context.waitForEvent('page');
    await page.keyboard.press('Enter');
    const gate = await opened;
    await gate.waitForSelector('form');
    expect(await gate.locator('main').innerText()).toContain(
      'You asked to export Attendance of student 100000',
    );
    await fillEmergency(gate, GOOD.replace('schedule', 'attendance to see where he was'));
    await gate.click('button[type=submit]');
    await gate.locator('.result').waitFor();
    await gate.close();
    const allowed = await downloadOutcome(page, () => page.click('#csvDownload'));
    expect(allowed.completed).toBe(true);
    await page.close();
  });

  it('the same justification for another student minutes later is refused as copy-paste', async () => {
    const page = await browser.context.newPage();
    await putRecords(browser.worker, 'students', [{ id: '100010', birthDate: '2012-02-02' }]);
    await page.goto(recordUrl(sis, 'grades', '100010'));
    expect(await settled(page, true)).toBe(true);
    const gate = await openGateFromNotice(browser, page);
    await fillEmergency(gate, `${HTML_IN_TEXT} ${GOOD}`);
    await gate.click('button[type=submit]');
    await gate.locator('.problems').waitFor();
    expect(await gate.locator('.problems').innerText()).toMatch(/another student|otro estudiante|same/i);
    await gate.close();
    await page.close();
  });
});

describe('a grant ends on time', () => {
  let browser: ExtensionBrowser;
  let sis: SisServer;
  beforeAll(async () => {
    [browser, sis] = await Promise.all([launchBrowser(), startDemoSis()]);
    await signIn(browser.context, sis, 'officer.diaz');
    await putRecords(browser.worker, 'students', [{ id: '100000', birthDate: '2011-04-17' }]);
    // This district's policy, with emergency access capped at one minute.
    const bundle = (await readPolicyDirectory('policies')) as { policy: Record<string, unknown> };
    const policy = structuredClone(bundle.policy) as {
      version: number;
      grants: { perBasisMinutes: Record<string, number> };
    };
    policy.version = 2;
    policy.grants.perBasisMinutes['health-safety-emergency'] = 1;
    await browser.worker.evaluate(
      async (value) => {
        const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
        await api.storage.local.set({ 'policy.bundle': value });
      },
      { ...bundle, policy },
    );
    const deadline = Date.now() + 10_000;
    for (;;) {
      const version = await browser.worker.evaluate(async () => {
        const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
        return ((await api.storage.session.get('guard.plan'))['guard.plan'] as { policyVersion: number })
          .policyVersion;
      });
      if (version === 2 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  afterAll(async () => {
    await browser?.dispose();
    await sis?.close();
  });

  it('the page covers again when the emergency grant expires', async () => {
    const page = await browser.context.newPage();
    await page.goto(recordUrl(sis, 'health', '100000'));
    expect(await settled(page, true)).toBe(true);
    const gate = await openGateFromNotice(browser, page);
    expect(await gate.locator('main').innerText()).toContain('Opens now for 1 minutes');
    await fillEmergency(gate, GOOD.replace('schedule', 'health plan for an allergy that may be involved'));
    await gate.click('button[type=submit]');
    await gate.locator('.result').waitFor();
    await gate.close();
    expect(await settled(page, false)).toBe(false);
    const opened = Date.now();
    expect(await settled(page, true, 75_000)).toBe(true);
    const elapsed = Date.now() - opened;
    expect(elapsed).toBeGreaterThan(45_000);
    expect(elapsed).toBeLessThan(70_000);
    await page.close();
  }, 100_000);
});
