// Adapter priority in the network rules of a browser the admin assigned to an SRO (issue #15), in real Chromium
// with a real enterprise policy file (role "sro"): the rules are built for every adapter's host pattern before
// anyone is seen. A district adapter for the demo SIS's exact origin (127.0.0.1:<port>, priority 10) sits over the
// bundled demo adapters (127.0.0.1 and localhost, priority -100). On its origin only its own rules decide: the SRO
// reaches its sign-in, start and sign-out pages and a record the policy allows them, its guarded record is
// stopped before any of it arrives, and pages only the demo adapters open stay closed. The demo adapters' rules
// still guard the other host they cover (localhost).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { readPolicyDirectory } from '../../src/policy/files';
import { parsePolicyBundle } from '../../src/policy/bundle';
import type { SisServer } from '../fixtures/sis/server';
import { EXTENSION_ID, launchBrowser, seriousAxeViolations, type ExtensionBrowser } from './support/browser';
import { putRecords } from './support/extension-db';
import { settled } from './support/guard';
import { writePolicyFile, type PolicyFile } from './support/policy-file';
import { recordUrl, signIn, startDemoSis, startFreshSis } from './support/sis';
import { parentConsent, responseBodies } from './support/records';

const POLICY_NAME = 'record-guard-ownerrules-sro.json';
const STUDENT = '100000';

type Bundle = { policy: { version: number }; adapters: Record<string, unknown>[] };

const onGate = (page: Page): boolean => page.url().includes('/gate.html#blocked=');

/** Texts only STUDENT's records carry. */
function protectedTexts(sis: SisServer): string[] {
  const student = sis.data.byId.get(STUDENT);
  if (!student) throw new Error(`no student ${STUDENT}`);
  return [student.address, student.phone, student.immigration.birthCountry].filter(
    (text): text is string => typeof text === 'string' && text.length > 3,
  );
}

async function visibleText(page: Page): Promise<string> {
  const texts = await Promise.all(
    page.frames().map((frame) => frame.evaluate(() => document.body?.innerText ?? '').catch(() => '')),
  );
  return texts.join('\n');
}

/** Who the background last saw signed in on this origin. */
async function identityOn(
  browser: ExtensionBrowser,
  origin: string,
): Promise<{ username?: string; role?: string; adapterId?: string } | undefined> {
  return browser.worker.evaluate(async (key) => {
    const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
    const stored = (await api.storage.session.get('identities'))['identities'] as
      { origins?: Record<string, { username?: string; role?: string; adapterId?: string }> } | undefined;
    return stored?.origins?.[key];
  }, origin);
}

/** The session rules of the record-rule range (ids from 100,000). */
async function recordRules(browser: ExtensionBrowser): Promise<Browser.declarativeNetRequest.Rule[]> {
  return browser.worker.evaluate(async () => {
    const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
    return (await api.declarativeNetRequest.getSessionRules()).filter((rule) => rule.id >= 100_000);
  });
}

/** What page script on the SIS reads from each path: "read:<status>" or "failed:…" (stopped at the network). */
async function fetched(page: Page, paths: string[]): Promise<string[]> {
  return page.evaluate(
    async (list) =>
      Promise.all(
        list.map((path) =>
          fetch(path, { credentials: 'include' })
            .then((response) => `read:${response.status}`)
            .catch((error: unknown) => `failed:${String(error)}`),
        ),
      ),
    paths,
  );
}

