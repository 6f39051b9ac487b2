// Property-based tests of decide(): generated users, students, actions, pages, consents, requests, grants and
// times, checked against a small oracle written here from the board policy and the law (34 CFR 99.3, 99.30,
// 99.31, 99.37; Education Code 234.7), not from decide()'s code.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, FactsSchema, type Decision, type Facts, type Outcome } from '../../src/decide';
import type { PolicyBundle } from '../../src/policy/bundle';
import type { Consent, ExceptionRequest, Grant } from '../../src/policy/consent';
import type { LegalBasis } from '../../src/policy/legal-basis';
import { ACTIONS, CATEGORIES, type Action, type Category } from '../../src/policy/vocabulary';
import { DIAZ, ROSS, deepFreeze, policyWith, realBundle } from './support';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

// ---------------------------------------------------------------------------------------------------------
// Policy variants: the real policy and changes a district might make.

const VARIANTS: Record<string, PolicyBundle> = {
  real: realBundle,
  'emergency disabled': policyWith((bundle) => {
    const emergency = bundle.legalBases.bases.find((basis) => basis.id === 'health-safety-emergency');
    if (emergency) emergency.enabled = false;
  }),
  'school officials designated': policyWith((bundle) => {
    const official = bundle.legalBases.bases.find((basis) => basis.id === 'school-official');
    if (official) official.enabled = true;
  }),
  'roster in reverse order': policyWith((bundle) => {
    bundle.policy.roles.roster.reverse();
  }),
  'tight grant caps': policyWith((bundle) => {
    bundle.policy.grants.maxMinutes = 45;
    bundle.policy.grants.perBasisMinutes['judicial-order'] = 120;
  }),
  'unidentified users left alone': policyWith((bundle) => {
    bundle.policy.roles.unidentifiedUser = 'leave';
  }),
};
const VARIANT_NAMES = Object.keys(VARIANTS);

// ---------------------------------------------------------------------------------------------------------
// Users, labelled by construction: who they are, and as whom a consent or request would name them.

interface UserCase {
  label: string;
  user: Facts['user'];
  /** What the district's board policy makes of this user. */
  is: 'sro' | 'other' | 'unidentified';
  /** The SIS username consents, requests and grants are matched against. */
  username?: string;
  /** The agency an agency consent must name. */
  agency?: string;
}

const USERS: UserCase[] = [
  {
    label: 'Diaz',
    user: { username: DIAZ.username },
    is: 'sro',
    username: DIAZ.username,
    agency: DIAZ.agency,
  },
  {
    label: 'Diaz, other case',
    user: { username: 'OFFICER.Diaz' },
    is: 'sro',
    username: DIAZ.username,
    agency: DIAZ.agency,
  },
  {
    label: 'Diaz by e-mail',
    user: { email: 'M.Diaz@NewmanPD.example' },
    is: 'sro',
    username: DIAZ.username,
    agency: DIAZ.agency,
  },
  {
    label: 'Ross',
    user: { username: ROSS.username },
    is: 'sro',
    username: ROSS.username,
    agency: ROSS.agency,
  },
  {
    label: 'SRO by SIS label, agency from the browser',
    user: { username: 'j.smith', roleLabel: 'School Resource Officer', agency: DIAZ.agency },
    is: 'sro',
    username: 'j.smith',
    agency: DIAZ.agency,
  },
  {
    label: 'SRO by managed role',
    user: { username: 'j.smith', managedRole: 'sro' },
    is: 'sro',
    username: 'j.smith',
  },
  { label: 'SRO by label only, no username', user: { roleLabel: 'Sheriff deputy' }, is: 'sro' },
  {
    label: 'teacher account with the SRO label',
    user: { username: 'teacher.park', roleLabel: 'SRO' },
    is: 'sro',
    username: 'teacher.park',
  },
  {
    label: "teacher's username with Diaz's e-mail",
    user: { username: 'teacher.park', email: DIAZ.email },
    is: 'sro',
    username: 'teacher.park',
    agency: DIAZ.agency,
  },
  { label: 'teacher', user: { username: 'teacher.park' }, is: 'other' },
  { label: 'clerk', user: { username: 'clerk.nguyen' }, is: 'other' },
  { label: 'admin', user: { username: 'admin.lee', email: 'r.lee@ncluhsd.example' }, is: 'other' },
  { label: 'staff off the roster', user: { username: 'sub.teacher7', agency: DIAZ.agency }, is: 'other' },
  { label: 'teacher by label', user: { roleLabel: 'Teacher' }, is: 'other' },
  { label: 'managed clerk', user: { managedRole: 'clerk' }, is: 'other' },
  { label: 'nobody', user: {}, is: 'unidentified' },
  { label: 'unknown label', user: { roleLabel: 'Counselor' }, is: 'unidentified' },
];
const SRO_USERS = USERS.filter((user) => user.is === 'sro');

