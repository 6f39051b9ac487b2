// Reports in real Chromium (issue 14): the Board report page in the console with its chart and table
// (screenshot checked), printed to PDF by Chromium (text checked with pdfjs-dist), the CSV parsed back and
// compared with the JSON; a disclosure record with consent, subpoena (notice) and emergency (threat, review)
// accesses in English and Spanish; the SRO interaction form filled in the extension page and the event
// reaching the hub.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chain, fixtureDrafts, PERIOD, rosterCsv } from '../fixtures/board/fixture';
import { EXTENSION_ID, launchBrowser, seriousAxeViolations, type ExtensionBrowser } from './support/browser';
import { hubJson, prepareHub, removeHubData, startHub, type HubProcess } from './support/hub';
import { clearManagedSettings, setManagedSettings } from './support/managed';
import { LEGEND_BOX_PX, tallestRuns } from './support/chart';
import { pdfText } from './support/pdf-text';

const SHOTS = process.env.E2E_ARTIFACTS ?? '/tmp/rg-reports-e2e';
const QUERY = `from=${PERIOD.from}&to=${PERIOD.to}&reference=race-ethnicity:white`;
/** The chart's series colours (board-report.tsx), in the order of the groups with students. */
const PALETTE = ['#0b5cad', '#c2410c', '#15803d', '#7e22ce', '#be123c', '#0e7490', '#4d7c0f', '#92400e'];

interface ReportJson {
  report: {
    tables: {
      id: string;
      rows: string[];
      all: { count: number }[];
      breakdowns: {
        dimension: string;
        groups: { group: string; enrolled: number | null }[];
        cells: { count: number | null; state: string; rate: number | null }[][];
      }[];
    }[];
  };
}

