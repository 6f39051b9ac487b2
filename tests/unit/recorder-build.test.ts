// The recorder's adapter builder: picks in, adapter JSON out, valid with the adapter schema.
import { describe, expect, it } from 'vitest';
import { SisAdapterSchema } from '../../src/policy/adapter';
import { buildAdapter, pagePath, pagePattern, type Pick } from '../../src/recorder/build';
import { RECORDER_WARNINGS } from '../../src/recorder/texts';
import { adapterForUrl, openPageFor } from '../../src/sis/match';
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

  const base = {
    id: 'district-sis',
    name: 'District SIS',
    url: URL_,
    picks,
    studentId: '204511',
    displayName: false,
    recordedOn: '2026-12-01',
  };

  it('writes the recorded sign-in, sign-out and start pages into `pages`, and they work as open pages', () => {
    const { adapter, warnings, review } = buildAdapter({
      ...base,
      // A recorded address (with a query), a typed path, a duplicate and a blank line.
      signInPages: ['https://sis.district.example/login.html?next=%2Fadmin', ' /logout ', '/login.html', ''],
      identityPages: ['/admin/home.html'],
    });
    const parsed = SisAdapterSchema.parse(adapter);
    expect(parsed.pages).toEqual({
      signIn: ['/login\\.html(?:\\?[^#]*)?', '/logout(?:\\?[^#]*)?'],
      identityOnly: ['/admin/home\\.html(?:\\?[^#]*)?'],
    });
    expect(warnings).not.toContain('no-sign-in');
    expect(review.join(' ')).not.toMatch(/sign-out page/);
    const sis = 'https://sis.district.example';
    expect(openPageFor([parsed], `${sis}/login.html?next=x`)).toMatchObject({ signIn: true });
    expect(openPageFor([parsed], `${sis}/logout`)).toMatchObject({ signIn: true });
    expect(openPageFor([parsed], `${sis}/admin/home.html?q=smith`)).toMatchObject({ signIn: false });
    // Whole-path: a longer path is not the sign-in page, and the record pages stay guarded.
    expect(openPageFor([parsed], `${sis}/login.html.bak`)).toBeUndefined();
    expect(openPageFor([parsed], `${sis}/xlogout`)).toBeUndefined();
    expect(adapterForUrl([parsed], URL_)?.id).toBe('district-sis');
  });

  it('warns, in English and Spanish, when no sign-in or sign-out page is recorded: the adapter is still valid', () => {
    const { adapter, warnings, review } = buildAdapter(base);
    const parsed = SisAdapterSchema.parse(adapter);
    expect(parsed.pages).toEqual({ signIn: [], identityOnly: [] });
    expect(warnings).toEqual(['no-sign-in']);
    expect(RECORDER_WARNINGS['no-sign-in'].en).toMatch(/guarded for everyone/);
    expect(RECORDER_WARNINGS['no-sign-in'].es).toMatch(/protegido para todos/);
    // The same warning goes into the adapter, for whoever reviews the file.
    expect(review).toEqual([RECORDER_WARNINGS['no-sign-in'].en]);
    expect(parsed.verification.toCheck).toContain(RECORDER_WARNINGS['no-sign-in'].en);
  });

  it('warns when a recorded page is on another host or is a page a record was picked on', () => {
    const sso = buildAdapter({ ...base, signInPages: ['https://sso.example.com/login', '/logout'] });
    expect(sso.warnings).toContain('other-host-page');
    expect(SisAdapterSchema.parse(sso.adapter).pages.signIn).toEqual(['/logout(?:\\?[^#]*)?']);
    const onRecord = buildAdapter({ ...base, signInPages: ['/logout'], identityPages: [URL_] });
    expect(onRecord.warnings).toContain('open-record-page');
    expect(buildAdapter({ ...base, signInPages: ['/logout'] }).warnings).toEqual([]);
  });

  it('reduces entries to paths and escapes them', () => {
    const at = new URL(URL_);
    expect(pagePath('https://sis.district.example/a/b.aspx?x=1#top', at)).toBe('/a/b.aspx');
    expect(pagePath('   ', at)).toBeUndefined();
    expect(pagePath('javascript:alert(1)', at)).toBeUndefined();
    expect(pagePath('https://other.example/login', at)).toBe('other-host');
    expect(pagePattern('/Home.aspx')).toBe('/Home\\.aspx(?:\\?[^#]*)?');
    expect(new RegExp(`^(?:${pagePattern('/a(b)+c')})$`).test('/a(b)+c?x=1')).toBe(true);
  });
});