/** Usernames records on file may name. */
const RECORD_USERNAMES = [DIAZ.username, 'Officer.Diaz', ROSS.username, 'j.smith', 'teacher.park'];
const RECIPIENTS: Consent['recipient'][] = [
  { kind: 'sro', username: DIAZ.username },
  { kind: 'sro', username: 'OFFICER.DIAZ' },
  { kind: 'sro', username: ROSS.username },
  { kind: 'sro', username: 'j.smith' },
  { kind: 'agency', agency: DIAZ.agency },
  { kind: 'agency', agency: 'newman police department' },
  { kind: 'agency', agency: ROSS.agency },
  { kind: 'agency', agency: 'Modesto Police Department' },
];

// ---------------------------------------------------------------------------------------------------------
// Fields on a page, labelled by hand with the category the district's policy means them to be.

const FIELDS: { label: string; category: Category | null }[] = [
  { label: 'Birth Country', category: 'immigration' },
  { label: 'STU.BCU', category: 'immigration' },
  { label: 'CA_DateEnteredUS', category: 'immigration' },
  { label: 'Date Entered US School', category: 'immigration' },
  { label: 'dateEnteredUS', category: 'immigration' },
  { label: 'US Enrolled < 3 yr', category: 'immigration' },
  // Known to no policy or adapter, for views and exports alike (exports by allowlist: tests/unit/classify.test.ts
  // covers the adapters' known export fields, which classify export field lists only).
  { label: 'Locker Number', category: null },
  { label: 'Student ID', category: null },
  { label: 'Notes', category: null },
  { label: 'GPA', category: 'grades' },
  { label: 'Absences', category: 'attendance' },
  { label: 'Ethnicity', category: 'demographics' },
  { label: 'Birth Date', category: 'demographics' },
  { label: 'Medication', category: 'health' },
  { label: 'IEP Date', category: 'special-education' },
  { label: 'Suspension Days', category: 'discipline' },
  { label: 'Guardian Phone', category: 'contacts' },
];
const FIELD_CATEGORY = new Map(FIELDS.map((field) => [field.label, field.category]));
const IMMIGRATION_FIELDS = FIELDS.filter((field) => field.category === 'immigration').map(
  (field) => field.label,
);

const STUDENTS = ['100001', '100002'] as const;
const BASIS_IDS = [...realBundle.legalBases.bases.map((basis) => basis.id), 'made-up-basis'];

// ---------------------------------------------------------------------------------------------------------
// Generators. Dates and times are generated relative to "now" so that edges (expiry today, 18th birthday,
// the end of a grant) come up often; "now" itself ranges over two years, at any minute of the day, so the
// district-local date often differs from the UTC date.

const iso = (ms: number): string => new Date(ms).toISOString();
const utcDate = (ms: number): string => iso(ms).slice(0, 10);
const shiftDate = (date: string, days: number): string =>
  utcDate(Date.parse(`${date}T00:00:00Z`) + days * DAY);

const nonEmpty = <T>(values: readonly T[]): fc.Arbitrary<T[]> => fc.subarray([...values], { minLength: 1 });
/** Records on file often cover everything, so that coverage is common enough to test both ways. */
const scope = <T>(values: readonly T[]): fc.Arbitrary<T[]> =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant(null).map(() => [...values]) },
    { weight: 3, arbitrary: nonEmpty(values) },
  );
