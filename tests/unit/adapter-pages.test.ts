// Each bundled adapter read on its fixture pages (tests/fixtures/pages: hand-written from the real page
// structures), through the same code the content script runs, and the check command run on them.
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import type { SisAdapter } from '../../src/policy/adapter';
import { resolveRole } from '../../src/policy/roles';
import { checkAdapter, type AdapterCheck } from '../../src/sis/check';
import { adapterForUrl, openPageFor } from '../../src/sis/match';
import { adapterCli, policyWith, realBundle, REPO_ROOT } from './support';

const PAGES = join(REPO_ROOT, 'tests/fixtures/pages');

const adapterNamed = (id: string): SisAdapter => {
  const found = realBundle.adapters.find((adapter) => adapter.id === id);
  if (!found) throw new Error(`no adapter ${id}`);
  return found;
};

async function check(
  id: string,
  page: string,
  url: string,
  adapter = adapterNamed(id),
): Promise<AdapterCheck> {
  const html = await readFile(join(PAGES, page), 'utf8');
  const { document } = parseHTML(html);
  return checkAdapter(adapter, document as unknown as Document, url, realBundle.policy.categories);
}

describe('PowerSchool', () => {
  const host = 'https://district.powerschool.com';

  it('reads the display name across lines, the student and historical grades (previousgrades.html)', async () => {
    const report = await check(
      'powerschool',
      'powerschool/previousgrades.html',
      `${host}/admin/students/previousgrades.html?frn=001204511`,
    );
    expect(report.page).toBe('guarded');
    expect(report.identity).toMatchObject({ displayName: 'Jane Doe' });
    expect(report.identity.username).toBeUndefined();
    expect(report.student.value).toBe('204511');
    expect(report.sections).toContain('grades');
    expect(report.exportControls.map((control) => control.id)).toContain('quick-export-link');
    expect(report.missing).toEqual([]);
  });

  it.each([
    ['/admin/students/testlist.html?frn=001204511', 'grades'],
    ['/admin/students/termgrades.html?frn=001204511', 'grades'],
    ['/admin/students/cumulativeinfo.html?frn=001204511', 'grades'],
    ['/admin/students/graduationprogress.html?frn=001204511', 'grades'],
    ['/admin/students/GraduationPlanner/progress.html?frn=001204511', 'grades'],
    ['/admin/students/transferinfo.html?frn=001204511', 'demographics'],
    ['/admin/state/credo/studentinfo.html?frn=001204511', 'special-education'],
    ['/admin/seop/seop.html?frn=001204511', 'grades'],
  ])('guards %s as %s', async (path, category) => {
    const report = await check('powerschool', 'powerschool/previousgrades.html', `${host}${path}`);
    expect(report.page).toBe('guarded');
    expect(report.sections).toContain(category);
  });

  it('reads labels in td cells (not the values) and finds the immigration-related ones', async () => {
    const report = await check(
      'powerschool',
      'powerschool/demographics-td.html',
      `${host}/admin/students/generaldemographics.html?frn=001204511`,
    );
    expect(report.fields).toEqual(expect.arrayContaining(['Birth Country', 'Student Number', 'Home Phone']));
    expect(report.fields).not.toContain('Fictionland');
    expect(report.sensitiveFound).toEqual(
      expect.arrayContaining(['Birth Country', 'First US School Enrollment', '[01]CA_BirthCountry']),
    );
  });

  it('the start page establishes who is signed in without guarding; pw.html is the sign-in page', async () => {
    const report = await check('powerschool', 'powerschool/start.html', `${host}/admin/home.html`);
    expect(report.page).toBe('identity-only');
    expect(report.identity).toMatchObject({ displayName: 'Jane Doe' });
    expect(report.identity.username).toBeUndefined();
    expect(openPageFor(realBundle.adapters, `${host}/admin/pw.html`)).toMatchObject({ signIn: true });
  });

  it('a display name resolves through the roster: shared with an SRO guards, unknown falls to unidentifiedUser', () => {
    const policy = policyWith((bundle) => {
      bundle.policy.roles.roster.push(
        { role: 'sro', username: 'pofficer', displayNames: ['Pat Officer'] },
        { role: 'teacher', username: 'jdoe', displayNames: ['Jane Doe'] },
      );
    }).policy;
    expect(resolveRole(policy, { displayName: 'Pat Officer' })).toMatchObject({
      role: 'sro',
      username: 'pofficer',
    });
    expect(resolveRole(policy, { displayName: 'Jane Doe' })).toMatchObject({
      role: 'teacher',
      username: 'jdoe',
    });
    expect(resolveRole(policy, { displayName: 'Someone Else' }).role).toBe('unknown');
  });
});

