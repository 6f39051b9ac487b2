// The one writer of access records brackets every write: the guard plan's views are forgotten before the write
// and the plan is published after it, even when the write fails. Run with fakeBrowser and fake-indexeddb.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing';

const order: string[] = [];
vi.mock('../../src/background/guard-plan', () => ({
  forgetPlannedViews: vi.fn(async () => void order.push('forget')),
  publishGuardPlan: vi.fn(async () => void order.push('publish')),
}));

const { applyConsentFeed, changeAccess, fileRequest, putGrant, refuseFiling } =
  await import('../../src/background/access-records');
const { database } = await import('../../src/store/db');

const grant = {
  id: 'g1',
  username: 'officer.diaz',
  studentId: '100234',
  categories: ['demographics' as const],
  actions: ['view' as const],
  basis: 'emergency',
  issuedAt: '2026-03-02T17:00:00.000Z',
  expiresAt: '2026-03-02T17:15:00.000Z',
  review: true,
};
const request = {
  id: 'r1',
  username: 'officer.diaz',
  studentId: '100234',
  categories: ['grades' as const],
  actions: ['view' as const],
  basis: 'subpoena',
  status: 'pending' as const,
  filedAt: '2026-03-02T17:00:00.000Z',
};

describe('access records', () => {
  beforeEach(async () => {
    fakeBrowser.reset();
    order.length = 0;
    await database().open();
    await Promise.all([database().grants.clear(), database().requests.clear(), database().filings.clear()]);
  });

  it('forgets the plan views before a write and publishes after it', async () => {
    await changeAccess(async () => void order.push('write'));
    expect(order).toEqual(['forget', 'write', 'publish']);
  });

  it('publishes even when the write fails, and the failure reaches the caller', async () => {
    await expect(
      changeAccess(async () => {
        order.push('write');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(order).toEqual(['forget', 'write', 'publish']);
  });

  it('a grant, a filed request and a refused filing are written inside the bracket', async () => {
    await putGrant(grant);
    expect(await database().grants.get('g1')).toMatchObject({ username: 'officer.diaz' });
    await fileRequest(request, {
      id: 'r1',
      body: {
        id: 'r1',
        basis: 'subpoena',
        studentId: '100234',
        categories: ['grades'],
        actions: ['view'],
        justification: 'x',
        evidence: {},
      },
    });
    expect(await database().filings.count()).toBe(1);
    await refuseFiling('r1');
    expect(await database().requests.get('r1')).toMatchObject({ status: 'denied' });
    expect(await database().filings.count()).toBe(0);
    expect(order).toEqual(['forget', 'publish', 'forget', 'publish', 'forget', 'publish']);
  });

  it('a consent feed from scratch replaces what was on file', async () => {
    await applyConsentFeed({ consents: [], removed: [], cursor: '5', more: false }, true);
    expect(await database().consents.count()).toBe(0);
    expect(order).toEqual(['forget', 'publish']);
  });
});
