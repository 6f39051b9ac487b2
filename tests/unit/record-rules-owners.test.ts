// Adapter priority in the network rules of a browser the admin assigned to an SRO (issue #15): every adapter's
// host patterns are guarded before anyone is seen there, and where a lower adapter's pattern covers a higher
// one's hosts, only the higher (owning) adapter's rules decide there; the lower one's still apply everywhere
// else it covers.
import { describe, expect, it } from 'vitest';
import {
  adapterBand,
  assignedSroOrigins,
  buildRecordRules,
  catchAllsOnly,
  MAX_RECORD_PRIORITY,
  ownedOrigin,
  type GuardedOrigin,
} from '../../src/enforce/record-rules';
import { ALLOW_PRIORITY, BLOCK_PRIORITY, blockRulesFor } from '../../src/enforce/export-rules';
import { SisAdapterSchema, type SisAdapter } from '../../src/policy/adapter';
import { ownersOf } from '../../src/sis/match';
import { outcome } from './dnr-outcome';
import { realBundle } from './support';

type Rule = Browser.declarativeNetRequest.Rule;
const GATE_TARGET = 'chrome-extension://abc/gate.html#blocked=0123456789abcdef0123456789abcdef:';
const NOW = Date.parse('2026-12-01T12:00:00Z');
const demo = realBundle.adapters.find((adapter) => adapter.id === 'demo-sis');
if (!demo) throw new Error('no demo adapter');

const rulesFor = (guarded: GuardedOrigin[], viewable = {}): Rule[] =>
  buildRecordRules({ guarded, viewable, gateTarget: GATE_TARGET, nowMs: NOW }).rules;

/** An adapter like the demo one, changed; validated as a district's adapter file would be. */
function adapter(change: Partial<SisAdapter>): SisAdapter {
  return SisAdapterSchema.parse({ ...demo, $schema: undefined, ...change });
}

const HOME = '/admin/students/home.html?frn=001100000';
const GRADES = '/admin/students/grades.html?frn=001100000';

