// What any content script costs a teacher's page, and what Record Guard's own adds to it. One browser loads
// Record Guard and a second extension whose content script is empty but injected exactly like Record Guard's
// (document_start, every frame); three demo SIS servers on three loopback addresses give, in the same browser
// and interleaved in random order, a page Record Guard guards, a page only the empty script runs on, and a page
// no extension touches. The empty script's ratio is the floor Chromium sets for injecting into every frame.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { EXTENSION_DIR, launchBrowser } from '../e2e/support/browser';
import { startSis, type SisServer } from '../fixtures/sis/server';
import { ensureExtensionBuilt } from './content-size.bench';
import { COVER_ID } from './page-load.bench';
import { compared, summarize, type BenchRow } from './report';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const WARMUP = 4;
/** Hosts by role: guarded by Record Guard, reached only by the empty script, reached by neither. */
const HOSTS = { guarded: '127.0.0.1', empty: '127.0.0.2', none: '127.0.0.3' } as const;
type Host = keyof typeof HOSTS;
export const EMPTY_HOST = HOSTS.empty;

interface ContentScriptEntry {
  matches: string[];
  js: string[];
  [option: string]: unknown;
}

/** An unpacked extension whose one content script is empty and is injected as Record Guard's is. */
export async function emptyScriptExtension(): Promise<string> {
  const manifest = JSON.parse(await readFile(join(EXTENSION_DIR, 'manifest.json'), 'utf8')) as {
    content_scripts: ContentScriptEntry[];
  };
  const guard = manifest.content_scripts.find((entry) => entry.js.includes('sis-guard.js'));
  if (!guard) throw new Error('the built manifest has no sis-guard.js content script');
  const dir = await mkdtemp(join(tmpdir(), 'rg-empty-extension-'));
  const { matches: _matches, js: _js, ...injection } = guard;
  await writeFile(
    join(dir, 'manifest.json'),
    JSON.stringify({
      manifest_version: 3,
      name: 'Empty content script (benchmark baseline)',
      version: '1.0',
      content_scripts: [{ ...injection, matches: [`*://${HOSTS.empty}/*`], js: ['empty.js'] }],
    }),
  );
  await writeFile(join(dir, 'empty.js'), '// Injected and run, doing nothing.\n');
  return dir;
}

async function loadTime(page: Page, url: string): Promise<number> {
  await page.goto('about:blank');
  await page.goto(url, { waitUntil: 'load' });
  // A teacher's page is settled once Record Guard has stepped aside (no cover) on the guarded host.
  await page.waitForFunction((coverId) => !document.getElementById(coverId), COVER_ID, { polling: 5 });
  return page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    return nav.loadEventEnd - nav.startTime;
  });
}

/** Fisher–Yates with Math.random: the order of the three hosts changes every round. */
function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let index = out.length - 1; index > 0; index -= 1) {
    const other = Math.floor(Math.random() * (index + 1));
    [out[index], out[other]] = [out[other] as T, out[index] as T];
  }
  return out;
}

export async function benchInjectionFloor(): Promise<BenchRow[]> {
  await ensureExtensionBuilt();
  const emptyDir = await emptyScriptExtension();
  const servers: Record<Host, SisServer> = {
    guarded: await startSis({ port: 0, host: HOSTS.guarded }),
    empty: await startSis({ port: 0, host: HOSTS.empty }),
    none: await startSis({ port: 0, host: HOSTS.none }),
  };
  const browser = await launchBrowser({ alsoLoad: [emptyDir] });
  try {
    for (const server of Object.values(servers)) {
      const response = await browser.context.request.post(`${server.url}/login`, {
        form: { username: 'teacher.park', password: 'demo' },
        maxRedirects: 0,
      });
      if (response.status() !== 302) throw new Error(`sign-in failed on ${server.url}`);
    }
    const page = await browser.context.newPage();
    const rows: BenchRow[] = [];
    const pages = [
      { label: 'record page', path: '/admin/students/home.html?frn=001100000' },
      { label: '5,200-row roster', path: '/admin/students/roster.html' },
    ];
    for (const { label, path } of pages) {
      const times: Record<Host, number[]> = { guarded: [], empty: [], none: [] };
      for (let run = 0; run < WARMUP + RUNS; run += 1) {
        for (const host of shuffled(Object.keys(HOSTS) as Host[])) {
          const time = await loadTime(page, `${servers[host].url}${path}`);
          if (run >= WARMUP) times[host].push(time);
        }
      }
      const guarded = {
        name: `teacher, ${label}, same browser: guarded host`,
        value: summarize(times.guarded).p50,
        unit: 'ms',
      };
      const runs = `medians of ${RUNS} loads per host, interleaved in random order, in one browser`;
      rows.push(
        compared(
          guarded,
          { name: 'host no extension touches', value: summarize(times.none).p50, unit: 'ms' },
          runs,
        ),
        compared(
          {
            name: `teacher, ${label}, same browser: empty content script`,
            value: summarize(times.empty).p50,
            unit: 'ms',
          },
          { name: 'host no extension touches', value: summarize(times.none).p50, unit: 'ms' },
          "an empty script injected as Record Guard's is (document_start, every frame): Chromium's floor",
        ),
        compared(
          { ...guarded, name: `teacher, ${label}: Record Guard vs the empty script` },
          { name: 'empty content script', value: summarize(times.empty).p50, unit: 'ms' },
          "what Record Guard's own work adds beyond injecting a script at all",
        ),
      );
    }
    return rows;
  } finally {
    await browser.dispose();
    for (const server of Object.values(servers)) await server.close();
    await rm(emptyDir, { recursive: true, force: true });
  }
}
