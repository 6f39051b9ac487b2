// The bundled PowerSchool adapter's network section (policies/adapters/powerschool.json): PowerSchool names the
// student in every staff student page's URL (`frn=001<DCID>`), so an SRO's student pages are stopped at the
// network unless the guard plan opens that student. The precision is the student, not the section: Chromium
// gives a regex rule about 140 characters of pattern (RE2's memory limit, probed in
// tests/e2e/powerschool-network.e2e.test.ts), too few for PowerSchool's page-name lists, so the in-page cover
// decides the section. Checked here as Chromium would apply the rules, and against the in-page classification of
// the same URLs: the network never asks for a category the page guard does not read (it never stops what the
// cover would open). Also the format's `coverPaths` (pages whose URL names no student).
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRecordRules, ownedOrigin } from '../../src/enforce/record-rules';
import { longNetworkPatterns } from '../../src/policy/adapter-overlap';
import { bundleWarnings } from '../../src/policy/bundle';
import { SisAdapterSchema, type SisAdapter } from '../../src/policy/adapter';
import type { ViewableCategories } from '../../src/decide/viewable';
import { checkAdapter, formatCheck } from '../../src/sis/check';
import { adapterForUrl, networkRouteFor, openPageFor, serverPath } from '../../src/sis/match';
import { readCategories, readUrlCategories } from '../../src/sis/read-page';
import { outcome } from './dnr-outcome';
import { realBundle, adapterCli } from './support';

const ORIGIN = 'https://district.powerschool.com';
const GATE_TARGET = 'chrome-extension://abc/gate.html#blocked=0123456789abcdef0123456789abcdef:';
const NOW = Date.parse('2026-12-01T12:00:00Z');
const STUDENT = '204511';

const adapterNamed = (id: string): SisAdapter => {
  const found = realBundle.adapters.find((adapter) => adapter.id === id);
  if (!found) throw new Error(`no adapter ${id}`);
  return found;
};
const powerschool = adapterNamed('powerschool');

function rulesFor(views: Record<string, ViewableCategories>, origin = ORIGIN) {
  const guarded = [ownedOrigin(realBundle.adapters, origin, 'officer.diaz')];
  return buildRecordRules({
    guarded,
    viewable: { 'officer.diaz': views },
    gateTarget: GATE_TARGET,
    nowMs: NOW,
  }).rules;
}

/** Student pages from district customizations and the issue #15 review (adapter-vendors.test.ts). */
const STUDENT_PAGES = [
  '/admin/students/generaldemographics.html?frn=001204511',
  '/admin/students/previousgrades.html?frn=001204511',
  '/admin/students/testlist.html?frn=001204511',
  '/admin/students/transferinfo.html?frn=001204511',
  '/admin/students/quicklookup.html?frn=001204511',
  '/admin/students/studentpages/immunizations.html?frn=001204511',
  '/admin/students/studentpages/severemedical.html?frn=001204511',
  '/admin/students/health/home_health.html?frn=001204511',
  '/admin/alerts/medicalalert.html?frn=001204511',
  '/admin/alerts/iepalert.html?frn=001204511',
  '/admin/students/studentpages/specialneeds.html?frn=001204511',
  '/admin/students/studentpages/04-family.html?frn=001204511',
  '/admin/students/parentsguardian.html?frn=001204511',
  '/admin/students/studentpages/reportcards.html?frn=001204511',
  '/admin/students/studentpages/assessment.html?frn=001204511',
  '/admin/students/log.html?frn=001204511',
  '/admin/students/state/stateCA.html?frn=001204511',
  '/admin/students/GraduationPlanner/plan.html?frn=001204511',
  '/admin/students/home.html?frn=001204511',
  '/admin/seop/plan.html?frn=001204511',
  '/admin/state/credo/student.html?frn=001204511',
];