describe('reports in Chromium', () => {
  let hub: HubProcess;
  let browser: ExtensionBrowser;
  let tokens: Record<string, string>;
  let dataDir: string;
  let page: Page;

  beforeAll(async () => {
    execFileSync('npm', ['run', 'build:console', '--silent'], { stdio: 'inherit' });
    await mkdir(SHOTS, { recursive: true });
    ({ dataDir, tokens } = await prepareHub([
      { user: 'officer.diaz', role: 'sro' },
      { user: 'clerk.nguyen', role: 'clerk' },
      { user: 'admin.lee', role: 'admin' },
    ]));
    hub = await startHub(dataDir);
    const admin = tokens['admin.lee'] as string;
    const sro = tokens['officer.diaz'] as string;
    const clerk = tokens['clerk.nguyen'] as string;
    expect(
      (
        await hubJson(hub, admin, '/v1/roster', {
          method: 'POST',
          body: { effectiveOn: '2026-08-15', csv: rosterCsv() },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await hubJson(hub, sro, '/v1/events', {
          method: 'POST',
          body: { events: await chain(fixtureDrafts()) },
        })
      ).status,
    ).toBe(200);

    // Student b9: a consent, a subpoena approved with its notice, an emergency grant with its threat.
    const consent = await hubJson(hub, clerk, '/v1/consents', {
      method: 'POST',
      body: {
        studentId: 'b9',
        signer: { name: 'Rosa Garcia', relation: 'parent' },
        categories: ['grades'],
        actions: ['view'],
        purpose: 'Academic mentoring check-ins',
        recipient: { kind: 'agency', agency: 'Newman Police Department' },
        signedOn: '2026-09-01',
        expiresOn: '2099-06-30',
        documentRef: 'DMS-2026-0777',
        studentBirthDate: '2011-04-17',
      },
    });
    expect(consent.status).toBe(201);
    const consentId = (consent.body as { consent: { consent: { id: string } } }).consent.consent.id;
    const filed = await hubJson(hub, sro, '/v1/requests', {
      method: 'POST',
      body: {
        basis: 'judicial-order',
        studentId: 'b9',
        categories: ['attendance', 'discipline'],
        actions: ['view'],
        justification:
          'Subpoena duces tecum for attendance and discipline records in case 24-JV-0193, served today.',
        evidence: {
          'case-number': '24-JV-0193',
          'issuing-court': 'Stanislaus County Superior Court',
          'order-date': '2026-11-20',
        },
      },
    });
    expect(filed.status).toBe(201);
    const requestId = (filed.body as { request: { request: { id: string } } }).request.request.id;
    const approved = await hubJson(hub, clerk, `/v1/requests/${requestId}/decision`, {
      method: 'POST',
      body: {
        decision: 'approve',
        minutes: 60,
        reason: 'Subpoena verified with the court clerk',
        notice: {
          kind: 'notified',
          notifiedOn: '2026-11-21',
          method: 'mail',
          recipient: 'parent',
          by: 'Records office',
        },
      },
    });
    expect(approved.status).toBe(200);
    const grantId = '01KB9EMERGENCYGRANT0000000';
    const at = (minute: number) => new Date(Date.UTC(2026, 10, 24, 17, minute)).toISOString();
    const sroActor = { username: 'officer.diaz', role: 'sro' as const };
    const disclosureEvents = await chain(
      [
        {
          time: at(0),
          type: 'decision',
          actor: sroActor,
          studentId: 'b9',
          categories: ['grades'],
          action: 'view',
          outcome: 'allow',
          basis: 'written-consent',
          ref: consentId,
          coverage: [{ kind: 'consent', id: consentId, basis: 'written-consent' }],
          citations: ['34 CFR 99.30'],
        },
        {
          time: at(10),
          type: 'decision',
          actor: sroActor,
          studentId: 'b9',
          categories: ['attendance', 'discipline'],
          action: 'view',
          outcome: 'allow',
          basis: 'judicial-order',
          ref: requestId,
          coverage: [{ kind: 'request', id: requestId, basis: 'judicial-order' }],
          citations: [],
        },
        {
          time: at(20),
          type: 'justification',
          actor: sroActor,
          studentId: 'b9',
          categories: ['health', 'contacts'],
          action: 'view',
          outcome: 'allow',
          basis: 'health-safety-emergency',
          ref: grantId,
          citations: [],
          justification:
            'Student reported missing after a threat to harm himself; need emergency contacts now.',
          evidence: {
            threat: 'Threat of self-harm reported by a teacher at 9:10',
            'incident-number': 'NPD-26-1188',
          },
        },
        {
          time: at(21),
          type: 'decision',
          actor: sroActor,
          studentId: 'b9',
          categories: ['health', 'contacts'],
          action: 'view',
          outcome: 'allow',
          basis: 'health-safety-emergency',
          ref: grantId,
          coverage: [{ kind: 'grant', id: grantId, basis: 'health-safety-emergency' }],
          citations: [],
        },
      ],
      'device-b9',
    );
    expect(
      (await hubJson(hub, sro, '/v1/events', { method: 'POST', body: { events: disclosureEvents } })).status,
    ).toBe(200);

    await setManagedSettings({ hubUrl: hub.url, hubToken: sro });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.goto(`${hub.url}/console/`);
    await page.getByLabel('Hub token').fill(admin);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Welcome, admin.lee.').waitFor();
  }, 180_000);

  afterAll(async () => {
    await clearManagedSettings();
    await browser?.dispose();
    await hub?.stop();
    if (dataDir) await removeHubData(dataDir);
  });

  it('shows the Board report with a chart beside its table, marks suppressed cells, and is accessible', async () => {
    await page.goto(`${hub.url}/console/#/board-report?${QUERY}`);
    const table = page.locator('#table-access');
    await table.waitFor();
    const canvas = page.locator('#table-access-title ~ .report-figure canvas');
    await expect(canvas.getAttribute('role')).resolves.toBe('img');
    // The chart drew bars: a column of the first series' colour taller than its legend box.
    const [firstSeries] = await tallestRuns(canvas, [PALETTE[0] as string]);
    expect(firstSeries).toBeGreaterThan(LEGEND_BOX_PX);
    await expect(table.locator('tbody tr').first().textContent()).resolves.toMatch(/All students\s*124\s*50/);
    // 47 accesses of the fixture and 3 of student b9 in November; with the policy's threshold (11) the black
    // students' consent-based accesses (3 + 1) are not shown.
    await expect(table.textContent()).resolves.toContain('*');
    await page.locator('#table-access').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, 'board-report.png'), fullPage: false });
    await page.locator('#table-access-title').scrollIntoViewIfNeeded();
    await page
      .locator('.report-figure')
      .first()
      .screenshot({ path: join(SHOTS, 'board-report-access.png') });
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  it('prints to a letter-size PDF with the report and without the console around it', async () => {
    await page.emulateMedia({ media: 'print' });
    await page.screenshot({ path: join(SHOTS, 'board-report-print.png') });
    const pdf = await page.pdf({ format: 'Letter', preferCSSPageSize: true, printBackground: false });
    await page.emulateMedia({ media: 'screen' });
    await writeFile(join(SHOTS, 'board-report.pdf'), pdf);
    const { pages, text } = await pdfText(pdf);
    expect(pages).toBeGreaterThan(0);
    // (pdfjs splits ligatures such as "ffi" into their own items, so phrases are checked without them.)
    expect(text).toContain('Board report: School Resource');
    expect(text).toContain('SRO record access by outcome');
    expect(text).toContain('SRO interactions with students, by type');
    expect(text).toMatch(/All stud ?ents 12 ?4 5 ?0/);
    expect(text).not.toContain('Sign out');
    expect(text).not.toContain('Show the report');
    // Letter landscape: 11 × 8.5 in = 792 × 612 points.
    expect(pdf.toString('latin1')).toMatch(/\/MediaBox \[0 0 792 612\]/);
  });

  it("the first chart draws a bar for every group whose rate the table shows (the demo's October data)", async () => {
    // October alone is the demo's data: with the threshold of 11 every outcome row of the first table is
    // suppressed or zero for every group, and only the "all" row has figures. The chart used to leave that
    // row out and drew an empty frame (its legend's colour boxes were all the series' colour on the canvas).
    const october = `from=${PERIOD.from}&to=2026-10-31&reference=race-ethnicity:white`;
    const answer = await hubJson(hub, tokens['admin.lee'] as string, `/v1/reports/board?${october}`);
    const access = (answer.body as ReportJson).report.tables[0];
    const race = access?.breakdowns.find((entry) => entry.dimension === 'race-ethnicity');
    if (!access || !race) throw new Error('no access table by race');
    const outcomeRows = access.rows.slice(1).map((_, row) => row + 1);
    // The premise: no outcome row has a shown, non-zero rate; the all row has.
    const shownRate = (row: number, column: number) => {
      const cell = race.cells[row]?.[column];
      return cell?.state === 'shown' ? (cell.rate ?? 0) : 0;
    };
    const columns = race.groups.map((_, column) => column);
    expect(outcomeRows.every((row) => columns.every((column) => shownRate(row, column) === 0))).toBe(true);
    const series = columns.filter((column) => (race.groups[column]?.enrolled ?? 0) > 0);
    const best = series.map((column) => Math.max(...access.rows.map((_, row) => shownRate(row, column))));
    expect(Math.max(...best)).toBeGreaterThan(0);

    await page.goto(`${hub.url}/console/#/board-report?${october}`);
    await page.locator('#table-access').waitFor();
    const canvas = page.locator('#table-access-title ~ .report-figure canvas');
    const runs = await tallestRuns(
      canvas,
      series.map((_, index) => PALETTE[index % PALETTE.length] as string),
    );
    const top = Math.max(...best);
    best.forEach((rate, index) => {
      // A group with a rate of a quarter of the tallest or more has a bar well above its legend box; a group
      // with none shown has only its legend box.
      if (rate >= top / 4) expect(runs[index]).toBeGreaterThan(LEGEND_BOX_PX * 3);
      if (rate === 0) expect(runs[index]).toBeLessThanOrEqual(LEGEND_BOX_PX);
    });
    await expect(
      page.locator('#table-access-title ~ .report-figure .chart-note').textContent(),
    ).resolves.toBe('Cells not shown in the table (* and **) have no bar.');
    await page.locator('#table-access-title').evaluate((element) => element.scrollIntoView());
    await page.screenshot({ path: join(SHOTS, 'board-report-october.png') });
  });

  it('the CSV downloads formula-safe and reads back to the numbers of the JSON report', async () => {
    const [csv, json] = await page.evaluate(async (query) => {
      const text = await (await fetch(`/console/api/reports/board.csv?${query}`)).text();
      const data = (await (await fetch(`/console/api/reports/board?${query}`)).json()) as unknown;
      return [text, data] as const;
    }, QUERY);
    const rows = parse(csv.replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
    const { report } = json as ReportJson;
    let compared = 0;
    for (const table of report.tables) {
      table.rows.forEach((row, index) => {
        const line = rows.find(
          (entry) => entry.table === table.id && entry.row === row && entry.dimension === 'all',
        );
        expect(line?.count).toBe(String(table.all[index]?.count));
        compared++;
        for (const breakdown of table.breakdowns) {
          breakdown.groups.forEach((group, column) => {
            const cell = breakdown.cells[index]?.[column];
            const found = rows.find(
              (entry) =>
                entry.table === table.id &&
                entry.row === row &&
                entry.dimension === breakdown.dimension &&
                entry.group === group.group,
            );
            expect(found?.count).toBe(
              cell?.count === null || cell?.count === undefined ? '' : String(cell.count),
            );
            expect(found?.suppressed).toBe(cell?.state === 'shown' ? '' : cell?.state);
            compared++;
          });
        }
      });
    }
    expect(compared).toBeGreaterThan(500);
    expect(csv.split('\r\n').some((line) => /(^|,)[=+\-@]/.test(line))).toBe(false);
  });

  it("a student's disclosure record in English and in Spanish, printable", async () => {
    await page.goto(`${hub.url}/console/#/disclosure?student=b9`);
    await page.getByRole('heading', { name: 'Record of disclosures for student b9' }).waitFor();
    const english = (await page.locator('.report').textContent()) ?? '';
    expect(english).toContain('Written consent signed by Rosa Garcia (parent)');
    expect(english).toContain('DMS-2026-0777');
    expect(english).toContain('Notice made: mail to the parent on 2026-11-21, by Records office');
    expect(english).toContain('Request approved, decided by clerk.nguyen');
    expect(english).toContain('Threat: Threat of self-harm reported by a teacher at 9:10');
    expect(english).toContain('Disclosed to: officer.diaz');
    expect(english).toContain('Review: pending');
    await page.screenshot({ path: join(SHOTS, 'disclosure-en.png'), fullPage: true });
    await page.getByLabel('Language').selectOption('es');
    await page.getByRole('heading', { name: 'Registro de divulgaciones del estudiante b9' }).waitFor();
    const spanish = (await page.locator('.report').textContent()) ?? '';
    expect(spanish).toContain('Consentimiento por escrito firmado por Rosa Garcia (padre o madre)');
    expect(spanish).toContain('Notificación hecha: correo al padre o madre el 2026-11-21');
    expect(spanish).toContain('Amenaza: Threat of self-harm');
    expect(spanish).toContain('Revisión: pendiente');
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ format: 'Letter', preferCSSPageSize: true });
    await page.emulateMedia({ media: 'screen' });
    await writeFile(join(SHOTS, 'disclosure-es.pdf'), pdf);
    const { text } = await pdfText(pdf);
    expect(text).toContain('Registro de divulgaciones del estudiante b9');
    expect(text).toContain('Amenaza');
    expect(text).not.toContain('Mostrar el registro');
    await page.getByLabel('Idioma').selectOption('en');
    // Each viewing is in the audit log.
    const audit = await hubJson(hub, tokens['admin.lee'] as string, '/v1/audit?action=disclosure.view');
    expect(
      (audit.body as { entries: { target: string }[] }).entries.filter(
        (entry) => entry.target === 'student:b9',
      ).length,
    ).toBeGreaterThanOrEqual(2);
  });

  it('an admin imports a roster in the console (a bad file changes nothing) and records an interaction', async () => {
    await page.goto(`${hub.url}/console/#/roster`);
    await page.getByRole('heading', { name: 'Import the roster' }).waitFor();
    await page.getByLabel('In force from').fill('2026-10-01');
    const bad = `${rosterCsv().trimEnd()}\r\nw1,nhs,9,white,female,none,N,,\r\nq1,nhs,9,purple,female,none,N,,\r\n`;
    await page
      .getByLabel('Roster file (CSV)')
      .setInputFiles({ name: 'roster.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await page.getByRole('button', { name: 'Import' }).click();
    await expect(page.locator('#roster-file-error').textContent()).resolves.toMatch(
      /nothing imported; first: line 126 student_id: duplicate student id \(also on line 2\)/,
    );
    // Every bad row is listed with its field, not only the first.
    const listed = page.locator('#roster-rows li');
    await expect(listed.count()).resolves.toBe(2);
    await expect(listed.nth(0).textContent()).resolves.toBe(
      'Line 126, student_id: duplicate student id (also on line 2)',
    );
    await expect(listed.nth(1).textContent()).resolves.toMatch(/^Line 127, race_ethnicity: /);
    const versions = await hubJson(hub, tokens['admin.lee'] as string, '/v1/roster');
    expect((versions.body as { versions: unknown[] }).versions).toHaveLength(1);

    await page.getByLabel('Date and time').fill('2026-11-12T09:30');
    await page.getByLabel('School code').fill('nhs');
    await page.getByLabel('Student ID').fill('nobody-9');
    await page.getByLabel('Type', { exact: true }).selectOption('citation');
    await page.getByLabel('Reason').fill('Vandalism of a school vehicle');
    await page.getByRole('button', { name: 'Record the interaction' }).click();
    await expect(page.locator('#interaction-studentId-error').textContent()).resolves.toMatch(
      /is not in the roster in force/,
    );
    await page.getByLabel('Student ID').fill('h5');
    await page.getByRole('button', { name: 'Record the interaction' }).click();
    await page.getByText('Recorded.').waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  it('the SRO logs an interaction in the extension page (linked from the popup) and it reaches the hub', async () => {
    const popup = await browser.context.newPage();
    await popup.goto(`chrome-extension://${EXTENSION_ID}/popup.html`);
    const link = popup.getByRole('link', { name: 'Log an interaction with a student' });
    await expect(link.getAttribute('href')).resolves.toBe(
      `chrome-extension://${EXTENSION_ID}/interactions.html`,
    );
    await popup.close();

    const form = await browser.context.newPage();
    await form.goto(`chrome-extension://${EXTENSION_ID}/interactions.html`);
    await form.getByRole('heading', { name: 'Log an interaction with a student' }).waitFor();
    await form.getByLabel('Officer (SIS username)').fill('officer.diaz');
    // A future date is refused, naming the field; nothing is recorded.
    await form.getByLabel('Date and time').fill('2099-01-01T10:00');
    await form.getByLabel('School code').fill('nhs');
    await form.getByLabel('Student ID').fill('h3');
    await form.getByLabel('Type').selectOption('referral-for-prosecution');
    await form.getByLabel('Reason').fill('Theft of a laptop from the library');
    await form.getByLabel('The parent was notified').check();
    await form.getByRole('button', { name: 'Record the interaction' }).click();
    await expect(form.locator('#problems').textContent()).resolves.toContain(
      'Date and time: is in the future',
    );
    expect(await seriousAxeViolations(form)).toEqual([]);
    await form.getByLabel('Date and time').fill('2026-11-05T10:00');
    await form.getByRole('button', { name: 'Record the interaction' }).click();
    await expect(form.locator('#recorded').textContent()).resolves.toMatch(
      /^Recorded \(event [0-9A-Z]{26}\)\.$/,
    );

    // The event goes through the outbox to the hub; the report counts it.
    const deadline = Date.now() + 60_000;
    let count = 0;
    for (;;) {
      const answer = await hubJson(hub, tokens['admin.lee'] as string, `/v1/reports/board?${QUERY}`);
      const interactions = (answer.body as ReportJson).report.tables.find(
        (table) => table.id === 'interactions',
      );
      count = interactions?.all[interactions.rows.indexOf('referral-for-prosecution')]?.count ?? 0;
      if (count === 1 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(count).toBe(1);
  });
});
