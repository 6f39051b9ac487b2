// Table-driven tests of decide() against the district's real policy (policies/), one block per rule of
// the board policy and per legal basis. Variations of the policy are deep copies of the real one.
import { describe, expect, it } from 'vitest';
import { decide, type Decision } from '../../src/decide';
import type { FactsInput } from '../../src/decide';
import type { PolicyBundle } from '../../src/policy/bundle';
import type { Consent } from '../../src/policy/consent';
import type { Action, Category } from '../../src/policy/vocabulary';
import {
  ALL_ACTIONS,
  DIAZ,
  NON_IMMIGRATION_CATEGORIES,
  NOW,
  ROSS,
  STUDENT_ID,
  basisOf,
  consent,
  deepFreeze,
  facts,
  grant,
  policyWith,
  realBundle,
  request,
  ruleOf,
} from './support';

const run = (input: Partial<FactsInput>, bundle: PolicyBundle = realBundle): Decision =>
  decide(bundle, facts(input));

const optionIds = (decision: Decision): string[] => decision.options.map((option) => option.basis);

describe('staff other than SROs are never guarded', () => {
  const users: { who: string; user: FactsInput['user']; role: Decision['role'] }[] = [
    { who: 'a teacher on the roster', user: { username: 'teacher.park' }, role: 'teacher' },
    { who: 'the records clerk', user: { username: 'clerk.nguyen' }, role: 'clerk' },
    { who: 'the district admin', user: { username: 'ADMIN.LEE' }, role: 'admin' },
    { who: 'staff not on the roster (username)', user: { username: 'sub.teacher7' }, role: 'staff' },
    { who: 'staff not on the roster (e-mail)', user: { email: 'j.doe@ncluhsd.example' }, role: 'staff' },
    { who: 'a teacher known only by the SIS role label', user: { roleLabel: 'Teacher' }, role: 'teacher' },
    {
      who: 'a records technician not on the roster',
      user: { username: 'temp.records', roleLabel: 'Records Technician' },
      role: 'clerk',
    },
    { who: 'a browser the admin assigned to an admin', user: { managedRole: 'admin' }, role: 'admin' },
  ];
  const scenarios: { what: string; input: Partial<FactsInput> }[] = [
    { what: 'views grades', input: { action: 'view', categories: ['grades'] } },
    {
      what: 'views immigration-related fields',
      input: { action: 'view', categories: ['demographics'], fields: ['Birth Country', 'STU.BCU'] },
    },
    {
      what: 'exports immigration-related fields',
      input: { action: 'export', categories: ['demographics'], fields: ['CA_DateEnteredUS'] },
    },
    { what: 'prints health records', input: { action: 'print', categories: ['health'] } },
    {
      what: 'copies special education records',
      input: { action: 'copy', categories: ['special-education'] },
    },
    { what: 'opens a page whose records are unknown', input: { action: 'view', categories: [], fields: [] } },
  ];
  const cases = users.flatMap((user) => scenarios.map((scenario) => ({ ...user, ...scenario })));

  it.each(cases)('$who $what: allowed, untouched', ({ user, role, input }) => {
    const decision = run({ ...input, user });
    expect(decision).toMatchObject({
      outcome: 'allow',
      guarded: false,
      role,
      reason: { code: 'not-guarded' },
      redact: { categories: [], fields: [] },
      options: [],
      requires: null,
      coveredBy: [],
    });
  });
});

describe('users nobody can identify', () => {
  it.each([
    { what: 'no identity at all', user: {} },
    { what: 'a role label the policy does not know', user: { roleLabel: 'Counselor' } },
  ])('with unidentifiedUser "guard", $what is blocked as identity-unknown', ({ user }) => {
    const decision = run({ user });
    expect(decision).toMatchObject({
      outcome: 'block',
      guarded: true,
      role: 'unknown',
      reason: { code: 'identity-unknown' },
    });
  });

  it('with unidentifiedUser "leave", the same page is left alone', () => {
    const leave = policyWith((bundle) => {
      bundle.policy.roles.unidentifiedUser = 'leave';
    });
    expect(run({ user: {} }, leave)).toMatchObject({ outcome: 'allow', guarded: false, role: 'unknown' });
  });

  it('an identified SRO is still guarded when unidentifiedUser is "leave"', () => {
    const leave = policyWith((bundle) => {
      bundle.policy.roles.unidentifiedUser = 'leave';
    });
    expect(run({}, leave)).toMatchObject({ outcome: 'justify', guarded: true, role: 'sro' });
  });
});

describe('every way of recognising an SRO leads to a guarded page', () => {
  it.each([
    { how: 'roster username', user: { username: DIAZ.username } },
    { how: 'roster username in other letter case', user: { username: 'Officer.DIAZ' } },
    { how: 'roster e-mail in other letter case', user: { email: 'M.Diaz@NewmanPD.Example' } },
    { how: 'SIS role label', user: { username: 'j.smith', roleLabel: 'School Resource Officer' } },
    {
      how: 'role the admin assigned to the browser',
      user: { username: 'j.smith', managedRole: 'sro' as const },
    },
    {
      how: 'a teacher account whose SIS role label says police',
      user: { username: 'teacher.park', roleLabel: 'Police Liaison' },
    },
  ])('$how', ({ user }) => {
    const decision = run({ user, categories: ['health'] });
    expect(decision).toMatchObject({ role: 'sro', guarded: true, outcome: 'justify' });
  });
});

describe('an SRO whose user name the page did not show', () => {
  // Known to be an SRO (the browser's managed role, or the SIS role label) but not who: a grant or request
  // would name nobody, so no basis is offered and the reason says to sign in again.
  it.each([
    { how: 'managed role only', user: { managedRole: 'sro' as const } },
    { how: 'SIS role label only', user: { roleLabel: 'School Resource Officer' } },
  ])('$how: blocked as identity-unknown, with no option to state a basis', ({ user }) => {
    const decision = run({ user, categories: ['health'] });
    expect(decision).toMatchObject({
      role: 'sro',
      guarded: true,
      outcome: 'block',
      options: [],
      requires: null,
      reason: {
        code: 'identity-unknown',
        text: { en: expect.stringContaining('Sign in to the SIS again') },
      },
    });
    expect(decision.reason.text.es).toContain('Vuelva a iniciar sesión');
  });

  it('a consent naming their agency still opens the record (the browser vouches for the agency)', () => {
    const decision = run({
      user: { managedRole: 'sro', agency: DIAZ.agency },
      consents: [consent({ recipient: { kind: 'agency', agency: DIAZ.agency } })],
    });
    expect(decision).toMatchObject({ outcome: 'allow', guarded: true, reason: { code: 'covered' } });
  });

  it('the same page with the user name shown offers the emergency basis', () => {
    const decision = run({ user: { username: 'j.smith', managedRole: 'sro' }, categories: ['health'] });
    expect(decision.outcome).toBe('justify');
    expect(optionIds(decision)).toContain('health-safety-emergency');
  });
});

