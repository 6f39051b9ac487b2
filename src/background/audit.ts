// Every decision and every answer becomes an event in the hash-chained log (and the outbox, in the same
// transaction); the outbox worker delivers them to the district hub on alarms, with backoff, losing nothing.
import type { Decision } from '../decide/decision';
import type { PolicyBundle } from '../policy/bundle';
import type { Role } from '../policy/vocabulary';
import type { LogEvent } from '../report/event-contract';
import { deliverAll } from '../report/outbox';
import { database } from '../store/db';
import { appendEvents, pruneDelivered, type EventDraft } from '../store/log';
import { hubEndpoint, hubTransport } from './hub-client';
import { managedSettings } from './managed';
import { runTask } from './tasks';
import { activePolicy } from './policy';

export const OUTBOX_ALARM = 'outbox';
export const PRUNE_ALARM = 'log-prune';

export interface Actor {
  username?: string | undefined;
  role: Role | 'unknown';
}

/** The parts of an event that every caller shares. */
export function baseDraft(
  bundle: PolicyBundle | undefined,
  actor: Actor,
): Pick<EventDraft, 'district' | 'actor' | 'policyVersion'> {
  return {
    district: bundle?.policy.district.id ?? 'unknown',
    actor: { ...(actor.username ? { username: actor.username } : {}), role: actor.role },
    policyVersion: bundle?.policy.version ?? 0,
  };
}

/** An event for one decision of decide(). */
export function decisionDraft(
  bundle: PolicyBundle | undefined,
  actor: Actor,
  studentId: string | undefined,
  decision: Pick<Decision, 'outcome' | 'action' | 'categories' | 'citations' | 'coveredBy'>,
  type: EventDraft['type'] = 'decision',
): EventDraft {
  const basis = decision.coveredBy[0]?.basis;
  return {
    ...baseDraft(bundle, actor),
    type,
    ...(studentId ? { studentId } : {}),
    categories: decision.categories,
    action: decision.action,
    outcome: decision.outcome,
    ...(basis ? { basis } : {}),
    citations: decision.citations.slice(0, 30),
    ...(decision.coveredBy[0] ? { ref: decision.coveredBy[0].id } : {}),
    // Every basis relied on, not only the first: a page opened by a consent for one category and a grant for
    // another is a disclosure under both (34 CFR 99.32(a)).
    ...(decision.coveredBy.length > 0
      ? {
          coverage: decision.coveredBy.slice(0, 20).map(({ kind, id, basis: relied, until }) => ({
            kind,
            id,
            basis: relied,
            ...(until ? { until } : {}),
          })),
        }
      : {}),
  };
}

let delivering: Promise<void> | undefined;

/** Appends events and tries to deliver at once; the alarm retries whatever is left. Returns them as stored. */
export async function record(drafts: EventDraft[]): Promise<LogEvent[]> {
  if (drafts.length === 0) return [];
  const stored = await appendEvents(database(), drafts);
  // Not awaited: the caller's page never waits on the hub; a failure is logged and the alarm retries.
  runTask('outbox delivery', deliverNow);
  return stored;
}

// Where the hub is lives in the one hub client; re-exported for the callers that only need the address.
export { hubEndpoint };

/** Delivers due outbox batches until none is due, then sets the alarm for the next attempt. */
export function deliverNow(): Promise<void> {
  delivering ??= (async () => {
    try {
      const endpoint = await hubEndpoint();
      if (!endpoint) return;
      const batchSize =
        (await managedSettings()).reporting?.batchSize ??
        (await activePolicy())?.policy.reporting.batchSize ??
        100;
      const result = await deliverAll(database(), {
        hubUrl: endpoint.hubUrl,
        batchSize,
        // More than 50 batches due: the rest goes on the alarm rather than holding the worker.
        maxBatches: 50,
        // The outbox reads its own answer (acknowledged ids, Retry-After); the transport, with the token's
        // Authorization header, is the hub client's.
        fetch: hubTransport(endpoint),
        now: () => Date.now(),
        random: () => Math.random(),
      });
      if (result.nextAttemptAt !== undefined) {
        // Alarms survive the worker stopping; Chrome runs them no sooner than 30 s.
        await browser.alarms.create(OUTBOX_ALARM, {
          when: Math.max(result.nextAttemptAt, Date.now() + 30_000),
        });
      }
    } finally {
      delivering = undefined;
    }
  })();
  return delivering;
}

/** Drops delivered events older than the policy's retention from the browser (the hub is the archive). */
export async function pruneLog(bundle: PolicyBundle | undefined): Promise<void> {
  if (!bundle) return;
  const days = (await managedSettings()).reporting?.retentionDays ?? bundle.policy.reporting.retentionDays;
  await pruneDelivered(database(), days, new Date().toISOString());
}
