// Network-first enforcement's costs, each beside a floor measured in the same run:
// - rebuilding the record rules when the plan changes, for 500 students (the plan's cap): building them (Node),
//   checking their regexes with Chromium's isRegexSupported and replacing them with updateSessionRules, beside
//   replacing the same number of plain urlFilter rules;
// - page loads with the rules in place vs removed, in one browser, interleaved: an SRO's consented record, and a
//   teacher's record on another SIS origin while an SRO's rules stand on the first.
import type { Page } from 'playwright-core';
import { buildRecordRules, FIRST_ID, type GuardedOrigin } from '../../src/enforce/record-rules';
import { loadPolicy } from '../../src/policy/files';
import { launchBrowser, type ExtensionBrowser } from '../e2e/support/browser';
import { putRecords } from '../e2e/support/extension-db';
import { settled } from '../e2e/support/guard';
import { recordUrl, signIn, startFreshSis, startDemoSis } from '../e2e/support/sis';
import { ensureExtensionBuilt } from './content-size.bench';
import { compared, summarize, type BenchRow } from './report';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const STUDENTS = 500;

type Rule = Browser.declarativeNetRequest.Rule;

/** Replaces the record rules with `rules` inside the worker and returns the milliseconds it took. */
async function replaceRules(
  browser: ExtensionBrowser,
  rules: Rule[],
  checkRegexes: boolean,
): Promise<number> {
  return browser.worker.evaluate(
    async ({ rules, checkRegexes, first }) => {
      const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
      const start = performance.now();
      if (checkRegexes) {
        await Promise.all(
          rules.map((rule) =>
            rule.condition.regexFilter
              ? api.declarativeNetRequest.isRegexSupported({ regex: rule.condition.regexFilter })
              : undefined,
          ),
        );
      }
      const existing = (await api.declarativeNetRequest.getSessionRules()).filter((rule) => rule.id >= first);
      await api.declarativeNetRequest.updateSessionRules({
        removeRuleIds: existing.map((rule) => rule.id),
        addRules: rules,
      });
      return performance.now() - start;
    },
    { rules, checkRegexes, first: FIRST_ID },
  );
}

async function loadTime(page: Page, url: string): Promise<number> {
  await page.goto('about:blank');
  await page.goto(url, { waitUntil: 'load' });
  await settled(page, false);
  return page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    return nav.loadEventEnd - nav.startTime;
  });
}

export async function benchRecordRules(): Promise<BenchRow[]> {
  await ensureExtensionBuilt();
  const loaded = await loadPolicy('policies');
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  const demo = loaded.value.adapters.find((adapter) => adapter.id === 'demo-sis');
  if (!demo) throw new Error('no demo adapter');
  const viewable = {
    'officer.diaz': Object.fromEntries(
      Array.from({ length: STUDENTS }, (_, index) => [
        String(100_000 + index),
        { demographics: null, health: null, grades: '2099-01-01T00:00:00.000Z' },
      ]),
    ),
  };
  const [browser, sis, teacherSis] = await Promise.all([launchBrowser(), startDemoSis(), startFreshSis()]);
  const rows: BenchRow[] = [];
  try {
    const guarded: GuardedOrigin[] = [{ origin: sis.url, username: 'officer.diaz', adapters: [demo] }];
    const builds: number[] = [];
    let set = buildRecordRules({
      guarded,
      viewable,
      gateTarget: 'chrome-extension://x/gate.html#blocked=n:',
      nowMs: Date.now(),
    });
    for (let run = 0; run < 20; run += 1) {
      const start = performance.now();
      set = buildRecordRules({
        guarded,
        viewable,
        gateTarget: 'chrome-extension://x/gate.html#blocked=n:',
        nowMs: Date.now(),
      });
      builds.push(performance.now() - start);
    }
    const plain: Rule[] = set.rules.map((rule, index) => ({
      id: FIRST_ID + index,
      priority: 1,
      action: { type: 'block' as Browser.declarativeNetRequest.RuleActionType },
      condition: { urlFilter: `||example.invalid/${index}`, resourceTypes: ['xmlhttprequest'] as never },
    }));
    const updates: number[] = [];
    const floors: number[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      updates.push(await replaceRules(browser, set.rules, true));
      floors.push(await replaceRules(browser, plain, false));
    }
    await replaceRules(browser, [], false);
    rows.push(
      {
        name: `record rules built for ${STUDENTS} students (${set.rules.length} rules)`,
        value: summarize(builds).p50,
        unit: 'ms',
        note: 'buildRecordRules in Node, median of 20',
      },
      compared(
        {
          name: `record rules checked and replaced, ${STUDENTS} students`,
          value: summarize(updates).p50,
          unit: 'ms',
        },
        {
          name: `${set.rules.length} plain urlFilter rules replaced`,
          value: summarize(floors).p50,
          unit: 'ms',
        },
        `isRegexSupported on each regex + updateSessionRules, in the worker; medians of ${RUNS}, interleaved`,
      ),
    );

    // Page loads: an SRO with a consent, and a teacher on a second SIS, with the rules in place and removed.
    await signIn(browser.context, sis, 'officer.diaz');
    await signIn(browser.context, teacherSis, 'teacher.park');
    await putRecords(browser.worker, 'students', [{ id: '100000', birthDate: '2011-04-17' }]);
    await putRecords(browser.worker, 'consents', [
      {
        id: 'bench-consent',
        studentId: '100000',
        signer: { name: 'Rosa Garcia', relation: 'parent' },
        categories: ['demographics', 'health'],
        actions: ['view'],
        purpose: 'Benchmark',
        recipient: { kind: 'agency', agency: 'Newman Police Department' },
        signedOn: '2026-09-01',
        expiresOn: '2099-06-30',
        documentRef: 'DMS-BENCH',
      },
    ]);
    const inPlace = await browser.worker.evaluate(async (first) => {
      const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
      return (await api.declarativeNetRequest.getSessionRules()).filter((rule) => rule.id >= first);
    }, FIRST_ID);
    const page = await browser.context.newPage();
    const pages = [
      { label: 'SRO, consented record', url: recordUrl(sis, 'home', '100000') },
      { label: 'teacher, record on another SIS', url: recordUrl(teacherSis, 'home', '100000') },
    ];
    for (const { label, url } of pages) {
      const withRules: number[] = [];
      const without: number[] = [];
      for (let run = 0; run < RUNS + 2; run += 1) {
        const order = run % 2 === 0 ? [true, false] : [false, true];
        for (const rulesOn of order) {
          await replaceRules(browser, rulesOn ? inPlace : [], false);
          const time = await loadTime(page, url);
          if (run >= 2) (rulesOn ? withRules : without).push(time);
        }
      }
      rows.push(
        compared(
          { name: `${label}: page load with record rules`, value: summarize(withRules).p50, unit: 'ms' },
          { name: 'the same page, rules removed', value: summarize(without).p50, unit: 'ms' },
          `medians of ${RUNS} loads each, alternating, in one browser (${inPlace.length} rules)`,
        ),
      );
    }
    await replaceRules(browser, inPlace, false);
    return rows;
  } finally {
    await browser.dispose();
    await sis.close();
    await teacherSis.close();
  }
}
