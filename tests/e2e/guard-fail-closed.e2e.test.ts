// When anything is unknown or broken, an SRO's record stays covered, with an explanation; other staff are unaffected.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPolicyDirectory } from '../../src/policy/files';
import { startSis, type SisServer } from '../fixtures/sis/server';
import { launchBrowser, type ExtensionBrowser } from './support/browser';
import { noticeSaying, noticeText, settled } from './support/guard';
import { recordUrl, signIn, startDemoSis } from './support/sis';

type Json = Record<string, unknown>;

async function storePolicy(browser: ExtensionBrowser, bundle: unknown): Promise<void> {
  await browser.worker.evaluate(async (value) => {
    const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
    await api.storage.local.set({ 'policy.bundle': value });
  }, bundle);
}

async function planVersion(browser: ExtensionBrowser): Promise<number | undefined> {
  return browser.worker.evaluate(async () => {
    const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
    const plan = (await api.storage.session.get('guard.plan'))['guard.plan'] as
      { policyVersion?: number } | undefined;
    return plan?.policyVersion;
  });
}

async function waitForPlanVersion(browser: ExtensionBrowser, version: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await planVersion(browser)) !== version) {
    if (Date.now() > deadline) throw new Error(`policy version ${version} never came into force`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('failing closed', () => {
  let browser: ExtensionBrowser;
  let sis: SisServer;
  beforeAll(async () => {
    [browser, sis] = await Promise.all([launchBrowser(), startDemoSis()]);
  });
  afterAll(async () => {
    await browser?.dispose();
    await sis?.close();
  });

  it('an SRO page stays covered, with an explanation, while the background does not answer', async () => {
    await signIn(browser.context, sis, 'teacher.park');
    const teacher = await browser.context.newPage();
    await teacher.goto(recordUrl(sis, 'grades', '100000'));
    expect(await settled(teacher, false)).toBe(false);

    await signIn(browser.context, sis, 'officer.diaz');
    const page = await browser.context.newPage();
    // Keep the service worker busy for 6 s: longer than the content script waits for an answer.
    void browser.worker
      .evaluate(() => {
        const end = Date.now() + 6000;
        while (Date.now() < end);
      })
      .catch(() => undefined);
    // The popup, opened meanwhile, says the background did not answer rather than "Loading" for ever.
    const popup = await browser.context.newPage();
    void popup.goto(browser.extensionUrl('popup.html')).catch(() => undefined);
    await page.goto(recordUrl(sis, 'grades', '100000'));
    expect(await settled(page, true, 5500)).toBe(true);
    expect(await noticeText(page)).toContain('Record Guard could not check this page');
    await popup.locator('[role=alert]').waitFor({ timeout: 8000 });
    await expect(popup.locator('[role=alert]').innerText()).resolves.toContain('did not answer');
    await popup.close();
    // The answer that comes once the worker is free replaces the failure by itself: the way forward is shown.
    expect(await noticeSaying(page, 'State a legal basis', 10_000)).toContain('State a legal basis');
    expect(await noticeText(page)).not.toContain('could not check');
    await page.close();

    // A teacher this browser already knows is not held up by the busy worker.
    await signIn(browser.context, sis, 'teacher.park');
    const again = await browser.context.newPage();
    void browser.worker
      .evaluate(() => {
        const end = Date.now() + 3000;
        while (Date.now() < end);
      })
      .catch(() => undefined);
    await again.goto(recordUrl(sis, 'grades', '100000'));
    expect(await settled(again, false, 1000)).toBe(false);
    await again.close();
    await teacher.close();
  });

  it('a malformed policy update is refused whole and the bundled policy stays in force', async () => {
    const bundle = (await readPolicyDirectory('policies')) as Json;
    const policy = structuredClone(bundle.policy) as Json;
    policy.version = 5;
    policy.rules = 'none';
    await storePolicy(browser, { ...bundle, policy });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await planVersion(browser)).toBe(1);
    await signIn(browser.context, sis, 'officer.diaz');
    const page = await browser.context.newPage();
    await page.goto(recordUrl(sis, 'home', '100000'));
    expect(await settled(page, true)).toBe(true);
    expect(await noticeText(page)).toContain('This student record is protected');
    await page.close();
  });

  it('an adapter whose selector cannot be parsed is refused with the policy, and the last good one keeps guarding', async () => {
    const bundle = (await readPolicyDirectory('policies')) as Json;
    const policy = { ...(structuredClone(bundle.policy) as Json), version: 2 };
    const adapters = structuredClone(bundle.adapters) as Json[];
    const demo = adapters.find((adapter) => adapter.id === 'demo-sis') as Json;
    // Valid JSON, but not a CSS selector: the adapter check refuses the whole bundle (src/policy/adapter.ts), so
    // it never reaches a page; the policy in force (version 1) stays and still covers an SRO's record.
    demo.identity = [{ from: 'text', selector: '#userName[' }];
    await storePolicy(browser, { ...bundle, policy, adapters });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await planVersion(browser)).toBe(1);
    await signIn(browser.context, sis, 'officer.diaz');
    const page = await browser.context.newPage();
    await page.goto(recordUrl(sis, 'home', '100000'));
    expect(await settled(page, true)).toBe(true);
    expect(await noticeText(page)).toContain('This student record is protected');
    await page.close();
  });

  it('a policy that adds a SIS host guards it at once: the record already open there, and every page after', async () => {
    // A second district SIS on another loopback address, which no bundled adapter names.
    const other = await startSis({ port: 0, host: '127.0.0.2' });
    try {
      await signIn(browser.context, other, 'officer.diaz');
      const before = await browser.context.newPage();
      await before.goto(recordUrl(other, 'home', '100000'));
      expect(await settled(before, false)).toBe(false);

      const bundle = (await readPolicyDirectory('policies')) as Json;
      const policy = { ...(structuredClone(bundle.policy) as Json), version: 3 };
      const adapters = structuredClone(bundle.adapters) as Json[];
      const demo = structuredClone(adapters.find((adapter) => adapter.id === 'demo-sis')) as Json;
      adapters.push({
        ...demo,
        id: 'second-sis',
        name: 'Second SIS',
        match: { ...(demo.match as Json), hosts: ['127.0.0.2'] },
      });
      await storePolicy(browser, { ...bundle, policy, adapters });
      await waitForPlanVersion(browser, 3);
      const registered = await browser.worker.evaluate(async () => {
        const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
        return (await api.scripting.getRegisteredContentScripts()).map((script) => ({
          js: script.js,
          matches: script.matches,
        }));
      });
      expect(registered).toEqual([{ js: ['sis-guard.js'], matches: ['*://127.0.0.2/*'] }]);

      // The record already open when the policy arrived is covered too, with the reason.
      expect(await settled(before, true)).toBe(true);
      expect(await noticeSaying(before, 'This student record is protected')).toContain(
        'This student record is protected',
      );
      await before.close();

      const after = await browser.context.newPage();
      await after.goto(recordUrl(other, 'home', '100000'));
      expect(await settled(after, true)).toBe(true);
      expect(await noticeSaying(after, 'This student record is protected')).toContain(
        'This student record is protected',
      );
      await after.close();
    } finally {
      await other.close();
    }
  });
});