describe('Aeries', () => {
  it('reads the login from #ctl00_lblWelcomeName and the account menu title, the student from ctl00$PID', async () => {
    const report = await check(
      'aeries',
      'aeries/students.html',
      'https://district.aeries.net/admin/Students.aspx',
    );
    expect(report.page).toBe('guarded');
    expect(report.identity).toEqual({ username: 'officer.demo', conflicting: false });
    expect(
      report.extractors.filter((run) => run.path.startsWith('identity')).map((run) => run.values),
    ).toEqual([['officer.demo'], ['officer.demo']]);
    expect(report.student.value).toBe('990017');
    expect(report.sections).toContain('demographics');
    expect(report.sensitiveFound).toEqual(expect.arrayContaining(['Birth Country', 'STU.BCU']));
  });

  it('a self-hosted district at the root of its own host: only the host is added', async () => {
    const aeries = structuredClone(adapterNamed('aeries'));
    aeries.match.hosts = [...aeries.match.hosts, 'aeries.district.example'];
    const report = await check(
      'aeries',
      'aeries/students.html',
      'https://aeries.district.example/Students.aspx',
      aeries,
    );
    expect(report.page).toBe('guarded');
    expect(report.missing).toEqual([]);
    expect(adapterForUrl([aeries], 'https://aeries.district.example/Login.aspx')).toBeUndefined();
    expect(openPageFor([aeries], 'https://aeries.district.example/Login.aspx')).toMatchObject({
      signIn: true,
    });
    expect(adapterForUrl([aeries], 'https://aeries.district.example/parent/Dashboard.aspx')).toBeUndefined();
  });
});

describe('Synergy', () => {
  const host = 'https://district.edupoint.com';

  it('the shell is identity-only and reads the display name; the portals are left alone', async () => {
    const report = await check('synergy', 'synergy/shell.html', `${host}/Synergy/Default.aspx`);
    expect(report.page).toBe('identity-only');
    expect(report.identity).toMatchObject({ displayName: 'Pat Officer' });
    expect(report.identity.username).toBeUndefined();
    expect(adapterForUrl(realBundle.adapters, `${host}/PXP2_Gradebook.aspx`)).toBeUndefined();
    expect(openPageFor(realBundle.adapters, `${host}/Login.aspx`)).toMatchObject({ signIn: true });
  });

  it('a screen POSTed into the frame: student from the posted key, section from the posted screen field', async () => {
    const report = await check('synergy', 'synergy/screen-student.html', `${host}/Synergy/Screen.aspx`);
    expect(report.page).toBe('guarded');
    expect(report.student.value).toBe('5A1C2E90-0000-4000-8000-00000000F00D');
    expect(report.sections).toContain('demographics');
    expect(report.sensitiveFound).toEqual(expect.arrayContaining(['Birth Country', 'US Entry Date']));
    expect(report.fields).not.toContain('Fictionland');
    // The frame has no header of its own: at run time it borrows the shell's (same origin).
    expect(report.missing).toEqual(['identity: no extractor found who is signed in']);
  });
});

