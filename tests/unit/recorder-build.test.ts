// The recorder's adapter builder: picks in, adapter JSON out, valid with the adapter schema.
import { describe, expect, it } from 'vitest';
import { SisAdapterSchema } from '../../src/policy/adapter';
import { buildAdapter, pagePath, pagePattern, type Pick } from '../../src/recorder/build';
import { RECORDER_TEXT, RECORDER_WARNINGS } from '../../src/recorder/texts';
import { buildRecordRules } from '../../src/enforce/record-rules';
import { adapterForUrl, openPageFor, ownersOf } from '../../src/sis/match';
import { realBundle } from './support';
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
    // A td picked without its table described: the next cell, as the recorder always wrote.
    expect(parsed.labelCells).toEqual({ value: 'next-cell' });
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

describe('a recorded adapter on a host the bundled adapters also claim', () => {
  it("owns the host: the bundled adapters' network rules (catch-all to the gate) do not apply to its pages", () => {
    const sis = 'http://127.0.0.1:40949';
    const { adapter } = buildAdapter({
      id: 'recorded-demo',
      name: 'Recorded',
      url: `${sis}/admin/students/home.html?frn=001100000`,
      picks: [
        {
          role: 'identity',
          element: element({ selector: '#userName', attributes: { 'data-username': 'x' }, url: `${sis}/a/` }),
        },
        { role: 'section', category: 'demographics', element: element({ url: `${sis}/admin/students/x` }) },
      ],
      studentId: '100000',
      displayName: false,
      recordedOn: '2026-12-01',
      signInPages: ['/login', '/logout'],
    });
    const recorded = SisAdapterSchema.parse(adapter);
    const adapters = [...realBundle.adapters, recorded];
    // The bundled demo adapters (priority -100) claim 127.0.0.1 with network rules; the recorded one (10) owns it.
    expect(
      realBundle.adapters.some((bundled) => bundled.network && bundled.match.hosts.includes('127.0.0.1')),
    ).toBe(true);
    const owners = ownersOf(adapters, new URL(sis));
    expect(owners.map((owner) => owner.id)).toEqual(['recorded-demo']);
    // The background builds an SRO origin's rules from its owners (src/background/guard-plan.ts): none here, so
    // the sign-out page reaches the page and ends the SRO's session; with every adapter on the host it would not.
    const rules = (list: typeof adapters) =>
      buildRecordRules({
        guarded: [{ origin: sis, username: 'officer.diaz', adapters: list }],
        viewable: {},
        gateTarget: 'chrome-extension://x/gate.html#blocked=n:',
        nowMs: 0,
      }).rules;
    expect(rules(owners)).toEqual([]);
    expect(rules(adapters.filter((one) => one.match.hosts.includes('127.0.0.1'))).length).toBeGreaterThan(0);
    expect(openPageFor(adapters, `${sis}/logout`)).toMatchObject({
      adapter: { id: 'recorded-demo' },
      signIn: true,
    });
  });
});

describe('the recorder texts', () => {
  it('every label and warning has English and Spanish', () => {
    for (const [key, text] of Object.entries({ ...RECORDER_TEXT, ...RECORDER_WARNINGS })) {
      expect(text.en.trim(), key).not.toBe('');
      expect(text.es.trim(), key).not.toBe('');
      expect(text.es, key).not.toBe(text.en);
    }
  });
});
