// The adapter format's new parts (issue #15): priority and overlaps, identity with display names and a late
// wait, identity-only and sign-in pages, sections by heading/title/form field/fragment, label cells, and bad
// input refused with the adapter and the field named.
import { readFile } from 'node:fs/promises';
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { SisAdapterSchema, type SisAdapter } from '../../src/policy/adapter';
import { parsePolicyBundle } from '../../src/policy/bundle';
import { resolveRole } from '../../src/policy/roles';
import { checkRegex, samplesOf } from '../../src/policy/safe-regex';
import { adapterForUrl, openPageFor } from '../../src/sis/match';
import { readCategories, readFields, readIdentity, readStudentId } from '../../src/sis/read-page';
import { POLICY_DIR, policyWith, realBundle } from './support';

const demoJson = JSON.parse(await readFile(`${POLICY_DIR}/adapters/demo-sis.json`, 'utf8')) as Record<
  string,
  unknown
>;

/** A valid adapter (the demo one, as JSON) with changes: what an admin's file would be. */
function adapterJson(change: (adapter: Record<string, unknown>) => void): Record<string, unknown> {
  const copy = structuredClone(demoJson);
  change(copy);
  return copy;
}

const parse = (json: unknown): SisAdapter => SisAdapterSchema.parse(json);

const bundleWith = (extra: unknown[]): ReturnType<typeof parsePolicyBundle> =>
  parsePolicyBundle({
    format: 'record-guard-bundle/1',
    policy: realBundle.policy,
    legalBases: realBundle.legalBases,
    adapters: [...realBundle.adapters, ...extra],
  });

const doc = (html: string): Document => parseHTML(html).document as unknown as Document;

describe('regex safety', () => {
  it.each([
    ['(a+)+$', false],
    ['^(\\w+\\s?)*$', false],
    ['(x{1,3})+', false],
    ['(.*a){20}', false],
    ['^\\s*(\\S(?:.{0,118}\\S)?)\\s*$', true],
    ['^/admin/students/(?:home|grades)\\.html', true],
    ['(', false],
  ])('%s safe → %s', (source, safe) => {
    expect(checkRegex(source).ok).toBe(safe);
  });

  it('refuses a catastrophic pattern in an adapter, naming the adapter and the field', () => {
    const result = bundleWith([
      adapterJson((adapter) => {
        adapter.id = 'bad-regex';
        adapter.match = { hosts: ['sis.bad.example'], paths: ['^/x/'] };
        adapter.student = [{ from: 'url-param', param: 'frn', pattern: '^001((\\d+)+)$' }];
      }),
    ]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const line = result.errors.find((error) => error.includes('student[0].pattern'));
    expect(line).toMatch(
      /^adapters\[\d+\]\.student\[0\]\.pattern: .*backtrack catastrophically.*\(adapter "bad-regex"\)$/,
    );
  });

  it('runs patterns on at most 1000 characters of page text (a long header cannot stall the page)', () => {
    const adapter = parse(
      adapterJson((json) => {
        json.identity = [{ from: 'text', selector: '#userName', pattern: '^(\\S{1,2000})$' }];
      }),
    );
    const page = doc(`<span id="userName">${'a'.repeat(50_000)}</span>`);
    expect(readIdentity(adapter, page, 'http://127.0.0.1/admin/students/home.html').username).toHaveLength(
      200,
    );
  });
});

describe('bad adapter input', () => {
  it('refuses an identity pattern with no capture group', () => {
    const result = SisAdapterSchema.safeParse(
      adapterJson((adapter) => {
        adapter.identity = [{ from: 'text', selector: '#userName', pattern: 'Welcome, \\w+' }];
      }),
    );
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toContainEqual([
      'identity.read.0.pattern',
      'has no capture group: put the name in ( )',
    ]);
  });

  it.each(['div[', 'a:has(b', '> span', 'span,', "a[title='x]"])('refuses the selector %s', (selector) => {
    const result = SisAdapterSchema.safeParse(
      adapterJson((adapter) => {
        adapter.roleLabel = [{ from: 'text', selector }];
      }),
    );
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path.join('.')).toBe('roleLabel.0.selector');
  });

  it('refuses a late wait over 5 s and accepts the plain array form as the default wait of the core', () => {
    expect(
      SisAdapterSchema.safeParse(
        adapterJson((adapter) => {
          adapter.identity = { read: adapter.identity, lateWaitMs: 6000 };
        }),
      ).success,
    ).toBe(false);
    const plain = parse(demoJson);
    // No wait declared: the core's default bound applies (lateIdentityWaitMs, 300 ms).
    expect(plain.identity.lateWaitMs).toBeUndefined();
    expect(plain.identity.read.length).toBeGreaterThan(0);
    const late = parse(
      adapterJson((adapter) => {
        adapter.identity = { read: adapter.identity, lateWaitMs: 2500 };
      }),
    );
    expect(late.identity.lateWaitMs).toBe(2500);
  });

  it('refuses a section with no condition', () => {
    const result = SisAdapterSchema.safeParse(
      adapterJson((adapter) => {
        adapter.sections = [{ category: 'grades' }];
      }),
    );
    expect(result.success).toBe(false);
  });
});

