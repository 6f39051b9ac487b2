// The page names, URL shapes and field codes the bundled vendor adapters gained from public sources (the
// "Checked against" tables in docs/adapters.md), each read the way the content script reads it: a URL classified
// into its section, a shell or start page identity-only, a sign-in page, a portal left alone, a CALPADS field code
// classified (immigration-related ones always hidden from SROs).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import type { SisAdapter } from '../../src/policy/adapter';
import { sensitiveFieldsFor } from '../../src/policy/sensitive-fields';
import { checkAdapter, formatCheck, type AdapterCheck } from '../../src/sis/check';
import { adapterForUrl, openPageFor } from '../../src/sis/match';
import { realBundle, REPO_ROOT } from './support';

const PAGES = join(REPO_ROOT, 'tests/fixtures/pages');
const ALL_RECORD_CATEGORIES = [
  'demographics',
  'contacts',
  'attendance',
  'grades',
  'discipline',
  'health',
  'special-education',
];

const adapterNamed = (id: string): SisAdapter => {
  const found = realBundle.adapters.find((adapter) => adapter.id === id);
  if (!found) throw new Error(`no adapter ${id}`);
  return found;
};

async function check(id: string, page: string, url: string): Promise<AdapterCheck> {
  const { document } = parseHTML(await readFile(join(PAGES, page), 'utf8'));
  return checkAdapter(adapterNamed(id), document as unknown as Document, url, realBundle.policy.categories);
}

const categoryOf = (report: AdapterCheck, field: string): string | undefined =>
  report.classified.find((entry) => entry.field === field)?.category;

const guardedBy = (href: string): string | undefined => adapterForUrl(realBundle.adapters, href)?.id;