/** The value in one case out of `outOf`, otherwise undefined. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>, outOf: number) =>
  fc.oneof({ weight: outOf - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
/** "self" stands for the signed-in user's own username or agency, resolved when the scenario is built. */
const SELF = 'self' as const;
/** Which of the two students is on the page (the other is the one records may name by mistake). */
const pageStudent = fc.constantFrom(0, 1);

const consentSpec = fc.record({
  other: fc.nat(4).map((n) => n === 0), // mostly the student on the page
  relation: fc.constantFrom('parent', 'guardian', 'eligible-student'),
  categories: scope(CATEGORIES),
  actions: scope(ACTIONS),
  recipient: fc.oneof(
    fc.constantFrom('self-sro' as const, 'self-agency' as const),
    fc.constantFrom(...RECIPIENTS),
  ),
  signedDaysAgo: fc.integer({ min: -3, max: 400 }),
  lastsDays: sometimes(fc.integer({ min: 0, max: 400 }), 2),
  revokedMinutesFromNow: sometimes(fc.integer({ min: -3000, max: 3000 }), 4),
});

const requestSpec = fc.record({
  other: fc.nat(4).map((n) => n === 0),
  username: fc.oneof(fc.constant(SELF), fc.constantFrom(...RECORD_USERNAMES)),
  categories: scope(CATEGORIES),
  actions: scope(ACTIONS),
  basis: fc.constantFrom(...BASIS_IDS, 'judicial-order', 'juvenile-justice'),
  status: fc.constantFrom('pending', 'approved', 'approved', 'denied', 'withdrawn'),
  validFromMinutesFromNow: fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 5, arbitrary: fc.integer({ min: -12_000, max: 600 }) },
  ),
  lastsMinutes: fc.integer({ min: 0, max: 15_000 }),
});

const grantSpec = fc.record({
  other: fc.nat(4).map((n) => n === 0),
  username: fc.oneof(fc.constant(SELF), fc.constantFrom(...RECORD_USERNAMES)),
  categories: scope(CATEGORIES),
  actions: scope(ACTIONS),
  basis: fc.constantFrom(...BASIS_IDS, 'health-safety-emergency', 'health-safety-emergency'),
  issuedMinutesFromNow: fc.integer({ min: -120, max: 20 }),
  lastsMinutes: fc.integer({ min: 0, max: 180 }),
  review: fc.boolean(),
});

const birthSpec = fc.oneof(
  // Around the 18th birthday, where a parent's consent stops and the student's starts.
  fc.record({ kind: fc.constant('near-18' as const), days: fc.integer({ min: -40, max: 40 }) }),
  fc.record({ kind: fc.constant('feb-29' as const), year: fc.constantFrom(2004, 2008, 2012) }),
  fc.record({ kind: fc.constant('fixed' as const), date: fc.constantFrom('2012-05-05', '2001-10-10') }),
  fc.record({ kind: fc.constant('unknown' as const) }),
);

const scenarioSpec = fc.record({
  minutesSince2026: fc.integer({ min: 0, max: 2 * 366 * 24 * 60 }),
  variant: fc.constantFrom(...VARIANT_NAMES),
  user: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...SRO_USERS) },
    { weight: 2, arbitrary: fc.constantFrom(...USERS) },
  ),
  student: pageStudent,
  birth: birthSpec,
  directoryOptOut: fc.constantFrom(true, false, undefined),
  action: fc.constantFrom(...ACTIONS),
  // Usually the adapter names the page's sections; sometimes it cannot and only the fields tell.
  categories: fc.oneof(
    { weight: 4, arbitrary: fc.subarray([...CATEGORIES], { minLength: 1, maxLength: 2 }) },
    { weight: 1, arbitrary: fc.constant<Category[]>([]) },
  ),
  fields: fc.subarray(
    FIELDS.filter((field) => field.category !== 'immigration').map((field) => field.label),
    { maxLength: 3 },
  ),
  immigrationField: fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom(...IMMIGRATION_FIELDS) },
  ),
  consents: fc.array(consentSpec, { maxLength: 6 }),
  requests: fc.array(requestSpec, { maxLength: 3 }),
  grants: fc.array(grantSpec, { maxLength: 3 }),
});

interface Scenario {
  variant: string;
  user: UserCase;
  facts: Facts;
}
const bundleOf = (one: Scenario): PolicyBundle => VARIANTS[one.variant] ?? realBundle;

