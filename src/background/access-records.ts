// The one writer of access records: consents, exception requests, grants, and the guard plan that follows them.
// Every write is bracketed: the plan's views are forgotten before it (a page must not open from a plan computed
// under the old records) and the plan is published after it (what the records now open, and the network rules
// with it). Callers never order these steps themselves; eslint.config.js keeps the plan's writers to this file.
import type { ConsentFeed, RequestFeed } from '../contracts/hub-api';
import type { ExceptionRequest, Grant } from '../policy/consent';
import { database, type RecordGuardDb } from '../store/db';
import type { Filing } from '../contracts/hub-api';
import { forgetPlannedViews, publishGuardPlan } from './guard-plan';

/** A publish that fails (storage.session full, say) is logged; the records are written and the pages re-check. */
export async function republishPlan(): Promise<void> {
  await publishGuardPlan().catch((error: unknown) =>
    console.error(
      'Record Guard: could not publish the guard plan',
      error instanceof Error ? error.message : '',
    ),
  );
}

/** The bracket every access-record write goes through. */
export async function changeAccess<T>(write: (db: RecordGuardDb) => Promise<T>): Promise<T> {
  await forgetPlannedViews();
  try {
    return await write(database());
  } finally {
    await republishPlan();
  }
}

/** The policy is about to change under the plan: its views go at once (setUp publishes the new plan). */
export const policyChanging = (): Promise<void> => forgetPlannedViews();

/** A grant the gate issued (an immediate basis). */
export const putGrant = (grant: Grant): Promise<void> =>
  changeAccess(async (db) => {
    await db.grants.put(grant);
  });

/** A request filed at the gate, with the filing that carries it to the hub. */
export const fileRequest = (request: ExceptionRequest, filing: Filing): Promise<void> =>
  changeAccess((db) =>
    db.transaction('rw', db.requests, db.filings, async () => {
      await db.requests.put(request);
      await db.filings.put(filing);
    }),
  );

/** One page of the hub's consent feed; `fromScratch`: no cursor, so the feed is everything in force. */
export const applyConsentFeed = (feed: ConsentFeed, fromScratch: boolean): Promise<void> =>
  changeAccess((db) =>
    db.transaction('rw', db.consents, db.students, async () => {
      if (fromScratch) await db.consents.clear();
      await db.consents.bulkPut(feed.consents);
      await db.consents.bulkDelete(feed.removed);
      for (const consent of feed.consents) {
        if (consent.studentBirthDate)
          await db.students.put({ id: consent.studentId, birthDate: consent.studentBirthDate });
      }
    }),
  );

/** One page of the hub's decisions on this SRO's requests. */
export const applyRequestFeed = (feed: RequestFeed): Promise<void> =>
  changeAccess(async (db) => {
    await db.requests.bulkPut(
      feed.requests.map((entry) =>
        entry.decisionReason ? { ...entry.request, decisionReason: entry.decisionReason } : entry.request,
      ),
    );
  });

/** The hub refused a filing (the policy changed, the basis no longer fits): the SRO sees it as denied. */
export const refuseFiling = (id: string): Promise<void> =>
  changeAccess(async (db) => {
    await db.filings.delete(id);
    await db.requests.update(id, { status: 'denied' });
  });