describe('priority and overlapping adapters', () => {
  const other = (priority?: number) =>
    adapterJson((adapter) => {
      adapter.id = 'other-sis';
      adapter.name = 'Another SIS on this host';
      delete adapter.priority;
      if (priority !== undefined) adapter.priority = priority;
      adapter.match = { hosts: ['127.0.0.1'], paths: ['^/Student'] };
    });

  it('refuses two adapters claiming one host and path at the same priority, naming both', () => {
    const result = bundleWith([other(-100)]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.join('\n')).toMatch(
      /adapters\[\d+\]\.match\.paths\[0\]: claims the same host \(127\.0\.0\.1\) and path as adapter "demo-sis" at the same priority \(-100\).*\(adapter "other-sis"\)/,
    );
  });

  it('accepts them at different priorities; the demo adapter (-100) never takes over the other SIS', () => {
    const result = bundleWith([other()]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const adapters = result.value.adapters;
    expect(adapterForUrl(adapters, 'http://127.0.0.1:9000/StudentData.aspx?SN=1')?.id).toBe('other-sis');
    // A path only the demo adapter lists: the host belongs to the higher adapter, so nothing guards it.
    expect(
      adapterForUrl(adapters, 'http://127.0.0.1:9000/admin/students/home.html?frn=001100'),
    ).toBeUndefined();
    // Without the other adapter the demo SIS is guarded as before.
    expect(
      adapterForUrl(realBundle.adapters, 'http://127.0.0.1:9000/admin/students/home.html?frn=001100')?.id,
    ).toBe('demo-sis');
  });

  it('finds overlaps through samples of the path patterns and host wildcards', () => {
    expect(samplesOf('^/(?:admin|aeries)/x')).toEqual(['/admin/x']);
    const a = adapterJson((adapter) => {
      adapter.id = 'a-sis';
      adapter.priority = 5;
      adapter.match = { hosts: ['*.sis.example'], paths: ['^/admin/'] };
    });
    const b = adapterJson((adapter) => {
      adapter.id = 'b-sis';
      adapter.priority = 5;
      adapter.match = { hosts: ['north.sis.example'], paths: ['^/admin/students/\\w+\\.html'] };
    });
    const c = adapterJson((adapter) => {
      adapter.id = 'c-sis';
      adapter.priority = 5;
      adapter.match = { hosts: ['north.sis.example'], paths: ['^/portal/'] };
    });
    expect(bundleWith([a, b]).ok).toBe(false);
    expect(bundleWith([a, c]).ok).toBe(true);
  });
});

describe('identity-only and sign-in pages', () => {
  const adapter = parse(
    adapterJson((json) => {
      json.pages = {
        identityOnly: ['/admin/students/shell\\.html'],
        signIn: ['/admin/students/signin\\.html'],
      };
    }),
  );

  it('an identity-only page is never guarded even where match.paths claims it; a sign-in page is one', () => {
    expect(adapterForUrl([adapter], 'http://127.0.0.1/admin/students/shell.html')).toBeUndefined();
    expect(openPageFor([adapter], 'http://127.0.0.1/admin/students/shell.html')).toMatchObject({
      signIn: false,
    });
    expect(openPageFor([adapter], 'http://127.0.0.1/admin/students/signin.html')).toMatchObject({
      signIn: true,
    });
    expect(adapterForUrl([adapter], 'http://127.0.0.1/admin/students/home.html?frn=001100')?.id).toBe(
      'demo-sis',
    );
  });
});

describe('sections by heading, title, posted form field and fragment', () => {
  const adapter = parse(
    adapterJson((json) => {
      json.sections = [
        { category: 'attendance', heading: '^Attendance\\b' },
        { category: 'health', title: 'Health' },
        { category: 'grades', formField: { name: 'screen', value: '^STU_GRADES$' } },
        { category: 'discipline', fragment: '^/student/\\d+/behavior' },
        { category: 'contacts', heading: 'Guardians', headingSelector: '.screen-title' },
      ];
    }),
  );
  const href = 'http://127.0.0.1/admin/students/x.html';

  it('reads each condition from the page', () => {
    expect(readCategories(adapter, doc('<h2>Attendance  summary</h2>'), href)).toEqual(['attendance']);
    expect(
      readCategories(
        adapter,
        doc('<html><head><title>Student Health</title></head><body><p>x</p></body></html>'),
        href,
      ),
    ).toEqual(['health']);
    expect(
      readCategories(
        adapter,
        doc('<form><input type="hidden" name="screen" value="STU_GRADES"></form>'),
        href,
      ),
    ).toEqual(['grades']);
    expect(readCategories(adapter, doc('<p>x</p>'), `${href}#/student/12/behavior`)).toEqual(['discipline']);
    expect(
      readCategories(adapter, doc('<div class="screen-title">Guardians</div><h1>Guardians</h1>'), href),
    ).toEqual(['contacts']);
    expect(
      readCategories(adapter, doc('<h2>Guardians</h2><input name="screen" value="STU_DEMO">'), href),
    ).toEqual([]);
  });
});

describe('label cells', () => {
  const adapter = parse(
    adapterJson((json) => {
      json.labelCells = true;
    }),
  );
  it('reads the first cell of td pairs and cells ending in ":" as labels, not the values', () => {
    const fields = readFields(
      adapter,
      doc(
        '<table><tr><td>Birth Country</td><td>Fictionland</td><td>Grade</td><td>9</td></tr><tr><td>Phone:</td><td>555</td><td>x</td></tr><tr><th>Parent</th><td>Sam</td></tr></table>',
      ),
    );
    expect(fields).toEqual(expect.arrayContaining(['Birth Country', 'Grade', 'Phone', 'Parent']));
    expect(fields).not.toContain('Fictionland');
    expect(fields).not.toContain('9');
    expect(
      readFields(parse(demoJson), doc('<table><tr><td>Birth Country</td><td>X</td></tr></table>')),
    ).toEqual([]);
  });
});

describe('an extractor that throws at run time', () => {
  const adapter = parse(
    adapterJson((json) => {
      json.student = [
        { from: 'text', selector: '#studentId' },
        { from: 'url-param', param: 'frn', pattern: '^001(\\d{3,12})$' },
      ];
      json.sections = [{ category: 'grades', selector: '.grades' }];
    }),
  );
  /** A page whose DOM refuses one selector (as a browser refuses one it cannot parse). */
  const refusing = (html: string, refused: string): Document => {
    const page = doc(html);
    const original = page.querySelectorAll.bind(page);
    const querySelector = page.querySelector.bind(page);
    page.querySelectorAll = ((selector: string) => {
      if (selector === refused) throw new SyntaxError(`'${selector}' is not a valid selector`);
      return original(selector);
    }) as typeof page.querySelectorAll;
    page.querySelector = ((selector: string) => {
      if (selector === refused) throw new SyntaxError(`'${selector}' is not a valid selector`);
      return querySelector(selector);
    }) as typeof page.querySelector;
    return page;
  };
  const html =
    '<span id="userName" data-username="teacher.park">teacher.park</span><span id="studentId">100200</span>';

  it('is skipped: the next extractor still reads, and who is signed in is still known', () => {
    const page = refusing(html, '#studentId');
    const href = 'http://127.0.0.1/admin/students/grades.html?frn=001100300';
    expect(readStudentId(adapter, page, href)).toEqual({ value: '100300', conflicting: false, failed: 1 });
    expect(readIdentity(adapter, page, href).username).toBe('teacher.park');
  });

  it('with nothing else to read, leaves no student (an SRO is blocked) and every category guarded', () => {
    const page = refusing(html, '#studentId');
    const href = 'http://127.0.0.1/admin/students/grades.html';
    expect(readStudentId(adapter, page, href).value).toBeUndefined();
    expect(readCategories(adapter, refusing(html, '.grades'), href)).toHaveLength(8);
    // A teacher is still identified, so the page is left alone for them; an SRO's role does not depend on the
    // page either (the background blocks an SRO's page that names no student).
    const teacher = resolveRole(realBundle.policy, readIdentity(adapter, page, href));
    expect(teacher.role).toBe('teacher');
    const sro = resolveRole(realBundle.policy, { username: 'officer.diaz' });
    expect(sro.role).toBe('sro');
  });
});

describe('roster by display name', () => {
  const policy = policyWith((bundle) => {
    bundle.policy.roles.roster.push(
      { role: 'sro', username: 'o.jdoe', displayName: 'Jane Doe' },
      { role: 'teacher', username: 't.jdoe', displayNames: ['Jane Doe', 'Doe, Jane'] },
      { role: 'teacher', username: 'k.lee', displayNames: ['Kim Lee'] },
    );
  }).policy;

  it('a display name two people share guards the page if either is an SRO, and is kept under nobody', () => {
    const resolved = resolveRole(policy, { displayName: 'Jane   doe' });
    expect(resolved.role).toBe('sro');
    // The SRO's entry is the only agency that could count (the teacher is not restricted by one).
    expect(resolved.rosterEntry?.username).toBe('o.jdoe');
    // Either person could be signed in: grants, requests and events go under neither one's login (the gate
    // asks to sign in), never under the name the page showed.
    expect(resolved.username).toBeUndefined();
    expect(resolveRole(policy, { displayName: ' JANE DOE ' }).username).toBeUndefined();
  });

  it('a display name of one non-SRO is that person; one nobody has is unidentified', () => {
    expect(resolveRole(policy, { displayName: 'Kim Lee' })).toMatchObject({
      role: 'teacher',
      username: 'k.lee',
    });
    expect(resolveRole(policy, { displayName: 'Doe, Jane' })).toMatchObject({
      role: 'teacher',
      username: 't.jdoe',
    });
    const nobody = resolveRole(policy, { displayName: 'Nobody Known' });
    expect(nobody.role).toBe('unknown');
    expect(nobody.username).toBeUndefined();
    // A login nobody lists is still staff, kept under that login.
    expect(resolveRole(policy, { username: 'unlisted.user' })).toMatchObject({
      role: 'staff',
      username: 'unlisted.user',
    });
  });

  it('a display name never matches a username, nor a login a display name', () => {
    expect(resolveRole(policy, { displayName: 'o.jdoe' }).role).toBe('unknown');
    expect(resolveRole(policy, { username: 'Jane Doe' })).toMatchObject({
      role: 'staff',
      username: 'Jane Doe',
      sources: [],
    });
  });

  it("a display name two SROs share guards, but names neither (either one could use the other's grants)", () => {
    const twoSros = policyWith((bundle) => {
      bundle.policy.roles.roster.push(
        { role: 'sro', username: 'o.kim1', displayName: 'Alex Kim', agency: 'Newman Police Department' },
        { role: 'sro', username: 'o.kim2', displayNames: ['Alex Kim'], agency: 'Stanislaus County Sheriff' },
      );
    }).policy;
    const resolved = resolveRole(twoSros, { displayName: 'Alex Kim' });
    expect(resolved).toMatchObject({ role: 'sro' });
    expect(resolved.username).toBeUndefined();
    expect(resolved.rosterEntry).toBeUndefined();
    // The login on the page says which of them it is.
    expect(resolveRole(twoSros, { username: 'O.KIM2', displayName: 'Alex Kim' })).toMatchObject({
      role: 'sro',
      username: 'o.kim2',
      rosterEntry: { agency: 'Stanislaus County Sheriff' },
    });
  });

  it('two non-SROs sharing a display name are staff of that role, but nobody in particular', () => {
    const twoTeachers = policyWith((bundle) => {
      bundle.policy.roles.roster.push(
        { role: 'teacher', username: 't.ortiz1', displayName: 'Sam Ortiz' },
        { role: 'teacher', username: 't.ortiz2', displayName: 'Sam  Ortiz' },
      );
    }).policy;
    const resolved = resolveRole(twoTeachers, { displayName: 'sam ortiz' });
    expect(resolved).toMatchObject({ role: 'teacher' });
    expect(resolved.username).toBeUndefined();
  });

  it('a display-name extractor marks what it reads', () => {
    const adapter = parse(
      adapterJson((json) => {
        json.identity = [
          {
            from: 'text',
            selector: '#userName',
            pattern: '^(?:Welcome\\s*,?\\s*)?(\\S(?:.{0,118}\\S)?)$',
            yields: 'display-name',
          },
        ];
      }),
    );
    const page = doc('<li id="userName">\n  Welcome,\n     Jane\n     Doe\n</li>');
    expect(readIdentity(adapter, page, 'http://127.0.0.1/admin/students/home.html')).toEqual({
      displayName: 'Jane Doe',
      conflicting: false,
    });
    // The same header read by a login extractor is a login, never a display name.
    const login = parse(
      adapterJson((json) => {
        json.identity = [{ from: 'text', selector: '#userName', pattern: '^Welcome,?\\s*(\\S+)' }];
      }),
    );
    expect(readIdentity(login, doc('<li id="userName">Welcome, jdoe</li>'), 'http://127.0.0.1/x')).toEqual({
      username: 'jdoe',
      conflicting: false,
    });
  });
});
