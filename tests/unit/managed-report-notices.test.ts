// The managed-settings event's notices reach the hub as one JSON string with a length budget: with many long
// notices it keeps whole notices (valid JSON the hub can read) rather than cutting the string mid-notice.
import { describe, expect, it } from 'vitest';
import { managedSummary, noticesEvidence, NOTICES_MAX_CHARS } from '../../src/background/managed-report';
import { ManagedNoticeSchema, type ManagedNotice } from '../../src/policy/update-status';

const longNotice = (index: number): ManagedNotice => ({
  kind: 'unknown-key',
  path: `settings.${String(index).padStart(3, '0')}.${'x'.repeat(180)}`,
  suggestion: 'y'.repeat(80),
});

describe('noticesEvidence', () => {
  it('keeps every notice when they fit', () => {
    const notices: ManagedNotice[] = [{ kind: 'no-keys' }, { kind: 'signing-off' }];
    expect(noticesEvidence(notices)).toBe('[{"kind":"no-keys"},{"kind":"signing-off"}]');
  });

  it('drops whole notices from the end until the JSON fits, and the hub can read what is left', () => {
    // 30 notices (the most a status holds) of about 300 characters each: well over the budget.
    const notices = Array.from({ length: 30 }, (_, index) => longNotice(index));
    expect(JSON.stringify(notices).length).toBeGreaterThan(NOTICES_MAX_CHARS);
    const json =
      managedSummary(
        { inForce: 'live', problems: [], checkedAt: '2026-12-01T15:00:00.000Z', masked: {}, notices },
        false,
      ).notices ?? '';
    expect(json.length).toBeLessThanOrEqual(NOTICES_MAX_CHARS);
    const read = ManagedNoticeSchema.array().parse(JSON.parse(json));
    expect(read.length).toBeGreaterThan(0);
    expect(read.length).toBeLessThan(30);
    // The first notices, unchanged and in order.
    expect(read).toEqual(notices.slice(0, read.length));
    // As many as fit: one more would not.
    expect(JSON.stringify(notices.slice(0, read.length + 1)).length).toBeGreaterThan(NOTICES_MAX_CHARS);
  });

  it('gives an empty list when not even one notice fits', () => {
    expect(noticesEvidence([longNotice(1)], 10)).toBe('[]');
  });
});
