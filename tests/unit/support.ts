// Shared fixtures for the unit tests: the real district policy from policies/, and builders for facts,
// consents, exception requests and grants that start from a valid, realistic record and take overrides.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FactsSchema, type Facts, type FactsInput } from '../../src/decide';
import type { Consent, ExceptionRequest, Grant } from '../../src/policy/consent';
import type { AccessRule } from '../../src/policy/district-policy';
import type { LegalBasis } from '../../src/policy/legal-basis';
import type { PolicyBundle } from '../../src/policy/bundle';
import { loadPolicy } from '../../src/policy/files';
import type { Action, Category } from '../../src/policy/vocabulary';

export const POLICY_DIR = fileURLToPath(new URL('../../policies', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function loadRealBundle(): Promise<PolicyBundle> {
  const loaded = await loadPolicy(POLICY_DIR);
  if (!loaded.ok) throw new Error(`policies/ does not load:\n  ${loaded.errors.join('\n  ')}`);
  return loaded.value;
}

/** The policy the district ships (policies/district.json, legal-bases.json, adapters/), frozen: vary copies. */
export const realBundle: PolicyBundle = deepFreeze(await loadRealBundle());

/** A deep copy of the real bundle, changed by `change`: the way every test builds a policy variation. */
export function policyWith(change: (bundle: PolicyBundle) => void): PolicyBundle {
  const bundle = structuredClone(realBundle);
  change(bundle);
  return bundle;
}

export function basisOf(bundle: PolicyBundle, id: string): LegalBasis {
  const found = bundle.legalBases.bases.find((basis) => basis.id === id);
  if (!found) throw new Error(`legal basis ${id} is not in the catalog`);
  return found;
}

export function ruleOf(bundle: PolicyBundle, id: string): AccessRule {
  const found = bundle.policy.rules.find((rule) => rule.id === id);
  if (!found) throw new Error(`rule ${id} is not in the district policy`);
  return found;
}

/** Officer Diaz and Deputy Ross are the SROs on the real roster. */
export const DIAZ = {
  username: 'officer.diaz',
  email: 'm.diaz@newmanpd.example',
  agency: 'Newman Police Department',
} as const;
export const ROSS = {
  username: 'deputy.ross',
  email: 'k.ross@stanislaus-sheriff.example',
  agency: 'Stanislaus County Sheriff',
} as const;

export const STUDENT_ID = '100234';
/** 15 years old on NOW. */
export const BIRTH_DATE = '2011-04-02';
/** Friday 27 November 2026, 10:00 in Newman, California. */
export const NOW = '2026-11-27T10:00:00-08:00';
export const NON_IMMIGRATION_CATEGORIES: Category[] = [
  'demographics',
  'contacts',
  'attendance',
  'grades',
  'discipline',
  'health',
  'special-education',
];
export const ALL_ACTIONS: Action[] = ['view', 'export', 'print', 'copy'];

/** Facts for Officer Diaz viewing student 100234's grades at NOW, with nothing on file; overrides replace whole keys. */
export function facts(input: Partial<FactsInput> = {}): Facts {
  return FactsSchema.parse({
    time: NOW,
    user: { username: DIAZ.username },
    student: { id: STUDENT_ID, birthDate: BIRTH_DATE },
    action: 'view',
    categories: ['grades'],
    ...input,
  });
}

/** A parent's consent naming Officer Diaz for every non-immigration category, view only, signed in September. */
export function consent(overrides: Partial<Consent> = {}): Consent {
  return {
    id: 'consent-1',
    studentId: STUDENT_ID,
    signer: { name: 'Ana Lopez', relation: 'parent' },
    categories: [...NON_IMMIGRATION_CATEGORIES],
    actions: ['view'],
    purpose: 'Truancy mentoring program',
    recipient: { kind: 'sro', username: DIAZ.username },
    signedOn: '2026-09-01',
    expiresOn: '2027-06-30',
    documentRef: 'DMS-2026-0412',
    ...overrides,
  };
}

/** Officer Diaz's court-order request, approved for one day from 09:00 on NOW's day. */
export function request(overrides: Partial<ExceptionRequest> = {}): ExceptionRequest {
  return {
    id: 'request-1',
    username: DIAZ.username,
    studentId: STUDENT_ID,
    categories: [...NON_IMMIGRATION_CATEGORIES],
    actions: ['view', 'export', 'print'],
    basis: 'judicial-order',
    status: 'approved',
    filedAt: '2026-11-26T15:00:00-08:00',
    decidedAt: '2026-11-27T08:30:00-08:00',
    decidedBy: 'clerk.nguyen',
    validFrom: '2026-11-27T09:00:00-08:00',
    validUntil: '2026-11-28T09:00:00-08:00',
    ...overrides,
  };
}

/** Officer Diaz's emergency grant, issued at 09:50 for 30 minutes. */
export function grant(overrides: Partial<Grant> = {}): Grant {
  return {
    id: 'grant-1',
    username: DIAZ.username,
    studentId: STUDENT_ID,
    categories: [...NON_IMMIGRATION_CATEGORIES],
    actions: [...ALL_ACTIONS],
    basis: 'health-safety-emergency',
    issuedAt: '2026-11-27T09:50:00-08:00',
    expiresAt: '2026-11-27T10:20:00-08:00',
    review: true,
    ...overrides,
  };
}

/** Freezes a value and everything it holds, so any write to it inside the code under test throws. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** What `npx tsx scripts/adapter.ts <args>` (`npm run adapter -- <args>`) printed and exited with. */
export const adapterCli = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile('npx', ['tsx', 'scripts/adapter.ts', ...args], { cwd: REPO_ROOT }, (error, stdout, stderr) => {
      resolve({
        code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1,
        stdout,
        stderr,
      });
    });
  });
