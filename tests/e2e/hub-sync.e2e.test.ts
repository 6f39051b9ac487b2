// The extension with the real district hub: consents and approvals made by a records clerk reach the SRO's
// browser within a minute, a revocation stops counting, and every event arrives exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SisServer } from '../fixtures/sis/server';
import { launchBrowser, type ExtensionBrowser } from './support/browser';
import { settled } from './support/guard';
import { hubJson, prepareHub, removeHubData, startHub, type HubProcess } from './support/hub';
import { clearManagedSettings, setManagedSettings } from './support/managed';
import { countRecords } from './support/extension-db';
import { fillSubpoena, openGateFromNotice } from './support/gate';
import { recordUrl, signIn, startDemoSis } from './support/sis';

const SYNC_WITHIN_MS = 65_000;

describe('with the real district hub', () => {
  let sis: SisServer;
  let hub: HubProcess;
  let browser: ExtensionBrowser;
  let tokens: Record<string, string>;
  let dataDir: string;
  beforeAll(async () => {
    ({ dataDir, tokens } = await prepareHub([
      { user: 'officer.diaz', role: 'sro' },
      { user: 'clerk.nguyen', role: 'clerk' },
      { user: 'admin.lee', role: 'admin' },
    ]));
    [hub, sis] = await Promise.all([startHub(dataDir), startDemoSis()]);
    await setManagedSettings({ hubUrl: hub.url, hubToken: tokens['officer.diaz'] as string });
    browser = await launchBrowser();
    await signIn(browser.context, sis, 'officer.diaz');
  }, 120_000);
  afterAll(async () => {
    await clearManagedSettings();
    await browser?.dispose();
    await hub?.stop();
    await sis?.close();
    if (dataDir) await removeHubData(dataDir);
  });

  it('a consent recorded at the hub lets the SRO through within a minute; its revocation covers again', async () => {
    const page = await browser.context.newPage();
    await page.goto(recordUrl(sis, 'grades', '100000'));
    expect(await settled(page, true)).toBe(true);

    const created = await hubJson(hub, tokens['clerk.nguyen'] as string, '/v1/consents', {
      method: 'POST',
      body: {
        studentId: '100000',
        signer: { name: 'Rosa Garcia', relation: 'parent' },
        categories: ['grades'],
        actions: ['view'],
        purpose: 'Academic mentoring check-ins',
        recipient: { kind: 'agency', agency: 'Newman Police Department' },
        signedOn: '2026-09-01',
        expiresOn: '2027-06-30',
        documentRef: 'DMS-2026-0500',
        studentBirthDate: '2011-04-17',
      },
    });
    expect(created.status).toBe(201);
    const consentId = (created.body as { consent: { consent: { id: string } } }).consent.consent.id;
    expect(await settled(page, false, SYNC_WITHIN_MS)).toBe(false);

    const revoked = await hubJson(hub, tokens['clerk.nguyen'] as string, `/v1/consents/${consentId}/revoke`, {
      method: 'POST',
      body: { reason: 'The parent withdrew consent in writing.' },
    });
    expect(revoked.status).toBe(200);
    expect(await settled(page, true, SYNC_WITHIN_MS)).toBe(true);
    await page.close();
  }, 180_000);

  it('a subpoena request reaches the clerk, and the approval opens the record', async () => {
    const page = await browser.context.newPage();
    await page.goto(recordUrl(sis, 'discipline', '100000'));
    expect(await settled(page, true)).toBe(true);
    const gate = await openGateFromNotice(browser, page);
    await fillSubpoena(gate);
    await gate.click('button[type=submit]');
    await gate.locator('.result').waitFor();
    await gate.close();

    let requestId: string | undefined;
    const deadline = Date.now() + SYNC_WITHIN_MS;
    while (!requestId && Date.now() < deadline) {
      const queue = await hubJson(hub, tokens['clerk.nguyen'] as string, '/v1/requests?status=pending');
      const requests = (queue.body as { requests: { request: { id: string; studentId: string } }[] })
        .requests;
      requestId = requests.find((entry) => entry.request.studentId === '100000')?.request.id;
      if (!requestId) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(requestId).toBeDefined();
    const approved = await hubJson(
      hub,
      tokens['clerk.nguyen'] as string,
      `/v1/requests/${requestId}/decision`,
      {
        method: 'POST',
        body: {
          decision: 'approve',
          minutes: 60,
          reason: 'Subpoena verified with the court clerk.',
          notice: {
            kind: 'order-forbids',
            wording: 'The court orders that the existence of this subpoena not be disclosed.',
          },
        },
      },
    );
    expect(approved.status).toBe(200);
    expect(await settled(page, false, SYNC_WITHIN_MS)).toBe(false);
    await page.close();
  }, 180_000);

  it('every event of this browser reaches the hub exactly once, with an unbroken chain', async () => {
    const local = async (): Promise<{ events: number; outbox: number }> => {
      const counts = await countRecords(browser.worker, ['events', 'outbox']);
      return { events: counts.events ?? 0, outbox: counts.outbox ?? 0 };
    };
    const deadline = Date.now() + 90_000;
    let state = await local();
    while (state.outbox > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      state = await local();
    }
    expect(state.outbox).toBe(0);
    const devices = await hubJson(hub, tokens['admin.lee'] as string, '/v1/devices');
    const list = (devices.body as { devices: { events: number; missing: number; flags: number }[] }).devices;
    expect(list).toContainEqual(expect.objectContaining({ events: state.events, missing: 0, flags: 0 }));
    expect(list.every((device) => device.flags === 0 && device.missing === 0)).toBe(true);
  }, 120_000);
});