describe('PowerSchool: page names from district customizations', () => {
  const host = 'https://district.powerschool.com';

  it.each([
    ['/admin/students/studentpages/immunizations.html?frn=001204511', 'health'],
    ['/admin/students/studentpages/severemedical.html?frn=001204511', 'health'],
    ['/admin/students/health/home_health.html?frn=001204511', 'health'],
    ['/admin/alerts/medicalalert.html?frn=001204511', 'health'],
    ['/admin/alerts/iepalert.html?frn=001204511', 'special-education'],
    ['/admin/students/studentpages/specialneeds.html?frn=001204511', 'special-education'],
    ['/admin/students/studentpages/04-family.html?frn=001204511', 'contacts'],
    ['/admin/students/parentsguardian.html?frn=001204511', 'contacts'],
    ['/admin/students/studentpages/reportcards.html?frn=001204511', 'grades'],
    ['/admin/students/studentpages/assessment.html?frn=001204511', 'grades'],
    ['/admin/students/progressreports/progressreportentry.html?frn=001204511', 'grades'],
    ['/admin/students/log_letter_single.html?frn=001204511', 'discipline'],
    ['/teachers/studentpages/demo.html?frn=001204511', 'demographics'],
    ['/teachers/alerts/hearingalert.html?frn=001204511', 'health'],
  ])('guards %s as %s', async (path, category) => {
    const report = await check('powerschool', 'powerschool/previousgrades.html', `${host}${path}`);
    expect(report.page).toBe('guarded');
    expect(report.sections).toContain(category);
  });

  it('a studentpages/ page that matches no keyword stays demographics only (a district names its own rule)', async () => {
    const report = await check(
      'powerschool',
      'powerschool/previousgrades.html',
      `${host}/admin/students/studentpages/regform4.html?frn=001204511`,
    );
    expect(report.page).toBe('guarded');
    expect(report.sections).toContain('demographics');
    expect(report.sections).not.toContain('health');
  });

  it('student lists, CSV group exports and the report engine are guarded for every record category', async () => {
    for (const path of ['/admin/studentlist/functions.html', '/admin/reports_engine/report_w_param.html']) {
      const report = await check('powerschool', 'powerschool/start.html', `${host}${path}`);
      expect(report.page).toBe('guarded');
      expect(report.sections).toEqual(expect.arrayContaining(ALL_RECORD_CATEGORIES));
    }
    const endpoints = adapterNamed('powerschool').exports.endpoints;
    expect(endpoints.find((endpoint) => endpoint.id === 'student-list-csv')?.urlFilter).toBe(
      '/admin/studentlist/*.csv',
    );
    // A PowerQuery can return any field, birth country included: it never opens for an SRO.
    expect(endpoints.find((endpoint) => endpoint.id === 'powerquery')?.categories).toContain('immigration');
    expect(endpoints.find((endpoint) => endpoint.urlFilter === '/ws/v1/')?.categories).toContain(
      'immigration',
    );
  });

  it('a log entry names the entry in frn and the student in studentfrn', async () => {
    const report = await check(
      'powerschool',
      'powerschool/log-entry.html',
      `${host}/admin/students/customlogentry.html?frn=0081001&studentfrn=001204511`,
    );
    expect(report.page).toBe('guarded');
    expect(report.student.value).toBe('204511');
    expect(report.sections).toContain('discipline');
  });

  it('a registration page: labels over inputs; the [01]CA_* input names find the immigration fields', async () => {
    const report = await check(
      'powerschool',
      'powerschool/registration-student.html',
      `${host}/admin/students/studentpages/03-student.html?frn=001204511`,
    );
    expect(report.page).toBe('guarded');
    // The name sits in a span inside #userName, after "Welcome," on its own line.
    expect(report.identity).toMatchObject({ displayName: 'Pat Officer' });
    expect(report.identity.username).toBeUndefined();
    expect(report.sensitiveFound).toEqual(
      expect.arrayContaining([
        '[01]CA_BirthCountry',
        '[01]CA_BirthPlace_City',
        '[01]CA_BirthPlace_StateProvince',
        '[01]CA_FirstUSASchooling',
        '[01]CA_ImmigrantFunding',
        'Date student first enrolled in a U.S. school',
        'Has student been enrolled in U.S. schools for a total of less than 3 years?',
      ]),
    );
    // Home language and parent education are CALPADS demographics, not immigration status.
    expect(categoryOf(report, '[01]CA_PrimaryLanguage')).toBe('demographics');
    expect(categoryOf(report, '[01]CA_ParentEd')).toBe('demographics');
    expect(report.sensitiveFound).not.toContain('[01]CA_ParentEd');
  });

  it("the registration table's row of labels over inputs is read by its own rule: Birth City's value is in the row below", async () => {
    const url = `${host}/admin/students/studentpages/03-student.html?frn=001204511`;
    const report = await check('powerschool', 'powerschool/registration-student.html', url);
    const where = (field: string) => report.sensitiveCells.filter((cell) => cell.field === field);
    // The label row under the "1. Student" title row: each label over its input.
    expect(where('Birth City')).toEqual([{ field: 'Birth City', valueAt: 'row-below', located: true }]);
    // The label/input pairs in the same table stay read as pairs (the either rule masks beside and below).
    expect(where('Has student been enrolled in U.S. schools for a total of less than 3 years?')).toEqual([
      {
        field: 'Has student been enrolled in U.S. schools for a total of less than 3 years?',
        valueAt: 'next-cell',
        located: true,
      },
    ]);
    expect(where('Date student first enrolled in a U.S. school').map((cell) => cell.valueAt)).toContain(
      'next-cell',
    );
    expect(report.missing).toEqual([]);
    expect(formatCheck(report)).toMatch(/Birth City \(value in the row below\)/);
    // The rule is the adapter's, scoped to the table holding the birthplace inputs: the next-cell rule alone
    // (what the adapter had) does not read Birth City as a label at all.
    const previous = { ...adapterNamed('powerschool'), labelCells: true };
    const { document } = parseHTML(
      await readFile(join(PAGES, 'powerschool/registration-student.html'), 'utf8'),
    );
    const before = checkAdapter(previous, document as unknown as Document, url, realBundle.policy.categories);
    expect(before.sensitiveCells.filter((cell) => cell.field === 'Birth City')).toEqual([]);
  });

  it('pairs tables elsewhere keep the next-cell reading', async () => {
    const report = await check(
      'powerschool',
      'powerschool/demographics-td.html',
      `${host}/admin/students/generaldemographics.html?frn=001204511`,
    );
    expect(report.sensitiveCells.filter((cell) => cell.field === 'Birth Country')).toEqual([
      { field: 'Birth Country', valueAt: 'next-cell', located: true },
    ]);
    expect(report.sensitiveCells.every((cell) => cell.valueAt === 'next-cell')).toBe(true);
  });

  it('student selection and the PowerTeacher start page are identity-only; PowerTeacher and parent sign-in pages', () => {
    expect(
      openPageFor(realBundle.adapters, `${host}/admin/students/home.html?selectstudent=nosearch`),
    ).toMatchObject({
      signIn: false,
    });
    expect(guardedBy(`${host}/admin/students/home.html?selectstudent=nosearch`)).toBeUndefined();
    expect(guardedBy(`${host}/admin/students/home.html?frn=001204511`)).toBe('powerschool');
    expect(openPageFor(realBundle.adapters, `${host}/teachers/home.html`)).toMatchObject({ signIn: false });
    expect(openPageFor(realBundle.adapters, `${host}/teachers/pw.html`)).toMatchObject({ signIn: true });
    expect(openPageFor(realBundle.adapters, `${host}/public/home.html`)).toMatchObject({ signIn: true });
    expect(guardedBy(`${host}/guardian/home.html`)).toBeUndefined();
  });
});

