// A district that configured trusted policy keys but misspelt requireSignedPolicy, through a real Chromium
// enterprise policy file. Chromium drops the misspelt key before the extension sees it (chrome://policy does
// not list it either: it shows requireSignedPolicy as "Not set"), so before this fix the browser took the flag as unset and ran the bundled, unsigned policy.
// Now trusted keys alone require a signed policy: an unsigned bundle published at the hub is refused, the SRO's
// page stays covered with the reason, the teacher's is untouched, the rejection and the managed settings' state
// (signing required, the warning) reach the hub's device list, and the options page warns that
// requireSignedPolicy did not arrive and why it may not have.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SisServer } from '../fixtures/sis/server';
import { loadPolicy } from '../../src/policy/files';
import { generateKeyPair } from '../../src/policy/signing';
import { EXTENSION_ID, launchBrowser, seriousAxeViolations, type ExtensionBrowser } from './support/browser';
import { noticeText, settled } from './support/guard';
import { DISTRICT, hubJson, prepareHub, removeHubData, startHub, type HubProcess } from './support/hub';
import { writePolicyFile, type PolicyFile } from './support/policy-file';
import { recordUrl, signIn, startDemoSis, startFreshSis } from './support/sis';

const POLICY_FILE = 'record-guard-managed-misspelt-e2e.json';
const MISSPELT = 'requireSignedPolicies';

interface Status {
  inForce?: { source: string; version?: number; held: boolean };
  signed?: unknown;
  lastRejection?: { check: string; reason: string };
}
interface ManagedStatus {
  inForce: string;
  notices?: { kind: string; path?: string; suggestion?: string }[];
}

