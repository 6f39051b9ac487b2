// resolveRole: how the district roster, the SIS role label and the managed browser's role name a user.
import { describe, expect, it } from 'vitest';
import { resolveRole, type IdentitySignals, type ResolvedRole } from '../../src/policy/roles';
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
    expect(resolved.ambiguous).toBe(false);
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
    expect(resolved.ambiguous).toBe(true);
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

  it('two non-SRO roles disagreeing resolve to the first signal, and say it was ambiguous', () => {
    const resolved = resolveRole(policy, { username: 'clerk.nguyen', roleLabel: 'Teacher' });
    expect(resolved).toMatchObject({ role: 'clerk', ambiguous: true });
  });

  it('signals that agree are not ambiguous', () => {
    const resolved = resolveRole(policy, {
      username: DIAZ.username,
      email: DIAZ.email,
      roleLabel: 'School Resource Officer',
      managedRole: 'sro',
    });
    expect(resolved).toMatchObject({ role: 'sro', ambiguous: false });
    expect(resolved.sources.map((one) => one.source)).toEqual(['roster', 'role-label', 'managed']);
  });
});
