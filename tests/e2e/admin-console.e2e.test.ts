// The district admin's pages in the hub's console (a plain Chromium against a real hub): every browser with the
// policy it runs, those running an older policy or silent standing out; the published policy history; a token
// issued with its secret shown once, which works, and revoked, which stops working. English and Spanish, axe-clean.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { PolicyBundle } from '../../src/policy/bundle';
import { loadPolicy } from '../../src/policy/files';
import { generateKeyPair, signBundle } from '../../src/policy/signing';
import { GENESIS_HASH, hashEvent, type LogEvent } from '../../src/report/event-contract';
import { seriousAxeViolations } from './support/browser';
import { ensureConsoleBuilt, launchClerkBrowser, signInToConsole } from './support/console';
import { DISTRICT, hubJson, prepareHub, removeHubData, startHub, type HubProcess } from './support/hub';

const SHOTS = process.env.E2E_ARTIFACTS ?? '/tmp/rg-admin-console-e2e';
mkdirSync(SHOTS, { recursive: true });

let counter = 0;
/** A ULID-shaped id, increasing (Crockford base32). */
const ulid = (): string => `01J${String(Date.now()).padStart(13, '0')}${String(++counter).padStart(10, '0')}`;

async function chain(
  device: string,
  username: string,
  policyVersion: number,
  count: number,
): Promise<LogEvent[]> {
  const events: LogEvent[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= count; seq++) {
    const unhashed: Omit<LogEvent, 'hash'> = {
      id: ulid(),
      seq,
      time: new Date(Date.now() - 60_000).toISOString(),
      type: 'policy-applied',
      device,
      district: DISTRICT,
      actor: { username, role: 'sro' },
      categories: [],
      citations: [],
      policyVersion,
      prevHash,
    };
    const event = { ...unhashed, hash: await hashEvent(unhashed) } as LogEvent;
    events.push(event);
    prevHash = event.hash;
  }
  return events;
}

