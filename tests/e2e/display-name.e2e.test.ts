// Roster by display name (issue #15), in real Chromium with the built extension: the demo SIS's PowerSchool
// pages with `?header=welcome` show only "Welcome, <display name>" (no login, no role label), as PowerSchool's
// staff header does. The roster's display names tell who it is: an SRO is covered and gated, and what the gate
// records (the grant, the request, every logged event) is under the SRO's roster login, never the name shown;
// a teacher shown by display name is left alone. With the real hub, the SRO's owner-bound token files the
// request, the clerk's approval opens the display-name page, and the parent's disclosure record names the SRO.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SisServer } from '../fixtures/sis/server';
import { EXTENSION_ID, launchBrowser, type ExtensionBrowser } from './support/browser';
import { countRecords, putRecords, readRecords } from './support/extension-db';
import { hubJson, prepareHub, removeHubData, startHub, type HubProcess } from './support/hub';
import { writePolicyFile, type PolicyFile } from './support/policy-file';
import { fillEmergency, fillSubpoena, openGateFromNotice } from './support/gate';
import { noticeText, settled } from './support/guard';
import { recordUrl, signIn, startDemoSis } from './support/sis';

const STUDENT = '100000';
const welcome = (sis: SisServer, section: string): string =>
  `${recordUrl(sis, section, STUDENT)}&header=welcome`;
const GOOD =
  'A student told the front office that a classmate has a knife in his backpack; I need his schedule to find him now.';

/** Who this browser session has seen on the SIS's origin (the background's record, storage.session). */
async function hostIdentity(browser: ExtensionBrowser, origin: string): Promise<unknown> {
  return browser.worker.evaluate(async (origin) => {
    const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
    const stored = (await api.storage.session.get('identities'))['identities'] as
      { origins?: Record<string, unknown> } | undefined;
    return stored?.origins?.[origin];
  }, origin);
}

/** Everything the extension keeps (its database and session storage), as one text. */
async function everythingStored(browser: ExtensionBrowser): Promise<string> {
  const stores = ['events', 'grants', 'requests', 'outbox', 'meta'];
  const records = await Promise.all(stores.map((store) => readRecords(browser.worker, store)));
  const session = await browser.worker.evaluate(async () => {
    const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
    return api.storage.session.get(null);
  });
  return JSON.stringify({ records, session });
}

describe('an SRO the page shows only by display name', () => {
  let browser: ExtensionBrowser;
  let sis: SisServer;
  beforeAll(async () => {
    [browser, sis] = await Promise.all([launchBrowser(), startDemoSis()]);
    // Quiet: no page of the SIS shows the extension the login; the display name is all it ever sees.
    await signIn(browser.context, sis, 'officer.diaz', { quiet: true });
    await putRecords(browser.worker, 'students', [{ id: STUDENT, birthDate: '2011-04-17' }]);
  });
  afterAll(async () => {
    await browser?.dispose();
    await sis?.close();
  });

  it('is covered and gated; the emergency grant and the subpoena request are under the roster login', async () => {
    const page = await browser.context.newPage();
    await page.goto(welcome(sis, 'grades'));
    expect(await settled(page, true)).toBe(true);
    expect(await noticeText(page)).toContain('State a legal basis');
    // The page held no login: the extension knows the SRO by the roster's login all the same.
    expect(await hostIdentity(browser, sis.url)).toEqual({
      username: 'officer.diaz',
      role: 'sro',
      adapterId: 'demo-sis',
    });

    const gate = await openGateFromNotice(browser, page);
    await fillEmergency(gate, GOOD);
    await gate.click('button[type=submit]');
    await gate.locator('.result').waitFor();
    expect(await gate.locator('.result').innerText()).toMatch(/Access granted until/);
    await gate.close();
    // The grant opens the record the page showed by display name.
    if (!page.url().includes('header=welcome')) await page.goto(welcome(sis, 'grades'));
    expect(await settled(page, false)).toBe(false);
    expect(await page.locator('#userWelcome').innerText()).toMatch(/Welcome,\s+Officer M\. Diaz/);

    const discipline = await browser.context.newPage();
    await discipline.goto(welcome(sis, 'discipline'));
    expect(await settled(discipline, true)).toBe(true);
    const requestGate = await openGateFromNotice(browser, discipline);
    await fillSubpoena(requestGate);
    await requestGate.click('button[type=submit]');
    await requestGate.locator('.result').waitFor();
    expect(await requestGate.locator('.result').innerText()).toContain('Request sent');
    await requestGate.close();

    const grants = (await readRecords(browser.worker, 'grants')) as { username: string }[];
    expect(grants.map((grant) => grant.username)).toEqual(['officer.diaz']);
    const requests = (await readRecords(browser.worker, 'requests')) as { username: string }[];
    expect(requests.map((request) => request.username)).toEqual(['officer.diaz']);
    // Every event in the log (what the hub receives) names the SRO by login.
    const events = (await readRecords(browser.worker, 'events')) as {
      type: string;
      studentId?: string;
      actor: { username?: string; role: string };
    }[];
    const onRecord = events.filter((event) => event.studentId === STUDENT);
    expect(new Set(onRecord.map((event) => event.type))).toEqual(
      new Set(['decision', 'justification', 'grant-issued', 'request-filed']),
    );
    expect(new Set(onRecord.map((event) => JSON.stringify(event.actor)))).toEqual(
      new Set([JSON.stringify({ username: 'officer.diaz', role: 'sro' })]),
    );
    // Device events (the policy applied, the browser's hardening) name nobody; none names anyone else.
    expect(
      events.filter((event) => event.actor.username !== undefined && event.actor.username !== 'officer.diaz'),
    ).toEqual([]);
    // The display name is personal: it is not kept anywhere, nor logged.
    expect(await everythingStored(browser)).not.toMatch(/M\. Diaz/);
    await discipline.close();
    await page.close();
  });
});

