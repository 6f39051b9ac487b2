// Nothing lost, nothing counted twice: events queue while the district's endpoint is down, survive the
// browser closing, and arrive exactly once, in order, with a chain that verifies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPolicyDirectory } from '../../src/policy/files';
import { verifyEvents } from '../../src/store/log';
import type { SisServer } from '../fixtures/sis/server';
import { startReceiver, type Receiver } from '../fixtures/receiver';
import { launchBrowser, type ExtensionBrowser } from './support/browser';
import { countRecords, putRecords } from './support/extension-db';
import { settled } from './support/guard';
import { recordUrl, signIn, startDemoSis } from './support/sis';

async function localLog(browser: ExtensionBrowser): Promise<{ events: number; outbox: number }> {
  const counts = await countRecords(browser.worker, ['events', 'outbox']);
  return { events: counts.events ?? 0, outbox: counts.outbox ?? 0 };
}

describe('reporting to the district', () => {
  let sis: SisServer;
  let receiver: Receiver;
  let browser: ExtensionBrowser | undefined;
  let profile: string;
  beforeAll(async () => {
    [sis, receiver] = await Promise.all([startDemoSis(), startReceiver({ port: 0 })]);
  });
  afterAll(async () => {
    await browser?.dispose();
    await sis?.close();
    await receiver?.close();
  });

  it('queues while the hub is down, survives a browser restart, then delivers every event exactly once', async () => {
    receiver.setMode('down');
    browser = await launchBrowser();
    profile = browser.userDataDir;
    const bundle = (await readPolicyDirectory('policies')) as {
      policy: { reporting: Record<string, unknown> };
    };
    const policy = structuredClone(bundle.policy) as { version: number; reporting: Record<string, unknown> };
    policy.version = 3;
    policy.reporting.hubUrl = receiver.url;
    policy.reporting.batchSize = 4;
    await browser.worker.evaluate(
      async (value) => {
        const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
        await api.storage.local.set({ 'policy.bundle': value });
      },
      { ...bundle, policy },
    );
    await signIn(browser.context, sis, 'officer.diaz');
    await putRecords(browser.worker, 'students', [{ id: '100000', birthDate: '2011-04-17' }]);
    const page = await browser.context.newPage();
    for (const section of ['home', 'grades', 'health', 'discipline', 'attendance']) {
      await page.goto(recordUrl(sis, section, '100000'));
      expect(await settled(page, true)).toBe(true);
    }
    await page.waitForTimeout(500);
    const before = await localLog(browser);
    expect(before.events).toBeGreaterThanOrEqual(6);
    expect(before.outbox).toBe(before.events);
    expect(receiver.events()).toHaveLength(0);
    expect(receiver.requests).toBeGreaterThan(0);

    // The browser closes with everything still queued; the hub comes back; the browser opens again.
    await browser.close();
    receiver.setMode('ok');
    browser = await launchBrowser({ userDataDir: profile });
    const deadline = Date.now() + 60_000;
    let after = await localLog(browser);
    while (after.outbox > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      after = await localLog(browser);
    }
    expect(after.outbox).toBe(0);
    const received = receiver.events();
    expect(received.length).toBe(after.events);
    expect(new Set(received.map((event) => event.id)).size).toBe(received.length);
    const bySeq = [...received].sort((a, b) => a.seq - b.seq);
    expect(bySeq.map((event) => event.seq)).toEqual(bySeq.map((_, index) => index + 1));
    expect(received.map((event) => event.seq)).toEqual(bySeq.map((event) => event.seq));
    expect(await verifyEvents(bySeq)).toEqual({ ok: true, count: received.length });
    expect(bySeq.some((event) => event.type === 'decision' && event.studentId === '100000')).toBe(true);
    expect(receiver.conflicts).toEqual([]);
  }, 120_000);
});
