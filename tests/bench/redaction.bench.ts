// Redaction of rows a page adds by script, in real Chromium: an SRO with consent on a student's record page
// (shown, with immigration-related fields redacted) gets 10,000 table rows with two sensitive columns in one
// batch. Measured: insertion until every sensitive cell is masked (text replaced), plus a forced layout,
// against the same insertion and layout in a Chromium without the extension, runs interleaved.
import type { Page } from 'playwright-core';
import { launchBrowser, type ExtensionBrowser } from '../e2e/support/browser';
import { signIn } from '../e2e/support/sis';
import { startSis, type SisServer } from '../fixtures/sis/server';
import { ensureExtensionBuilt } from './content-size.bench';
import { BENCH_STUDENT, COVER_ID, launchGuarded, SRO } from './page-load.bench';
import { compared, summarize, type BenchRow } from './report';

const ROWS = 10_000;
const RUNS = Number(process.env.BENCH_REDACTION_RUNS ?? 10);
const WARMUP = 2;
const MARK = 'data-record-guard-redacted';

type Shape = 'new-table' | 'append-rows';

interface InsertResult {
  /** Insertion → all sensitive cells masked (with the extension) → forced layout, in ms. */
  elapsed: number;
  /** Insertion → all sensitive cells masked, before the layout (0 without the extension). */
  masking: number;
  sensitiveCells: number;
  /** Sensitive cells whose text was replaced and that carry the redaction mark. */
  masked: number;
  /** Sensitive cells that still show their original value. */
  original: number;
  sample: string;
}

/**
 * Appends the rows and times it, inside the page. Written without named inner functions: tsx compiles those
 * to calls of a helper that the page does not have.
 */
