// Cold start: browser start → the first SRO verdict shown, and → the first teacher page uncovered, over real
// browser restarts of one profile (the worker, its storage reads and the content script all start cold); and
// the main-thread script time the content script takes per page, for a teacher and for an SRO, beside an empty
// content script injected the same way, in the same browser.
import type { CDPSession, Page } from 'playwright-core';
import { launchBrowser } from '../e2e/support/browser';
import { noticeText } from '../e2e/support/guard';
import { startSis, type SisServer } from '../fixtures/sis/server';
import { ensureExtensionBuilt } from './content-size.bench';
import { emptyScriptExtension, EMPTY_HOST } from './injection-floor.bench';
import { COVER_ID } from './page-load.bench';
import { compared, summarize, type BenchRow } from './report';

const STARTS = Number(process.env.BENCH_COLD_STARTS ?? 20);
const PAGES = Number(process.env.BENCH_RUNS ?? 15);

async function signInQuietly(page: Page, sis: SisServer, user: string): Promise<void> {
  const response = await page.context().request.post(`${sis.url}/login`, {
    form: { username: user, password: 'demo' },
    maxRedirects: 0,
  });
  if (response.status() !== 302) throw new Error(`sign-in as ${user} failed: ${response.status()}`);
}

/** Polls until the guard has settled: uncovered (teacher), or covered with a notice that is not the failure. */
async function settledAt(
  page: Page,
  sro: boolean,
  deadlineMs: number,
): Promise<{ at: number; failed: boolean }> {
  for (;;) {
    const state = await page
      .evaluate(
        (coverId) => ({
          covered: document.getElementById(coverId) !== null,
          notice: document.querySelector('record-guard-notice') !== null,
        }),
        COVER_ID,
      )
      .catch(() => ({ covered: true, notice: false }));
    const now = Date.now();
    if (!sro && !state.covered) return { at: now, failed: false };
    if (sro && state.covered && state.notice) {
      const text = await noticeText(page);
      if (text.includes('could not check')) return { at: now, failed: true };
      if (text.length > 0 && !text.includes('checking')) return { at: now, failed: false };
    }
    if (now > deadlineMs) return { at: now, failed: true };
    await page.waitForTimeout(10);
  }
}

async function coldStarts(sis: SisServer): Promise<BenchRow[]> {
  const first = await launchBrowser();
  const profile = first.userDataDir;
  await first.close();
  const times = { sro: [] as number[], teacher: [] as number[], load: [] as number[] };
  let failures = 0;
  try {
    for (let start = 0; start < STARTS * 2; start += 1) {
      const sro = start % 2 === 0;
      const started = Date.now();
      const browser = await launchBrowser({ userDataDir: profile, waitReady: false });
      try {
        const page = await browser.context.newPage();
        await signInQuietly(page, sis, sro ? 'officer.diaz' : 'teacher.park');
        await page.goto(`${sis.url}/admin/students/grades.html?frn=001100000`, { waitUntil: 'commit' });
        const result = await settledAt(page, sro, Date.now() + 15_000);
        if (result.failed) failures += 1;
        (sro ? times.sro : times.teacher).push(result.at - started);
        times.load.push(
          (await page.evaluate(() => {
            const nav = performance.getEntriesByType('navigation')[0] as
              PerformanceNavigationTiming | undefined;
            return nav ? performance.timeOrigin + nav.loadEventEnd : Date.now();
          })) - started,
        );
      } finally {
        await browser.close();
      }
    }
  } finally {
    const last = await launchBrowser({ userDataDir: profile, waitReady: false });
    await last.dispose();
  }
  const load = summarize(times.load);
  const note = `${STARTS} browser restarts each; ${failures} showed "could not check" or never settled`;
  const rows: BenchRow[] = [];
  for (const [who, values] of [
    ['SRO', times.sro],
    ['teacher', times.teacher],
  ] as const) {
    const summary = summarize(values);
    const what = who === 'SRO' ? 'first SRO verdict shown' : 'first teacher page uncovered';
    rows.push(
      compared(
        { name: `cold start: browser start → ${what} (p50)`, value: summary.p50, unit: 'ms' },
        { name: 'browser start → page load event (p50)', value: load.p50, unit: 'ms' },
        note,
      ),
      compared(
        { name: `cold start: browser start → ${what} (p95)`, value: summary.p95, unit: 'ms' },
        { name: 'browser start → page load event (p95)', value: load.p95, unit: 'ms' },
        note,
      ),
    );
  }
  return rows;
}

/** Main-thread script time of one page load (Chromium's ScriptDuration: every script on the page's thread). */
async function scriptMs(page: Page, url: string, sro: boolean): Promise<number> {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  try {
    await cdp.send('Performance.enable');
    await page.goto('about:blank');
    const read = async (): Promise<number> => {
      const { metrics } = (await cdp.send('Performance.getMetrics')) as {
        metrics: { name: string; value: number }[];
      };
      return (metrics.find((metric) => metric.name === 'ScriptDuration')?.value ?? 0) * 1000;
    };
    const before = await read();
    await page.goto(url, { waitUntil: 'load' });
    if (!sro) await page.waitForFunction((id) => !document.getElementById(id), COVER_ID, { polling: 10 });
    else await page.waitForTimeout(300);
    return (await read()) - before;
  } finally {
    await cdp.detach();
  }
}

async function contentScriptCpu(): Promise<BenchRow[]> {
  const guarded = await startSis({ port: 0, host: '127.0.0.1' });
  const empty = await startSis({ port: 0, host: EMPTY_HOST });
  const browser = await launchBrowser({ alsoLoad: [await emptyScriptExtension()] });
  const rows: BenchRow[] = [];
  try {
    const page = await browser.context.newPage();
    const path = '/admin/students/grades.html?frn=001100000';
    for (const [who, user] of [
      ['teacher', 'teacher.park'],
      ['SRO', 'officer.diaz'],
    ] as const) {
      await signInQuietly(page, guarded, user);
      await signInQuietly(page, empty, user);
      const ours: number[] = [];
      const floor: number[] = [];
      for (let run = 0; run < PAGES + 2; run += 1) {
        const a = await scriptMs(page, `${guarded.url}${path}`, who === 'SRO');
        const b = await scriptMs(page, `${empty.url}${path}`, false);
        if (run >= 2) {
          ours.push(a);
          floor.push(b);
        }
      }
      rows.push(
        compared(
          {
            name: `${who} record page: main-thread script time with Record Guard`,
            value: summarize(ours).p50,
            unit: 'ms',
          },
          { name: 'same page, empty content script', value: summarize(floor).p50, unit: 'ms' },
          who === 'SRO'
            ? `Chromium ScriptDuration (page scripts + content script), medians of ${PAGES} loads; after the first, the network rules take an SRO's record URL to the gate, so later loads are mostly the redirect`
            : `Chromium ScriptDuration (page scripts + content script), medians of ${PAGES} loads`,
        ),
      );
    }
  } finally {
    await browser.dispose();
    await guarded.close();
    await empty.close();
  }
  return rows;
}

export async function benchColdStart(): Promise<BenchRow[]> {
  await ensureExtensionBuilt();
  const sis = await startSis({ port: 0 });
  try {
    return [...(await coldStarts(sis)), ...(await contentScriptCpu())];
  } finally {
    await sis.close();
  }
}
