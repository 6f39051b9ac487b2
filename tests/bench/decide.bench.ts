// Decisions per second of decide() on the district's policy with 10,000 consents on file, against one
// linear pass over the same consents (filtering by student id) measured in the same run.
import { fileURLToPath } from 'node:url';
import { decide, FactsSchema, type Facts } from '../../src/decide';
import type { PolicyBundle } from '../../src/policy/bundle';
import type { Consent } from '../../src/policy/consent';
import { loadPolicy } from '../../src/policy/files';
import { ACTIONS, CATEGORIES, type Action, type Category } from '../../src/policy/vocabulary';
import { compared, measureRate, type BenchRow, type RateOptions } from './report';

export const CONSENTS = 10_000;
export const STUDENTS = 2_500;

/** A small deterministic generator (mulberry32): the same data on every run and every machine. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const studentId = (index: number): string => String(100_000 + index);
const GUARDED = CATEGORIES.filter((category) => category !== 'immigration');

/**
 * 10,000 consents over 2,500 students, as a district's registry might hold them: four per student on
 * average (none for some, a dozen for a few); mostly parents; each names an SRO or an agency on the roster;
 * about a fifth without expiry, one in twenty revoked.
 */
export function makeConsents(count = CONSENTS, students = STUDENTS): Consent[] {
  const next = random(20261127);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)] as T;
  const recipients: Consent['recipient'][] = [
    { kind: 'sro', username: 'officer.diaz' },
    { kind: 'sro', username: 'deputy.ross' },
    { kind: 'agency', agency: 'Newman Police Department' },
    { kind: 'agency', agency: 'Stanislaus County Sheriff' },
  ];
  return Array.from({ length: count }, (_, index): Consent => {
    const student = Math.floor(students * next());
    const categories = GUARDED.filter(() => next() < 0.4);
    const month = 1 + Math.floor(next() * 12);
    const signedOn = `${pick(['2025', '2026'])}-${String(month).padStart(2, '0')}-${String(1 + Math.floor(next() * 28)).padStart(2, '0')}`;
    const expires = next() < 0.8;
    return {
      id: `consent-${index}`,
      studentId: studentId(student),
      signer: { name: `Signer ${index}`, relation: next() < 0.9 ? 'parent' : 'guardian' },
      categories: categories.length > 0 ? categories : ['grades'],
      actions: next() < 0.7 ? ['view'] : ['view', 'export', 'print'],
      purpose: 'Mentoring and truancy follow-up',
      recipient: pick(recipients),
      signedOn,
      ...(expires ? { expiresOn: `${Number(signedOn.slice(0, 4)) + 1}-06-30` } : {}),
      ...(next() < 0.05 ? { revokedAt: '2026-10-01T12:00:00-07:00' } : {}),
      documentRef: `DMS-${index}`,
    };
  });
}

/** 1,000 different page views and exports by Officer Diaz, all against the same 10,000 consents. */
export function makeFacts(consents: Consent[], user: Facts['user'], count = 1_000): Facts[] {
  const next = random(7);
  return Array.from({ length: count }, (_, index): Facts => {
    const student = Math.floor(STUDENTS * next());
    const action: Action = next() < 0.8 ? 'view' : (ACTIONS[1 + Math.floor(next() * 3)] ?? 'export');
    const categories: Category[] = GUARDED.filter(() => next() < 0.25);
    return {
      time: `2026-11-${String(1 + (index % 28)).padStart(2, '0')}T10:00:00-08:00`,
      user,
      student: { id: studentId(student), birthDate: `20${String(8 + (index % 8)).padStart(2, '0')}-04-02` },
      action,
      categories: categories.length > 0 ? categories : ['grades'],
      fields: index % 10 === 0 ? ['Last Name', 'GPA', 'Birth Country'] : ['Last Name', 'GPA'],
      consents,
      requests: [],
      grants: [],
    };
  });
}

async function loadBundle(): Promise<PolicyBundle> {
  const loaded = await loadPolicy(fileURLToPath(new URL('../../policies', import.meta.url)));
  if (!loaded.ok) throw new Error(`policies/ does not load:\n  ${loaded.errors.join('\n  ')}`);
  return loaded.value;
}

export async function benchDecide(options: RateOptions = {}): Promise<BenchRow[]> {
  const bundle = await loadBundle();
  const consents = makeConsents();
  const sroFacts = makeFacts(consents, { username: 'officer.diaz' });
  const teacherFacts = makeFacts(consents, { username: 'teacher.park' });
  // The generated facts are valid facts (checked once; decide() itself takes parsed facts).
  FactsSchema.parse(sroFacts[0]);

  const linearPass: BenchRow = {
    name: 'linear pass over 10,000 consents',
    value: measureRate((i) => {
      const id = sroFacts[i % sroFacts.length]?.student.id;
      return consents.filter((consent) => consent.studentId === id).length;
    }, options),
    unit: 'passes/s',
  };
  const sro = measureRate((i) => decide(bundle, sroFacts[i % sroFacts.length] as Facts).outcome, options);
  const teacher = measureRate(
    (i) => decide(bundle, teacherFacts[i % teacherFacts.length] as Facts).outcome,
    options,
  );
  const baseline = { name: linearPass.name, value: linearPass.value, unit: linearPass.unit };
  return [
    compared(
      { name: 'decide(): SRO, 10,000 consents', value: sro, unit: 'decisions/s' },
      baseline,
      `${CONSENTS.toLocaleString('en-US')} consents over ${STUDENTS.toLocaleString('en-US')} students; 1,000 views and exports`,
    ),
    compared(
      { name: 'decide(): teacher (not guarded)', value: teacher, unit: 'decisions/s' },
      baseline,
      'the path every non-SRO page takes',
    ),
    linearPass,
  ];
}
