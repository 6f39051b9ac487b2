// What the guard plan lets a content script open without asking: viewableCategories (decide() per category)
// and planOpens (the content script's check of a page against it).
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/decide';
import { viewableCategories } from '../../src/decide/viewable';
import type { GuardPlan } from '../../src/contracts/guard-plan';
import { planOpens, type PageReading } from '../../src/decide/plan-views';
import type { Category } from '../../src/policy/vocabulary';
import { DIAZ, NOW, STUDENT_ID, consent, facts, grant, realBundle } from './support';

const baseFacts = (input: Parameters<typeof facts>[0] = {}) => {
  const { action: _action, categories: _categories, fields: _fields, ...rest } = facts(input);
  return rest;
};

describe('viewableCategories', () => {
  it("lists each category a consent opens, until the end of its expiry date in the district's zone", () => {
    const onFile = consent({ categories: ['grades', 'attendance'] });
    const views = viewableCategories(realBundle, baseFacts({ consents: [onFile] }));
    expect(views).toMatchObject({
      grades: '2027-07-01T07:00:00.000Z',
      attendance: '2027-07-01T07:00:00.000Z',
    });
    // Immigration status is never opened, only hidden: a page of it shows with the fields redacted.
    expect(views.immigration).toBeNull();
    for (const closed of ['health', 'discipline', 'contacts', 'demographics'] as const) {
      expect(views).not.toHaveProperty(closed);
    }
  });

  it('agrees with decide() on every single category, for consents, grants and nothing on file', () => {
    const cases = [
      baseFacts({}),
      baseFacts({ consents: [consent({ categories: ['health', 'attendance'] })] }),
      baseFacts({ consents: [consent({ expiresOn: '2026-11-26' })] }),
      baseFacts({ grants: [grant()] }),
    ];
    for (const onFile of cases) {
      const views = viewableCategories(realBundle, onFile);
      for (const { id } of realBundle.policy.categories) {
        const decision = decide(realBundle, { ...onFile, action: 'view', categories: [id], fields: [] });
        const opens = decision.outcome === 'allow' || decision.outcome === 'redact';
        expect(Object.prototype.hasOwnProperty.call(views, id), `${id}`).toBe(opens);
      }
    }
  });

  it('lists nothing for staff who are not guarded', () => {
    expect(viewableCategories(realBundle, baseFacts({ user: { username: 'teacher.park' } }))).toEqual({});
  });
});

describe('planOpens', () => {
  const plan: Pick<GuardPlan, 'viewable' | 'categoryPatterns'> = {
    categoryPatterns: realBundle.policy.categories.map(({ id, fieldPatterns }) => ({ id, fieldPatterns })),
    viewable: {
      [DIAZ.username]: {
        [STUDENT_ID]: { demographics: '2027-07-01T07:00:00.000Z', immigration: null },
        '200000': { grades: '2026-11-27T18:00:00.000Z' },
      },
    },
  };
  const now = Date.parse(NOW);
  const page = (overrides: Partial<PageReading> = {}): PageReading => ({
    username: DIAZ.username,
    studentId: STUDENT_ID,
    conflicting: false,
    categories: ['demographics'] as Category[],
    fields: ['Ethnicity', 'Birth Country'],
    ...overrides,
  });

  it('opens a page whose every category is listed and not ended', () => {
    expect(planOpens(plan, page(), now)).toBe(true);
    expect(planOpens(plan, page({ username: DIAZ.username.toUpperCase() }), now)).toBe(true);
  });

  it.each<{ what: string; reading: Partial<PageReading>; at?: number }>([
    { what: 'another student', reading: { studentId: '100001' } },
    { what: 'another SRO', reading: { username: 'deputy.ross' } },
    { what: 'no username read', reading: { username: undefined } },
    { what: 'no student read', reading: { studentId: undefined } },
    { what: 'a page that disagrees with itself', reading: { conflicting: true } },
    { what: 'a section not listed', reading: { categories: ['demographics', 'health'] } },
    { what: 'a field of a category not listed', reading: { fields: ['Ethnicity', 'Medication'] } },
    { what: 'no category known at all', reading: { categories: [], fields: [] } },
    {
      what: 'an approval that has ended',
      reading: { studentId: '200000', categories: ['grades'], fields: [] },
    },
    {
      what: 'the last millisecond of an approval',
      reading: { studentId: '200000', categories: ['grades'], fields: [] },
      at: Date.parse('2026-11-27T18:00:00.000Z'),
    },
  ])('keeps $what covered', ({ reading, at }) => {
    expect(planOpens(plan, page(reading), at ?? Date.parse('2026-11-27T18:00:00.001Z'))).toBe(false);
  });

  it('opens an approval until it ends', () => {
    const grades = page({ studentId: '200000', categories: ['grades'], fields: [] });
    expect(planOpens(plan, grades, Date.parse('2026-11-27T17:59:59.999Z'))).toBe(true);
  });
});
