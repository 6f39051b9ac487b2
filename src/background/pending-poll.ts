// The fast poll: while this browser has a request waiting for a records clerk and a guarded page (a SIS tab or
// the gate) is open, the hub is asked every second whether a decision arrived, so an approval opens the page
// within seconds of the clerk's click rather than at the next 30 s sync alarm (which stays the fallback: it
// also restarts this loop after the service worker was stopped). Only the decisions feed is read each second;
// a change runs the full sync (which republishes the guard plan and re-checks open pages).
import { z } from 'zod';
import { isSisHost } from '../sis/match';
import { database } from '../store/db';
import { hubRequest } from './hub-client';
import { activePolicy } from './policy';
import { CURSORS_KEY } from './sync';

/** How often the decisions feed is read while a request is pending. */
export const PENDING_POLL_MS = 1000;
/** One loop's longest run; the sync alarm starts another while the request is still pending. */
const LOOP_MAX_MS = 10 * 60_000;
const CALL_TIMEOUT_MS = 5000;
/** Storage switch for the benchmark of the alarm fallback alone (tests/bench): `true` turns the fast poll off. */
export const FAST_POLL_OFF_KEY = 'bench.fastPollOff';

const FeedPeekSchema = z.object({ requests: z.array(z.unknown()) });
const CursorSchema = z.object({ requests: z.string().max(40).optional() });

let loop: Promise<void> | undefined;

async function somethingPending(): Promise<boolean> {
  const db = database();
  return (await db.filings.count()) > 0 || (await db.requests.where('status').equals('pending').count()) > 0;
}

async function guardedPageOpen(): Promise<boolean> {
  const gate = browser.runtime.getURL('/gate.html');
  const bundle = await activePolicy();
  const tabs = await browser.tabs.query({});
  return tabs.some(
    (tab) =>
      tab.url !== undefined &&
      (tab.url.startsWith(gate) || (bundle !== undefined && isSisHost(bundle.adapters, tab.url))),
  );
}

/** Whether the hub has a change to this SRO's requests after the cursor the last sync kept. */
async function decisionWaiting(): Promise<boolean> {
  const stored = CursorSchema.safeParse((await browser.storage.local.get(CURSORS_KEY))[CURSORS_KEY]);
  const cursor = stored.success ? stored.data.requests : undefined;
  if (cursor === undefined) return true;
  const result = await hubRequest({
    path: `/v1/requests/mine?since=${encodeURIComponent(cursor)}&limit=1`,
    schema: FeedPeekSchema,
    timeoutMs: CALL_TIMEOUT_MS,
  });
  // Unavailable or refused: the sync alarm tries again later (and records why).
  return result.ok && result.data.requests.length > 0;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the loop if it is not running; `sync` is the full sync round (start.ts effects.syncSoon). */
export function pollWhilePending(sync: () => Promise<void>): void {
  loop ??= (async () => {
    const until = Date.now() + LOOP_MAX_MS;
    try {
      while (Date.now() < until) {
        if ((await browser.storage.local.get(FAST_POLL_OFF_KEY))[FAST_POLL_OFF_KEY] === true) return;
        if (!(await somethingPending()) || !(await guardedPageOpen())) return;
        await pause(PENDING_POLL_MS);
        if (await decisionWaiting()) await sync();
      }
    } catch (error) {
      console.error(
        'Record Guard: the pending-request poll stopped',
        error instanceof Error ? error.message : '',
      );
    } finally {
      loop = undefined;
    }
  })();
}