const scenario = scenarioSpec.map((spec): Scenario => {
  const now = Date.parse('2026-01-01T00:00:00Z') + spec.minutesSince2026 * MINUTE;
  const today = utcDate(now);
  const studentId = STUDENTS[spec.student] ?? STUDENTS[0];
  const otherId = STUDENTS[1 - spec.student] ?? STUDENTS[1];
  const [year, month, day] = today.split('-').map(Number) as [number, number, number];
  const birthDate =
    spec.birth.kind === 'near-18'
      ? utcDate(Date.UTC(year - 18, month - 1, day) + spec.birth.days * DAY)
      : spec.birth.kind === 'feb-29'
        ? `${spec.birth.year}-02-29`
        : spec.birth.kind === 'fixed'
          ? spec.birth.date
          : undefined;
  const consents: Consent[] = spec.consents.map((one, index) => {
    const signedOn = shiftDate(today, -one.signedDaysAgo);
    return {
      id: `consent-${index}`,
      studentId: one.other ? otherId : studentId,
      signer: { name: 'Signer', relation: one.relation },
      categories: one.categories,
      actions: one.actions,
      purpose: 'Generated',
      recipient:
        typeof one.recipient !== 'string'
          ? one.recipient
          : one.recipient === 'self-sro'
            ? { kind: 'sro', username: spec.user.username ?? DIAZ.username }
            : { kind: 'agency', agency: spec.user.agency ?? DIAZ.agency },
      signedOn,
      ...(one.lastsDays === undefined ? {} : { expiresOn: shiftDate(signedOn, one.lastsDays) }),
      ...(one.revokedMinutesFromNow === undefined
        ? {}
        : { revokedAt: iso(now + one.revokedMinutesFromNow * MINUTE) }),
      documentRef: `DMS-${index}`,
    };
  });
  const requests: ExceptionRequest[] = spec.requests.map((one, index) => {
    const from =
      one.validFromMinutesFromNow === undefined ? undefined : now + one.validFromMinutesFromNow * MINUTE;
    return {
      id: `request-${index}`,
      username: one.username === SELF ? (spec.user.username ?? DIAZ.username) : one.username,
      studentId: one.other ? otherId : studentId,
      categories: one.categories,
      actions: one.actions,
      basis: one.basis,
      status: one.status,
      filedAt: iso(now - 20_000 * MINUTE),
      ...(from === undefined
        ? {}
        : { validFrom: iso(from), validUntil: iso(from + one.lastsMinutes * MINUTE) }),
    };
  });
  const grants: Grant[] = spec.grants.map((one, index) => {
    const issued = now + one.issuedMinutesFromNow * MINUTE;
    return {
      id: `grant-${index}`,
      username: one.username === SELF ? (spec.user.username ?? DIAZ.username) : one.username,
      studentId: one.other ? otherId : studentId,
      categories: one.categories,
      actions: one.actions,
      basis: one.basis,
      issuedAt: iso(issued),
      expiresAt: iso(issued + one.lastsMinutes * MINUTE),
      review: one.review,
    };
  });
  const facts = FactsSchema.parse({
    time: iso(now),
    user: spec.user.user,
    student: {
      id: studentId,
      ...(birthDate ? { birthDate } : {}),
      ...(spec.directoryOptOut === undefined ? {} : { directoryOptOut: spec.directoryOptOut }),
    },
    action: spec.action,
    categories: spec.categories,
    fields: spec.immigrationField === undefined ? spec.fields : [...spec.fields, spec.immigrationField],
    consents,
    requests,
    grants,
  });
  return { variant: spec.variant, user: spec.user, facts };
});

// ---------------------------------------------------------------------------------------------------------
// The oracle.

const same = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();

/** The district-local calendar date, via a different formatter than the code under test uses. */
const districtDate = (instant: string, timeZone: string): string =>
  new Date(instant).toLocaleDateString('sv-SE', { timeZone });

/** The date a student turns `age`: Feb 29 birthdays roll to Mar 1 in common years, as Date.UTC does. */
const birthdayAt = (birthDate: string, age: number): string => {
  const [year, month, day] = birthDate.split('-').map(Number) as [number, number, number];
  return utcDate(Date.UTC(year + age, month - 1, day));
};