describe('PowerSchool network section', () => {
  const emptyPage = parseHTML('<!doctype html><html><body></body></html>').document as unknown as Document;

  it.each(STUDENT_PAGES)(
    '%s is a record of the student, asking for no category the page guard does not read',
    (path) => {
      const route = networkRouteFor(realBundle.adapters, `${ORIGIN}${path}`);
      expect(route).toMatchObject({ kind: 'record', studentId: STUDENT });
      if (route?.kind !== 'record') return;
      const read = readCategories(powerschool, emptyPage, `${ORIGIN}${path}`);
      expect(read.length).toBeGreaterThan(0);
      for (const category of route.categories) expect(read).toContain(category);
    },
  );

  it.each(STUDENT_PAGES)('%s opens only for an SRO the plan lets view the student', (path) => {
    const route = networkRouteFor(realBundle.adapters, `${ORIGIN}${path}`);
    if (route?.kind !== 'record') throw new Error('not a record');
    const all = Object.fromEntries(route.categories.map((category) => [category, null]));
    const url = `${ORIGIN}${path}`;
    expect(outcome(rulesFor({ [STUDENT]: all }), url, 'main_frame')).toBe('allow');
    expect(outcome(rulesFor({ [STUDENT]: all }), url, 'sub_frame')).toBe('allow');
    // Page script cannot fetch it, even then (the page guard never sees what a fetch returns).
    expect(outcome(rulesFor({ [STUDENT]: all }), url, 'xmlhttprequest')).toBe('block');
    // Another student, a grant that has ended, or nobody: the gate.
    expect(outcome(rulesFor({ '204512': all }), url, 'main_frame')).toBe('redirect');
    const ended = Object.fromEntries(
      route.categories.map((category) => [category, '2026-12-01T11:00:00.000Z']),
    );
    expect(outcome(rulesFor({ [STUDENT]: ended }), url, 'main_frame')).toBe('redirect');
    expect(outcome(rulesFor({}), url, 'main_frame')).toBe('redirect');
  });

  it('the gate names what the URL says the page holds, beside the coarser network record', () => {
    const url = `${ORIGIN}/admin/students/parentsguardian.html?frn=001204511`;
    expect(networkRouteFor(realBundle.adapters, url)).toMatchObject({ categories: ['demographics'] });
    expect(readUrlCategories(powerschool, url).sort()).toEqual(['contacts', 'demographics']);
    // Only URL and fragment rules: a heading rule needs the page, which never arrived.
    expect(
      readUrlCategories(adapterNamed('synergy'), 'https://district.edupoint.com/Synergy/Main.aspx'),
    ).toEqual([]);
  });

  it('a consent for demographics lets the student pages arrive (the cover decides the section), not the alerts or state pages', () => {
    const rules = rulesFor({ [STUDENT]: { demographics: null } });
    const at = (path: string, type = 'main_frame') => outcome(rules, `${ORIGIN}${path}`, type);
    expect(at('/admin/students/generaldemographics.html?frn=001204511&changesSaved=true')).toBe('allow');
    expect(at('/admin/students/previousgrades.html?frn=001204511')).toBe('allow');
    expect(at('/admin/alerts/medicalalert.html?frn=001204511')).toBe('redirect');
    expect(at('/admin/alerts/iepalert.html?frn=001204511')).toBe('redirect');
    expect(at('/admin/state/credo/student.html?frn=001204511')).toBe('redirect');
    expect(at('/admin/seop/plan.html?frn=001204511')).toBe('redirect');
    // The id is matched whole, in the case the server reads.
    expect(at('/admin/students/previousgrades.html?frn=0012045110')).toBe('redirect');
    expect(at('/admin/students/previousgrades.html?FRN=001204511')).toBe('redirect');
    expect(at('/Admin/students/previousgrades.html?frn=001204511')).toBe('redirect');
    // Pages that name the student some other way go to the gate (fail closed): log entries (studentfrn after a
    // log entry's frn, a pattern too long for the rule budget) and PowerTeacher's pages.
    expect(at('/admin/students/customlogentry.html?frn=0081001&studentfrn=001204511')).toBe('redirect');
    expect(at('/teachers/studentpages/demo.html?frn=001204511')).toBe('redirect');
  });

  it('a path the server reads otherwise (";", encoded slash or dot) never opens, and the page guard reads it as served', () => {
    const rules = rulesFor({ [STUDENT]: { demographics: null } });
    const at = (path: string, type = 'main_frame') => outcome(rules, `${ORIGIN}${path}`, type);
    // Tomcat drops ";…" and resolves "..": these reach student 456's record through an open path.
    for (const path of [
      '/images/..;/admin/students/generaldemographics.html?frn=001456',
      '/scripts/..;/admin/students/general.html;x.js?frn=001456',
      '/admin/students/..;/students/log.html?frn=001204511',
      '/admin/students/generaldemographics.html;jsessionid=1?frn=001204511',
      '/images%2F..%2Fadmin/students/log.html?frn=001456',
    ]) {
      expect(at(path)).toBe('block');
      expect(at(path, 'xmlhttprequest')).toBe('block');
      expect(networkRouteFor(realBundle.adapters, `${ORIGIN}${path}`)).toEqual({
        kind: 'blocked',
        why: 'path-trick',
      });
    }
    // In the page (second line): guarded as the page it serves, never an open page.
    expect(
      adapterForUrl(realBundle.adapters, `${ORIGIN}/images/..;/admin/students/log.html?frn=001456`)?.id,
    ).toBe('powerschool');
    expect(
      openPageFor(realBundle.adapters, `${ORIGIN}/images/..;/admin/students/log.html?frn=001456`),
    ).toBeUndefined();
    expect(serverPath('/images/..;/admin/students/x.html')).toBe('/admin/students/x.html');
    expect(serverPath('/a;b=c/./d;e/../f')).toBe('/a/f');
  });

  it('a URL naming the student in a second student parameter never opens', () => {
    const rules = rulesFor({ '123': { demographics: null } });
    const at = (path: string) => outcome(rules, `${ORIGIN}${path}`, 'main_frame');
    expect(at('/admin/students/generaldemographics.html?frn=001123')).toBe('allow');
    expect(at('/admin/students/customlogentry.html?frn=001123&studentfrn=001456')).toBe('block');
    expect(at('/admin/students/customlogentry.html?studentfrn=001456&frn=001123')).toBe('block');
    expect(at('/admin/students/generaldemographics.html?frn=001123&FRN=001456')).toBe('block');
    // A log entry's own frn (table 008) beside studentfrn is no record of student 123: the gate, as before.
    expect(at('/admin/students/customlogentry.html?frn=0081001&studentfrn=001123')).toBe('redirect');
    expect(
      networkRouteFor(realBundle.adapters, `${ORIGIN}/admin/students/x.html?frn=001123&frn=001456`),
    ).toEqual({
      kind: 'blocked',
      why: 'student-named-twice',
    });
  });

  it('the alert pages open by their own category only', () => {
    const health = rulesFor({ [STUDENT]: { health: null } });
    const at = (rules: ReturnType<typeof rulesFor>, path: string) =>
      outcome(rules, `${ORIGIN}${path}`, 'main_frame');
    for (const name of ['medical', 'hearing', 'vision'])
      expect(at(health, `/admin/alerts/${name}alert.html?frn=001204511`)).toBe('allow');
    expect(at(health, '/admin/alerts/iepalert.html?frn=001204511')).toBe('redirect');
    expect(at(health, '/admin/alerts/disciplinealert.html?frn=001204511')).toBe('redirect');
    expect(at(health, '/admin/alerts/guardianalert.html?frn=001204511')).toBe('redirect');
  });

  it('the data APIs, exports and pages no rule names never reach an SRO', () => {
    const rules = rulesFor({
      [STUDENT]: Object.fromEntries(['demographics', 'grades'].map((c) => [c, null])),
    });
    const at = (path: string, type: string) => outcome(rules, `${ORIGIN}${path}`, type);
    expect(at('/ws/v1/student/204511?expansions=demographics', 'xmlhttprequest')).toBe('block');
    expect(at('/ws/v1/student/204511?expansions=demographics', 'main_frame')).toBe('redirect');
    expect(at('/ws/schema/query/com.district.students', 'xmlhttprequest')).toBe('block');
    expect(at('/admin/studentlist/export.csv', 'main_frame')).toBe('redirect');
    expect(at('/admin/students/previousgrades.json?frn=001204511', 'xmlhttprequest')).toBe('block');
    expect(at('/scripts/district/students.html', 'main_frame')).toBe('redirect');
    expect(at('/admin/students/previousgrades.html?frn=001204511', 'object')).toBe('block');
  });

  it("the sign-in, start and student-selection pages and PowerSchool's static files load", () => {
    const rules = rulesFor({});
    const at = (path: string, type: string) => outcome(rules, `${ORIGIN}${path}`, type);
    expect(at('/admin/pw.html', 'main_frame')).toBe('allow');
    expect(at('/admin/home.html', 'main_frame')).toBe('allow');
    expect(at('/admin/home.html?ac=logoff', 'main_frame')).toBe('allow');
    expect(at('/admin/students/home.html?selectstudent=nosearch', 'main_frame')).toBe('allow');
    expect(at('/teachers/pw.html', 'main_frame')).toBe('allow');
    expect(at('/images/css/screen.css', 'stylesheet')).toBe('allow');
    expect(at('/scripts/jquery-2.1.3.min.js', 'script')).toBe('allow');
    expect(at('/admin/javascript/md5.js', 'script')).toBe('allow');
    expect(at('/admin/tech/notifications/json/activenotificationOther.json.html', 'xmlhttprequest')).toBe(
      'allow',
    );
    // The sign-out link is a sign-in page for the identity rules (who was signed in is forgotten there).
    expect(networkRouteFor(realBundle.adapters, `${ORIGIN}/admin/home.html?ac=logoff`)).toEqual({
      kind: 'open',
      signIn: true,
    });
  });

  it('the check command says what the network does with the page', () => {
    const { document } = parseHTML(
      '<!doctype html><html><body><div id="userName">Welcome, Pat Officer</div></body></html>',
    );
    const doc = document as unknown as Document;
    const grades = checkAdapter(
      powerschool,
      doc,
      `${ORIGIN}/admin/students/previousgrades.html?frn=001204511`,
    );
    expect(grades.network).toMatchObject({
      kind: 'record',
      endpoint: 'ps-student-pages',
      studentId: STUDENT,
    });
    expect(formatCheck(grades)).toContain(
      'network   record ps-student-pages: loads only if the plan opens student 204511 for demographics',
    );
    // A guarded page whose URL no network entry names: the admin is told an SRO can never open it.
    const bare = checkAdapter(powerschool, doc, `${ORIGIN}/admin/students/previousgrades.html`);
    expect(bare.network).toEqual({ kind: 'gate', postback: false });
    expect(bare.missing.join('\n')).toContain('network: an SRO is taken to the gate from this page');
    const start = checkAdapter(powerschool, doc, `${ORIGIN}/admin/home.html`);
    expect(formatCheck(start)).toContain('network   loads (open page)');
    // Without a network section the check says the cover guards alone.
    const aeries = checkAdapter(
      adapterNamed('aeries'),
      doc,
      'https://district.aeries.net/admin/Students.aspx',
    );
    expect(aeries.network).toBeUndefined();
    expect(formatCheck(aeries)).toContain('network   (no network section: the in-page cover guards alone)');
  });
});

