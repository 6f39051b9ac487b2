// The console in Spanish and at 200% zoom (a plain Chromium against a real hub): switching the language changes
// the visible texts of the exception queue and the Board report and the page's lang attribute; at 200% zoom
// (a 1280 × 900 window is 640 × 450 CSS pixels at twice the pixel density) every main control of both pages
// can be reached without scrolling the page sideways, by keyboard too, and axe-core finds nothing serious.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chain, fixtureDrafts, PERIOD, rosterCsv } from '../fixtures/board/fixture';
import { seriousAxeViolations } from './support/browser';
import { ensureConsoleBuilt, launchClerkBrowser, queueCard, signInToConsole } from './support/console';
import { hubJson, prepareHub, removeHubData, startHub, type HubProcess } from './support/hub';

const SHOTS = process.env.E2E_ARTIFACTS ?? '/tmp/rg-console-lang-zoom-e2e';
const REPORT = `board-report?from=${PERIOD.from}&to=${PERIOD.to}&reference=race-ethnicity:white`;

/** Controls that sit outside the viewport's width, or make the page itself wider than the viewport. */
async function outOfReach(page: Page, selectors: string[]) {
  return page.evaluate((wanted) => {
    const problems: string[] = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth + 1)
      problems.push(`page scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}`);
    for (const selector of wanted) {
      const found = [...document.querySelectorAll<HTMLElement>(selector)];
      if (found.length === 0) problems.push(`${selector}: missing`);
      for (const element of found) {
        const box = element.getBoundingClientRect();
        if (box.width === 0 || box.left < 0 || box.right > root.clientWidth + 1)
          problems.push(
            `${selector}: ${Math.round(box.left)}–${Math.round(box.right)} of ${root.clientWidth}`,
          );
      }
    }
    return problems;
  }, selectors);
}

/** Tabs through the page; the ids (or names) of what took focus, in order. */
async function tabStops(page: Page, count: number): Promise<string[]> {
  await page.locator('body').focus();
  const stops: string[] = [];
  for (let index = 0; index < count; index++) {
    await page.keyboard.press('Tab');
    stops.push(
      await page.evaluate(() => {
        const active = document.activeElement as HTMLElement | null;
        if (!active) return '';
        return active.id || active.getAttribute('name') || (active.textContent ?? '').trim().slice(0, 40);
      }),
    );
  }
  return stops;
}