describe('written consent that covers the student, category, action and recipient', () => {
  /** The end of the default consent's expiry date (2027-06-30) in California, where daylight time applies. */
  const EXPIRY_ENDS = '2027-07-01T07:00:00.000Z';
  const valid: { what: string; consent: Consent; user?: FactsInput['user']; until?: string }[] = [
    { what: 'names the SRO', consent: consent() },
    {
      what: 'names the SRO in other letter case',
      consent: consent({ recipient: { kind: 'sro', username: 'Officer.Diaz' } }),
    },
    {
      what: "names the SRO's agency (from the roster)",
      consent: consent({ recipient: { kind: 'agency', agency: DIAZ.agency } }),
    },
    {
      what: 'names the agency in other letter case',
      consent: consent({ recipient: { kind: 'agency', agency: 'newman police department' } }),
    },
    {
      what: 'names the SRO, who signed in with an e-mail only',
      consent: consent(),
      user: { email: 'M.DIAZ@newmanpd.example' },
    },
    { what: 'was signed today', consent: consent({ signedOn: '2026-11-27' }) },
    {
      what: 'expires today',
      consent: consent({ expiresOn: '2026-11-27' }),
      // Midnight at the end of Nov 27 in California (standard time), not midnight UTC.
      until: '2026-11-28T08:00:00.000Z',
    },
    {
      what: 'has no expiry',
      consent: consent({ expiresOn: undefined }),
      // A parent's consent stops counting when the student (born 2011-04-02) turns 18.
      until: '2029-04-02T07:00:00.000Z',
    },
    {
      what: 'is revoked one second from now',
      consent: consent({ revokedAt: '2026-11-27T18:00:01Z' }),
      until: '2026-11-27T18:00:01.000Z',
    },
    {
      what: 'was signed by a guardian',
      consent: consent({ signer: { name: 'Rosa Diaz', relation: 'guardian' } }),
    },
  ];

  it.each(valid)('allows when it $what, and says so', ({ consent: onFile, user, until }) => {
    const decision = run({ consents: [onFile], ...(user ? { user } : {}) });
    expect(decision).toMatchObject({
      outcome: 'allow',
      guarded: true,
      reason: { code: 'covered' },
      rules: ['sro-records-guarded'],
      options: [],
      requires: null,
      consents: [{ id: onFile.id, counts: true, why: 'counts' }],
    });
    expect(decision.coveredBy).toEqual([
      {
        kind: 'consent',
        id: onFile.id,
        basis: 'written-consent',
        until: until ?? EXPIRY_ENDS,
      },
    ]);
    expect(decision.citations).toEqual(
      expect.arrayContaining(['Education Code 49076', '34 CFR 99.30', 'Education Code 49075']),
    );
  });

  it('covers several categories on one page when it lists them all', () => {
    const decision = run({ categories: ['grades', 'attendance', 'discipline'], consents: [consent()] });
    expect(decision.outcome).toBe('allow');
    expect(decision.categories).toEqual(['attendance', 'grades', 'discipline']);
  });

  it('two consents can cover two categories of one page between them', () => {
    const decision = run({
      categories: ['grades', 'health'],
      consents: [
        consent({ id: 'grades-only', categories: ['grades'] }),
        consent({ id: 'health-only', categories: ['health'] }),
      ],
    });
    expect(decision.outcome).toBe('allow');
    expect(decision.coveredBy.map((coverage) => coverage.id).sort()).toEqual(['grades-only', 'health-only']);
  });
});

describe('consents that do not count', () => {
  const invalid: {
    what: string;
    consent: Consent;
    input?: Partial<FactsInput>;
    why: RegExp;
  }[] = [
    {
      what: 'expired yesterday',
      consent: consent({ expiresOn: '2026-11-26' }),
      why: /expired on 2026-11-26/,
    },
    {
      what: 'is dated tomorrow (not yet signed)',
      consent: consent({ signedOn: '2026-11-28' }),
      why: /signed on 2026-11-28, which is after today \(2026-11-27\)/,
    },
    {
      what: 'was revoked last week',
      consent: consent({ revokedAt: '2026-11-20T12:00:00-08:00' }),
      why: /revoked at 2026-11-20/,
    },
    {
      what: 'is revoked at this very instant',
      consent: consent({ revokedAt: '2026-11-27T18:00:00Z' }),
      why: /revoked at/,
    },
    {
      what: 'names another SRO',
      consent: consent({ recipient: { kind: 'sro', username: ROSS.username } }),
      why: /another recipient \(deputy\.ross\)/,
    },
    {
      what: 'names another agency',
      consent: consent({ recipient: { kind: 'agency', agency: ROSS.agency } }),
      why: /another agency \(Stanislaus County Sheriff\)/,
    },
    {
      what: "names Diaz's agency but Ross is signed in",
      consent: consent({ recipient: { kind: 'agency', agency: DIAZ.agency } }),
      input: { user: { username: ROSS.username } },
      why: /another agency \(Newman Police Department\)/,
    },
    {
      what: 'does not list the category on the page',
      consent: consent({ categories: ['attendance', 'discipline'] }),
      why: /does not cover view of grades/,
    },
    {
      what: 'covers viewing but the SRO exports',
      consent: consent({ actions: ['view'] }),
      input: { action: 'export' },
      why: /covers view of grades but not export of grades/,
    },
    {
      what: 'covers exporting but not viewing, and the SRO exports',
      consent: consent({ actions: ['export'] }),
      input: { action: 'export' },
      why: /covers export of grades but not view of grades/,
    },
  ];

  it.each(invalid)('a consent that $what does not open the record', ({ consent: onFile, input, why }) => {
    const decision = run({ consents: [onFile], ...input });
    expect(decision.outcome).toBe('justify');
    expect(decision.reason.code).toBe('not-covered');
    expect(decision.consents).toEqual([{ id: onFile.id, counts: false, why: expect.stringMatching(why) }]);
  });

  it("a consent for another student is not even considered for this student's record", () => {
    const decision = run({ consents: [consent({ studentId: '100999' })] });
    expect(decision.outcome).toBe('justify');
    expect(decision.consents).toEqual([]);
    expect(decision.coveredBy).toEqual([]);
  });

  it('a valid consent among invalid ones is found and the others are explained', () => {
    const decision = run({
      consents: [
        consent({ id: 'expired', expiresOn: '2026-10-01' }),
        consent({ id: 'other-student', studentId: '100999' }),
        consent({ id: 'good' }),
        consent({ id: 'revoked', revokedAt: '2026-11-01T00:00:00Z' }),
      ],
    });
    expect(decision.outcome).toBe('allow');
    expect(decision.coveredBy.map((coverage) => coverage.id)).toEqual(['good']);
    expect(decision.consents.map(({ id, counts }) => [id, counts])).toEqual([
      ['expired', false],
      ['good', true],
      ['revoked', false],
    ]);
  });

  it('written consent disabled in the catalog makes every consent stop counting', () => {
    const disabled = policyWith((bundle) => {
      basisOf(bundle, 'written-consent').enabled = false;
    });
    const decision = run({ consents: [consent()] }, disabled);
    expect(decision.outcome).toBe('justify');
    expect(decision.consents[0]).toMatchObject({ counts: false, why: expect.stringMatching(/not enabled/) });
  });
});