/** The categories on the page: those the adapter named plus those its fields belong to. */
function pageCategories(facts: Facts): Set<Category> {
  const found = new Set<Category>(facts.categories);
  for (const field of facts.fields) {
    const category = FIELD_CATEGORY.get(field);
    if (category) found.add(category);
  }
  return found;
}

/** Whether a basis of the catalog can open this category × action for an SRO under this policy. */
function basisCanOpen(
  bundle: PolicyBundle,
  basis: LegalBasis,
  facts: Facts,
  category: Category,
  action: Action,
) {
  if (!basis.enabled || !basis.availableTo.includes('sro') || !basis.actions.includes(action)) return false;
  if (category === 'immigration') return false;
  if (basis.categories && !basis.categories.includes(category)) return false;
  if (basis.respectsDirectoryOptOut) {
    return bundle.policy.directoryCategories.includes(category) && facts.student.directoryOptOut === false;
  }
  return true;
}

function limitMinutes(bundle: PolicyBundle, basis: LegalBasis): number {
  const perBasis = bundle.policy.grants.perBasisMinutes[basis.id];
  return Math.min(basis.maxGrantMinutes, bundle.policy.grants.maxMinutes, perBasis ?? Infinity);
}

function inWindow(
  bundle: PolicyBundle,
  basis: LegalBasis,
  now: string,
  from: string,
  until: string,
): boolean {
  const start = Date.parse(from);
  const end = Math.min(Date.parse(until), start + limitMinutes(bundle, basis) * MINUTE);
  return Date.parse(now) >= start && Date.parse(now) < end;
}

function consentValid(scenarioCase: Scenario, consent: Consent, category: Category, action: Action): boolean {
  const { facts, user } = scenarioCase;
  const bundle = bundleOf(scenarioCase);
  const basis = bundle.legalBases.bases.find((one) => one.mode === 'consent-registry');
  if (!basis || !basisCanOpen(bundle, basis, facts, category, action)) return false;
  if (consent.studentId !== facts.student.id) return false;
  if (!consent.categories.includes(category) || !consent.actions.includes(action)) return false;
  const recipientMatches =
    consent.recipient.kind === 'sro'
      ? same(consent.recipient.username, user.username)
      : same(consent.recipient.agency, user.agency);
  if (!recipientMatches) return false;
  const today = districtDate(facts.time, bundle.policy.timeZone);
  if (consent.signedOn > today) return false;
  if (consent.expiresOn !== undefined && consent.expiresOn < today) return false;
  if (consent.revokedAt !== undefined && Date.parse(consent.revokedAt) <= Date.parse(facts.time))
    return false;
  if (facts.student.birthDate === undefined) return false;
  const adultFrom = birthdayAt(facts.student.birthDate, bundle.policy.ageOfMajority);
  return consent.signer.relation === 'eligible-student' ? consent.signedOn >= adultFrom : today < adultFrom;
}

function requestValid(scenarioCase: Scenario, request: ExceptionRequest, category: Category, action: Action) {
  const { facts, user } = scenarioCase;
  const bundle = bundleOf(scenarioCase);
  const basis = bundle.legalBases.bases.find((one) => one.id === request.basis);
  if (!basis || basis.mode !== 'approval' || !basisCanOpen(bundle, basis, facts, category, action))
    return false;
  if (request.status !== 'approved' || !same(request.username, user.username)) return false;
  if (request.studentId !== facts.student.id) return false;
  if (!request.categories.includes(category) || !request.actions.includes(action)) return false;
  if (request.validFrom === undefined || request.validUntil === undefined) return false;
  return inWindow(bundle, basis, facts.time, request.validFrom, request.validUntil);
}

function grantValid(scenarioCase: Scenario, grant: Grant, category: Category, action: Action): boolean {
  const { facts, user } = scenarioCase;
  const bundle = bundleOf(scenarioCase);
  const basis = bundle.legalBases.bases.find((one) => one.id === grant.basis);
  if (!basis || basis.mode !== 'immediate' || !basisCanOpen(bundle, basis, facts, category, action))
    return false;
  if (!same(grant.username, user.username) || grant.studentId !== facts.student.id) return false;
  if (!grant.categories.includes(category) || !grant.actions.includes(action)) return false;
  return inWindow(bundle, basis, facts.time, grant.issuedAt, grant.expiresAt);
}

