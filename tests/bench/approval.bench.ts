// A clerk's approval reaching the SRO's open page: from the hub's decision call (what the console's "Record the
// decision" sends) to the SRO's covered record uncovered, in real Chromium with the built extension, against
// the demo SIS and a real hub process. Once with the fast poll (the extension asks the hub every second while
// a request is pending and a guarded page is open), once with it switched off (`bench.fastPollOff` in
// storage.local), so only the 30 s sync alarm brings the approval. Each run files a new subpoena request for
// another student from the record's covered page, as in tests/e2e/console.e2e.test.ts.
import type { Page } from 'playwright-core';
import { launchBrowser, type ExtensionBrowser } from '../e2e/support/browser';
import { fillSubpoena, openGateFromNotice } from '../e2e/support/gate';
import { settled } from '../e2e/support/guard';
import { hubJson, prepareHub, removeHubData, startHub, type HubProcess } from '../e2e/support/hub';
import { clearManagedSettings, setManagedSettings } from '../e2e/support/managed';
import { recordUrl, signIn, startDemoSis } from '../e2e/support/sis';
import type { SisServer } from '../fixtures/sis/server';
import { ensureExtensionBuilt } from './content-size.bench';
import { summarize, type BenchRow } from './report';

const FAST_RUNS = Number(process.env.BENCH_APPROVAL_RUNS ?? 20);
/** The fallback waits for the 30 s alarm: up to 30 s a run, so fewer runs by default. */
const FALLBACK_RUNS = Number(process.env.BENCH_APPROVAL_FALLBACK_RUNS ?? 5);
/** Longer than one alarm period plus a sync: a run that takes this long failed. */
const OPEN_DEADLINE_MS = 75_000;
/** Ordinary students (the special ones with hand-set content are 100000–100008). */
const FIRST_STUDENT = 100_020;
const FAST_POLL_OFF_KEY = 'bench.fastPollOff';

interface Setup {
  sis: SisServer;
  hub: HubProcess;
  sro: ExtensionBrowser;
  clerkToken: string;
  dataDir: string;
}

interface PendingView {
  request: { id: string; studentId: string };
}

/** Files a subpoena request from the record's covered page and returns the page and the hub's request id. */
async function fileRequest(setup: Setup, studentId: string): Promise<{ page: Page; requestId: string }> {
  const page = await setup.sro.context.newPage();
  await page.goto(recordUrl(setup.sis, 'discipline', studentId));
  if (!(await settled(page, true))) throw new Error(`the record of ${studentId} was not covered`);
  const gate = await openGateFromNotice(setup.sro, page);
  await fillSubpoena(gate);
  // A justification of its own: the same words for another student within 30 minutes are refused as reused.
  await gate.fill(
    '#justification',
    `Subpoena duces tecum served on the district for the discipline records of student ${studentId} in case JV-2026-0456.`,
  );
  await gate.click('button[type=submit]');
  await gate.locator('.result').waitFor();
  await gate.close();
  const deadline = Date.now() + 30_000;
  for (;;) {
    const pending = await hubJson(setup.hub, setup.clerkToken, '/v1/requests?status=pending');
    const found = (pending.body as { requests?: PendingView[] } | null)?.requests?.find(
      (view) => view.request.studentId === studentId,
    );
    if (found) return { page, requestId: found.request.id };
    if (Date.now() > deadline) throw new Error(`the request for ${studentId} never reached the hub`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** One run: the clerk's approval (the hub's decision API), then the time until the record is shown. */
async function oneRun(setup: Setup, studentId: string): Promise<number> {
  const { page, requestId } = await fileRequest(setup, studentId);
  try {
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const started = Date.now();
    const decided = await hubJson(
      setup.hub,
      setup.clerkToken,
      `/v1/requests/${encodeURIComponent(requestId)}/decision`,
      {
        method: 'POST',
        body: {
          decision: 'approve',
          minutes: 30,
          reason: 'Subpoena verified with the court clerk.',
          notice: {
            kind: 'notified',
            notifiedOn: yesterday,
            method: 'mail',
            recipient: 'parent',
            by: 'L. Nguyen, Records',
          },
        },
      },
    );
    if (decided.status !== 200)
      throw new Error(`the approval was refused: ${decided.status} ${JSON.stringify(decided.body)}`);
    if (await settled(page, false, OPEN_DEADLINE_MS))
      throw new Error(
        `the record of ${studentId} was still covered ${OPEN_DEADLINE_MS} ms after the approval`,
      );
    return Date.now() - started;
  } finally {
    await page.close();
  }
}

async function setFastPollOff(sro: ExtensionBrowser, off: boolean): Promise<void> {
  await sro.worker.evaluate(
    async ({ key, value }) => {
      const api = (globalThis as unknown as { chrome: typeof Browser }).chrome;
      await api.storage.local.set({ [key]: value });
    },
    { key: FAST_POLL_OFF_KEY, value: off },
  );
}

function rows(label: string, times: number[], note: string): BenchRow[] {
  const { p50, p95, n } = summarize(times);
  return [
    {
      name: `approval → SRO page uncovered p50 (${label})`,
      value: p50,
      unit: 'ms',
      note: `${n} runs; ${note}`,
    },
    {
      name: `approval → SRO page uncovered p95 (${label})`,
      value: p95,
      unit: 'ms',
      note: `${n} runs; ${note}`,
    },
  ];
}

export async function benchApproval(): Promise<BenchRow[]> {
  await ensureExtensionBuilt();
  const { dataDir, tokens } = await prepareHub([
    { user: 'officer.diaz', role: 'sro' },
    { user: 'clerk.nguyen', role: 'clerk' },
  ]);
  const [hub, sis] = await Promise.all([startHub(dataDir), startDemoSis()]);
  let sro: ExtensionBrowser | undefined;
  try {
    await setManagedSettings({ hubUrl: hub.url, hubToken: tokens['officer.diaz'] as string });
    sro = await launchBrowser();
    await signIn(sro.context, sis, 'officer.diaz');
    const setup: Setup = { sis, hub, sro, clerkToken: tokens['clerk.nguyen'] as string, dataDir };
    let student = FIRST_STUDENT;
    const fast: number[] = [];
    for (let run = 0; run < FAST_RUNS; run += 1) fast.push(await oneRun(setup, String(student++)));
    await setFastPollOff(sro, true);
    const fallback: number[] = [];
    for (let run = 0; run < FALLBACK_RUNS; run += 1) fallback.push(await oneRun(setup, String(student++)));
    await setFastPollOff(sro, false);
    return [
      ...rows('fast poll', fast, 'hub decision API call → record shown; target p95 ≤ 5,000 ms'),
      ...rows(
        'fast poll off, 30 s alarm',
        fallback,
        `fallback alone (bench.fastPollOff); ${FALLBACK_RUNS} runs, not 20: each waits for the 30 s alarm`,
      ),
    ];
  } finally {
    await clearManagedSettings();
    await sro?.dispose();
    await hub.stop();
    await sis.close();
    await removeHubData(dataDir);
  }
}