describe('consent dates are district-local dates (America/Los_Angeles)', () => {
  const cases: { what: string; time: string; consent: Consent; counts: boolean }[] = [
    {
      what: 'expiring June 30 still counts at 2026-07-01T06:00Z (23:00 on June 30 in California)',
      time: '2026-07-01T06:00:00Z',
      consent: consent({ signedOn: '2026-01-05', expiresOn: '2026-06-30' }),
      counts: true,
    },
    {
      what: 'expiring June 30 stops counting at 2026-07-01T07:00Z (midnight in California)',
      time: '2026-07-01T07:00:00Z',
      consent: consent({ signedOn: '2026-01-05', expiresOn: '2026-06-30' }),
      counts: false,
    },
    {
      what: 'signed July 1 does not count yet at 2026-07-01T06:59Z (still June 30 in California)',
      time: '2026-07-01T06:59:00Z',
      consent: consent({ signedOn: '2026-07-01', expiresOn: undefined }),
      counts: false,
    },
    {
      what: 'signed July 1 counts from 2026-07-01T07:00Z',
      time: '2026-07-01T07:00:00Z',
      consent: consent({ signedOn: '2026-07-01', expiresOn: undefined }),
      counts: true,
    },
    {
      what: 'expiring Nov 27 still counts at 23:59 Pacific given with another offset',
      time: '2026-11-28T02:59:00-05:00',
      consent: consent({ expiresOn: '2026-11-27' }),
      counts: true,
    },
  ];

  it.each(cases)('a consent $what', ({ time, consent: onFile, counts }) => {
    const decision = run({ time, consents: [onFile] });
    expect(decision.consents[0]?.counts).toBe(counts);
    expect(decision.outcome).toBe(counts ? 'allow' : 'justify');
  });
});

describe("who may consent: parents until the student's 18th birthday, then the student", () => {
  const parent = (overrides: Partial<Consent> = {}): Consent =>
    consent({ expiresOn: undefined, ...overrides });
  const student = (signedOn: string): Consent =>
    consent({
      expiresOn: undefined,
      signedOn,
      signer: { name: 'Luis Lopez', relation: 'eligible-student' },
    });

  const cases: {
    what: string;
    birthDate: string | undefined;
    time?: string;
    consent: Consent;
    counts: boolean;
    why?: RegExp;
  }[] = [
    {
      what: "a parent's, for a 17-year-old turning 18 tomorrow",
      birthDate: '2008-11-28',
      consent: parent(),
      counts: true,
    },
    {
      what: "a parent's, on the student's 18th birthday",
      birthDate: '2008-11-27',
      consent: parent(),
      counts: false,
      why: /student is 18 or older and consents for themself/,
    },
    {
      what: "a guardian's, for a 19-year-old",
      birthDate: '2007-03-01',
      consent: parent({ signer: { name: 'Rosa Diaz', relation: 'guardian' } }),
      counts: false,
      why: /signed by a guardian/,
    },
    {
      what: "a parent's, for a student born Feb 29, on Feb 28 of a common year (still 17)",
      birthDate: '2008-02-29',
      time: '2026-02-28T12:00:00-08:00',
      consent: parent({ signedOn: '2025-09-01' }),
      counts: true,
    },
    {
      what: "a parent's, for a student born Feb 29, on Mar 1 of a common year (18)",
      birthDate: '2008-02-29',
      time: '2026-03-01T12:00:00-08:00',
      consent: parent({ signedOn: '2025-09-01' }),
      counts: false,
      why: /18 or older/,
    },
    {
      what: "a parent's, at 2026-07-01T06:00Z for a student born 2008-07-01 (still June 30 in California)",
      birthDate: '2008-07-01',
      time: '2026-07-01T06:00:00Z',
      consent: parent({ signedOn: '2026-01-05' }),
      counts: true,
    },
    {
      what: "a parent's, at 2026-07-01T07:00Z for a student born 2008-07-01 (18th birthday in California)",
      birthDate: '2008-07-01',
      time: '2026-07-01T07:00:00Z',
      consent: parent({ signedOn: '2026-01-05' }),
      counts: false,
    },
    {
      what: "the eligible student's own, signed at 18",
      birthDate: '2008-06-15',
      consent: student('2026-09-01'),
      counts: true,
    },
    {
      what: "the eligible student's own, signed on the 18th birthday",
      birthDate: '2008-09-01',
      consent: student('2026-09-01'),
      counts: true,
    },
    {
      what: "the student's own, signed the day before turning 18",
      birthDate: '2008-09-02',
      consent: student('2026-09-01'),
      counts: false,
      why: /signed by the student before age 18/,
    },
    {
      what: "the student's own, signed by a 15-year-old",
      birthDate: '2011-04-02',
      consent: student('2026-09-01'),
      counts: false,
      why: /before age 18/,
    },
    {
      what: "the student's own, born Feb 29, signed Feb 28 of a common year",
      birthDate: '2008-02-29',
      consent: student('2026-02-28'),
      counts: false,
    },
    {
      what: "the student's own, born Feb 29, signed Mar 1 of a common year",
      birthDate: '2008-02-29',
      consent: student('2026-03-01'),
      counts: true,
    },
    {
      what: "a parent's, when the birth date is unknown",
      birthDate: undefined,
      consent: parent(),
      counts: false,
      why: /birth date is unknown/,
    },
    {
      what: "the student's own, when the birth date is unknown",
      birthDate: undefined,
      consent: student('2026-09-01'),
      counts: false,
      why: /birth date is unknown/,
    },
  ];

  it.each(cases)('$what: counts = $counts', ({ birthDate, time, consent: onFile, counts, why }) => {
    const decision = run({
      time: time ?? NOW,
      student: { id: STUDENT_ID, ...(birthDate ? { birthDate } : {}) },
      consents: [onFile],
    });
    expect(decision.consents).toEqual([
      { id: onFile.id, counts, why: counts ? 'counts' : expect.stringMatching(why ?? /./) },
    ]);
    expect(decision.outcome).toBe(counts ? 'allow' : 'justify');
  });
});

