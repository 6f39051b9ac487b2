// Sync with the district hub: pull the consents addressed to this SRO, the decisions on their requests and the
// policy; push the requests filed here. On an alarm and on demand; a hub that is away just means "next time".
import { z } from 'zod';
import { ConsentFeedSchema, RequestFeedSchema } from '../contracts/hub-api';
import { database } from '../store/db';
import { describeFailure, hubRequest, NOT_CONFIGURED, type HubResult } from './hub-client';
import { applyConsentFeed, applyRequestFeed, refuseFiling } from './access-records';
import { checkForPolicyUpdate } from './policy-update';

export const SYNC_ALARM = 'hub-sync';
export const CURSORS_KEY = 'sync.cursors';

const CursorsSchema = z.object({
  consents: z.string().max(40).optional(),
  requests: z.string().max(40).optional(),
  /** No longer used (policy-update.ts keeps its own): still accepted in cursors stored by older versions. */
  policyEtag: z.string().max(200).optional(),
  lastSyncAt: z.string().optional(),
  lastError: z.string().max(500).optional(),
});
type Cursors = z.infer<typeof CursorsSchema>;

// The feed and filing shapes are the hub API's contract, shared with the hub: src/contracts/hub-api.ts.
export { FilingSchema, type Filing } from '../contracts/hub-api';

/** A round stops at the first call that fails; the reason goes to `lastError` unless there is no hub at all. */
class HubFailure extends Error {
  constructor(
    what: string,
    readonly result: Exclude<HubResult<unknown>, { ok: true }>,
  ) {
    super(`${what}: ${describeFailure(result)}`);
  }
}

async function hubGet<T>(what: string, path: string, schema: z.ZodType<T>): Promise<T> {
  const result = await hubRequest({ path, schema });
  if (!result.ok) throw new HubFailure(what, result);
  return result.data;
}

async function readCursors(): Promise<Cursors> {
  const parsed = CursorsSchema.safeParse((await browser.storage.local.get(CURSORS_KEY))[CURSORS_KEY]);
  return parsed.success ? parsed.data : {};
}

async function pullConsents(cursors: Cursors): Promise<boolean> {
  let changed = false;
  for (let page = 0; page < 100; page += 1) {
    const since = cursors.consents ? `?since=${encodeURIComponent(cursors.consents)}` : '';
    const feed = await hubGet('consents', `/v1/consents/mine${since}`, ConsentFeedSchema);
    if (feed.consents.length > 0 || feed.removed.length > 0 || !cursors.consents) {
      // Written by the one access-record writer: the plan's views go before, the plan is published after.
      await applyConsentFeed(feed, !cursors.consents);
    }
    changed ||= feed.consents.length > 0 || feed.removed.length > 0 || !cursors.consents;
    cursors.consents = feed.cursor;
    if (!feed.more) break;
  }
  return changed;
}

async function pushFilings(): Promise<boolean> {
  const db = database();
  const filings = await db.filings.toArray();
  for (const filing of filings) {
    const result = await hubRequest({
      path: '/v1/requests',
      method: 'POST',
      body: filing.body,
      schema: z.unknown(),
    });
    // 201 filed, 200 already filed with the same content: either way it is at the hub.
    if (result.ok && (result.status === 200 || result.status === 201)) await db.filings.delete(filing.id);
    // Not an answer about this request (hub away, overloaded, or this browser's token refused): kept for next time.
    else if (
      !result.ok &&
      (result.kind !== 'refused' || result.status >= 500 || [401, 403, 429].includes(result.status))
    )
      throw new HubFailure('filing', result);
    else {
      // The hub refused it (the policy changed, the basis no longer fits): the SRO sees it as denied.
      await refuseFiling(filing.id);
    }
  }
  return filings.length > 0;
}

async function pullDecisions(cursors: Cursors): Promise<boolean> {
  let changed = false;
  for (let page = 0; page < 100; page += 1) {
    const since = cursors.requests ? `?since=${encodeURIComponent(cursors.requests)}` : '';
    const feed = await hubGet('requests', `/v1/requests/mine${since}`, RequestFeedSchema);
    if (feed.requests.length > 0) await applyRequestFeed(feed);
    changed ||= feed.requests.some((entry) => entry.request.status !== 'pending');
    cursors.requests = feed.cursor;
    if (!feed.more) break;
  }
  return changed;
}

/**
 * The policy is signed: fetched, verified and applied (or rejected and logged) by policy-update.ts. Not awaited:
 * a policy check never delays what the round brings an SRO waiting on a clerk's decision (it has its own
 * single flight, and a new policy applies through the storage listener).
 */
function pullPolicy(): void {
  void checkForPolicyUpdate().catch((error: unknown) =>
    console.error('Record Guard: policy check failed', error instanceof Error ? error.message : ''),
  );
}

let running: Promise<{ changed: boolean }> | undefined;

/** One sync round. Resolves `changed` when consents or decisions changed what SRO pages may show. */
export function syncWithHub(): Promise<{ changed: boolean }> {
  running ??= (async () => {
    const cursors = await readCursors();
    let changed = false;
    try {
      await pushFilings();
      changed = (await pullConsents(cursors)) || changed;
      changed = (await pullDecisions(cursors)) || changed;
      pullPolicy();
      cursors.lastSyncAt = new Date().toISOString();
      delete cursors.lastError;
    } catch (error) {
      const unconfigured =
        error instanceof HubFailure &&
        error.result.kind === 'unavailable' &&
        error.result.reason === NOT_CONFIGURED;
      if (!unconfigured) cursors.lastError = String(error).slice(0, 500);
    } finally {
      await browser.storage.local.set({ [CURSORS_KEY]: cursors });
      running = undefined;
    }
    return { changed };
  })();
  return running;
}
