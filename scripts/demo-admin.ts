// The district admin's side of `npm run demo`: a policy signed and published with `npm run policy` (keygen in a
// temporary directory outside the repository, sign, publish) and a browser applying it; the options page's
// admin view; the console's admin pages (browsers, policy history, tokens); the roster import (a bad file
// named row by row, then a good one), the Board report with its chart and table, a student's disclosure
// record; the SRO interaction form; and `npm run adapter -- check` on a saved fixture page. Screenshots in
// demo-output/ as 8-*.png and 9-*.png.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { chain, fixtureDrafts, PERIOD, rosterCsv } from '../tests/fixtures/board/fixture';
import { EXTENSION_ID, launchBrowser, type ExtensionBrowser } from '../tests/e2e/support/browser';
import { launchClerkBrowser, signInToConsole } from '../tests/e2e/support/console';
import { DISTRICT, hubJson, type HubProcess } from '../tests/e2e/support/hub';
import { writePolicyFile } from '../tests/e2e/support/policy-file';

type Shot = (page: Page, name: string, caption: string) => Promise<void>;

/** Runs one of the repository's npm scripts the way an admin would, keeping what it printed. */
function runTool(script: 'policy' | 'adapter', args: string[], env: Record<string, string> = {}): string {
  const result = spawnSync('npx', ['tsx', `scripts/${script}.ts`, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  const printed = `$ npm run ${script} -- ${args.join(' ')}\n${result.stderr}${result.stdout}`;
  if (result.status !== 0) throw new Error(`npm run ${script} failed:\n${printed}`);
  return printed;
}

/** A terminal's output shown as a page, so the screenshot is of exactly what was printed. */
async function terminalShot(page: Page, shot: Shot, name: string, caption: string, text: string) {
  await page.setContent(
    '<!doctype html><html lang="en"><body style="margin:0;background:#1e1e1e;color:#e6e6e6">' +
      '<main><h1 style="font:600 16px sans-serif;margin:0;padding:12px 16px;background:#333"></h1>' +
      '<pre style="font:13px/1.45 monospace;margin:0;padding:12px 16px;white-space:pre-wrap"></pre></main></body></html>',
  );
  // Set as text: the output is never parsed as HTML.
  await page.evaluate(
    ([title, body]) => {
      const heading = document.querySelector('h1');
      const pre = document.querySelector('pre');
      if (heading) heading.textContent = title ?? '';
      if (pre) pre.textContent = body ?? '';
    },
    [caption, text],
  );
  await shot(page, name, caption);
}

interface PolicyStatus {
  inForce?: { source: string; version?: number; held: boolean };
}

const policyStatus = (browser: ExtensionBrowser): Promise<PolicyStatus> =>
  browser.worker.evaluate(async () => {
    const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
    return ((await api.storage.local.get('policy.status'))['policy.status'] ?? {}) as PolicyStatus;
  });

/** Brings the next hub sync forward (it runs on a 30 s alarm). */
const syncNow = (browser: ExtensionBrowser): Promise<void> =>
  browser.worker.evaluate(async () => {
    const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
    await api.alarms.create('hub-sync', { when: Date.now() + 100, periodInMinutes: 0.5 });
  });

export async function adminDemo(options: {
  hub: HubProcess;
  sro: ExtensionBrowser;
  tokens: Record<string, string>;
  /** Whether Chromium's managed policy can be written (root). */
  managed: boolean;
  headless: boolean;
  outDir: string;
  shot: Shot;
}): Promise<void> {
  const { hub, tokens, shot } = options;
  const admin = tokens['admin.lee'] as string;
  const sroToken = tokens['officer.diaz'] as string;
  const console_ = await launchClerkBrowser();
  const keyDir = await mkdtemp(join(tmpdir(), 'record-guard-demo-keys-'));
  let signedBrowser: ExtensionBrowser | undefined;
  try {
    const term = await console_.newPage({ viewport: { width: 1100, height: 700 } });

    // 1. The admin signs version 2 of the policy with a key kept outside the repository, and publishes it.
    const keygen = runTool('policy', ['keygen', '--out', keyDir, '--id', 'demo-district-2026']);
    const keyLine = keygen.trim().split('\n').at(-1) ?? '';
    const trustedKey = JSON.parse(keyLine) as { id: string; publicKey: string };
    const keyFile = join(keyDir, (await readdir(keyDir))[0] as string);
    const signedFile = join(keyDir, 'policy-v2.signed.json');
    const sign = runTool('policy', ['sign', '--key', keyFile, '--version', '2', '--out', signedFile]);
    const publish = runTool('policy', ['publish', '--hub', hub.url, signedFile], {
      RECORD_GUARD_ADMIN_TOKEN: admin,
    });
    const printed = [keygen, sign, publish].join('\n');
    console.log(printed.replace(/^/gm, '    '));
    await terminalShot(
      term,
      shot,
      '8a-policy-signed-published',
      'npm run policy: key pair made outside the repository, version 2 signed and published to the hub',
      printed,
    );

    // 2. A browser whose managed settings trust that key applies version 2 from the hub without a reinstall.
    if (options.managed) {
      await writePolicyFile('record-guard-e2e.json', {
        '3rdparty': {
          extensions: {
            [EXTENSION_ID]: {
              hubUrl: hub.url,
              hubToken: sroToken,
              district: DISTRICT,
              policyKeys: [trustedKey],
            },
          },
        },
      });
      signedBrowser = await launchBrowser({
        userDataDir: `${options.outDir}/profile-admin`,
        headless: options.headless,
      });
      const deadline = Date.now() + 60_000;
      let status = await policyStatus(signedBrowser);
      while (status.inForce?.version !== 2 && Date.now() < deadline) {
        await syncNow(signedBrowser);
        await new Promise((done) => setTimeout(done, 1000));
        status = await policyStatus(signedBrowser);
      }
      console.log(`  The browser's policy in force: ${JSON.stringify(status.inForce ?? null)}`);
      const optionsPage = await signedBrowser.context.newPage();
      await optionsPage.goto(signedBrowser.extensionUrl('options.html'));
      await optionsPage
        .locator('#policy-signature')
        .waitFor({ timeout: 10_000 })
        .catch(() => undefined);
      await shot(
        optionsPage,
        '8b-options-admin-view',
        'Options page, admin view: the signed version 2 in force, the key that signed it, the managed settings',
      );
      await optionsPage.close();
    } else {
      console.log(
        '  (not root: no managed policy, so no browser trusts the key; the options view is skipped)',
      );
    }

    // 3. The admin's console pages. A second SRO laptop, still on version 1, sent its autumn's events (the
    // Board report's data below): it stands out on the browsers page.
    const events = await hubJson(hub, sroToken, '/v1/events', {
      method: 'POST',
      body: { events: await chain(fixtureDrafts(), 'demo-board-device', DISTRICT) },
    });
    console.log(`  The autumn's SRO events for the Board report reach the hub (HTTP ${events.status})`);
    const page = await console_.newPage({ viewport: { width: 1280, height: 900 } });
    await signInToConsole(page, hub.url, admin);
    await page.goto(`${hub.url}/console/#/devices`);
    await page.locator('#published-version').waitFor();
    await shot(
      page,
      '8c-console-devices',
      'Console, admin: every browser with the policy it runs; one on an older policy stands out',
    );
    await page.goto(`${hub.url}/console/#/policy-history`);
    await page.locator('#policy-history').waitFor();
    await shot(
      page,
      '8d-console-policy-history',
      'Console, admin: the published policy history (who, when, signed with which key)',
    );
    await page.goto(`${hub.url}/console/#/tokens`);
    await page.locator('#tokens').waitFor();
    await page.getByLabel('Username').fill('officer.new');
    await page.getByLabel('Role').selectOption('sro');
    await page.getByLabel('Agency (SROs)').fill('Newman Police Department');
    await page.getByRole('button', { name: 'Issue the token' }).click();
    await page.locator('#issued-secret').waitFor();
    await shot(
      page,
      '8e-console-tokens',
      'Console, admin: a token issued, its secret shown once; the tokens in use, each revocable',
    );

    // 4. The roster: a file with bad rows is refused with every bad row named; the good one is imported.
    await page.goto(`${hub.url}/console/#/roster`);
    await page.getByRole('heading', { name: 'Import the roster' }).waitFor();
    await page.getByLabel('In force from').fill('2026-08-15');
    const bad = `${rosterCsv().trimEnd()}\r\nw1,nhs,9,white,female,none,N,,\r\nq1,nhs,9,purple,female,none,N,,\r\n`;
    await page
      .getByLabel('Roster file (CSV)')
      .setInputFiles({ name: 'roster.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await page.getByRole('button', { name: 'Import' }).click();
    await page.locator('#roster-file-error').waitFor();
    await shot(page, '9a-roster-bad-rows', 'Roster import: every bad row and field named, nothing imported');
    await page
      .getByLabel('Roster file (CSV)')
      .setInputFiles({ name: 'roster.csv', mimeType: 'text/csv', buffer: Buffer.from(rosterCsv()) });
    await page.getByRole('button', { name: 'Import' }).click();
    await page.locator('.success').waitFor();
    await shot(page, '9b-roster-imported', 'Roster import: 124 students in force from 2026-08-15');

    await page.goto(
      `${hub.url}/console/#/board-report?from=${PERIOD.from}&to=${PERIOD.to}&reference=race-ethnicity:white`,
    );
    await page.locator('#table-access').waitFor();
    // The whole report is many screens long: the screenshot is of its first table and chart, at reading size.
    await page.locator('#table-access-title').evaluate((element) => element.scrollIntoView());
    const reportShot = `${options.outDir}/9c-board-report.png`;
    await page.screenshot({ path: reportShot });
    console.log(
      `  Board report: each table with its chart beside it, small counts suppressed (*)\n    ${reportShot}`,
    );

    // With managed settings, student 100007's subpoena-approved access from the console demo is at the hub;
    // without, the autumn's consent-based accesses and arrest of student w1 (the Board report's data) are.
    const student = options.managed ? '100007' : 'w1';
    await syncNow(options.sro).catch(() => undefined);
    await new Promise((done) => setTimeout(done, 3000));
    await page.goto(`${hub.url}/console/#/disclosure?student=${student}`);
    await page.getByRole('heading', { name: `Record of disclosures for student ${student}` }).waitFor();
    await shot(
      page,
      '9d-disclosure-record',
      `Student ${student}'s record of disclosures (FERPA 34 CFR 99.32): who saw what, on which basis`,
    );

    // 5. The SRO's interaction form in the extension (linked from the popup).
    const form = await options.sro.context.newPage();
    await form.goto(options.sro.extensionUrl('interactions.html'));
    await form.getByRole('heading', { name: 'Log an interaction with a student' }).waitFor();
    await form.getByLabel('Officer (SIS username)').fill('officer.diaz');
    await form.getByLabel('Date and time').fill('2026-11-05T10:00');
    await form.getByLabel('School code').fill('nhs');
    await form.getByLabel('Student ID').fill('h3');
    await form.getByLabel('Type').selectOption('referral-for-prosecution');
    await form.getByLabel('Reason').fill('Theft of a laptop from the library');
    await form.getByLabel('The parent was notified').check();
    await form.getByRole('button', { name: 'Record the interaction' }).click();
    await form
      .locator('#recorded')
      .waitFor({ timeout: 10_000 })
      .catch(() => undefined);
    await shot(
      form,
      '9e-sro-interaction-form',
      "The SRO's interaction form after recording one (the event goes to the hub's Board report)",
    );
    await form.close();

    // 6. An adapter checked against a saved SIS page.
    const check = runTool('adapter', [
      'check',
      'powerschool',
      'tests/fixtures/pages/powerschool/previousgrades.html',
      'https://district.powerschool.com/admin/students/previousgrades.html?frn=001204511',
    ]);
    console.log(check.replace(/^/gm, '    '));
    await terminalShot(
      term,
      shot,
      '9f-adapter-check',
      'npm run adapter -- check: what the PowerSchool adapter reads from a saved page, and what it misses',
      check,
    );
  } finally {
    await signedBrowser?.dispose();
    await console_.close();
    // The private key was only for the demo: it goes with its directory.
    await rm(keyDir, { recursive: true, force: true });
  }
}