describe('approved exception requests (subpoena, court order, juvenile justice)', () => {
  it('allow inside their window, and the decision names the request and its citations', () => {
    const decision = run({ requests: [request()] });
    expect(decision).toMatchObject({ outcome: 'allow', reason: { code: 'covered' } });
    expect(decision.coveredBy).toEqual([
      { kind: 'request', id: 'request-1', basis: 'judicial-order', until: '2026-11-28T17:00:00.000Z' },
    ]);
    expect(decision.citations).toEqual(
      expect.arrayContaining(['34 CFR 99.31(a)(9)(i)', 'Education Code 49077', 'Education Code 49076']),
    );
  });

  it.each([
    { when: 'at validFrom', time: '2026-11-27T09:00:00-08:00', allowed: true },
    { when: 'one minute before validFrom', time: '2026-11-27T08:59:00-08:00', allowed: false },
    { when: 'one minute before validUntil', time: '2026-11-28T08:59:00-08:00', allowed: true },
    { when: 'at validUntil (the window is half-open)', time: '2026-11-28T09:00:00-08:00', allowed: false },
    { when: 'a week later', time: '2026-12-04T09:00:00-08:00', allowed: false },
  ])('$when: allowed = $allowed', ({ time, allowed }) => {
    expect(run({ time, requests: [request()] }).outcome).toBe(allowed ? 'allow' : 'justify');
  });

  const clamped: {
    what: string;
    bundle: PolicyBundle;
    request: ReturnType<typeof request>;
    lastGood: string;
    firstBad: string;
    until: string;
  }[] = [
    {
      what: 'a court order approved for five weeks lasts 3 days (the basis maximum, 4320 min)',
      bundle: realBundle,
      request: request({ validFrom: '2026-11-25T09:00:00-08:00', validUntil: '2026-12-31T09:00:00-08:00' }),
      lastGood: '2026-11-28T08:59:00-08:00',
      firstBad: '2026-11-28T09:00:00-08:00',
      until: '2026-11-28T17:00:00.000Z',
    },
    {
      what: 'a juvenile-justice request approved for a year lasts 7 days (10080 min)',
      bundle: realBundle,
      request: request({
        basis: 'juvenile-justice',
        validFrom: '2026-11-20T09:00:00-08:00',
        validUntil: '2027-11-20T09:00:00-08:00',
      }),
      lastGood: '2026-11-27T08:59:00-08:00',
      firstBad: '2026-11-27T09:00:00-08:00',
      until: '2026-11-27T17:00:00.000Z',
    },
    {
      what: 'a court order under a district cap of 60 minutes lasts an hour (grants.maxMinutes)',
      bundle: policyWith((bundle) => {
        bundle.policy.grants.maxMinutes = 60;
      }),
      request: request(),
      lastGood: '2026-11-27T09:59:00-08:00',
      firstBad: '2026-11-27T10:00:00-08:00',
      until: '2026-11-27T18:00:00.000Z',
    },
    {
      what: 'a court order with a per-basis cap of 90 minutes lasts 90 minutes',
      bundle: policyWith((bundle) => {
        bundle.policy.grants.perBasisMinutes['judicial-order'] = 90;
      }),
      request: request(),
      lastGood: '2026-11-27T10:29:00-08:00',
      firstBad: '2026-11-27T10:30:00-08:00',
      until: '2026-11-27T18:30:00.000Z',
    },
  ];

  it.each(clamped)('$what', ({ bundle, request: approved, lastGood, firstBad, until }) => {
    const good = run({ time: lastGood, requests: [approved] }, bundle);
    expect(good.outcome).toBe('allow');
    expect(good.coveredBy[0]?.until).toBe(until);
    expect(run({ time: firstBad, requests: [approved] }, bundle).outcome).toBe('justify');
  });

  it('a pending request keeps the page covered and says it waits for a clerk', () => {
    const decision = run({
      requests: [request({ status: 'pending', validFrom: undefined, validUntil: undefined })],
    });
    expect(decision).toMatchObject({
      outcome: 'request',
      pendingRequest: 'request-1',
      reason: { code: 'awaiting-approval' },
      coveredBy: [],
    });
    expect(decision.requires).not.toBeNull();
    expect(optionIds(decision)).toContain('health-safety-emergency');
  });

  it.each([
    { what: 'denied', change: { status: 'denied' as const } },
    { what: 'withdrawn', change: { status: 'withdrawn' as const } },
    { what: "another SRO's", change: { username: ROSS.username } },
    { what: "another student's", change: { studentId: '100999' } },
    { what: 'approved without a window', change: { validFrom: undefined, validUntil: undefined } },
    { what: 'approved for another category', change: { categories: ['attendance' as Category] } },
    {
      what: 'approved on an immediate basis (emergencies are grants, not requests)',
      change: { basis: 'health-safety-emergency' },
    },
    { what: 'approved on a basis the catalog does not have', change: { basis: 'made-up-basis' } },
  ])('a request $what does not open the record', ({ change }) => {
    const decision = run({ requests: [request(change)] });
    expect(decision.outcome).toBe('justify');
    expect(decision.coveredBy).toEqual([]);
    expect(decision.pendingRequest).toBeUndefined();
  });

  it('a request approved on a basis the district has since disabled stops counting', () => {
    const disabled = policyWith((bundle) => {
      basisOf(bundle, 'judicial-order').enabled = false;
    });
    expect(run({ requests: [request()] }, disabled).outcome).toBe('justify');
  });

  it('a court order approved for copying does not cover copying: the basis covers view, export and print only', () => {
    const approved = request({ actions: ['view', 'copy'] });
    expect(run({ action: 'view', requests: [approved] }).outcome).toBe('allow');
    expect(run({ action: 'copy', requests: [approved] })).toMatchObject({
      outcome: 'justify',
      reason: { code: 'not-covered' },
    });
  });

  it('a pending request by another SRO, or for fewer actions than needed, is not this request', () => {
    const otherUser = run({ requests: [request({ status: 'pending', username: ROSS.username })] });
    expect(otherUser.outcome).toBe('justify');
    const viewOnly = run({ action: 'export', requests: [request({ status: 'pending', actions: ['view'] })] });
    expect(viewOnly.outcome).toBe('justify');
    expect(viewOnly.pendingRequest).toBeUndefined();
  });
});