const neededActions = (action: Action): Action[] => (action === 'view' ? ['view'] : ['view', action]);

type Expected =
  | { kind: 'untouched' }
  | { kind: 'blocked'; code: Decision['reason']['code'] }
  | { kind: 'open'; outcome: 'allow' | 'redact' }
  | { kind: 'closed' };

/** What the board policy requires for this scenario (the real rules: immigration denied, the rest guarded). */
function expected(scenarioCase: Scenario): Expected {
  const { facts, user } = scenarioCase;
  const bundle = bundleOf(scenarioCase);
  if (user.is === 'other') return { kind: 'untouched' };
  if (user.is === 'unidentified') {
    return bundle.policy.roles.unidentifiedUser === 'guard'
      ? { kind: 'blocked', code: 'identity-unknown' }
      : { kind: 'untouched' };
  }
  const categories = pageCategories(facts);
  const immigration = categories.has('immigration');
  // Exports by allowlist: a field nobody classifies stops an export (immigration is refused first).
  const unknownField = facts.fields.some((field) => FIELD_CATEGORY.get(field) === null);
  if (facts.action === 'export' && unknownField && !immigration) {
    return { kind: 'blocked', code: 'export-field-unknown' };
  }
  if (categories.size === 0) return { kind: 'blocked', code: 'categories-unknown' };
  if (immigration && facts.action !== 'view') return { kind: 'blocked', code: 'immigration-export-blocked' };
  const guarded = [...categories].filter((category) => category !== 'immigration');
  const covered = guarded.every((category) =>
    neededActions(facts.action).every(
      (action) =>
        facts.consents.some((consent) => consentValid(scenarioCase, consent, category, action)) ||
        facts.requests.some((request) => requestValid(scenarioCase, request, category, action)) ||
        facts.grants.some((grant) => grantValid(scenarioCase, grant, category, action)),
    ),
  );
  return covered ? { kind: 'open', outcome: immigration ? 'redact' : 'allow' } : { kind: 'closed' };
}

const OPEN: readonly Outcome[] = ['allow', 'redact'];
const describeCase = (one: Scenario): string =>
  `${one.user.label} under "${one.variant}": ${JSON.stringify(one.facts)}`;

// ---------------------------------------------------------------------------------------------------------

describe('decide() against the oracle', () => {
  it('lets an SRO through only with valid consent, an approved request in its window or an unexpired grant for every category and action; never touches anyone else', () => {
    const tally: Record<string, number> = { open: 0, closed: 0, untouched: 0, blocked: 0 };
    fc.assert(
      fc.property(scenario, (one) => {
        const decision = decide(bundleOf(one), one.facts);
        const want = expected(one);
        tally[want.kind] = (tally[want.kind] ?? 0) + 1;
        const context = describeCase(one);
        switch (want.kind) {
          case 'untouched':
            expect(decision, context).toMatchObject({
              outcome: 'allow',
              guarded: false,
              redact: { categories: [], fields: [] },
            });
            return;
          case 'blocked':
            expect(decision, context).toMatchObject({
              outcome: 'block',
              guarded: true,
              reason: { code: want.code },
            });
            return;
          case 'open':
            expect(decision, context).toMatchObject({ outcome: want.outcome, guarded: true, role: 'sro' });
            break;
          case 'closed':
            expect(OPEN, context).not.toContain(decision.outcome);
            expect(decision.guarded, context).toBe(true);
            break;
        }
        // Whatever the outcome, every immigration field on an SRO's page is listed for redaction, and only those.
        const immigrationHere = one.facts.fields.filter((field) => IMMIGRATION_FIELDS.includes(field));
        expect([...decision.redact.fields].sort(), context).toEqual([...immigrationHere].sort());
        // What the decision says covered it is a record the oracle finds valid.
        if (want.kind === 'open') {
          for (const coverage of decision.coveredBy) {
            const valid = (category: Category, action: Action): boolean =>
              coverage.kind === 'consent'
                ? one.facts.consents.some(
                    (c) => c.id === coverage.id && consentValid(one, c, category, action),
                  )
                : coverage.kind === 'request'
                  ? one.facts.requests.some(
                      (r) => r.id === coverage.id && requestValid(one, r, category, action),
                    )
                  : one.facts.grants.some(
                      (g) => g.id === coverage.id && grantValid(one, g, category, action),
                    );
            const somewhere = CATEGORIES.some((category) =>
              ACTIONS.some((action) => valid(category, action)),
            );
            expect(somewhere, `${coverage.kind} ${coverage.id} in ${context}`).toBe(true);
          }
        }
      }),
      { numRuns: 2000 },
    );
    // The generators must produce both sides often enough for the property to mean something.
    expect(tally.open).toBeGreaterThan(100);
    expect(tally.closed).toBeGreaterThan(300);
    expect(tally.untouched).toBeGreaterThan(100);
    expect(tally.blocked).toBeGreaterThan(100);
  });
});

