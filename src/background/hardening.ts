// The browser's hardening as the options page shows it, and its 'browser-hardening' event: logged (and so
// reported to the hub through the outbox) when the assessment of an SRO browser changes, not at every start.
import { z } from 'zod';
import {
  assessHardening,
  hardeningSummary,
  sameSummary,
  type HardeningAssessment,
} from '../decide/hardening';
import { readHardeningSignals } from '../enforce/hardening';
import { baseDraft, record } from './audit';
import { allIdentities, loadIdentities } from './identities';
import { managedSettings } from './managed';
import { activePolicy } from './policy';

const LOGGED_KEY = 'hardening.logged';
const SummarySchema = z.record(z.string(), z.string());

/** Whether this browser is an SRO's: assigned by the admin, or an SRO was seen signed in to a SIS here. */
async function isSroBrowser(): Promise<boolean> {
  if ((await managedSettings()).role === 'sro') return true;
  await loadIdentities();
  return allIdentities().some((identity) => identity.role === 'sro');
}

let checking: Promise<unknown> = Promise.resolve();

async function check(): Promise<HardeningAssessment> {
  const assessment = assessHardening(await readHardeningSignals());
  if (!(await isSroBrowser())) return assessment;
  const summary = hardeningSummary(assessment);
  const logged = SummarySchema.safeParse((await browser.storage.local.get(LOGGED_KEY))[LOGGED_KEY]);
  if (logged.success && sameSummary(logged.data, summary)) return assessment;
  const bundle = await activePolicy();
  await record([
    {
      ...baseDraft(bundle, { role: 'sro' }),
      type: 'browser-hardening',
      // The state and each finding's code ("ok" or "finding"); no outcome: this is not a decision on a record.
      evidence: summary,
    },
  ]);
  // Stored after the event is: a worker stopped in between logs it again rather than never.
  await browser.storage.local.set({ [LOGGED_KEY]: summary });
  return assessment;
}

/**
 * Assesses the browser now and logs the result if it changed. Calls are queued, so a start-up check and the
 * options page asking at once log one event, not two.
 */
export function checkHardening(): Promise<HardeningAssessment> {
  const next = checking.then(check, check);
  checking = next;
  return next;
}