describe('grants from an immediate basis (health or safety emergency)', () => {
  it('allow inside their window and name the grant', () => {
    const decision = run({ grants: [grant()] });
    expect(decision).toMatchObject({ outcome: 'allow', reason: { code: 'covered' } });
    expect(decision.coveredBy).toEqual([
      { kind: 'grant', id: 'grant-1', basis: 'health-safety-emergency', until: '2026-11-27T18:20:00.000Z' },
    ]);
    expect(decision.citations).toEqual(expect.arrayContaining(['34 CFR 99.36', '34 CFR 99.31(a)(10)']));
  });

  it.each([
    { when: 'at issuedAt', time: '2026-11-27T09:50:00-08:00', allowed: true },
    { when: 'one minute before issuedAt', time: '2026-11-27T09:49:00-08:00', allowed: false },
    { when: 'one minute before expiresAt', time: '2026-11-27T10:19:00-08:00', allowed: true },
    { when: 'at expiresAt', time: '2026-11-27T10:20:00-08:00', allowed: false },
  ])('$when: allowed = $allowed', ({ time, allowed }) => {
    expect(run({ time, grants: [grant()] }).outcome).toBe(allowed ? 'allow' : 'justify');
  });

  const long = grant({ issuedAt: '2026-11-27T09:45:00-08:00', expiresAt: '2026-11-27T15:00:00-08:00' });
  it.each([
    {
      what: "the district's 30 minutes for emergencies (perBasisMinutes)",
      bundle: realBundle,
      lastGood: '2026-11-27T10:14:00-08:00',
      firstBad: '2026-11-27T10:15:00-08:00',
      until: '2026-11-27T18:15:00.000Z',
    },
    {
      what: "the basis's own 60 minutes when the district sets no per-basis limit",
      bundle: policyWith((bundle) => {
        bundle.policy.grants.perBasisMinutes = {};
      }),
      lastGood: '2026-11-27T10:44:00-08:00',
      firstBad: '2026-11-27T10:45:00-08:00',
      until: '2026-11-27T18:45:00.000Z',
    },
    {
      what: "the district's overall 20-minute cap",
      bundle: policyWith((bundle) => {
        bundle.policy.grants.maxMinutes = 20;
      }),
      lastGood: '2026-11-27T10:04:00-08:00',
      firstBad: '2026-11-27T10:05:00-08:00',
      until: '2026-11-27T18:05:00.000Z',
    },
  ])('a grant written for 5 hours is cut to $what', ({ bundle, lastGood, firstBad, until }) => {
    const good = run({ time: lastGood, grants: [long] }, bundle);
    expect(good.outcome).toBe('allow');
    expect(good.coveredBy[0]?.until).toBe(until);
    expect(run({ time: firstBad, grants: [long] }, bundle).outcome).toBe('justify');
  });

  it('a grant stops counting once the district disables its basis', () => {
    const disabled = policyWith((bundle) => {
      basisOf(bundle, 'health-safety-emergency').enabled = false;
    });
    expect(run({ grants: [grant()] }, disabled).outcome).not.toBe('allow');
    expect(run({ grants: [grant()] }, disabled).coveredBy).toEqual([]);
  });

  it.each([
    { what: "another SRO's grant", change: { username: ROSS.username } },
    { what: 'a grant for another student', change: { studentId: '100999' } },
    { what: 'a grant for another category', change: { categories: ['health' as Category] } },
    {
      what: "a grant naming a basis that needs a clerk's approval first (court order)",
      change: { basis: 'judicial-order' },
    },
    { what: 'a grant naming written consent', change: { basis: 'written-consent' } },
    {
      what: 'a grant naming the law-enforcement-unit note',
      change: { basis: 'law-enforcement-unit-record' },
    },
    { what: 'a grant naming a basis the catalog does not have', change: { basis: 'made-up-basis' } },
    {
      what: 'a directory-information grant stretched to grades',
      change: { basis: 'directory-information', categories: ['grades' as Category] },
    },
  ])('$what does not open grades', ({ change }) => {
    const decision = run({ grants: [grant(change)] });
    expect(decision.outcome).toBe('justify');
    expect(decision.coveredBy).toEqual([]);
  });

  it('a grant covers no action its basis no longer covers', () => {
    const noCopy = policyWith((bundle) => {
      basisOf(bundle, 'health-safety-emergency').actions = ['view', 'export', 'print'];
    });
    expect(run({ action: 'print', grants: [grant()] }, noCopy).outcome).toBe('allow');
    expect(run({ action: 'copy', grants: [grant()] }, noCopy).outcome).toBe('block');
  });

  it.each([
    { optOut: false, allowed: true },
    { optOut: true, allowed: false },
    { optOut: undefined, allowed: false },
  ])(
    'a directory-information grant for contacts counts only without an opt-out (opt-out $optOut)',
    ({ optOut, allowed }) => {
      const decision = run({
        categories: ['contacts'],
        student: { id: STUDENT_ID, ...(optOut === undefined ? {} : { directoryOptOut: optOut }) },
        grants: [grant({ basis: 'directory-information', categories: ['contacts'], actions: ['view'] })],
      });
      expect(decision.outcome).toBe(allowed ? 'allow' : 'justify');
    },
  );
});