describe('trusted keys with a misspelt requireSignedPolicy (real Chromium policy file)', () => {
  let sis: SisServer;
  let teacherSis: SisServer;
  let hub: HubProcess;
  let browser: ExtensionBrowser;
  let tokens: Record<string, string>;
  let dataDir: string;
  let policyFile: PolicyFile | undefined;

  const status = (): Promise<Status> =>
    browser.worker.evaluate(async () => {
      const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
      return ((await api.storage.local.get('policy.status'))['policy.status'] ?? {}) as Status;
    });
  const managedStatus = (): Promise<ManagedStatus | undefined> =>
    browser.worker.evaluate(async () => {
      const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
      return (await api.storage.local.get('managed.status'))['managed.status'] as ManagedStatus | undefined;
    });
  const syncNow = (): Promise<void> =>
    browser.worker.evaluate(async () => {
      const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
      await api.alarms.create('hub-sync', { when: Date.now() + 100, periodInMinutes: 0.5 });
    });
  const waitFor = async <T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string, ms = 45_000) => {
    const deadline = Date.now() + ms;
    let value = await read();
    let nudged = Date.now();
    while (!ok(value)) {
      if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
      if (Date.now() - nudged > 5000) {
        await syncNow();
        nudged = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
      value = await read();
    }
    return value;
  };

  beforeAll(async () => {
    const trusted = { id: 'district-2026', publicKey: (await generateKeyPair()).publicKey };
    ({ dataDir, tokens } = await prepareHub([
      { user: 'officer.diaz', role: 'sro' },
      { user: 'admin.lee', role: 'admin' },
    ]));
    [hub, sis, teacherSis] = await Promise.all([startHub(dataDir), startDemoSis(), startFreshSis()]);
    // An unsigned version 2 at the hub (a plain bundle: the hub accepts it for its own use, as a stolen admin
    // token could). With requireSignedPolicy unset it would not apply either, but the bundled one would stay.
    const loaded = await loadPolicy('policies');
    if (!loaded.ok) throw new Error(loaded.errors.join('; '));
    const unsigned = structuredClone(loaded.value);
    unsigned.policy.version = 2;
    const put = await hubJson(hub, tokens['admin.lee'] as string, '/v1/policy', {
      method: 'PUT',
      body: unsigned,
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    policyFile = await writePolicyFile(POLICY_FILE, {
      '3rdparty': {
        extensions: {
          [EXTENSION_ID]: {
            hubUrl: hub.url,
            hubToken: tokens['officer.diaz'],
            district: DISTRICT,
            policyKeys: [trusted],
            [MISSPELT]: true,
          },
        },
      },
    });
    browser = await launchBrowser();
    await signIn(browser.context, sis, 'officer.diaz');
    await signIn(browser.context, teacherSis, 'teacher.park');
  }, 120_000);
  afterAll(async () => {
    await policyFile?.remove();
    await browser?.dispose();
    await hub?.stop();
    await sis?.close();
    await teacherSis?.close();
    if (dataDir) await removeHubData(dataDir);
  });

  it('the unsigned bundle from the hub is refused and the SRO page stays covered with the reason; the teacher is untouched', async () => {
    const refused = await waitFor(
      status,
      (value) => value.lastRejection !== undefined,
      'the unsigned hub bundle refused',
    );
    expect(refused.lastRejection).toMatchObject({
      check: 'signature',
      reason: expect.stringContaining('not a signed'),
    });
    // The fix itself: signing is required although the flag never arrived, so the bundled policy is held.
    expect(refused.inForce).toMatchObject({ source: 'bundled', held: true });
    expect(refused.inForce?.version).not.toBe(2);
    expect(refused.signed).toBeUndefined();

    const page = await browser.context.newPage();
    await page.goto(recordUrl(sis, 'grades', '100000'));
    expect(await settled(page, true)).toBe(true);
    expect(await noticeText(page)).toContain('requires a signed district policy');
    const teacher = await browser.context.newPage();
    await teacher.goto(recordUrl(teacherSis, 'grades', '100000'));
    expect(await settled(teacher, false, 3000)).toBe(false);
    await teacher.close();
    await page.close();

    // The refusal reaches the hub's device list like every policy rejection, and so does the managed settings'
    // state: a signed policy required, with the options page's warning.
    const deadline = Date.now() + 45_000;
    for (;;) {
      const devices = (
        (await hubJson(hub, tokens['admin.lee'] as string, '/v1/admin/devices')).body as {
          devices: {
            lastRejection: { check: string; reason: string } | null;
            managed: { signedPolicyRequired: boolean; notices: { kind: string }[] } | null;
          }[];
        }
      ).devices;
      if (
        devices.some(
          (device) =>
            device.lastRejection?.check === 'signature' &&
            device.managed?.signedPolicyRequired === true &&
            device.managed.notices.some((notice) => notice.kind === 'signing-implied'),
        )
      )
        break;
      if (Date.now() > deadline) throw new Error(`the hub never saw it: ${JSON.stringify(devices)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }, 120_000);

  it('the options page warns that requireSignedPolicy did not arrive, and why it may not have', async () => {
    const managed = await waitFor(
      managedStatus,
      (value) => (value?.notices ?? []).length > 0,
      'a managed-settings notice',
    );
    // Chromium dropped the misspelt key: the extension sees keys without the flag. (Were a browser to pass it
    // on, as Firefox does, the extension names it and still requires signing: tests/unit/managed-signing.)
    expect(managed?.notices).toEqual([{ kind: 'signing-implied' }]);

    const options = await browser.context.newPage();
    await options.goto(browser.extensionUrl('options.html'));
    const warnings = options.locator('#managed-warnings');
    await expect.poll(() => warnings.innerText()).toContain('requireSignedPolicy');
    expect(await warnings.innerText()).toContain('misspelt');
    expect(await warnings.locator('[data-notice="signing-implied"]').count()).toBe(1);
    expect(await options.locator('#policy-held').innerText()).toContain('signed policy is required');
    expect(await options.locator('body').innerText()).not.toContain(tokens['officer.diaz']);
    expect(await seriousAxeViolations(options)).toEqual([]);
    await options.close();
  }, 120_000);
});