describe('Aeries: page names and field codes from public scripts and validation queries', () => {
  const host = 'https://district.aeries.net';

  it('the Language page: STU.HL, STU.LF and STU.PED are demographics, LAC.USS is immigration-related', async () => {
    const report = await check('aeries', 'aeries/language.html', `${host}/admin/Language.aspx`);
    expect(report.page).toBe('guarded');
    expect(report.student.value).toBe('990017');
    expect(categoryOf(report, 'STU.HL')).toBe('demographics');
    expect(categoryOf(report, 'STU.LF')).toBe('demographics');
    expect(categoryOf(report, 'STU.PED')).toBe('demographics');
    expect(report.sensitiveFound).toEqual(expect.arrayContaining(['LAC.USS', 'US School K-12']));
    expect(report.sensitiveFound).not.toContain('STU.PED');
  });

  it.each([
    ['/admin/UserDefinedStudentData.aspx?TC=NOTO', ALL_RECORD_CATEGORIES],
    ['/admin/RunSCCOEReport.aspx?rptname=Absences', ALL_RECORD_CATEGORIES],
    ['/admin/AttendanceNote.aspx?SC=994&SN=1017&DT=10-14-2026&INSERT=1', ['attendance']],
    ['/admin/AttendanceSubmissionLog.aspx', ['attendance']],
    ['/Aeries.Net/gradebook/1234/5/1', ['grades']],
  ])('guards %s', async (path, categories) => {
    const report = await check('aeries', 'aeries/language.html', `${host}${path}`);
    expect(report.page).toBe('guarded');
    expect(report.sections).toEqual(expect.arrayContaining(categories));
  });

  it('a two-level hosted name is Aeries; the attendance grid data and the API are export endpoints', () => {
    expect(guardedBy('https://district.asp.aeries.net/admin/Students.aspx')).toBe('aeries');
    const endpoints = adapterNamed('aeries').exports.endpoints;
    expect(endpoints.map((endpoint) => endpoint.urlFilter)).toEqual(
      expect.arrayContaining(['/Attendance/GetAttendanceManagementData', '/api/v*/schools/']),
    );
  });
});

describe('Infinite Campus: portal routes left alone, the district login page', () => {
  const host = 'https://district.infinitecampus.org';

  it.each([
    '/campus/apps/portal/student/home',
    '/campus/nav-wrapper/parent/portal/parent/home?appName=district',
    '/campus/prism?x=portal.PortalOutline&appName=district',
    '/campus/resources/portal/grades?personID=123',
  ])('does not guard the portal route %s', (path) => {
    expect(guardedBy(`${host}${path}`)).toBeUndefined();
  });

  it('the /campus/<appName>.jsp login page is a sign-in page; Identity.homePrimaryLanguage is demographics', () => {
    expect(openPageFor(realBundle.adapters, `${host}/campus/district.jsp`)).toMatchObject({ signIn: true });
    expect(openPageFor(realBundle.adapters, `${host}/campus/district.jsp?status=logoff`)).toMatchObject({
      signIn: true,
    });
    const languages = adapterNamed('infinite-campus').sensitiveFields.find(
      (field) => field.category === 'demographics',
    );
    expect(languages?.codes).toContain('Identity.homePrimaryLanguage');
  });
});

describe('Infinite Campus: Student Information > General tools by the heading they print', () => {
  it.each([
    ['Credit Summary', 'grades'],
    ['Behavior', 'discipline'],
    ['Households', 'contacts'],
    ['Programs', 'special-education'],
    ['Transportation', 'demographics'],
  ])('a tool headed "%s" is %s', (heading, category) => {
    // Our own markup: a Campus Tools frame whose URL we do not know, showing one tool.
    const { document } = parseHTML(
      `<html><body><input type="hidden" name="personID" value="4242"><h1>${heading}</h1></body></html>`,
    );
    const report = checkAdapter(
      adapterNamed('infinite-campus'),
      document as unknown as Document,
      'https://district.infinitecampus.org/campus/tool/frame',
      realBundle.policy.categories,
    );
    expect(report.page).toBe('guarded');
    expect(report.student.value).toBe('4242');
    expect(report.sections).toContain(category);
  });
});