describe('ways forward when nothing on file covers the record', () => {
  const decision = run({ categories: ['health'] });

  it('an emergency can be stated at once, and judicial orders and juvenile justice can be requested', () => {
    expect(decision).toMatchObject({
      outcome: 'justify',
      reason: { code: 'not-covered' },
      requires: { justification: { minLength: 40, maxLength: 2000 }, attestation: true },
      coveredBy: [],
    });
    expect(optionIds(decision)).toEqual(['health-safety-emergency', 'juvenile-justice', 'judicial-order']);
  });

  it('the emergency is immediate, 30 minutes (district per-basis limit), reviewed afterwards, no notice', () => {
    const emergency = decision.options.find((option) => option.basis === 'health-safety-emergency');
    expect(emergency).toMatchObject({
      mode: 'immediate',
      grantMinutes: 30,
      review: true,
      notice: { required: false, timing: 'none' },
    });
    expect(emergency?.evidence.map((field) => field.id)).toEqual(['threat', 'incident-number']);
    expect(emergency?.citations).toEqual(expect.arrayContaining(['34 CFR 99.31(a)(10)', '34 CFR 99.36']));
  });

  it('a court order needs approval, notice before disclosure unless the order forbids it, and its evidence', () => {
    const order = decision.options.find((option) => option.basis === 'judicial-order');
    expect(order).toMatchObject({
      mode: 'approval',
      grantMinutes: 4320,
      review: false,
      notice: { required: true, timing: 'before-disclosure', waivedWhenEvidence: 'order-forbids-notice' },
    });
    expect(order?.evidence.map((field) => [field.id, field.required])).toEqual([
      ['case-number', true],
      ['issuing-court', true],
      ['order-date', true],
      ['order-forbids-notice', false],
    ]);
    expect(order?.citations).toEqual(
      expect.arrayContaining(['34 CFR 99.31(a)(9)(ii)', 'Education Code 49077']),
    );
  });

  it('juvenile justice needs approval and the 99.38 certification', () => {
    const juvenile = decision.options.find((option) => option.basis === 'juvenile-justice');
    expect(juvenile).toMatchObject({ mode: 'approval', grantMinutes: 10080, notice: { required: false } });
    expect(juvenile?.evidence.map((field) => field.id)).toEqual(['case-number', 'certification-ref']);
    expect(juvenile?.citations).toContain('34 CFR 99.38');
  });

  it('school-official designation is off by default and offered (view only) once the district enables it', () => {
    expect(optionIds(decision)).not.toContain('school-official');
    const designated = policyWith((bundle) => {
      basisOf(bundle, 'school-official').enabled = true;
    });
    const view = run({ categories: ['health'] }, designated);
    expect(view.options.find((option) => option.basis === 'school-official')).toMatchObject({
      mode: 'immediate',
      grantMinutes: 480,
      review: true,
    });
    expect(optionIds(run({ categories: ['health'], action: 'export' }, designated))).not.toContain(
      'school-official',
    );
  });

  const directory: {
    optOut: boolean | undefined;
    categories: Category[];
    action: Action;
    offered: boolean;
  }[] = [
    { optOut: false, categories: ['contacts'], action: 'view', offered: true },
    { optOut: true, categories: ['contacts'], action: 'view', offered: false },
    { optOut: undefined, categories: ['contacts'], action: 'view', offered: false },
    { optOut: false, categories: ['contacts'], action: 'export', offered: false },
    { optOut: false, categories: ['contacts', 'grades'], action: 'view', offered: false },
    { optOut: false, categories: ['grades'], action: 'view', offered: false },
  ];
  it.each(directory)(
    'directory information for $categories / $action with opt-out $optOut: offered = $offered',
    ({ optOut, categories, action, offered }) => {
      const result = run({
        categories,
        action,
        student: { id: STUDENT_ID, ...(optOut === undefined ? {} : { directoryOptOut: optOut }) },
      });
      const option = result.options.find((one) => one.basis === 'directory-information');
      if (offered) expect(option).toMatchObject({ mode: 'immediate', grantMinutes: 60, review: false });
      else expect(option).toBeUndefined();
    },
  );

  it('directory information is never offered when the district designates no directory categories', () => {
    const none = policyWith((bundle) => {
      bundle.policy.directoryCategories = [];
    });
    const result = run(
      { categories: ['contacts'], student: { id: STUDENT_ID, directoryOptOut: false } },
      none,
    );
    expect(optionIds(result)).not.toContain('directory-information');
  });

  it('the law-enforcement-unit note is never a way in, even if a district gives it actions', () => {
    const widened = policyWith((bundle) => {
      basisOf(bundle, 'law-enforcement-unit-record').actions = [...ALL_ACTIONS];
    });
    for (const bundle of [realBundle, widened]) {
      expect(optionIds(run({ categories: ['discipline'] }, bundle))).not.toContain(
        'law-enforcement-unit-record',
      );
    }
  });

  it('copying: only the emergency fits (court orders and juvenile justice do not cover copy)', () => {
    expect(optionIds(run({ categories: ['health'], action: 'copy' }))).toEqual(['health-safety-emergency']);
  });

  it('when only approval bases fit, the outcome is request (no pending request yet)', () => {
    const noEmergency = policyWith((bundle) => {
      basisOf(bundle, 'health-safety-emergency').enabled = false;
    });
    const result = run({ categories: ['health'] }, noEmergency);
    expect(result).toMatchObject({ outcome: 'request', reason: { code: 'not-covered' } });
    expect(result.pendingRequest).toBeUndefined();
    expect(optionIds(result)).toEqual(['juvenile-justice', 'judicial-order']);
  });

  it.each([
    {
      what: 'copy when the emergency basis is disabled',
      input: { action: 'copy' as const },
      bundle: policyWith((bundle) => {
        basisOf(bundle, 'health-safety-emergency').enabled = false;
      }),
    },
    {
      what: 'any action when no basis is available to SROs',
      input: {},
      bundle: policyWith((bundle) => {
        for (const basis of bundle.legalBases.bases) basis.availableTo = ['teacher'];
      }),
    },
  ])('when no basis fits ($what), the outcome is block no-basis', ({ input, bundle }) => {
    const result = run({ categories: ['health'], ...input }, bundle);
    expect(result).toMatchObject({
      outcome: 'block',
      reason: { code: 'no-basis' },
      options: [],
      requires: null,
    });
  });
});