describe("the admin's console pages", () => {
  let hub: HubProcess;
  let browser: Browser;
  let page: Page;
  let tokens: Record<string, string>;
  let dataDir: string;

  beforeAll(async () => {
    ensureConsoleBuilt();
    ({ dataDir, tokens } = await prepareHub([
      { user: 'officer.diaz', role: 'sro' },
      { user: 'deputy.ross', role: 'sro' },
      { user: 'admin.lee', role: 'admin' },
    ]));
    [hub, browser] = await Promise.all([startHub(dataDir), launchClerkBrowser()]);
    const loaded = await loadPolicy('policies');
    if (!loaded.ok) throw new Error(loaded.errors.join('; '));
    const bundle: PolicyBundle = structuredClone(loaded.value);
    bundle.policy.version = 2;
    const key = { keyId: 'district-2026', ...(await generateKeyPair()) };
    const published = await hubJson(hub, tokens['admin.lee'] as string, '/v1/policy', {
      method: 'PUT',
      body: await signBundle(bundle, key, new Date()),
    });
    expect(published.status).toBe(200);
    // One browser on version 2, one still on version 1.
    for (const [user, device, version] of [
      ['officer.diaz', 'laptop-current', 2],
      ['deputy.ross', 'laptop-behind', 1],
    ] as const) {
      const posted = await hubJson(hub, tokens[user] as string, '/v1/events', {
        method: 'POST',
        body: { events: await chain(device, user, version, 3) },
      });
      expect(posted.status, JSON.stringify(posted.body)).toBe(200);
    }
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signInToConsole(page, hub.url, tokens['admin.lee'] as string);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
    if (dataDir) await removeHubData(dataDir);
  });

  it('lists every browser with its policy version; the one on an older policy stands out', async () => {
    await page.goto(`${hub.url}/console/#/devices`);
    await page.locator('#devices').waitFor();
    expect(await page.locator('#published-version').innerText()).toContain('version 2');
    const current = page.locator('tr[data-device="laptop-current"]');
    const behind = page.locator('tr[data-device="laptop-behind"]');
    expect(await current.locator('td[data-policy-version]').innerText()).toBe('2');
    expect(await current.getAttribute('data-stale')).toBe('');
    expect(await current.innerText()).toContain('Up to date');
    expect(await behind.getAttribute('class')).toBe('stale');
    expect(await behind.innerText()).toContain('Needs attention: older policy');
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  it('shows the published policy history: who, when, signed with which key, what changed', async () => {
    await page.goto(`${hub.url}/console/#/policy-history`);
    await page.locator('#policy-history').waitFor();
    const v2 = page.locator('tr[data-version="2"]');
    expect(await v2.innerText()).toContain('admin.lee');
    expect(await v2.innerText()).toContain('signed, key district-2026');
    expect(await page.locator('tr[data-version="1"]').innerText()).toContain('unsigned');
    // The contents' SHA-256: 12 digits on screen, the whole digest in the title and on paper.
    const short = v2.locator('code.hash-short');
    expect(await short.innerText()).toMatch(/^[0-9a-f]{12}$/);
    const digest = (await short.getAttribute('title')) ?? '';
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(digest.startsWith(await short.innerText())).toBe(true);
    expect(await v2.locator('code.hash-full').isVisible()).toBe(false);
    // Readable at 1280 px: version 1's long list of changes no longer squeezes the other columns to a few
    // letters a line (each was under 60 px wide), and the table fits the page without scrolling sideways.
    const widths = await page
      .locator('#policy-history thead th')
      .evaluateAll((cells) => cells.map((cell) => cell.getBoundingClientRect().width));
    for (const width of widths.slice(0, 4)) expect(width).toBeGreaterThan(100);
    const fits = await page.evaluate(() => {
      const table = document.querySelector('#policy-history');
      const main = document.querySelector('main');
      return (
        !!table &&
        !!main &&
        table.getBoundingClientRect().right <= main.getBoundingClientRect().right + 1 &&
        document.documentElement.scrollWidth <= innerWidth
      );
    });
    expect(fits).toBe(true);
    // The published date stays on at most two lines (it took six): one client rect per line of its text.
    const dateLines = await v2
      .locator('td')
      .first()
      .evaluate((cell) => {
        const range = document.createRange();
        range.selectNodeContents(cell);
        return range.getClientRects().length;
      });
    expect(dateLines).toBeLessThanOrEqual(2);
    await page.screenshot({ path: join(SHOTS, 'policy-history.png'), fullPage: true });
    await page.emulateMedia({ media: 'print' });
    expect(await v2.locator('code.hash-full').innerText()).toBe(digest);
    expect(await short.isVisible()).toBe(false);
    await page.screenshot({ path: join(SHOTS, 'policy-history-print.png'), fullPage: true });
    await page.emulateMedia({ media: 'screen' });
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  it('issues a token with the secret shown once, which works; revoked, it stops working', async () => {
    await page.goto(`${hub.url}/console/#/tokens`);
    await page.locator('#tokens').waitFor();
    await page.getByLabel('Username').fill('officer.new');
    await page.getByLabel('Role').selectOption('sro');
    await page.getByLabel('Agency (SROs)').fill('Newman Police Department');
    await page.getByRole('button', { name: 'Issue the token' }).click();
    const secret = await page.locator('#issued-secret').innerText();
    expect(secret).toMatch(/^rgh_[A-Za-z0-9_-]{43}$/);
    expect(await page.locator('#issued-token').innerText()).toContain('will not be shown again');
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect((await hubJson(hub, secret, '/v1/policy')).status).toBe(200);

    // Shown once: the page opened again has no secret, the list has no secret either.
    await page.reload();
    await page.locator('#tokens').waitFor();
    expect(await page.locator('#issued-secret').count()).toBe(0);
    expect(await page.locator('body').innerText()).not.toContain(secret);

    await page.getByRole('button', { name: "Revoke officer.new's token" }).click();
    await expect.poll(() => page.locator('#token-status').innerText()).toContain('was revoked');
    await expect
      .poll(async () => (await hubJson(hub, secret, '/v1/policy')).status, { timeout: 10_000 })
      .toBe(401);
  });

  it('refuses a bad token request with the field named, and speaks Spanish', async () => {
    await page.getByLabel('Username').fill('two words');
    await page.getByRole('button', { name: 'Issue the token' }).click();
    await expect
      .poll(() =>
        page
          .locator('#token-user-error')
          .innerText()
          .catch(() => ''),
      )
      .not.toBe('');
    await page.getByLabel('Language').selectOption('es');
    await page.goto(`${hub.url}/console/#/devices`);
    await page.locator('#devices').waitFor();
    expect(await page.locator('tr[data-device="laptop-behind"]').innerText()).toContain('Requiere atención');
    expect(await page.locator('#published-version').innerText()).toContain('versión 2');
    expect(await seriousAxeViolations(page)).toEqual([]);
  });
});