async function insertRows(page: Page, shape: Shape, guarded: boolean): Promise<InsertResult> {
  return page.evaluate(
    async ({ shape, guarded, rows, mark }) => {
      const headers = ['Student #', 'Last Name', 'First Name', 'Grade', 'Birth Country', 'Date Entered US'];
      const sensitive = [4, 5];
      const countries = ['Mexico', 'Guatemala', 'Philippines', 'Viet Nam', 'El Salvador', 'India', 'Yemen'];
      const main = document.querySelector('main') ?? document.body;
      let table: HTMLTableElement;
      let body: HTMLTableSectionElement;
      if (shape === 'append-rows') {
        // A table already on the page (its Birth Country column already hidden), then "load more" rows.
        table = document.createElement('table');
        table.id = 'benchTable';
        table
          .createTHead()
          .insertRow()
          .append(
            ...headers.map((label) => {
              const th = document.createElement('th');
              th.scope = 'col';
              th.textContent = label;
              return th;
            }),
          );
        body = table.createTBody();
        const first = body.insertRow();
        for (const value of ['199999', 'First', 'Row', '9', 'Mexico', '2019-08-14'])
          first.insertCell().textContent = value;
        main.append(table);
        for (let wait = 0; guarded && first.cells[4]?.getAttribute(mark) !== '1' && wait < 200; wait += 1) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      } else {
        table = document.createElement('table');
        table.id = 'benchTable';
        table
          .createTHead()
          .insertRow()
          .append(
            ...headers.map((label) => {
              const th = document.createElement('th');
              th.scope = 'col';
              th.textContent = label;
              return th;
            }),
          );
        body = table.createTBody();
      }
      // Build the rows before the clock starts: the page's own work is the same with and without Record Guard.
      const fragment = document.createDocumentFragment();
      const originals: string[] = [];
      for (let index = 0; index < rows; index += 1) {
        const row = document.createElement('tr');
        const country = countries[index % countries.length] ?? 'Mexico';
        const entered = `20${String(10 + (index % 15))}-0${1 + (index % 9)}-1${index % 10}`;
        for (const value of [
          String(200000 + index),
          `Last${index}`,
          `First${index}`,
          String(index % 13),
          country,
          entered,
        ]) {
          const cell = document.createElement('td');
          cell.textContent = value;
          row.append(cell);
        }
        originals.push(country, entered);
        fragment.append(row);
      }
      const last = (fragment.lastElementChild as HTMLTableRowElement).cells;

      const start = performance.now();
      if (shape === 'new-table') {
        body.append(fragment);
        main.append(table);
      } else {
        body.append(fragment);
      }
      if (guarded) {
        // The redactor runs in a mutation observer callback (a microtask); poll the last row, then the timers.
        await Promise.resolve();
        for (
          let wait = 0;
          !(last[4]?.getAttribute(mark) === '1' && last[5]?.getAttribute(mark) === '1') && wait < 10_000;
          wait += 1
        ) {
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
      }
      const masking = guarded ? performance.now() - start : 0;
      void document.body.offsetHeight;
      const elapsed = performance.now() - start;

      // Check every sensitive cell of the new rows (not timed).
      const bodyRows = Array.from(body.rows).slice(-rows);
      let maskedCount = 0;
      let original = 0;
      let cells = 0;
      bodyRows.forEach((row, index) => {
        sensitive.forEach((column, offset) => {
          const cell = row.cells[column];
          if (!cell) return;
          cells += 1;
          const text = cell.textContent ?? '';
          if (text === originals[index * 2 + offset]) original += 1;
          else if (cell.getAttribute(mark) === '1' && text.trim() !== '') maskedCount += 1;
        });
      });
      const sample = bodyRows[0]?.cells[4]?.textContent ?? '';
      table.remove();
      return { elapsed, masking, sensitiveCells: cells, masked: maskedCount, original, sample };
    },
    { shape, guarded, rows: ROWS, mark: MARK },
  );
}

async function openRecord(page: Page, sis: SisServer, guarded: boolean): Promise<void> {
  await page.goto(`${sis.url}/admin/students/home.html?frn=001${BENCH_STUDENT}`, { waitUntil: 'load' });
  if (guarded) {
    await page.waitForFunction((coverId) => !document.getElementById(coverId), COVER_ID, {
      timeout: 30_000,
      polling: 10,
    });
  }
}

export async function benchRedaction(): Promise<BenchRow[]> {
  await ensureExtensionBuilt();
  const sis = await startSis({ port: 0 });
  const browsers: ExtensionBrowser[] = [];
  try {
    const guarded = await launchGuarded(sis);
    browsers.push(guarded);
    const plain = await launchBrowser({ withoutExtension: true });
    browsers.push(plain);
    for (const browser of browsers) await signIn(browser.context, sis, SRO);
    const [guardedPage, plainPage] = await Promise.all(browsers.map((browser) => browser.context.newPage()));
    if (!guardedPage || !plainPage) throw new Error('could not open pages');

    const rows: BenchRow[] = [];
    const shapes: { shape: Shape; label: string; note: string }[] = [
      {
        shape: 'new-table',
        label: 'a new 10,000-row table',
        note: 'a table with "Birth Country" and "Date Entered US" header cells and 10,000 rows appended at once',
      },
      {
        shape: 'append-rows',
        label: '10,000 rows into a redacted table',
        note: '10,000 rows appended at once (one fragment) to a table whose sensitive columns are already hidden',
      },
    ];
    for (const { shape, label, note } of shapes) {
      const withExtension: InsertResult[] = [];
      const without: InsertResult[] = [];
      for (let run = 0; run < WARMUP + RUNS; run += 1) {
        const order = run % 2 === 0 ? [true, false] : [false, true];
        for (const isGuarded of order) {
          const page = isGuarded ? guardedPage : plainPage;
          await openRecord(page, sis, isGuarded);
          const result = await insertRows(page, shape, isGuarded);
          if (isGuarded && (result.masked !== result.sensitiveCells || result.original > 0)) {
            throw new Error(
              `${label}: ${result.masked} of ${result.sensitiveCells} sensitive cells masked, ${result.original} still show their value`,
            );
          }
          if (!isGuarded && result.original !== result.sensitiveCells) {
            throw new Error(`${label}: the baseline browser changed cells (${result.original} unchanged)`);
          }
          if (run >= WARMUP) (isGuarded ? withExtension : without).push(result);
        }
      }
      const a = summarize(withExtension.map((result) => result.elapsed));
      const b = summarize(without.map((result) => result.elapsed));
      const checked = withExtension[0];
      const masking = summarize(withExtension.map((result) => result.masking));
      rows.push(
        compared(
          { name: `redaction, ${label}: median`, value: a.p50, unit: 'ms' },
          { name: 'insert + layout, no extension', value: b.p50, unit: 'ms' },
          `${note}; until every sensitive cell is masked, then a forced layout; ${a.n} runs per browser, interleaved; every run checked: ${checked?.masked.toLocaleString('en-US')} of ${checked?.sensitiveCells.toLocaleString('en-US')} cells masked (text now "${checked?.sample}"), none showing its value`,
        ),
        compared(
          { name: `redaction, ${label}: p95`, value: a.p95, unit: 'ms' },
          { name: 'insert + layout, no extension', value: b.p95, unit: 'ms' },
        ),
        {
          name: `redaction, ${label}: insertion → all masked, p95`,
          value: masking.p95,
          unit: 'ms',
          note: `the redactor's share (before layout); p50 ${masking.p50.toFixed(1)} ms`,
        },
      );
    }
    return rows;
  } finally {
    for (const browser of browsers) await browser.dispose();
    await sis.close();
  }
}