describe('immigration-related fields (Education Code 234.7)', () => {
  const immigrationFields = [
    'Birth Country',
    'Country of Birth',
    'Birth City',
    'Birth State',
    'Date Entered US',
    'Date Entered US School',
    'Date entered the U.S.',
    'First US School',
    'US Enrolled < 3 yr',
    'Citizenship',
    'CA_BirthCountry',
    'CA_DateEnteredUSSchool',
    'STU.BCU',
    'STU.DEUS',
    'dateEnteredUS',
    'birthCountry',
  ];
  const everything = consent({
    categories: [...NON_IMMIGRATION_CATEGORIES, 'immigration'],
    actions: [...ALL_ACTIONS],
  });

  it.each(immigrationFields)(
    '"%s" is redacted from a view even with consent listing immigration',
    (field) => {
      const decision = run({
        categories: ['demographics'],
        fields: ['Last Name', 'Ethnicity', field],
        consents: [everything],
      });
      expect(decision).toMatchObject({
        outcome: 'redact',
        reason: { code: 'immigration-redacted' },
        redact: { categories: ['immigration'], fields: [field] },
      });
      expect(decision.rules).toEqual(
        expect.arrayContaining(['sro-records-guarded', 'sro-no-immigration-status']),
      );
      expect(decision.citations).toContain('Education Code 234.7');
    },
  );

  const takes = immigrationFields.flatMap((field) =>
    (['export', 'print', 'copy'] as const).map((action) => ({ field, action })),
  );
  it.each(takes)(
    '$action with "$field" is blocked even with consent listing immigration',
    ({ field, action }) => {
      const decision = run({
        action,
        categories: ['demographics'],
        fields: ['Last Name', field],
        consents: [everything],
      });
      expect(decision).toMatchObject({
        outcome: 'block',
        reason: { code: 'immigration-export-blocked' },
        redact: { categories: ['immigration'], fields: [field] },
      });
    },
  );

  it.each(['Birth Date', 'Date of Birth', 'Ethnicity', 'Home Language', 'Last Name', 'GPA'])(
    '"%s" is not immigration-related and is shown under consent',
    (field) => {
      const decision = run({
        categories: ['demographics', 'grades'],
        fields: [field],
        consents: [everything],
      });
      expect(decision.outcome).toBe('allow');
      expect(decision.redact).toEqual({ categories: [], fields: [] });
    },
  );

  it('a page that is only the immigration section is shown redacted (nothing else on it needs consent)', () => {
    expect(run({ categories: ['immigration'] })).toMatchObject({
      outcome: 'redact',
      redact: { categories: ['immigration'], fields: [] },
    });
    expect(run({ categories: ['immigration'], action: 'export' }).outcome).toBe('block');
  });

  it('immigration fields stay listed for redaction while the rest of the page waits for a justification', () => {
    const decision = run({ categories: ['demographics'], fields: ['Birth Country', 'STU.BCU'] });
    expect(decision.outcome).toBe('justify');
    expect(decision.redact).toEqual({ categories: ['immigration'], fields: ['Birth Country', 'STU.BCU'] });
  });

  it('an emergency grant does not open immigration fields either', () => {
    const decision = run({
      action: 'export',
      categories: ['demographics'],
      fields: ['CA_BirthCountry'],
      grants: [grant({ categories: [...NON_IMMIGRATION_CATEGORIES, 'immigration'] })],
    });
    expect(decision.outcome).toBe('block');
  });
});

describe('export, print and copy are never looser than view', () => {
  const cases: { what: string; consents: Consent[]; expected: Record<Action, Decision['outcome']> }[] = [
    {
      what: 'a consent for view only',
      consents: [consent({ actions: ['view'] })],
      expected: { view: 'allow', export: 'justify', print: 'justify', copy: 'justify' },
    },
    {
      what: 'a consent for export but not view',
      consents: [consent({ actions: ['export'] })],
      expected: { view: 'justify', export: 'justify', print: 'justify', copy: 'justify' },
    },
    {
      what: 'a consent for view and export',
      consents: [consent({ actions: ['view', 'export'] })],
      expected: { view: 'allow', export: 'allow', print: 'justify', copy: 'justify' },
    },
    {
      what: 'one consent for view and another for print',
      consents: [consent({ id: 'view', actions: ['view'] }), consent({ id: 'print', actions: ['print'] })],
      expected: { view: 'allow', export: 'justify', print: 'allow', copy: 'justify' },
    },
  ];
  it.each(cases)('$what', ({ consents, expected }) => {
    for (const action of ALL_ACTIONS) {
      expect({ action, outcome: run({ action, consents }).outcome }).toEqual({
        action,
        outcome: expected[action],
      });
    }
  });

  it('an approved request for viewing does not cover exporting', () => {
    const approved = request({ actions: ['view'] });
    expect(run({ requests: [approved] }).outcome).toBe('allow');
    expect(run({ action: 'export', requests: [approved] }).outcome).toBe('justify');
  });
});

describe('what Record Guard cannot establish is blocked', () => {
  it.each([
    { what: 'no categories and no fields', input: { categories: [], fields: [] } },
    {
      what: 'no categories and only unrecognised fields',
      input: { categories: [], fields: ['Locker Combination', 'Notes'] },
    },
    { what: 'an export of unknown content', input: { action: 'export' as const, categories: [] } },
  ])('$what: block categories-unknown', ({ input }) => {
    expect(run({ ...input, consents: [consent()] })).toMatchObject({
      outcome: 'block',
      guarded: true,
      reason: { code: 'categories-unknown' },
      options: [],
      requires: null,
      coveredBy: [],
    });
  });

  it('categories come from the fields when the adapter names none', () => {
    const decision = run({ categories: [], fields: ['GPA', 'Absences'] });
    expect(decision.categories).toEqual(['attendance', 'grades']);
    expect(decision.outcome).toBe('justify');
  });

  const noHealth = policyWith((bundle) => {
    const guarded = ruleOf(bundle, 'sro-records-guarded');
    guarded.categories = guarded.categories.filter((category) => category !== 'health');
  });
  it('a category with no SRO rule is blocked as no-rule, naming the category', () => {
    const decision = run({ categories: ['grades', 'health'], consents: [consent()] }, noHealth);
    expect(decision).toMatchObject({ outcome: 'block', reason: { code: 'no-rule' } });
    expect(decision.reason.text.en).toMatch(/health/);
    expect(run({ categories: ['grades'], consents: [consent()] }, noHealth).outcome).toBe('allow');
  });

  it('an action with no SRO rule is blocked as no-rule; so is every action needing view when view has none', () => {
    const noCopy = policyWith((bundle) => {
      ruleOf(bundle, 'sro-records-guarded').actions = ['view', 'export', 'print'];
    });
    expect(run({ action: 'copy' }, noCopy).reason.code).toBe('no-rule');
    expect(run({ action: 'print' }, noCopy).outcome).toBe('justify');
    const noView = policyWith((bundle) => {
      ruleOf(bundle, 'sro-records-guarded').actions = ['export', 'print', 'copy'];
    });
    expect(
      run({ action: 'export', consents: [consent({ actions: [...ALL_ACTIONS] })] }, noView),
    ).toMatchObject({
      outcome: 'block',
      reason: { code: 'no-rule' },
    });
  });

  it('a district rule that lets SROs view attendance allows viewing, but exporting it has no rule', () => {
    const openAttendance = policyWith((bundle) => {
      const guarded = ruleOf(bundle, 'sro-records-guarded');
      guarded.categories = guarded.categories.filter((category) => category !== 'attendance');
      bundle.policy.rules.push({
        id: 'sro-attendance-view',
        role: 'sro',
        actions: ['view'],
        categories: ['attendance'],
        effect: 'allow',
        citations: ['Board decision 2026-11'],
        explanation: { en: 'SROs may see attendance for truancy work.' },
      });
    });
    expect(run({ categories: ['attendance'] }, openAttendance)).toMatchObject({
      outcome: 'allow',
      reason: { code: 'rule-allows' },
      rules: ['sro-attendance-view'],
      citations: ['Board decision 2026-11'],
    });
    expect(run({ categories: ['attendance'], action: 'export' }, openAttendance).reason.code).toBe('no-rule');
  });
});