/** Waits until `check` holds (beforeAll cannot use expect.poll). */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} never happened`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const consent = parentConsent('consent-ownerrules', STUDENT, ['demographics'], 'DMS-2026-0414');

describe('a district adapter over the bundled demo adapters, on a browser assigned to an SRO', () => {
  let policyFile: PolicyFile | undefined;
  let browser: ExtensionBrowser;
  let sis: SisServer;
  let other: SisServer;
  let bundleWith: (district: Record<string, unknown>, version: number) => Promise<void>;
  let districtAdapter: Record<string, unknown>;

  beforeAll(async () => {
    policyFile = await writePolicyFile(POLICY_NAME, {
      '3rdparty': { extensions: { [EXTENSION_ID]: { role: 'sro' } } },
    });
    [browser, sis, other] = await Promise.all([launchBrowser(), startDemoSis(), startFreshSis()]);
    await until('the managed role sro', async () =>
      browser.worker.evaluate(async () => {
        const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
        return ((await api.storage.managed.get('role')) as { role?: string }).role === 'sro';
      }),
    );
    await putRecords(browser.worker, 'students', [{ id: STUDENT, birthDate: '2011-04-17' }]);
    await putRecords(browser.worker, 'consents', [consent]);

    // The district's adapter: the demo SIS's own pages and records, but only its exact origin, at priority 10,
    // and without the demo adapter's search API and report status pages among its open pages.
    const bundled = (await readPolicyDirectory('policies')) as Bundle;
    const demo = bundled.adapters.find((adapter) => adapter['id'] === 'demo-sis');
    if (!demo) throw new Error('no demo adapter');
    const demoNetwork = demo['network'] as { openPaths: string[]; signInPaths: string[]; records: unknown[] };
    const district = {
      ...demo,
      id: 'district-demo',
      name: 'District SIS (demo origin)',
      priority: 10,
      match: { ...(demo['match'] as Record<string, unknown>), hosts: [`127.0.0.1:${sis.port}`] },
      network: {
        openPaths: demoNetwork.openPaths.filter(
          (path) => !path.startsWith('/campus/api/students') && !path.startsWith('/reports/status'),
        ),
        signInPaths: demoNetwork.signInPaths,
        records: demoNetwork.records,
      },
    };
    expect(district.network.openPaths.length).toBe(demoNetwork.openPaths.length - 2);
    bundleWith = async (adapter, version) => {
      const bundle: Bundle = {
        ...bundled,
        policy: { ...bundled.policy, version },
        adapters: [...bundled.adapters, adapter],
      };
      expect(parsePolicyBundle(bundle).ok).toBe(true);
      await browser.worker.evaluate(async (value) => {
        const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
        await api.storage.local.set({ 'policy.bundle': value });
      }, bundle);
      await until(`policy version ${version} in force`, async () =>
        browser.worker.evaluate(async (expected) => {
          const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
          const plan = (await api.storage.session.get('guard.plan'))['guard.plan'] as
            { policyVersion?: number } | undefined;
          return plan?.policyVersion === expected;
        }, version),
      );
    };
    districtAdapter = district;
    await bundleWith(district, 7);
    // The district adapter's origin yields from the demo adapters' rules (an allow above their band).
    const yieldRule = `^https?://(?:[^/?#@]*@)?127\\.0\\.0\\.1:${sis.port}/.*`;
    await until('the yield rule for the district origin', async () =>
      (await recordRules(browser)).some(
        (rule) => rule.action.type === 'allow' && rule.condition.regexFilter === yieldRule,
      ),
    );
  }, 60_000);

  afterAll(async () => {
    await policyFile?.remove();
    await browser?.dispose();
    await sis?.close();
    await other?.close();
  });

  it('the SRO reaches the sign-in and start pages, and the background reads them with the district adapter', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${sis.url}/login`);
    expect(onGate(page)).toBe(false);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.close();
    await signIn(browser.context, sis, 'officer.diaz');
    expect(await identityOn(browser, sis.url)).toMatchObject({
      username: 'officer.diaz',
      role: 'sro',
      adapterId: 'district-demo',
    });
  });

  it('a record the consent allows opens; a section it does not name is stopped before any of it arrives', async () => {
    const page = await browser.context.newPage();
    await page.goto(recordUrl(sis, 'demographics', STUDENT));
    // The rules may predate the SRO's sign-in: the gate brings them up to date and opens the record.
    await page.waitForURL((url) => url.href.startsWith(sis.url), { timeout: 10_000 });
    expect(await settled(page, false)).toBe(false);
    const text = await visibleText(page);
    expect(text).toContain('[hidden: Ed. Code 234.7]');
    expect(text).not.toContain(sis.data.byId.get(STUDENT)?.immigration.birthCountry ?? '?');

    const seen = responseBodies(page, sis.url);
    await page.goto(recordUrl(sis, 'health', STUDENT));
    await page.waitForSelector('main.gate h1');
    await seen.done();
    expect(onGate(page)).toBe(true);
    for (const body of seen.bodies) {
      expect(body).not.toContain('Allergies');
      for (const secret of protectedTexts(sis)) expect(body).not.toContain(secret);
    }
    await page.close();
  });

  it('pages only the demo adapters open stay closed on the district origin; they open on localhost', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${sis.url}/admin/home.html`);
    const paths = ['/campus/api/students?q=Garcia', '/reports/status?id=nothing', '/admin/home.html'];
    const here = await fetched(page, paths);
    expect(here[0]).toMatch(/^failed:/);
    expect(here[1]).toMatch(/^failed:/);
    expect(here[2]).toBe('read:200');
    await page.goto(`${other.url}/login`);
    expect(onGate(page)).toBe(false);
    const there = await fetched(page, paths);
    expect(there[0]).toMatch(/^read:/);
    expect(there[1]).toMatch(/^read:/);
    await page.close();
  });

  it("the demo adapters' rules still guard localhost: a record there goes to the gate", async () => {
    const page = await browser.context.newPage();
    const seen = responseBodies(page, other.url);
    await page.goto(recordUrl(other, 'demographics', STUDENT));
    await page.waitForSelector('main.gate h1');
    await seen.done();
    expect(onGate(page)).toBe(true);
    for (const body of seen.bodies)
      for (const secret of protectedTexts(other)) expect(body).not.toContain(secret);
    await page.close();
  });

  it('the SRO signs out on the district origin: the sign-out page is reached and ends who was signed in', async () => {
    expect(await identityOn(browser, sis.url)).toMatchObject({ username: 'officer.diaz' });
    const page = await browser.context.newPage();
    await page.goto(`${sis.url}/logout`);
    expect(onGate(page)).toBe(false);
    expect(new URL(page.url()).pathname).toBe('/login');
    await expect
      .poll(async () => (await identityOn(browser, sis.url))?.username, { timeout: 8000 })
      .toBe(undefined);
    // The rules are rebuilt after the identity is forgotten: until then the SRO's allow for the student stands
    // (the SIS, signed out, answers with its sign-in page), so the check waits for it to go.
    await expect
      .poll(
        async () =>
          (await recordRules(browser)).some(
            (rule) => rule.action.type === 'allow' && rule.condition.regexFilter?.includes(STUDENT) === true,
          ),
        { timeout: 8000 },
      )
      .toBe(false);
    // Still an SRO browser: with nobody named, a record on the district origin stays at the gate.
    const seen = responseBodies(page, sis.url);
    await page.goto(recordUrl(sis, 'demographics', STUDENT));
    await page.waitForSelector('main.gate h1');
    await seen.done();
    expect(onGate(page)).toBe(true);
    for (const body of seen.bodies)
      for (const secret of protectedTexts(sis)) expect(body).not.toContain(secret);
    await page.close();
  });

  it('a district adapter without a network section (as recorded): the demo rules leave its origin to its in-page cover', async () => {
    const { network: _network, ...recorded } = districtAdapter;
    await bundleWith(
      {
        ...recorded,
        pages: {
          signIn: ['/login(?:\\?[^#]*)?', '/logout(?:\\?[^#]*)?'],
          identityOnly: ['/admin/home\\.html'],
        },
      },
      8,
    );
    // The policy change forgot who was signed in.
    await signIn(browser.context, sis, 'officer.diaz');
    expect(await identityOn(browser, sis.url)).toMatchObject({
      username: 'officer.diaz',
      adapterId: 'district-demo',
    });
    const page = await browser.context.newPage();
    // The consented record reaches the page (the demo catch-all would have sent it to the gate for good: no
    // rule of the district adapter could open it) and the in-page cover opens it, immigration fields redacted.
    await page.goto(recordUrl(sis, 'demographics', STUDENT));
    expect(onGate(page)).toBe(false);
    expect(await settled(page, false, 10_000)).toBe(false);
    expect(await visibleText(page)).toContain('[hidden: Ed. Code 234.7]');
    // A section the consent does not name stays covered in the page.
    await page.goto(recordUrl(sis, 'health', STUDENT));
    expect(onGate(page)).toBe(false);
    expect(await settled(page, true, 10_000)).toBe(true);
    // Sign-out reaches the SIS and ends who was signed in; localhost keeps the demo rules.
    await page.goto(`${sis.url}/logout`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await expect
      .poll(async () => (await identityOn(browser, sis.url))?.username, { timeout: 8000 })
      .toBe(undefined);
    await page.goto(recordUrl(other, 'demographics', STUDENT));
    await page.waitForSelector('main.gate h1');
    expect(onGate(page)).toBe(true);
    await page.close();
    // By design, but not silently: the options page's admin view says the demo rules are gone on that origin.
    const options = await browser.context.newPage();
    await options.goto(browser.extensionUrl('options.html'));
    const gap = options.locator('#network-gaps li[data-adapter="district-demo"]');
    await expect.poll(() => gap.count()).toBe(1);
    const text = await gap.innerText();
    expect(text).toContain('has no network section');
    expect(text).toContain(`127.0.0.1:${sis.port}`);
    expect(text).toContain('"demo-sis"');
    expect(await seriousAxeViolations(options)).toEqual([]);
    await options.close();
  });
});
