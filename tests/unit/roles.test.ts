// resolveRole: how the district roster, the SIS role label and the managed browser's role name a user.
import { describe, expect, it } from 'vitest';
import {
  nonSroDisplayNames,
  resolveRole,
  type IdentitySignals,
  type ResolvedRole,
} from '../../src/policy/roles';
import { DIAZ, ROSS, policyWith, realBundle } from './support';

const policy = realBundle.policy;

describe('one signal', () => {
  const cases: {
    what: string;
    signals: IdentitySignals;
    role: ResolvedRole['role'];
    source?: ResolvedRole['sources'][number]['source'];
    rosterUsername?: string;
  }[] = [
    {
      what: 'roster username',
      signals: { username: DIAZ.username },
      role: 'sro',
      source: 'roster',
      rosterUsername: DIAZ.username,
    },
    {
      what: 'roster username, upper case and padded',
      signals: { username: '  OFFICER.Diaz ' },
      role: 'sro',
      source: 'roster',
      rosterUsername: DIAZ.username,
    },
    {
      what: 'roster e-mail, mixed case',
      signals: { email: 'K.Ross@Stanislaus-Sheriff.EXAMPLE' },
      role: 'sro',
      source: 'roster',
      rosterUsername: ROSS.username,
    },
    {
      what: 'roster clerk',
      signals: { username: 'clerk.nguyen' },
      role: 'clerk',
      source: 'roster',
      rosterUsername: 'clerk.nguyen',
    },
    {
      what: 'roster teacher',
      signals: { username: 'teacher.park' },
      role: 'teacher',
      source: 'roster',
      rosterUsername: 'teacher.park',
    },
    {
      what: 'label "School Resource Officer"',
      signals: { roleLabel: 'School Resource Officer' },
      role: 'sro',
      source: 'role-label',
    },
    {
      what: 'label "SRO - Newman PD"',
      signals: { roleLabel: 'SRO - Newman PD' },
      role: 'sro',
      source: 'role-label',
    },
    {
      what: 'label "Sheriff\'s Deputy"',
      signals: { roleLabel: "Sheriff's Deputy" },
      role: 'sro',
      source: 'role-label',
    },
    {
      what: 'label "school resource   officer" (spacing, case)',
      signals: { roleLabel: 'school resource   officer' },
      role: 'sro',
      source: 'role-label',
    },
    {
      what: 'label "Records Clerk"',
      signals: { roleLabel: 'Records Clerk' },
      role: 'clerk',
      source: 'role-label',
    },
    { what: 'label "Teacher"', signals: { roleLabel: 'Teacher' }, role: 'teacher', source: 'role-label' },
    { what: 'managed role sro', signals: { managedRole: 'sro' }, role: 'sro', source: 'managed' },
    { what: 'managed role clerk', signals: { managedRole: 'clerk' }, role: 'clerk', source: 'managed' },
  ];

  it.each(cases)('$what → $role', ({ signals, role, source, rosterUsername }) => {
    const resolved = resolveRole(policy, signals);
    expect(resolved.role).toBe(role);
    expect(resolved.sources.map((one) => one.source)).toEqual([source]);
    expect(resolved.rosterEntry?.username).toBe(rosterUsername);
  });

  it.each([
    { what: 'a username not on the roster', signals: { username: 'sub.teacher7' }, role: 'staff' },
    { what: 'an e-mail not on the roster', signals: { email: 'j.doe@ncluhsd.example' }, role: 'staff' },
    {
      what: 'an SRO-looking username that is not on the roster',
      signals: { username: 'officer.diaz2' },
      role: 'staff',
    },
    { what: 'a label that names no role', signals: { roleLabel: 'Counselor' }, role: 'unknown' },
    { what: 'nothing', signals: {}, role: 'unknown' },
    {
      what: '"Resource teacher" is a teacher, not a resource officer',
      signals: { roleLabel: 'Resource Teacher' },
      role: 'teacher',
    },
  ] as const)('$what → $role', ({ signals, role }) => {
    expect(resolveRole(policy, signals).role).toBe(role);
  });
});

describe('the managed browser role', () => {
  const ignoring = policyWith((bundle) => {
    bundle.policy.roles.honourManagedRole = false;
  });
  it('is ignored when honourManagedRole is false', () => {
    expect(resolveRole(ignoring.policy, { managedRole: 'sro' })).toMatchObject({
      role: 'unknown',
      sources: [],
    });
    expect(resolveRole(ignoring.policy, { username: 'j.smith', managedRole: 'sro' }).role).toBe('staff');
  });
  it('does not hide an SRO the roster names when honourManagedRole is false', () => {
    expect(resolveRole(ignoring.policy, { username: DIAZ.username, managedRole: 'teacher' }).role).toBe(
      'sro',
    );
  });
});