describe('decide() is pure', () => {
  const inputs = deepFreeze(
    facts({
      action: 'view',
      categories: ['grades', 'demographics'],
      fields: ['Birth Country', 'GPA'],
      consents: [consent(), consent({ id: 'expired', expiresOn: '2026-10-01' })],
      requests: [request({ status: 'pending' })],
      grants: [grant({ username: ROSS.username })],
    }),
  );
  const snapshot = structuredClone(inputs);

  it('does not write to its inputs (they are frozen) and equal inputs give equal decisions', () => {
    const first = decide(realBundle, inputs);
    const second = decide(structuredClone(realBundle), structuredClone(inputs));
    expect(first).toEqual(second);
    expect(inputs).toEqual(snapshot);
    expect(first.outcome).toBe('redact');
    expect(first.policyVersion).toBe(realBundle.policy.version);
  });

  it('reasons are given in English and Spanish, with the student named where it matters', () => {
    const decisions = [
      run({ consents: [consent()] }),
      run({ categories: ['health'] }),
      run({ user: {} }),
      run({ categories: [] }),
      run({ action: 'export', fields: ['STU.BCU'] }),
      run({ requests: [request({ status: 'pending' })] }),
    ];
    for (const decision of decisions) {
      expect(decision.reason.text.en.length).toBeGreaterThan(10);
      expect(decision.reason.text.es?.length ?? 0).toBeGreaterThan(10);
    }
    expect(decisions[1]?.reason.text.en).toContain(STUDENT_ID);
    expect(decisions[1]?.reason.text.es).toContain(STUDENT_ID);
  });
});

describe('a user the page shows only by display name', () => {
  const shown = (displayName: string) => ({ user: { displayName } });

  it("is decided as the roster's SRO: their grant, approved request and consent count", () => {
    expect(run({ ...shown('Officer M. Diaz'), grants: [grant()] })).toMatchObject({
      guarded: true,
      outcome: 'allow',
      coveredBy: [{ kind: 'grant' }],
    });
    expect(run({ ...shown('officer   m. diaz'), requests: [request()] }).outcome).toBe('allow');
    expect(run({ ...shown('OFFICER M. DIAZ'), consents: [consent()] }).outcome).toBe('allow');
    // Without anything on file the SRO is offered the ways forward (a user name to keep them under).
    const asked = run(shown('Officer M. Diaz'));
    expect(asked.outcome).toBe('justify');
    expect(optionIds(asked)).toContain('health-safety-emergency');
  });

  it("another SRO's grant does not open the page for the SRO the display name names", () => {
    expect(run({ ...shown('Deputy K. Ross'), grants: [grant()] }).outcome).not.toBe('allow');
    expect(run({ ...shown('Deputy K. Ross'), grants: [grant({ username: ROSS.username })] }).outcome).toBe(
      'allow',
    );
  });

  it("a display name shared by a teacher and an SRO is guarded, and no one's grant opens it", () => {
    const shared = policyWith((bundle) => {
      bundle.policy.roles.roster.unshift({
        role: 'teacher',
        username: 't.diaz',
        displayNames: ['Officer M. Diaz'],
      });
    });
    const decision = run(shown('Officer M. Diaz'), shared);
    expect(decision).toMatchObject({ role: 'sro', guarded: true });
    // Either one could be signed in: neither the SRO's grant nor the teacher's login opens the page.
    expect(run({ ...shown('Officer M. Diaz'), grants: [grant()] }, shared).outcome).not.toBe('allow');
    expect(
      run({ ...shown('Officer M. Diaz'), grants: [grant({ username: 't.diaz' })] }, shared).outcome,
    ).not.toBe('allow');
  });

  it("a display name two SROs share is guarded, and neither one's grant or consent opens it", () => {
    const twoSros = policyWith((bundle) => {
      bundle.policy.roles.roster.push({
        role: 'sro',
        username: 'officer.diaz2',
        displayName: 'Officer M. Diaz',
        agency: 'Stanislaus County Sheriff',
      });
    });
    const decision = run({ ...shown('Officer M. Diaz'), grants: [grant()], consents: [consent()] }, twoSros);
    expect(decision.guarded).toBe(true);
    expect(decision.outcome).toBe('block');
    expect(decision.options).toEqual([]);
    const byAgency = consent({ recipient: { kind: 'agency', agency: DIAZ.agency } });
    expect(run({ ...shown('Officer M. Diaz'), consents: [byAgency] }, twoSros).outcome).toBe('block');
  });

  it('a teacher shown by display name is not guarded; a name the roster lacks follows unidentifiedUser', () => {
    expect(run(shown('J. Park'))).toMatchObject({ role: 'teacher', guarded: false, outcome: 'allow' });
    expect(run(shown('Someone Else'))).toMatchObject({
      guarded: true,
      outcome: 'block',
      reason: { code: 'identity-unknown' },
    });
    const leave = policyWith((bundle) => {
      bundle.policy.roles.unidentifiedUser = 'leave';
    });
    expect(run(shown('Someone Else'), leave)).toMatchObject({ guarded: false, outcome: 'allow' });
  });
});