describe('a catch-all adapter for *.powerschool.com under a district adapter for one of its hosts', () => {
  const catchAll = adapter({
    id: 'ps-catch-all',
    priority: 0,
    match: { hosts: ['*.powerschool.com'], paths: ['^/admin/students/'] },
    // Its status page takes any id; the district's takes digits only.
    network: {
      openPaths: ['/admin/pw\\.html', '/admin/reports/status\\?id=[^#]*'],
      signInPaths: [],
      records: [],
      coverPaths: [],
    },
  });
  const district = adapter({
    id: 'ps-district',
    priority: 5,
    match: { hosts: ['district.powerschool.com'], paths: ['^/admin/students/'] },
    pages: { identityOnly: [], signIn: [] },
    network: {
      openPaths: ['/admin/home\\.html(?:\\?[^#]*)?', '/admin/reports/status\\?id=[0-9]+'],
      signInPaths: ['/admin/pw\\.html', '/admin/logout\\.html', '/district/sso/start(?:\\?[^#]*)?'],
      coverPaths: [],
      records: [
        {
          id: 'home',
          kind: 'document',
          url: '/admin/students/home\\.html\\?frn=001{student}(?:&[^#]*)?',
          categories: ['demographics'],
          postback: false,
        },
      ],
    },
  });
  const adapters = [catchAll, district];
  const assigned = assignedSroOrigins(adapters);
  const rules = rulesFor(assigned);
  const at = (host: string, path: string, type = 'main_frame'): string =>
    outcome(rules, `https://${host}${path}`, type);

  it("the owner's sign-in, sign-out, SSO start and start pages on its host are not caught", () => {
    for (const path of [
      '/admin/pw.html',
      '/admin/logout.html',
      '/district/sso/start?r=1',
      '/admin/home.html',
    ]) {
      expect(at('district.powerschool.com', path), path).toBe('allow');
    }
    // A district adapter with no network section (a recorded one): the catch-all's redirect does not apply there.
    const recorded = rulesFor(assignedSroOrigins([catchAll, { ...district, network: undefined }]));
    expect(outcome(recorded, 'https://district.powerschool.com/admin/logout.html', 'main_frame')).toBe(
      'allow',
    );
    expect(outcome(recorded, 'https://other.powerschool.com/admin/logout.html', 'main_frame')).toBe(
      'redirect',
    );
  });

  it("without yields (every adapter's rules at one priority, as before) the catch-all closed them", () => {
    const flat = rulesFor(assigned.map(({ band: _band, yieldsBelow: _yields, ...rest }) => rest));
    expect(outcome(flat, 'https://district.powerschool.com/admin/logout.html', 'main_frame')).toBe('allow');
    // A page only the catch-all opens was open on the owner's host (fail open): its allow outranked the owner's
    // catch-all at the same priority.
    expect(
      outcome(flat, 'https://district.powerschool.com/admin/reports/status?id=x', 'xmlhttprequest'),
    ).toBe('allow');
    // With a district adapter that has no network section (a recorded one), the catch-all closed everything.
    const recorded = { ...district, network: undefined };
    const flatRecorded = rulesFor(
      assignedSroOrigins([catchAll, recorded]).map(({ band: _b, yieldsBelow: _y, ...rest }) => rest),
    );
    expect(outcome(flatRecorded, 'https://district.powerschool.com/admin/logout.html', 'main_frame')).toBe(
      'redirect',
    );
  });

  it("the owner's own rules decide its host: its records and unknown paths stay closed", () => {
    expect(at('district.powerschool.com', HOME)).toBe('redirect');
    expect(at('district.powerschool.com', '/admin/students/roster.html')).toBe('redirect');
    expect(at('district.powerschool.com', '/ws/v1/student/100000', 'xmlhttprequest')).toBe('block');
    // A page only the catch-all opens stays closed on the owner's host; the owner's own form of it opens.
    expect(at('district.powerschool.com', '/admin/reports/status?id=1', 'xmlhttprequest')).toBe('allow');
    expect(at('district.powerschool.com', '/admin/reports/status?id=x', 'xmlhttprequest')).toBe('block');
  });

  it('every other host the catch-all covers keeps its rules, a subdomain of the owned host included', () => {
    for (const host of [
      'other.powerschool.com',
      'sub.district.powerschool.com',
      'district.powerschool.com.x.powerschool.com',
    ]) {
      expect(at(host, '/admin/logout.html'), host).toBe('redirect');
      expect(at(host, '/district/sso/start'), host).toBe('redirect');
      expect(at(host, HOME), host).toBe('redirect');
      expect(at(host, '/admin/reports/status?id=x', 'xmlhttprequest'), host).toBe('allow');
      expect(at(host, '/ws/v1/student/100000', 'xmlhttprequest'), host).toBe('block');
      expect(at(host, '/admin/pw.html'), host).toBe('allow');
    }
    expect(outcome(rules, 'wss://other.powerschool.com/socket', 'websocket')).toBe('block');
    expect(outcome(rules, 'wss://district.powerschool.com/socket', 'websocket')).toBe('block');
  });

  it('an SRO seen on the owned host gets the records the plan allows there, and nothing else', () => {
    const seen = ownedOrigin(adapters, 'https://district.powerschool.com', 'officer.diaz');
    expect(seen.adapters.map((one) => one.id)).toEqual(['ps-district']);
    const withViews = rulesFor([seen, ...assigned], {
      'officer.diaz': { '100000': { demographics: null } },
    });
    expect(outcome(withViews, `https://district.powerschool.com${HOME}`, 'main_frame')).toBe('allow');
    expect(outcome(withViews, `https://district.powerschool.com${GRADES}`, 'main_frame')).toBe('redirect');
    expect(
      outcome(
        withViews,
        'https://district.powerschool.com/admin/students/home.html?frn=001100001',
        'main_frame',
      ),
    ).toBe('redirect');
    // The view is the owner's, on the owner's host: it opens nothing on the catch-all's other hosts.
    expect(outcome(withViews, `https://other.powerschool.com${HOME}`, 'main_frame')).toBe('redirect');
  });

  it('the fallback over the browser limits keeps the yields with the catch-alls', () => {
    const closed = catchAllsOnly({
      guarded: assigned,
      viewable: {},
      gateTarget: GATE_TARGET,
      nowMs: NOW,
    }).rules;
    // The owner's host: only the owner's catch-all (its allows left out); other hosts: the catch-all's.
    expect(outcome(closed, 'https://district.powerschool.com/admin/pw.html', 'main_frame')).toBe('redirect');
    expect(outcome(closed, 'https://other.powerschool.com/admin/pw.html', 'main_frame')).toBe('redirect');
    const recorded = { ...district, network: undefined };
    const closedRecorded = catchAllsOnly({
      guarded: assignedSroOrigins([catchAll, recorded]),
      viewable: {},
      gateTarget: GATE_TARGET,
      nowMs: NOW,
    }).rules;
    // The yield: nothing of the catch-all's applies on the recorded adapter's host.
    expect(outcome(closedRecorded, 'https://district.powerschool.com/admin/logout.html', 'main_frame')).toBe(
      'allow',
    );
    expect(outcome(closedRecorded, 'https://other.powerschool.com/admin/logout.html', 'main_frame')).toBe(
      'redirect',
    );
  });
});

