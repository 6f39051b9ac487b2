// Export blocks follow the adapter that owns each host (issue #15 review), in real Chromium with the built
// extension: a district adapter for the demo SIS's exact origin (127.0.0.1:<port>, priority 10, declaring no
// export endpoints) over the bundled demo adapters (127.0.0.1 and localhost, priority -100), whose endpoints
// include /export/roster.csv. Identities are stored under the district adapter, so the demo adapters never see
// anyone and stay guarded (`unidentifiedUser: "guard"`): their blocks must not stop a teacher's export on the
// district's origin, and must still hold on localhost, the host they own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicyBundle } from '../../src/policy/bundle';
import { readPolicyDirectory } from '../../src/policy/files';
import type { SisServer } from '../fixtures/sis/server';
import { launchBrowser, type ExtensionBrowser } from './support/browser';
import { signIn, startDemoSis } from './support/sis';

type Bundle = { policy: { version: number }; adapters: Record<string, unknown>[] };
type Rule = Browser.declarativeNetRequest.Rule;

/** The export rules in the browser now (dynamic rules below the one-shot range). */
async function exportRules(browser: ExtensionBrowser): Promise<Rule[]> {
  return browser.worker.evaluate(async () => {
    const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
    return (await api.declarativeNetRequest.getDynamicRules()).filter((rule) => rule.id < 50_000);
  });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} never happened`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("a teacher's export on a district adapter's origin over the bundled demo adapters", () => {
  let browser: ExtensionBrowser;
  let sis: SisServer;
  let release: string;

  beforeAll(async () => {
    [browser, sis] = await Promise.all([launchBrowser(), startDemoSis()]);
    const bundled = (await readPolicyDirectory('policies')) as Bundle;
    const demo = bundled.adapters.find((adapter) => adapter['id'] === 'demo-sis');
    if (!demo) throw new Error('no demo adapter');
    const district = {
      ...demo,
      id: 'district-demo',
      name: 'District SIS (demo origin)',
      priority: 10,
      match: { ...(demo['match'] as Record<string, unknown>), hosts: [`127.0.0.1:${sis.port}`] },
      // Only the demo adapters below declare the export endpoints.
      exports: { controls: [], endpoints: [] },
    };
    const bundle: Bundle = {
      ...bundled,
      policy: { ...bundled.policy, version: 9 },
      adapters: [...bundled.adapters, district],
    };
    expect(parsePolicyBundle(bundle).ok).toBe(true);
    await browser.worker.evaluate(async (value) => {
      const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
      await api.storage.local.set({ 'policy.bundle': value });
    }, bundle);
    await until('policy version 9 in force', async () =>
      browser.worker.evaluate(async () => {
        const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
        const plan = (await api.storage.session.get('guard.plan'))['guard.plan'] as
          { policyVersion?: number } | undefined;
        return plan?.policyVersion === 9;
      }),
    );
    release = `^https?://(?:[^/?#@]*@)?127\\.0\\.0\\.1:${sis.port}`;
  }, 60_000);

  afterAll(async () => {
    await browser?.dispose();
    await sis?.close();
  });

  it("with nobody identified the demo adapters' roster block is in force and nothing is released", async () => {
    await until('the demo adapters export blocks', async () =>
      (await exportRules(browser)).some(
        (rule) => rule.action.type === 'block' && rule.condition.urlFilter === '/export/roster.csv',
      ),
    );
    const rules = await exportRules(browser);
    expect(rules.some((rule) => rule.condition.regexFilter?.startsWith(release) === true)).toBe(false);
  });

  it('a teacher signed in there downloads the roster the demo adapters would block', async () => {
    await signIn(browser.context, sis, 'teacher.park');
    await until('the release of the demo endpoints on the district origin', async () =>
      (await exportRules(browser)).some(
        (rule) => rule.action.type === 'allow' && rule.condition.regexFilter?.startsWith(release) === true,
      ),
    );
    const page = await browser.context.newPage();
    await page.goto(`${sis.url}/admin/home.html`);
    const result = await page.evaluate(async () =>
      fetch('/export/roster.csv', { credentials: 'include' })
        .then(async (response) => `read:${response.status}:${(await response.text()).split('\n')[0] ?? ''}`)
        .catch((error: unknown) => `failed:${String(error)}`),
    );
    expect(result).toMatch(/^read:200:/);
    await page.close();
  });

  it('the demo adapters still block the endpoint on localhost, the host they own', async () => {
    const page = await browser.context.newPage();
    const error = await page
      .goto(`http://localhost:${sis.port}/export/roster.csv`)
      .then(() => undefined)
      .catch((caught: unknown) => String(caught));
    expect(error).toContain('ERR_BLOCKED_BY_CLIENT');
    await page.close();
  });
});
