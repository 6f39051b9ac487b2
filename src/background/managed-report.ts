// The managed settings' state as the hub's admin pages see it: a 'managed-settings' event, logged (and so
// delivered through the outbox like every event) when what the options page shows about them changes — which
// settings are in force, how many were refused, the warnings, whether a signed policy is required — not at every
// read. Paths, codes and counts only: never a value (the token above all).
import { z } from 'zod';
import { MANAGED_STATUS_KEY, ManagedStatusSchema, type ManagedNotice } from '../policy/update-status';
import { baseDraft, record } from './audit';
import { liveManagedSettings, signedPolicyRequired } from './managed';
import { activePolicy } from './policy';

const LOGGED_KEY = 'managed.logged';
const SummarySchema = z.record(z.string(), z.string());

/** The event's evidence for a managed status (pure; exported for tests). */
export function managedSummary(
  status: z.infer<typeof ManagedStatusSchema>,
  signedRequired: boolean,
): Record<string, string> {
  return {
    inForce: status.inForce,
    signedPolicyRequired: String(signedRequired),
    problems: String(status.problems.length),
    // Each notice as the hub reads it back (ManagedNoticeSchema), in one string: evidence values are strings.
    notices: noticesEvidence(status.notices ?? []),
  };
}

/** The longest notices string the event carries (an evidence value's budget). */
export const NOTICES_MAX_CHARS = 5000;

/**
 * The notices as one JSON string of at most `maxChars`: whole notices are dropped from the end until it fits, so
 * the hub always reads valid JSON (a string cut short would parse as nothing, and it would show none at all).
 */
export function noticesEvidence(notices: readonly ManagedNotice[], maxChars = NOTICES_MAX_CHARS): string {
  let kept = notices.length;
  let json = JSON.stringify(notices);
  while (json.length > maxChars && kept > 0) {
    kept -= 1;
    json = JSON.stringify(notices.slice(0, kept));
  }
  return json;
}

const same = (a: Record<string, string>, b: Record<string, string>): boolean =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

let checking: Promise<unknown> = Promise.resolve();

async function report(): Promise<void> {
  const status = ManagedStatusSchema.safeParse(
    (await browser.storage.local.get(MANAGED_STATUS_KEY))[MANAGED_STATUS_KEY],
  );
  if (!status.success) return;
  const summary = managedSummary(status.data, signedPolicyRequired(await liveManagedSettings()));
  const logged = SummarySchema.safeParse((await browser.storage.local.get(LOGGED_KEY))[LOGGED_KEY]);
  if (logged.success && same(logged.data, summary)) return;
  // Nothing to say about a browser that never had managed settings and still has none.
  if (!logged.success && summary.inForce === 'none' && summary.problems === '0' && summary.notices === '[]')
    return;
  await record([
    { ...baseDraft(await activePolicy(), { role: 'unknown' }), type: 'managed-settings', evidence: summary },
  ]);
  // Stored after the event is: a worker stopped in between logs it again rather than never.
  await browser.storage.local.set({ [LOGGED_KEY]: summary });
}

/** Logs the managed settings' state if it changed since it was last logged. Calls are queued. */
export function reportManagedStatus(): Promise<void> {
  const next = checking.then(report, report);
  checking = next;
  return next;
}