describe('Skyward', () => {
  const base = 'https://skyward.iscorp.com/scripts/wsisa.dll/WService=wsEAplusDemo';

  it('reads the display name, the posted student id, the section and the label cells ending in ":"', async () => {
    const report = await check('skyward', 'skyward/student-profile.html', `${base}/sfstudentinfo001.w`);
    expect(report.page).toBe('guarded');
    expect(report.identity).toMatchObject({ displayName: 'Pat Officer' });
    expect(report.identity.username).toBeUndefined();
    expect(report.student.value).toBe('330045');
    expect(report.sections).toContain('demographics');
    expect(report.sensitiveFound).toEqual(expect.arrayContaining(['Birth Country', 'Date Entered US']));
    expect(report.missing).toEqual([]);
  });

  it('the sign-in page is one; attendance and gradebook programs are their sections', async () => {
    expect(openPageFor(realBundle.adapters, `${base}/seplog01.w`)).toMatchObject({ signIn: true });
    const attendance = await check('skyward', 'skyward/student-profile.html', `${base}/sfattendance001.w`);
    expect(attendance.sections).toContain('attendance');
    const grades = await check('skyward', 'skyward/student-profile.html', `${base}/sfgradebook001.w`);
    expect(grades.sections).toContain('grades');
  });
});

describe('every bundled adapter', () => {
  it('says what was checked and what still needs a live instance', () => {
    for (const adapter of realBundle.adapters) {
      expect(adapter.verification.sources.length).toBeGreaterThan(0);
      if (adapter.verification.status !== 'verified')
        expect(adapter.verification.toCheck.length).toBeGreaterThan(0);
    }
    expect(realBundle.adapters.map((adapter) => adapter.id)).toEqual(
      expect.arrayContaining(['powerschool', 'aeries', 'infinite-campus', 'synergy', 'skyward']),
    );
  });
});

const cli = adapterCli;

describe('npm run adapter -- check', () => {
  it('prints what the adapter reads and what it misses', async () => {
    const run = await cli(
      'check',
      'powerschool',
      join(PAGES, 'powerschool/previousgrades.html'),
      'https://district.powerschool.com/admin/students/previousgrades.html?frn=001204511',
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^identity\s+Jane Doe \(display name\)$/m);
    expect(run.stdout).toMatch(/^student\s+204511$/m);
    expect(run.stdout).toMatch(/^sections\s+.*grades/m);
    expect(run.stdout).toMatch(/^missing\s+nothing$/m);
  });

  it('--json, the URL from the "saved from url" comment, and misses named', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rg-adapter-'));
    const html = await readFile(join(PAGES, 'aeries/students.html'), 'utf8');
    const saved = join(dir, 'saved.html');
    await writeFile(
      saved,
      `<!-- saved from url=(0050)https://district.aeries.net/admin/Attendance.aspx -->\n${html.replace(/<input type="hidden" name="ctl00\$PID"[^>]*>/, '').replace(/<div data-tcfc="STU.ID">[^<]*<\/div>/, '')}`,
    );
    const run = await cli('check', 'aeries', saved, '--json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as AdapterCheck;
    expect(report.url).toBe('https://district.aeries.net/admin/Attendance.aspx');
    expect(report.sections).toContain('attendance');
    expect(report.missing).toContain(
      'student: no extractor found the student id (an SRO sees the page blocked)',
    );
  });

  it('validate refuses a bad adapter file naming the adapter and field; usage errors exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rg-adapter-'));
    const demo = JSON.parse(await readFile(join(REPO_ROOT, 'policies/adapters/demo-sis.json'), 'utf8')) as {
      id: string;
      identity: unknown;
    };
    demo.id = 'district-copy';
    demo.identity = [{ from: 'text', selector: '#userName', pattern: '(\\w+\\s?)*' }];
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify(demo));
    const bad = await cli('validate', file);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/adapter "district-copy" identity\[0\]\.pattern: .*backtrack/);
    const overlapping = {
      ...JSON.parse(await readFile(join(REPO_ROOT, 'policies/adapters/demo-sis.json'), 'utf8')),
      id: 'demo-copy',
    };
    await writeFile(file, JSON.stringify(overlapping));
    const overlap = await cli('validate', file);
    expect(overlap.code).toBe(1);
    expect(overlap.stderr).toMatch(
      /adapter "demo-copy" match\.paths\[0\]: claims the same host .* as adapter "demo-sis"/,
    );
    const usage = await cli('check', 'powerschool', join(PAGES, 'powerschool/start.html'));
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/no URL given/);
  });
});