describe('Synergy: the TeacherVUE shape (root shell, FRAME_CONTENT, Login.aspx)', () => {
  const host = 'https://district.edupoint.com';

  it('the root shell is identity-only; a training copy has its own sign-in page', async () => {
    const report = await check('synergy', 'synergy/shell.html', `${host}/`);
    expect(report.page).toBe('identity-only');
    expect(report.identity).toMatchObject({ displayName: 'Pat Officer' });
    expect(report.identity.username).toBeUndefined();
    expect(openPageFor(realBundle.adapters, `${host}/train/Login.aspx`)).toMatchObject({ signIn: true });
  });

  it.each(['/Home_PXP2.aspx', '/district/PXP2_Login_Student.aspx', '/Service/PXPCommunication.asmx'])(
    'leaves the portal page %s alone',
    (path) => {
      expect(guardedBy(`${host}${path}`)).toBeUndefined();
    },
  );
});

describe('Skyward: program names and URL shapes from Family Access clients', () => {
  it('the student-info contact grid is contacts; academic history is grades; cgiip.exe hosts are guarded', async () => {
    const base = 'https://skyward-district.iscorp.com/scripts/wsisa.dll/WService=wsEAplus';
    const info = await check('skyward', 'skyward/student-info.html', `${base}/sfstudentinfo001.w`);
    expect(info.page).toBe('guarded');
    expect(info.student.value).toBe('330045');
    expect(info.sections).toEqual(expect.arrayContaining(['demographics', 'contacts']));
    const history = await check('skyward', 'skyward/student-info.html', `${base}/sfacademichistory001.w`);
    expect(history.sections).toContain('grades');
    expect(
      guardedBy('https://www2.saas.wa-k12.net/scripts/cgiip.exe/WService=wlkdistrict71/sfstudentinfo001.w'),
    ).toBe('skyward');
    expect(guardedBy(`${base}/httploader.p?file=sfgradebook001.w`)).toBeUndefined();
    expect(adapterNamed('skyward').exports.endpoints.map((endpoint) => endpoint.urlFilter)).toContain(
      '/httploader.p?file=',
    );
  });
});

describe('Skyward: staff student-profile tabs (Administrator/Advisor Access guides) by heading', () => {
  const url = 'https://skyward-district.iscorp.com/scripts/wsisa.dll/WService=wsEAplus/sfstaffprofile001.w';

  it.each([
    ['Emergency Contacts', 'contacts'],
    ['IHP', 'health'],
    ['Entry/Withdrawal', 'demographics'],
    ['NCLB', 'demographics'],
    ['Academic History', 'grades'],
    ['Test Scores', 'grades'],
    ['Student Services', 'special-education'],
    ['Discipline', 'discipline'],
  ])('a tab headed "%s" is %s', (heading, category) => {
    // Our own markup: a staff program we do not know the name of, showing one profile tab.
    const { document } = parseHTML(
      `<html><body><span id="sf_UserName">Pat Officer</span><form><input type="hidden" name="stuId" value="330045">` +
        `<h2>${heading}</h2><table><tr><td>Note:</td><td>none</td></tr></table></form></body></html>`,
    );
    const report = checkAdapter(
      adapterNamed('skyward'),
      document as unknown as Document,
      url,
      realBundle.policy.categories,
    );
    expect(report.page).toBe('guarded');
    expect(report.sections).toContain(category);
  });
});

describe('CALPADS immigration-related codes are always hidden from SROs, on every SIS', () => {
  it('every vendor code for birthplace, US entry and first US school is in the always-hidden list', () => {
    const hidden = sensitiveFieldsFor(realBundle).powerschool;
    expect(hidden?.codes).toEqual(
      expect.arrayContaining([
        'CA_BirthCountry',
        '[01]CA_BirthPlace_Country',
        'CA_FirstUSASchooling',
        'CA_ImmigrantFunding',
        'STU.BCU',
        'LAC.USS',
        'Identity.dateEnteredUSSchool',
      ]),
    );
    // Language, language fluency and parent education are demographics: an SRO may see them with consent.
    expect(hidden?.codes).not.toContain('CA_ParentEd');
    expect(hidden?.codes).not.toContain('STU.PED');
    expect(hidden?.codes).not.toContain('CA_PrimaryLanguage');
  });
});