describe('network coverPaths: record pages whose URL names no student', () => {
  const shell = SisAdapterSchema.parse({
    ...adapterNamed('demo-shapes'),
    $schema: undefined,
    match: { hosts: ['shell.example.org'], paths: ['^/shell/'] },
  });
  const rules = buildRecordRules({
    guarded: [{ origin: 'https://shell.example.org', username: 'officer.diaz', adapters: [shell] }],
    viewable: {},
    gateTarget: GATE_TARGET,
    nowMs: NOW,
  }).rules;
  const at = (path: string, type: string, method = 'get') =>
    outcome(rules, `https://shell.example.org${path}`, type, method);

  it('load as pages, top-level or framed, by any method: the in-page cover decides', () => {
    expect(at('/shell/Screen.aspx', 'sub_frame', 'post')).toBe('allow');
    expect(at('/shell/Screen.aspx', 'main_frame', 'get')).toBe('allow');
    expect(networkRouteFor([shell], 'https://shell.example.org/shell/Screen.aspx')).toEqual({
      kind: 'cover',
    });
  });

  it('are never fetched by page script, and match case-sensitively and whole', () => {
    expect(at('/shell/Screen.aspx', 'xmlhttprequest', 'post')).toBe('block');
    expect(at('/shell/screen.aspx', 'sub_frame', 'post')).toBe('block');
    expect(at('/shell/Screen.aspx.bak', 'main_frame')).toBe('redirect');
  });

  it('a large counted repetition (RE2 expands it past the rule memory limit) rejects the adapter, naming it', () => {
    const withOpenPath = (path: string) =>
      SisAdapterSchema.safeParse({
        ...adapterNamed('demo-shapes'),
        $schema: undefined,
        network: { ...adapterNamed('demo-shapes').network, openPaths: [path] },
      });
    const refused = withOpenPath('/images/[^?#]{1,200}(?:\\?[^#]*)?');
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.path.join('.')).toBe('network.openPaths.0');
    expect(refused.error?.issues[0]?.message).toContain('counted repetition above {10}');
    // Small counts, escaped braces and the patterns that replace them pass.
    expect(withOpenPath('/images/[0-9]{2}/x\\{1,200\\}').success).toBe(true);
    expect(withOpenPath('/images/[^?#]+(?:\\?[^#]*)?').success).toBe(true);
  });

  it('an entry that is not a usable network pattern rejects the adapter, naming it', () => {
    const bad = SisAdapterSchema.safeParse({
      ...adapterNamed('demo-shapes'),
      $schema: undefined,
      network: { ...adapterNamed('demo-shapes').network, coverPaths: ['^/shell/(?=Screen)'] },
    });
    expect(bad.success).toBe(false);
    const issues = bad.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];
    expect(issues.join('\n')).toContain('network.coverPaths.0');
  });
});