const sroScenario = scenario.filter((one) => one.user.is === 'sro');
const RANK: Record<Outcome, number> = { allow: 0, redact: 1, justify: 2, request: 2, block: 3 };

describe('export, print and copy are never more permissive than view', () => {
  it('for the same facts, taking a record ranks at least as strict as seeing it, with no extra way forward', () => {
    fc.assert(
      fc.property(sroScenario, fc.constantFrom<Action>('export', 'print', 'copy'), (one, take) => {
        const view = decide(bundleOf(one), { ...one.facts, action: 'view' });
        const taking = decide(bundleOf(one), { ...one.facts, action: take });
        const context = `${take} vs view: ${describeCase(one)}`;
        expect(RANK[taking.outcome], context).toBeGreaterThanOrEqual(RANK[view.outcome]);
        // When both wait for the user, taking offers no legal basis that seeing does not.
        if (RANK[view.outcome] === 2 && RANK[taking.outcome] === 2) {
          const viewOptions = view.options.map((option) => option.basis);
          for (const option of taking.options) expect(viewOptions, context).toContain(option.basis);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('immigration-related fields never leave the page', () => {
  it('an export, print or copy containing one is blocked for any SRO, whatever is on file', () => {
    fc.assert(
      fc.property(
        sroScenario,
        fc.constantFrom<Action>('export', 'print', 'copy'),
        fc.constantFrom(...IMMIGRATION_FIELDS),
        (one, take, field) => {
          const decision = decide(bundleOf(one), {
            ...one.facts,
            action: take,
            fields: [...one.facts.fields, field],
          });
          expect(decision.outcome, describeCase(one)).toBe('block');
          expect(decision.redact.fields).toContain(field);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('staff other than SROs', () => {
  const others = USERS.filter((user) => user.is === 'other');
  it('are always allowed, unguarded and unredacted, whatever the page and the records on file', () => {
    fc.assert(
      fc.property(scenario, fc.constantFrom(...others), (one, other) => {
        const decision = decide(bundleOf(one), { ...one.facts, user: other.user });
        expect(decision).toMatchObject({
          outcome: 'allow',
          guarded: false,
          redact: { categories: [], fields: [] },
          options: [],
          requires: null,
        });
      }),
      { numRuns: 500 },
    );
  });
});

describe('purity', () => {
  it('decide() never writes to its inputs and gives equal decisions for equal inputs', () => {
    fc.assert(
      fc.property(scenario, (one) => {
        const facts = deepFreeze(structuredClone(one.facts));
        const first = decide(bundleOf(one), facts);
        const again = decide(structuredClone(bundleOf(one)), structuredClone(one.facts));
        expect(again).toEqual(first);
        expect(facts).toEqual(one.facts);
      }),
      { numRuns: 300 },
    );
  });

  it('SRO users in the generator are really SROs under every policy variant', () => {
    for (const bundle of Object.values(VARIANTS)) {
      for (const user of SRO_USERS) {
        expect(
          decide(
            bundle,
            FactsSchema.parse({
              time: '2026-11-27T10:00:00Z',
              user: user.user,
              student: { id: '1' },
              action: 'view',
              categories: ['grades'],
            }),
          ).role,
        ).toBe('sro');
      }
    }
  });
});