describe('signals that disagree resolve to sro (fail closed)', () => {
  it.each([
    {
      what: 'roster teacher, SIS label SRO',
      signals: { username: 'teacher.park', roleLabel: 'School Resource Officer' },
    },
    {
      what: 'roster teacher, managed sro',
      signals: { username: 'teacher.park', managedRole: 'sro' as const },
    },
    {
      what: 'roster SRO, managed teacher',
      signals: { username: DIAZ.username, managedRole: 'teacher' as const },
    },
    { what: 'roster SRO, SIS label teacher', signals: { username: DIAZ.username, roleLabel: 'Teacher' } },
    { what: 'label teacher, managed sro', signals: { roleLabel: 'Teacher', managedRole: 'sro' as const } },
    {
      what: "teacher's username with the SRO's e-mail",
      signals: { username: 'teacher.park', email: DIAZ.email },
    },
  ])('$what', ({ signals }) => {
    const resolved = resolveRole(policy, signals);
    expect(resolved.role).toBe('sro');
    // The signals named different roles; each is kept.
    expect(new Set(resolved.sources.map((one) => one.role)).size).toBeGreaterThan(1);
  });

  it("the roster's order does not matter: a teacher listed before the SRO does not win", () => {
    const teacherFirst = policyWith((bundle) => {
      bundle.policy.roles.roster.reverse();
    });
    expect(teacherFirst.policy.roles.roster[0]?.role).not.toBe('sro');
    for (const signals of [
      { username: 'teacher.park', email: DIAZ.email },
      { username: DIAZ.username, email: 'nobody@ncluhsd.example' },
      { email: DIAZ.email },
    ]) {
      const resolved = resolveRole(teacherFirst.policy, signals);
      expect(resolved.role).toBe('sro');
      expect(resolved.rosterEntry?.username).toBe(DIAZ.username);
    }
  });

  it('two non-SRO roles disagreeing resolve to the first signal, both kept as sources', () => {
    const resolved = resolveRole(policy, { username: 'clerk.nguyen', roleLabel: 'Teacher' });
    expect(resolved.role).toBe('clerk');
    expect(resolved.sources.map((one) => one.role)).toEqual(['clerk', 'teacher']);
  });

  it('signals that agree all name the same role', () => {
    const resolved = resolveRole(policy, {
      username: DIAZ.username,
      email: DIAZ.email,
      roleLabel: 'School Resource Officer',
      managedRole: 'sro',
    });
    expect(resolved.role).toBe('sro');
    expect(resolved.sources.map((one) => one.source)).toEqual(['roster', 'role-label', 'managed']);
    expect(resolved.sources.every((one) => one.role === 'sro')).toBe(true);
  });
});

