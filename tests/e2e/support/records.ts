// What e2e tests put in front of the guard and read back: a parent's written consent as a records clerk records
// it, and the bodies of every response a page received (to show a record's bytes never arrived).
import type { Page, Response } from 'playwright-core';
import type { Consent } from '../../../src/policy/consent';
import type { Category } from '../../../src/policy/vocabulary';

/** A parent's consent to release the student's records in `categories` to the SROs' agency, for viewing. */
export function parentConsent(
  id: string,
  studentId: string,
  categories: Consent['categories'] = ['demographics'] satisfies Category[],
  documentRef = 'DMS-2026-0413',
): Consent {
  return {
    id,
    studentId,
    signer: { name: 'Rosa Garcia', relation: 'parent' },
    categories,
    actions: ['view'],
    purpose: 'Mentoring program check-ins',
    recipient: { kind: 'agency', agency: 'Newman Police Department' },
    signedOn: '2026-09-01',
    expiresOn: '2027-06-30',
    documentRef,
  };
}

/** Collects the bodies of every response from `origin` that reached the page, until `done()`. */
export function responseBodies(page: Page, origin: string): { bodies: string[]; done: () => Promise<void> } {
  const bodies: string[] = [];
  const pending: Promise<void>[] = [];
  const listener = (response: Response): void => {
    if (!response.url().startsWith(origin)) return;
    pending.push(
      response
        .text()
        .then((text) => void bodies.push(text))
        .catch(() => undefined),
    );
  };
  page.on('response', listener);
  return {
    bodies,
    done: async () => {
      page.off('response', listener);
      await Promise.all(pending);
    },
  };
}