describe('network patterns Chromium may refuse', () => {
  // The first PowerSchool network section listed page names per section; Chromium refused those rules
  // (memoryLimitExceeded) and with them every allow of the set.
  const long =
    '/(?:admin/students|teachers/studentpages)/(?:[A-Za-z0-9_-]+/)?(?:previousgrades|historicalgrades|storedgrades|finalgrades|termgrades)\\.html\\?frn=001{student}(?:&[^#]*)?';
  const withLong = SisAdapterSchema.parse({
    ...adapterNamed('demo-shapes'),
    $schema: undefined,
    id: 'long-patterns',
    network: {
      ...adapterNamed('demo-shapes').network,
      records: [{ id: 'grades', kind: 'document', url: long, categories: ['grades'] }],
    },
  });

  it('are warned about by name, and the bundled adapters have none', () => {
    expect(longNetworkPatterns(withLong)).toEqual([
      expect.stringContaining('adapter "long-patterns" network.records[0].url (grades) is'),
    ]);
    expect(longNetworkPatterns(withLong)[0]).toContain('memoryLimitExceeded');
    expect(realBundle.adapters.flatMap((adapter) => longNetworkPatterns(adapter))).toEqual([]);
    expect(bundleWarnings({ adapters: [withLong] })).toHaveLength(1);
  });

  it('npm run adapter -- validate prints the warning and still calls the adapter valid', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rg-long-'));
    const file = join(dir, 'long.json');
    await writeFile(
      file,
      JSON.stringify({ ...withLong, match: { hosts: ['long.example.org'], paths: ['^/shell/'] } }),
    );
    const run = await adapterCli('validate', file);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('adapter "long-patterns" is valid');
    expect(run.stderr).toContain('warning: adapter "long-patterns" network.records[0].url (grades) is');
  }, 60_000);
});