describe('the login the user is kept under (ResolvedRole.username)', () => {
  it('a login is kept as the roster spells it; one the roster lacks is kept as shown', () => {
    expect(resolveRole(policy, { username: '  OFFICER.Diaz ' }).username).toBe(DIAZ.username);
    expect(resolveRole(policy, { username: 'sub.teacher7' }).username).toBe('sub.teacher7');
  });

  it("an e-mail on the roster is the entry's username", () => {
    expect(resolveRole(policy, { email: 'K.Ross@Stanislaus-Sheriff.EXAMPLE' }).username).toBe(ROSS.username);
  });

  it('a login the page shows wins over an e-mail that names someone else (as decisions always kept it)', () => {
    const resolved = resolveRole(policy, { username: 'teacher.park', email: DIAZ.email });
    expect(resolved).toMatchObject({ role: 'sro', username: 'teacher.park' });
    // The SRO's agency still counts (the strictest reading for consents naming an agency).
    expect(resolved.rosterEntry?.agency).toBe(DIAZ.agency);
  });

  it("a display name on the roster is that person's login, whitespace and case aside", () => {
    expect(resolveRole(policy, { displayName: 'officer  m. DIAZ' })).toMatchObject({
      role: 'sro',
      username: DIAZ.username,

      rosterEntry: { agency: DIAZ.agency },
    });
    expect(resolveRole(policy, { displayName: 'J. Park' })).toMatchObject({
      role: 'teacher',
      username: 'teacher.park',
    });
  });

  it('an unmatched display name with no login or e-mail names nobody and is unknown', () => {
    const resolved = resolveRole(policy, { displayName: 'Officer M. Diaz Jr.' });
    expect(resolved).toMatchObject({ role: 'unknown', sources: [] });
    expect(resolved.username).toBeUndefined();
    expect(resolved.rosterEntry).toBeUndefined();
    // A role label still counts, but names nobody to keep grants under.
    const labelled = resolveRole(policy, { displayName: 'Pat Nobody', roleLabel: 'School Resource Officer' });
    expect(labelled.role).toBe('sro');
    expect(labelled.username).toBeUndefined();
  });

  it('a display name shared by a teacher and an SRO is covered as an SRO and kept under nobody, in any order', () => {
    for (const order of ['as-is', 'reversed'] as const) {
      const shared = policyWith((bundle) => {
        bundle.policy.roles.roster.push({
          role: 'teacher',
          username: 't.diaz',
          displayName: 'Officer M. Diaz',
        });
        if (order === 'reversed') bundle.policy.roles.roster.reverse();
      }).policy;
      const resolved = resolveRole(shared, { displayName: 'Officer M. Diaz' });
      expect(resolved).toMatchObject({
        role: 'sro',

        rosterEntry: { username: DIAZ.username },
      });
      // Neither the SRO's login (the teacher's requests would be in the SRO's name) nor the teacher's.
      expect(resolved.username).toBeUndefined();
      // A login the page shows still names the user.
      expect(resolveRole(shared, { displayName: 'Officer M. Diaz', username: 't.diaz' }).username).toBe(
        't.diaz',
      );
    }
  });

  it('an SRO listed only by an e-mail too long for a username field is nobody in particular', () => {
    const long = `${'x'.repeat(120)}@pd.example`;
    const emailOnly = policyWith((bundle) => {
      bundle.policy.roles.roster.push({ role: 'sro', email: long, displayName: 'Long Mail' });
    }).policy;
    const resolved = resolveRole(emailOnly, { displayName: 'Long Mail' });
    expect(resolved.role).toBe('sro');
    expect(resolved.username).toBeUndefined();
  });
});

describe('nonSroDisplayNames (what lets a content script release a known teacher shown by name)', () => {
  it("gives the known non-SROs' roster names, compared as the content script compares them", () => {
    expect(nonSroDisplayNames(policy, ['Teacher.Park'])).toEqual(['j. park']);
    expect(nonSroDisplayNames(policy, ['clerk.nguyen', 'unlisted.user'])).toEqual(['l. nguyen, records']);
    expect(nonSroDisplayNames(policy, [])).toEqual([]);
  });

  it("never an SRO's name, even for a known login, nor a name an SRO shares", () => {
    expect(nonSroDisplayNames(policy, [DIAZ.username])).toEqual([]);
    const shared = policyWith((bundle) => {
      bundle.policy.roles.roster.push({
        role: 'teacher',
        username: 't.diaz',
        displayNames: ['Officer  M. Diaz', 'Mia Diaz'],
      });
    }).policy;
    expect(nonSroDisplayNames(shared, ['t.diaz'])).toEqual(['mia diaz']);
  });
});

describe("an SRO known only by a role label or the managed role, shown by a teacher's display name", () => {
  for (const signals of [
    { displayName: 'J. Park', managedRole: 'sro' as const },
    { displayName: 'J. Park', roleLabel: 'School Resource Officer' },
  ]) {
    it(`${JSON.stringify(signals)} is an SRO kept under nobody, with no agency`, () => {
      const resolved = resolveRole(policy, signals);
      expect(resolved.role).toBe('sro');
      // The roster's J. Park is a teacher: whoever is signed in is not that entry, so nothing is in its name.
      expect(resolved.username).toBeUndefined();
      expect(resolved.rosterEntry).toBeUndefined();
    });
  }

  it('the teacher shown by the same name without an SRO signal is still the teacher', () => {
    expect(resolveRole(policy, { displayName: 'J. Park' })).toMatchObject({
      role: 'teacher',
      username: 'teacher.park',
    });
  });
});

describe('an SRO the roster lists only by e-mail, signed in with that e-mail as the login', () => {
  const emailOnly = policyWith((bundle) => {
    bundle.policy.roles.roster.push({ role: 'sro', email: 'sro2@pd.example', agency: 'Newman PD' });
  }).policy;

  it('is the SRO, with the agency, kept under the e-mail', () => {
    expect(resolveRole(emailOnly, { username: 'SRO2@pd.example ' })).toMatchObject({
      role: 'sro',
      username: 'sro2@pd.example',
      rosterEntry: { agency: 'Newman PD' },
    });
  });

  it("a login equal to another entry's e-mail is that entry's username", () => {
    expect(resolveRole(policy, { username: DIAZ.email })).toMatchObject({
      role: 'sro',
      username: DIAZ.username,
    });
  });
});
