import { describe, expect, it } from 'vitest';
import { decisionDraft } from '../../src/background/audit';
import { LogEventSchema } from '../../src/report/event-contract';

describe('an access event records every basis it relied on', () => {
  const decision = {
    outcome: 'allow' as const,
    action: 'view' as const,
    categories: ['grades' as const, 'health' as const],
    citations: ['34 CFR 99.30', '34 CFR 99.36'],
    coveredBy: [
      { kind: 'consent' as const, id: 'consent-7', basis: 'written-consent', until: '2027-06-30' },
      {
        kind: 'grant' as const,
        id: '01JABCDEFGHJKMNPQRSTVWXYZ0',
        basis: 'health-safety-emergency',
        until: '2026-11-20T10:30:00.000Z',
      },
    ],
  };

  it('a page opened by a consent for one category and a grant for another keeps both, with references', () => {
    const draft = decisionDraft(undefined, { username: 'officer.diaz', role: 'sro' }, '100234', decision);
    expect(draft.basis).toBe('written-consent');
    expect(draft.ref).toBe('consent-7');
    expect(draft.coverage).toEqual([
      { kind: 'consent', id: 'consent-7', basis: 'written-consent', until: '2027-06-30' },
      {
        kind: 'grant',
        id: '01JABCDEFGHJKMNPQRSTVWXYZ0',
        basis: 'health-safety-emergency',
        until: '2026-11-20T10:30:00.000Z',
      },
    ]);
    // The event as the log stores it passes the contract the hub checks.
    const event = {
      ...draft,
      id: '01JABCDEFGHJKMNPQRSTVWXYZ1',
      seq: 1,
      time: '2026-11-20T10:00:00.000Z',
      device: 'device-1',
      citations: draft.citations ?? [],
      categories: draft.categories ?? [],
      prevHash: '0'.repeat(64),
      hash: 'a'.repeat(64),
    };
    expect(LogEventSchema.safeParse(event).success).toBe(true);
  });

  it('a blocked access has no coverage member at all (older events stay as they were)', () => {
    const draft = decisionDraft(undefined, { role: 'sro' }, '100234', {
      ...decision,
      outcome: 'block',
      coveredBy: [],
    });
    expect('coverage' in draft).toBe(false);
    expect(draft.basis).toBeUndefined();
  });
});
