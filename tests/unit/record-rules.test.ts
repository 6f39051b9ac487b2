import { describe, expect, it } from 'vitest';
import {
  buildRecordRules,
  checkLimits,
  FIRST_ID,
  hostPatternPrefix,
  RuleLimitError,
  type GuardedOrigin,
} from '../../src/enforce/record-rules';
import { SisAdapterSchema } from '../../src/policy/adapter';
import { recordRequestFor } from '../../src/sis/match';
import { outcome } from './dnr-outcome';
import { realBundle } from './support';

const ORIGIN = 'http://127.0.0.1:5000';
const GATE = 'chrome-extension://abc/gate.html';
const GATE_TARGET = `${GATE}#blocked=0123456789abcdef0123456789abcdef:`;
const NOW = Date.parse('2026-12-01T12:00:00Z');
const demo = realBundle.adapters.find((adapter) => adapter.id === 'demo-sis');
if (!demo) throw new Error('no demo adapter');

const guarded = (username: string | undefined = 'officer.diaz'): GuardedOrigin[] => [
  { origin: ORIGIN, username, adapters: [demo] },
];

describe('record rules', () => {
  const { rules, refreshAtMs } = buildRecordRules({
    guarded: guarded(),
    viewable: {
      'officer.diaz': {
        '100000': { demographics: null, health: '2026-12-01T13:00:00.000Z' },
        '100001': { grades: '2026-12-01T11:00:00.000Z' },
      },
    },
    gateTarget: GATE_TARGET,
    nowMs: NOW,
  });

  it.each([
    ['/admin/students/home.html?frn=001100000', 'main_frame', 'allow'],
    ['/admin/students/demographics.html?frn=001100000&late=1', 'main_frame', 'allow'],
    ['/admin/students/health.html?frn=001100000&frame=1', 'sub_frame', 'allow'],
    ['/campus/api/student/demographics?personID=100000', 'xmlhttprequest', 'allow'],
    ['/StudentData.aspx?SN=100000&tab=demographics', 'main_frame', 'allow'],
    // Not consented, another student, or a lookalike id.
    ['/admin/students/grades.html?frn=001100000', 'main_frame', 'redirect'],
    ['/admin/students/home.html?frn=0011000001', 'main_frame', 'redirect'],
    ['/admin/students/home.html?frn=001100002', 'main_frame', 'redirect'],
    // A grant that has ended opens nothing.
    ['/admin/students/grades.html?frn=001100001', 'main_frame', 'redirect'],
    // The REST API can return immigration data: never opened by a view.
    ['/ws/v1/student/100000?expansions=demographics', 'xmlhttprequest', 'block'],
    ['/ws/v1/student/100000?expansions=demographics', 'main_frame', 'redirect'],
    ['/admin/students/roster.html', 'main_frame', 'redirect'],
    ['/export/roster.csv', 'xmlhttprequest', 'block'],
    ['/admin/students/home.html?frn=001100000', 'object', 'block'],
    ['/admin/students/unknown.html?frn=001100000', 'main_frame', 'redirect'],
    // Open pages, and what a page needs to render.
    ['/admin/home.html?q=garcia', 'main_frame', 'allow'],
    ['/login?next=%2Fadmin', 'main_frame', 'allow'],
    ['/campus/student/grades?personID=100001', 'main_frame', 'allow'],
    ['/static/sis.js', 'script', 'allow'],
    ['/static/sis.css', 'stylesheet', 'allow'],
    // A JSON module import is a "script" request page script can read.
    ['/ws/v1/student/100000?expansions=demographics', 'script', 'block'],
    ['/campus/api/student/grades?personID=100000', 'stylesheet', 'block'],
    // Case variants and a repeated student parameter (the server may read the other value).
    ['/campus/api/student/demographics?PERSONID=100000&personID=100002', 'xmlhttprequest', 'block'],
    ['/campus/api/student/demographics?personID=100000&personID=100002', 'xmlhttprequest', 'block'],
    ['/admin/students/home.html?frn=001100000&FRN=001100002', 'main_frame', 'block'],
    ['/ADMIN/students/home.html?frn=001100000', 'main_frame', 'redirect'],
    ['/image.png', 'image', 'none'],
  ])('%s (%s) → %s', (path, type, expected) => {
    // "none": the rule set leaves the request alone (scripts and styles a page needs to render).
    expect(outcome(rules, `${ORIGIN}${path}`, type)).toBe(expected);
  });

  it('lets postbacks through to the in-page cover, and nothing on other origins', () => {
    expect(outcome(rules, `${ORIGIN}/StudentData.aspx`, 'main_frame', 'post')).toBe('allow');
    // A framed postback could be read by its same-origin parent page: not let through.
    expect(outcome(rules, `${ORIGIN}/StudentData.aspx`, 'sub_frame', 'post')).toBe('block');
    expect(outcome(rules, 'ws://127.0.0.1:5000/live', 'websocket')).toBe('block');
    expect(outcome(rules, 'http://user@127.0.0.1:5000/admin/students/roster.html', 'main_frame')).toBe(
      'redirect',
    );
    expect(outcome(rules, `${ORIGIN}/StudentData.aspx`, 'main_frame', 'get')).toBe('redirect');
    expect(outcome(rules, 'http://127.0.0.1:5001/admin/students/roster.html', 'main_frame')).toBe('none');
    expect(outcome(rules, 'http://localhost:5000/admin/students/roster.html', 'main_frame')).toBe('none');
  });

  it('redirects navigations to the gate with the URL they asked for', () => {
    const redirect = rules.find((rule) => rule.action.type === 'redirect');
    const url = `${ORIGIN}/admin/students/roster.html`;
    // The regex matches the whole URL, so \\0 in the substitution is all of it.
    expect(new RegExp(redirect?.condition.regexFilter ?? '$^').exec(url)?.[0]).toBe(url);
    expect(redirect?.action.redirect?.regexSubstitution).toBe(`${GATE_TARGET}\\0`);
  });

  it('is rebuilt when the earliest view it opens ends; ids stay in their range', () => {
    expect(refreshAtMs).toBe(Date.parse('2026-12-01T13:00:00.000Z'));
    expect(rules.every((rule) => rule.id >= FIRST_ID)).toBe(true);
    expect(new Set(rules.map((rule) => rule.id)).size).toBe(rules.length);
  });

  it('opens nothing for an origin whose SRO has no views, and nothing at all for nobody guarded', () => {
    const none = buildRecordRules({
      guarded: guarded('deputy.ross'),
      viewable: {},
      gateTarget: GATE_TARGET,
      nowMs: NOW,
    });
    expect(outcome(none.rules, `${ORIGIN}/admin/students/home.html?frn=001100000`, 'main_frame')).toBe(
      'redirect',
    );
    expect(
      buildRecordRules({ guarded: [], viewable: {}, gateTarget: GATE_TARGET, nowMs: NOW }).rules,
    ).toEqual([]);
  });

  it('never opens an endpoint that can return immigration data, whatever the plan says', () => {
    const all = buildRecordRules({
      guarded: guarded(),
      viewable: {
        'officer.diaz': {
          '100000': {
            demographics: null,
            immigration: null,
            contacts: null,
            attendance: null,
            grades: null,
            discipline: null,
            health: null,
          },
        },
      },
      gateTarget: GATE_TARGET,
      nowMs: NOW,
    });
    expect(
      outcome(all.rules, `${ORIGIN}/ws/v1/student/100000?expansions=demographics`, 'xmlhttprequest'),
    ).toBe('block');
    expect(outcome(all.rules, `${ORIGIN}/admin/students/grades.html?frn=001100000`, 'main_frame')).toBe(
      'allow',
    );
  });

  it('splits many students over several rules', () => {
    const views = Object.fromEntries(
      Array.from({ length: 500 }, (_, index) => [String(100000 + index), { demographics: null }]),
    );
    const many = buildRecordRules({
      guarded: guarded(),
      viewable: { 'officer.diaz': views },
      gateTarget: GATE_TARGET,
      nowMs: NOW,
      studentsPerRule: 40,
    });
    const url = (id: number): string => `${ORIGIN}/admin/students/home.html?frn=001${id}`;
    expect(outcome(many.rules, url(100499), 'main_frame')).toBe('allow');
    expect(outcome(many.rules, url(100500), 'main_frame')).toBe('redirect');
    expect(many.rules.length).toBeLessThan(200);
  });

  it('covers every host of an adapter on a browser assigned to an SRO', () => {
    const prefix = hostPatternPrefix('*.aeries.net');
    expect(new RegExp(prefix).test('https://ncl.aeries.net')).toBe(true);
    expect(new RegExp(prefix).test('https://aeries.net.evil.example')).toBe(false);
    expect(new RegExp(hostPatternPrefix('127.0.0.1')).test('http://127.0.0.1:41234')).toBe(true);
    const assigned = buildRecordRules({
      guarded: [{ origin: hostPatternPrefix('127.0.0.1'), username: undefined, adapters: [demo] }],
      viewable: {},
      gateTarget: GATE_TARGET,
      nowMs: NOW,
    });
    expect(
      outcome(assigned.rules, 'http://127.0.0.1:9/admin/students/home.html?frn=001100000', 'main_frame'),
    ).toBe('redirect');
  });

  it('refuses a rule set over the browser limits with the numbers', () => {
    expect(() => checkLimits(rules, { sessionRules: 3, regexRules: 1000 }, 0)).toThrow(RuleLimitError);
    expect(() => checkLimits(rules, { sessionRules: 5000, regexRules: rules.length + 5 }, 10)).toThrow(
      /regex rules/,
    );
    expect(() => checkLimits(rules, { sessionRules: 5000, regexRules: 1000 }, 10)).not.toThrow();
  });
});