describe('the console in Spanish and at 200% zoom', () => {
  let hub: HubProcess;
  let browser: Browser;
  let tokens: Record<string, string>;
  let dataDir: string;
  let wide: Page;
  let zoomed: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    ensureConsoleBuilt();
    await mkdir(SHOTS, { recursive: true });
    ({ dataDir, tokens } = await prepareHub([
      { user: 'officer.diaz', role: 'sro' },
      { user: 'clerk.nguyen', role: 'clerk' },
      { user: 'admin.lee', role: 'admin' },
    ]));
    [hub, browser] = await Promise.all([startHub(dataDir), launchClerkBrowser()]);
    const sro = tokens['officer.diaz'] as string;
    // A pending subpoena request for the queue; a roster and the autumn's events for the Board report.
    const filed = await hubJson(hub, sro, '/v1/requests', {
      method: 'POST',
      body: {
        basis: 'judicial-order',
        studentId: '100000',
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
    const admin = tokens['admin.lee'] as string;
    const roster = await hubJson(hub, admin, '/v1/roster', {
      method: 'POST',
      body: { effectiveOn: '2026-08-15', csv: rosterCsv() },
    });
    expect(roster.status).toBe(201);
    const events = await hubJson(hub, sro, '/v1/events', {
      method: 'POST',
      body: { events: await chain(fixtureDrafts()) },
    });
    expect(events.status).toBe(200);
    wide = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signInToConsole(wide, hub.url, tokens['clerk.nguyen'] as string);
    // 200% zoom: the same window at twice the density, so the page lays out in half the CSS pixels.
    zoomed = await browser.newContext({ viewport: { width: 640, height: 450 }, deviceScaleFactor: 2 });
    page = await zoomed.newPage();
    await signInToConsole(page, hub.url, tokens['clerk.nguyen'] as string);
  }, 120_000);

  afterAll(async () => {
    await zoomed?.close();
    await browser?.close();
    await hub?.stop();
    if (dataDir) await removeHubData(dataDir);
  });

  it('switching to Spanish changes the queue and the report pages, and the lang attribute', async () => {
    await wide.goto(`${hub.url}/console/#/queue`);
    const card = queueCard(wide, '100000');
    await card.waitFor();
    expect(await wide.locator('html').getAttribute('lang')).toBe('en');
    await wide.getByRole('heading', { name: 'Exception queue', level: 1 }).waitFor();
    expect(await card.textContent()).toContain('Court order or lawfully issued subpoena');

    await wide.getByLabel('Language').selectOption('es');
    await wide.getByRole('heading', { name: 'Cola de excepciones', level: 1 }).waitFor();
    expect(await wide.locator('html').getAttribute('lang')).toBe('es');
    const spanishCard = wide.locator('article.card', { hasText: 'Estudiante' }).first();
    const text = (await spanishCard.textContent()) ?? '';
    expect(text).toContain('Orden judicial o citación emitida legalmente');
    expect(text).toMatch(/Esperando \d+ min/);
    expect(text).toContain('Fundamento legal');
    await expect(spanishCard.getByRole('button', { name: 'Registrar la decisión' }).count()).resolves.toBe(1);
    await expect(spanishCard.getByLabel('Aprobar').count()).resolves.toBe(1);
    expect(await wide.getByRole('button', { name: 'Cerrar sesión' }).count()).toBe(1);
    expect(await wide.title()).toBe('Cola de excepciones · Consola de Record Guard');
    expect(await wide.locator('body').innerText()).not.toContain('Record the decision');

    await wide.goto(`${hub.url}/console/#/${REPORT}`);
    await wide.locator('#table-access').waitFor();
    await wide
      .getByRole('heading', { name: 'Informe a la Junta: Oficiales de Recursos Escolares' })
      .waitFor();
    expect(await wide.locator('html').getAttribute('lang')).toBe('es');
    expect(await wide.locator('#table-access-title').textContent()).toBe(
      'Acceso de los SRO a expedientes, por resultado',
    );
    expect(await wide.locator('#table-access tbody tr').first().textContent()).toMatch(
      /^Todos los estudiantes/,
    );
    expect(await wide.getByRole('button', { name: 'Mostrar el informe' }).count()).toBe(1);
    expect(await wide.getByRole('link', { name: 'Descargar CSV' }).count()).toBe(1);
    expect(await wide.getByRole('button', { name: 'Imprimir' }).count()).toBe(1);
    await wide.screenshot({ path: join(SHOTS, 'report-es.png') });

    // The choice is kept in this browser: a reload stays in Spanish; switching back restores English.
    await wide.reload();
    await wide.getByRole('heading', { name: 'Informe a la Junta', level: 1 }).waitFor();
    expect(await wide.locator('html').getAttribute('lang')).toBe('es');
    await wide.getByLabel('Idioma').selectOption('en');
    await wide.getByRole('heading', { name: 'Board report', level: 1 }).waitFor();
    expect(await wide.locator('html').getAttribute('lang')).toBe('en');
  });

  it('at 200% zoom the queue keeps every control within the width, by keyboard too, and is axe-clean', async () => {
    await page.goto(`${hub.url}/console/#/queue`);
    const card = queueCard(page, '100000');
    await card.waitFor();
    await card.getByLabel('Approve').check();
    await card.getByLabel('A reasonable effort to notify was made').check();
    const controls = [
      '.lang select',
      'header button',
      'nav a',
      'article.card input',
      'article.card select',
      'article.card textarea',
      'article.card button[type=submit]',
    ];
    expect(await outOfReach(page, controls)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'queue-200.png'), fullPage: true });
    // Keyboard: the decision's controls are in the tab order (after the header and the navigation).
    const stops = await tabStops(page, 40);
    expect(stops.some((stop) => stop.startsWith('Record the decision'))).toBe(true);
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  it('at 200% zoom the Board report keeps its form and actions within the width; only tables scroll', async () => {
    await page.goto(`${hub.url}/console/#/${REPORT}`);
    await page.locator('#table-access').waitFor();
    const controls = [
      '.lang select',
      'header button',
      'nav a',
      '#report-from',
      '#report-to',
      '#report-schools',
      '#report-by',
      '#report-reference',
      'form.no-print button[type=submit]',
      '.report .actions a',
      '.report .actions button',
      '.report-figure canvas',
      '.report-figure .table-wrap',
    ];
    expect(await outOfReach(page, controls)).toEqual([]);
    // A wide table scrolls inside its own region, which takes keyboard focus.
    const region = page.locator('#table-access').locator('xpath=..');
    expect(await region.getAttribute('tabindex')).toBe('0');
    await page.screenshot({ path: join(SHOTS, 'report-200.png'), fullPage: false });
    expect(await seriousAxeViolations(page)).toEqual([]);
  });
});