describe('a teacher the page shows only by display name', () => {
  let browser: ExtensionBrowser;
  let sis: SisServer;
  beforeAll(async () => {
    [browser, sis] = await Promise.all([launchBrowser(), startDemoSis()]);
    await signIn(browser.context, sis, 'teacher.park', { quiet: true });
  });
  afterAll(async () => {
    await browser?.dispose();
    await sis?.close();
  });

  it('is never covered, and the host knows the teacher by login', async () => {
    const page = await browser.context.newPage();
    await page.goto(welcome(sis, 'grades'));
    expect(await settled(page, false)).toBe(false);
    expect(await page.locator('#userWelcome').innerText()).toMatch(/Welcome,\s+J\. Park/);
    expect(await page.locator('body').innerText()).toContain('Grades');
    expect(await hostIdentity(browser, sis.url)).toEqual({
      username: 'teacher.park',
      role: 'teacher',
      adapterId: 'demo-sis',
    });
    // The guard plan (what content scripts read without waking the worker) lets the next page go at once: the
    // roster's name for the teacher, never an SRO's.
    const plan = await browser.worker.evaluate(async () => {
      const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
      return (await api.storage.session.get('guard.plan'))['guard.plan'] as
        { nonSroNames?: Record<string, string[]> } | undefined;
    });
    expect(plan?.nonSroNames?.[sis.url]).toEqual(['j. park']);
    // The next record page stays uncovered too, and nothing about the teacher is logged.
    await page.goto(welcome(sis, 'health'));
    expect(await settled(page, false)).toBe(false);
    const events = (await readRecords(browser.worker, 'events')) as { type: string }[];
    expect(events.filter((event) => event.type !== 'policy-applied')).toEqual([]);
    await page.close();
  });
});

describe('an SRO shown only by display name, with the real district hub', () => {
  const SYNC_WITHIN_MS = 65_000;
  let sis: SisServer;
  let hub: HubProcess;
  let browser: ExtensionBrowser;
  let tokens: Record<string, string>;
  let dataDir: string;
  let managed: PolicyFile | undefined;
  beforeAll(async () => {
    ({ dataDir, tokens } = await prepareHub([
      { user: 'officer.diaz', role: 'sro' },
      { user: 'clerk.nguyen', role: 'clerk' },
    ]));
    [hub, sis] = await Promise.all([startHub(dataDir), startDemoSis()]);
    // The device token is bound to the SRO's roster login: what the browser sends must be under that login.
    managed = await writePolicyFile('record-guard-display-name.json', {
      '3rdparty': {
        extensions: { [EXTENSION_ID]: { hubUrl: hub.url, hubToken: tokens['officer.diaz'] as string } },
      },
    });
    browser = await launchBrowser();
    await signIn(browser.context, sis, 'officer.diaz', { quiet: true });
  }, 120_000);
  afterAll(async () => {
    await managed?.remove();
    await browser?.dispose();
    await hub?.stop();
    await sis?.close();
    if (dataDir) await removeHubData(dataDir);
  });

  it("the clerk's approval at the hub opens the page, and the disclosure record names the SRO's login", async () => {
    const page = await browser.context.newPage();
    await page.goto(welcome(sis, 'discipline'));
    expect(await settled(page, true)).toBe(true);
    const gate = await openGateFromNotice(browser, page);
    await fillSubpoena(gate);
    await gate.click('button[type=submit]');
    await gate.locator('.result').waitFor();
    expect(await gate.locator('.result').innerText()).toContain('Request sent');
    await gate.close();

    const clerk = tokens['clerk.nguyen'] as string;
    let filed: { id: string; username: string } | undefined;
    const deadline = Date.now() + SYNC_WITHIN_MS;
    while (!filed && Date.now() < deadline) {
      const queue = await hubJson(hub, clerk, '/v1/requests?status=pending');
      const requests = (
        queue.body as { requests: { request: { id: string; studentId: string; username: string } }[] }
      ).requests;
      filed = requests.find((entry) => entry.request.studentId === STUDENT)?.request;
      if (!filed) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(filed?.username).toBe('officer.diaz');
    const approved = await hubJson(hub, clerk, `/v1/requests/${filed?.id ?? ''}/decision`, {
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
    });
    expect(approved.status).toBe(200);
    // The approval is the hub's, under the SRO's login; the page knew the SRO only by display name.
    if (!page.url().includes('header=welcome')) await page.goto(welcome(sis, 'discipline'));
    expect(await settled(page, false, SYNC_WITHIN_MS)).toBe(false);

    // Every event delivered; the parent's disclosure record names the SRO by login, with the agency.
    const outboxDeadline = Date.now() + SYNC_WITHIN_MS;
    while ((await countRecords(browser.worker, ['outbox'])).outbox !== 0 && Date.now() < outboxDeadline)
      await new Promise((resolve) => setTimeout(resolve, 500));
    const disclosure = await hubJson(hub, clerk, `/v1/reports/disclosure?studentId=${STUDENT}`);
    expect(disclosure.status).toBe(200);
    const entries = (
      disclosure.body as { record: { entries: { kind: string; who: { username: string | null } }[] } }
    ).record.entries;
    expect(entries.length).toBeGreaterThan(0);
    expect(new Set(entries.map((entry) => entry.who.username))).toEqual(new Set(['officer.diaz']));
    expect(JSON.stringify(disclosure.body)).not.toMatch(/M\. Diaz/);
    await page.close();
  }, 180_000);
});