describe('recordRequestFor', () => {
  it('reads the student and categories a URL asks for, by the network patterns', () => {
    const found = recordRequestFor(realBundle.adapters, `${ORIGIN}/admin/students/grades.html?frn=001100123`);
    expect(found?.studentId).toBe('100123');
    expect(found?.endpoint.categories).toEqual(['grades']);
    expect(recordRequestFor(realBundle.adapters, `${ORIGIN}/admin/students/roster.html`)).toBeUndefined();
  });
});

describe('adapter network section', () => {
  const base = { ...demo, $schema: undefined };
  const withNetwork = (network: unknown) => SisAdapterSchema.safeParse({ ...base, network });
  const pathOf = (result: ReturnType<typeof withNetwork>) =>
    result.success ? '' : result.error.issues.map((issue) => issue.path.join('.')).join(' ');

  it.each([
    [{ openPaths: ['^/login'], records: [] }, 'network.openPaths.0'],
    [{ openPaths: ['/(?=x)login'], records: [] }, 'network.openPaths.0'],
    [{ openPaths: ['/login('], records: [] }, 'network.openPaths.0'],
    [
      { openPaths: [], records: [{ id: 'a', kind: 'document', url: '/x\\?id=1', categories: ['grades'] }] },
      'network.records.0.url',
    ],
    [
      {
        openPaths: [],
        records: [{ id: 'a', kind: 'document', url: '/x/{student}/{student}', categories: ['grades'] }],
      },
      'network.records.0.url',
    ],
    [
      {
        openPaths: [],
        records: [
          { id: 'a', kind: 'data', url: '/x/{student}', categories: ['grades'] },
          { id: 'a', kind: 'data', url: '/y/{student}', categories: ['grades'] },
        ],
      },
      'network.records.1.id',
    ],
    [
      { openPaths: [], records: [{ id: 'a', kind: 'page', url: '/x/{student}', categories: ['grades'] }] },
      'network.records.0.kind',
    ],
  ])('rejects a malformed network section, naming the field (%#)', (network, path) => {
    expect(pathOf(withNetwork(network))).toContain(path);
  });
});