describe('a district adapter for 127.0.0.1:<port> over the bundled demo adapters', () => {
  const port = '40949';
  const recorded = adapter({
    id: 'recorded-demo',
    priority: 10,
    match: { hosts: [`127.0.0.1:${port}`], paths: demo.match.paths },
    pages: { signIn: ['/login(?:\\?[^#]*)?', '/logout(?:\\?[^#]*)?'], identityOnly: ['/admin/home\\.html'] },
    network: undefined,
  });
  const adapters = [...realBundle.adapters, recorded];
  const rules = rulesFor(assignedSroOrigins(adapters));
  const on = (origin: string, path: string, type = 'main_frame'): string =>
    outcome(rules, `${origin}${path}`, type);

  it('owns its port: no demo rule applies there (its in-page cover guards alone, as ownersOf says)', () => {
    // Only the yield matches there ("allow": no lower rule applies); the export rules rank above it.
    expect(ownersOf(adapters, new URL(`http://127.0.0.1:${port}`)).map((one) => one.id)).toEqual([
      'recorded-demo',
    ]);
    for (const path of [
      '/login',
      '/logout',
      '/admin/home.html',
      HOME,
      '/hashapp/api/student/100000/demographics',
    ]) {
      expect(on(`http://127.0.0.1:${port}`, path), path).toBe('allow');
      const matching = rules.filter((rule) =>
        new RegExp(rule.condition.regexFilter ?? '$^', 'i').test(`http://127.0.0.1:${port}${path}`),
      );
      expect(Math.max(...matching.map((rule) => rule.priority ?? 1))).toBe(10);
    }
    expect(outcome(rules, `ws://127.0.0.1:${port}/live`, 'websocket')).toBe('allow');
  });

  it("every other port and localhost keep the demo adapters' rules", () => {
    for (const origin of ['http://127.0.0.1:40950', 'http://127.0.0.1', 'http://localhost:40949']) {
      expect(on(origin, HOME), origin).toBe('redirect');
      expect(on(origin, '/hashapp/api/student/100000/demographics', 'xmlhttprequest'), origin).toBe('block');
      expect(on(origin, '/login'), origin).toBe('allow');
    }
  });

  it('bands follow the priorities; every record rule ranks below the export rules', () => {
    expect(adapterBand(adapters, -100)).toBe(0);
    expect(adapterBand(adapters, 0)).toBe(1);
    expect(adapterBand(adapters, 10)).toBe(2);
    const yields = rules.filter((rule) => rule.action.type === 'allow' && rule.priority === 10);
    expect(yields.map((rule) => rule.condition.regexFilter)).toEqual([
      `^https?://(?:[^/?#@]*@)?127\\.0\\.0\\.1:${port}/.*`,
      `^wss?://(?:[^/?#@]*@)?127\\.0\\.0\\.1:${port}/.*`,
    ]);
    // The widest rule set there can be: 201 distinct priorities.
    const spread = Array.from({ length: 201 }, (_, index) =>
      adapter({
        id: `a${index}`,
        priority: index - 100,
        match: { hosts: ['127.0.0.1'], paths: [`^/p${index}/`] },
      }),
    );
    const seen = ownedOrigin(spread, 'http://127.0.0.1:1', 'officer.diaz');
    expect(seen.band).toBe(200);
    const widest = rulesFor([seen, ...assignedSroOrigins(spread)], {
      'officer.diaz': { '100000': { demographics: null } },
    });
    expect(Math.max(...widest.map((rule) => rule.priority ?? 1))).toBe(MAX_RECORD_PRIORITY);
    expect(BLOCK_PRIORITY).toBeGreaterThan(MAX_RECORD_PRIORITY);
    expect(ALLOW_PRIORITY).toBeGreaterThan(BLOCK_PRIORITY);
    // An export endpoint of the owner stays blocked on its host although a yield allows everything below it.
    const exports = blockRulesFor([demo], () => true);
    expect(exports.length).toBeGreaterThan(0);
    for (const rule of exports) expect(rule.priority).toBe(BLOCK_PRIORITY);
  });
});
