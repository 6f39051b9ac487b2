// The recorder's adapter builder: picks in, adapter JSON out, valid with the adapter schema.
import { describe, expect, it } from 'vitest';
import { SisAdapterSchema } from '../../src/policy/adapter';
import { buildAdapter, type Pick } from '../../src/recorder/build';
import type { PickedElement } from '../../src/recorder/pick';

const URL_ = 'https://sis.district.example/admin/students/home.html?frn=001204511';
const element = (overrides: Partial<PickedElement>): PickedElement => ({
  selector: '#x',
  text: '',
  tag: 'span',
  attributes: {},
  url: URL_,
  title: 'Student',
  ...overrides,
});

describe('buildAdapter', () => {
  const picks: Pick[] = [
    { role: 'identity', element: element({ selector: '#userName', text: 'Welcome, Jane Doe' }) },
    { role: 'section', category: 'grades', element: element({ selector: '#gradesTable', tag: 'table' }) },
    { role: 'export', element: element({ selector: '#lnk_QuickExport', tag: 'a' }) },
    {
      role: 'sensitive',
      element: element({ selector: 'td:nth-of-type(1)', tag: 'td', text: 'Birth Country:' }),
    },
  ];

  it('writes a valid adapter: display name, student from the URL with its prefix, section, export, label', () => {
    const { adapter, review } = buildAdapter({
      id: 'district-sis',
      name: 'District SIS',
      url: URL_,
      picks,
      studentId: '204511',
      displayName: true,
      recordedOn: '2026-12-01',
    });
    const parsed = SisAdapterSchema.parse(adapter);
    expect(parsed.match).toEqual({ hosts: ['sis.district.example'], paths: ['^\\/admin\\/students\\/'] });
    expect(parsed.priority).toBe(10);
    expect(parsed.identity.read[0]).toMatchObject({
      from: 'text',
      selector: '#userName',
      yields: 'display-name',
    });
    expect(parsed.student[0]).toEqual({ from: 'url-param', param: 'frn', pattern: '^001(\\d{1,40})$' });
    expect(parsed.sections).toContainEqual({ category: 'grades', selector: '#gradesTable' });
    expect(parsed.exports.controls[0]).toMatchObject({ selector: '#lnk_QuickExport', kind: 'link' });
    expect(parsed.sensitiveFields[0]?.labels).toEqual(['^Birth Country$']);
    expect(parsed.labelCells).toBe(true);
    expect(review.join(' ')).toMatch(/display name/);
  });

  it('without an identity pick the result is refused and the review says what to pick', () => {
    const { adapter, review } = buildAdapter({
      id: 'district-sis',
      name: 'District SIS',
      url: URL_,
      picks: picks.filter((pick) => pick.role !== 'identity'),
      displayName: false,
      recordedOn: '2026-12-01',
    });
    expect(SisAdapterSchema.safeParse(adapter).success).toBe(false);
    expect(review).toContain('Pick the element that shows who is signed in.');
    expect(review).toContain('Give the test student id the page shows, or pick the element with it.');
  });
});
