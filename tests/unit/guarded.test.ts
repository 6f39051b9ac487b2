// Who is guarded, decided once (src/decide/guarded.ts), and the identity rules that feed it, each on its own.
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import {
  DEFAULT_LATE_IDENTITY_MS,
  guardedFor,
  lateIdentityWaitMs,
  observeIdentity,
  srosMayBeSignedIn,
  type GuardFacts,
  type HostIdentity,
} from '../../src/decide/guarded';
import {
  identityForOrigin,
  identityForTab,
  IDENTITIES_KEY,
  knownNonSro,
  loadIdentities,
  observe,
  resetIdentitiesForTest,
  signedOut,
} from '../../src/background/identities';

const base: GuardFacts = { unidentifiedUser: 'guard', sisHost: true, pageRole: 'unknown' };
const teacher: HostIdentity = { username: 'tlee', role: 'teacher', adapterId: 'demo-sis' };
const sro: HostIdentity = { username: 'officer.ray', role: 'sro', adapterId: 'demo-sis' };

describe('guardedFor', () => {
  it('answers with no policy: an SRO browser fails closed, anyone else is left', () => {
    expect(guardedFor({ ...base, unidentifiedUser: undefined, managedRole: 'sro' })).toMatchObject({
      guarded: true,
      reason: 'no-policy-sro',
    });
    expect(guardedFor({ ...base, unidentifiedUser: undefined })).toMatchObject({
      guarded: false,
      reason: 'no-policy',
    });
  });

  it('leaves pages that are not on a SIS host', () => {
    expect(guardedFor({ ...base, sisHost: false, host: sro })).toMatchObject({
      guarded: false,
      reason: 'not-sis',
    });
  });

  it('keeps a host guarded once an SRO is seen on it, whatever the page now claims', () => {
    for (const pageRole of ['teacher', 'unknown', 'sro'] as const) {
      const verdict = guardedFor({ ...base, pageRole, pageUsername: 'tlee', host: sro });
      expect(verdict).toMatchObject({ guarded: true, reason: 'sro-seen-on-host', role: 'sro' });
      // Decisions stay with the SRO seen there: a header naming someone else borrows nobody's access.
      expect(verdict.username).toBe('officer.ray');
      expect(srosMayBeSignedIn(verdict)).toBe(true);
    }
  });

  it('after the sign-in page (an SRO host with nobody named) reads the next person afresh', () => {
    const signedOutHost: HostIdentity = { role: 'sro', adapterId: 'demo-sis' };
    expect(
      guardedFor({ ...base, pageRole: 'teacher', pageUsername: 'tlee', host: signedOutHost }),
    ).toMatchObject({ guarded: false, reason: 'non-sro-on-page' });
    expect(guardedFor({ ...base, host: signedOutHost })).toMatchObject({
      guarded: true,
      reason: 'sro-seen-on-host',
      role: 'unknown',
    });
    expect(guardedFor({ ...base, pageRole: 'teacher', conflicting: true, host: signedOutHost }).guarded).toBe(
      true,
    );
  });

  it('guards a managed SRO browser and a page that shows an SRO', () => {
    expect(guardedFor({ ...base, managedRole: 'sro', pageRole: 'teacher' })).toMatchObject({
      guarded: true,
      reason: 'managed-sro',
    });
    expect(guardedFor({ ...base, pageRole: 'sro', pageUsername: 'officer.ray' })).toMatchObject({
      guarded: true,
      reason: 'sro-on-page',
      username: 'officer.ray',
    });
  });

  it('never guards an identified non-SRO', () => {
    for (const pageRole of ['teacher', 'clerk', 'admin', 'staff'] as const) {
      expect(guardedFor({ ...base, pageRole, pageUsername: 'x' })).toMatchObject({
        guarded: false,
        reason: 'non-sro-on-page',
      });
    }
  });

  it('a page that shows nobody on a known teacher host is the teacher (the JSON URL case)', () => {
    expect(guardedFor({ ...base, host: teacher })).toMatchObject({
      guarded: false,
      reason: 'non-sro-on-host',
      username: 'tlee',
    });
    expect(guardedFor({ ...base, host: teacher, frame: true }).guarded).toBe(false);
  });

  it('nobody known follows unidentifiedUser; a frame or a conflicting header is never left', () => {
    expect(guardedFor(base)).toMatchObject({ guarded: true, reason: 'unknown-guarded' });
    expect(guardedFor({ ...base, unidentifiedUser: 'leave' })).toMatchObject({
      guarded: false,
      reason: 'unknown-left',
    });
    expect(guardedFor({ ...base, unidentifiedUser: 'leave', frame: true })).toMatchObject({
      guarded: true,
      reason: 'unknown-frame',
    });
    expect(
      guardedFor({
        ...base,
        unidentifiedUser: 'leave',
        pageRole: 'teacher',
        conflicting: true,
        host: teacher,
      }),
    ).toMatchObject({ guarded: true, reason: 'identity-conflict' });
  });

  it('the network rules follow only where an SRO may be signed in, never a teacher or nobody', () => {
    expect(srosMayBeSignedIn(guardedFor(base))).toBe(false);
    expect(srosMayBeSignedIn(guardedFor({ ...base, host: teacher }))).toBe(false);
    expect(srosMayBeSignedIn(guardedFor({ ...base, managedRole: 'sro' }))).toBe(true);
  });
});

describe('observeIdentity', () => {
  const page = (role: HostIdentity['role'] | 'unknown', username?: string) =>
    ({ kind: 'page', role, username, adapterId: 'demo-sis' }) as const;

  it('a page that shows nobody never overwrites a known identity, nor creates one', () => {
    expect(observeIdentity(teacher, page('unknown'))).toBe(teacher);
    expect(observeIdentity(sro, page('unknown'))).toBe(sro);
    expect(observeIdentity(undefined, page('unknown'))).toBeUndefined();
  });

  it("an SRO's host keeps its SRO whatever a page claims, until the sign-in page", () => {
    expect(observeIdentity(sro, page('teacher', 'tlee'))).toBe(sro);
    expect(observeIdentity(sro, page('sro', 'other.officer'))).toBe(sro);
    const after = observeIdentity(sro, { kind: 'sign-in-page' });
    expect(after).toEqual({ role: 'sro', adapterId: 'demo-sis' });
    // Seeing the sign-in page again changes nothing; the next person is then read.
    expect(observeIdentity(after, { kind: 'sign-in-page' })).toBe(after);
    expect(observeIdentity(after, page('teacher', 'tlee'))).toEqual(teacher);
  });

  it("a non-SRO's host is forgotten at the sign-in page and follows whoever signs in next", () => {
    expect(observeIdentity(teacher, { kind: 'sign-in-page' })).toBeUndefined();
    expect(observeIdentity(teacher, page('sro', 'officer.ray'))).toEqual(sro);
    expect(observeIdentity(teacher, page('teacher', 'TLee'))).toBe(teacher);
  });
});

describe('the late-identity wait', () => {
  it('is 300 ms unless the adapter declares its own, capped at 5 s (the maximum of the adapter schema)', () => {
    expect(lateIdentityWaitMs({ identity: [] })).toBe(DEFAULT_LATE_IDENTITY_MS);
    expect(lateIdentityWaitMs({ identity: Object.assign([], { lateWaitMs: 800 }) })).toBe(800);
    expect(lateIdentityWaitMs({ identity: { lateWaitMs: 60_000 } })).toBe(5000);
    expect(lateIdentityWaitMs({ identity: { lateWaitMs: -1 } })).toBe(DEFAULT_LATE_IDENTITY_MS);
  });
});

describe('identities (the session record, with fakeBrowser)', () => {
  const ORIGIN = 'http://127.0.0.1:4100';
  beforeEach(() => {
    fakeBrowser.reset();
    resetIdentitiesForTest();
  });

  it('keeps a teacher through a page showing nobody, and says nothing changed', async () => {
    expect(await observe(ORIGIN, 1, { kind: 'page', ...teacher })).toBe(true);
    expect(await observe(ORIGIN, 2, { kind: 'page', role: 'unknown', adapterId: 'demo-sis' })).toBe(false);
    expect(identityForOrigin(ORIGIN)).toEqual(teacher);
    expect(knownNonSro(ORIGIN)).toEqual(['tlee']);
    // The same teacher again costs no write.
    expect(await observe(ORIGIN, 1, { kind: 'page', ...teacher })).toBe(false);
  });

  it("a tab's record is the origin's identity, not a claim the origin refused", async () => {
    await observe(ORIGIN, 1, { kind: 'page', ...sro });
    await observe(ORIGIN, 4, { kind: 'page', ...teacher });
    expect(identityForTab(4)).toEqual(sro);
    expect(knownNonSro(ORIGIN)).toEqual([]);
  });

  it('survives a stopped worker, dropping entries an older version stored as unknown', async () => {
    await fakeBrowser.storage.session.set({
      [IDENTITIES_KEY]: {
        origins: { [ORIGIN]: sro, 'http://other:1': { role: 'unknown', adapterId: 'demo-sis' } },
        nonSro: {},
      },
    });
    await loadIdentities();
    expect(identityForOrigin(ORIGIN)).toEqual(sro);
    expect(identityForOrigin('http://other:1')).toBeUndefined();
    expect(await signedOut(ORIGIN, 1)).toBe(true);
    resetIdentitiesForTest();
    await loadIdentities();
    expect(identityForOrigin(ORIGIN)).toEqual({ role: 'sro', adapterId: 'demo-sis' });
  });
});

describe('decidePage and decide with a guard verdict', () => {
  const facts = {
    time: '2026-03-02T17:00:00.000Z',
    user: {},
    action: 'view' as const,
    categories: ['demographics' as const],
    fields: [],
    consents: [],
    requests: [],
    grants: [],
  };

  it('answers with no policy and with no student, each with its reason code', async () => {
    const { decidePage } = await import('../../src/decide/decide');
    const { realBundle } = await import('./support');
    const noPolicy = decidePage(
      undefined,
      facts,
      guardedFor({ ...base, unidentifiedUser: undefined, managedRole: 'sro' }),
    );
    expect(noPolicy).toMatchObject({ outcome: 'block', guarded: true, reason: { code: 'no-policy' } });
    const sroVerdict = guardedFor({ ...base, pageRole: 'sro', pageUsername: 'officer.diaz' });
    expect(decidePage(realBundle, facts, sroVerdict)).toMatchObject({
      outcome: 'block',
      reason: { code: 'student-unknown' },
    });
    expect(decidePage(realBundle, facts, guardedFor(base)).reason.code).toBe('identity-unknown');
    expect(decidePage(realBundle, facts, guardedFor({ ...base, host: teacher }))).toMatchObject({
      outcome: 'allow',
      guarded: false,
      reason: { code: 'not-guarded' },
    });
  });

  it("a host's SRO is decided as an SRO even when the page's header names a teacher", async () => {
    const { decide } = await import('../../src/decide/decide');
    const { realBundle, STUDENT_ID } = await import('./support');
    const who = guardedFor({
      ...base,
      pageRole: 'teacher',
      pageUsername: 'tlee',
      host: { ...sro, username: 'officer.diaz' },
    });
    const decision = decide(
      realBundle,
      { ...facts, user: { username: 'officer.diaz' }, student: { id: STUDENT_ID } },
      who,
    );
    expect(decision.guarded).toBe(true);
    expect(decision.role).toBe('sro');
    expect(decision.outcome).not.toBe('allow');
  });
});

describe('a display name through the core (resolveRole → guardedFor → observeIdentity)', () => {
  /** What the page service does with what a page shows: the roster's login, never the name itself. */
  async function onPage(shown: { username?: string; displayName?: string }, host?: HostIdentity) {
    const { resolveRole } = await import('../../src/policy/roles');
    const { realBundle } = await import('./support');
    const resolved = resolveRole(realBundle.policy, shown);
    const who = guardedFor({ ...base, pageRole: resolved.role, pageUsername: resolved.username, host });
    const next = observeIdentity(host, {
      kind: 'page',
      role: resolved.role,
      username: resolved.username,
      adapterId: 'demo-sis',
    });
    return { who, next };
  }

  it("an SRO's display name guards the page and keeps the host under the SRO's login", async () => {
    const { who, next } = await onPage({ displayName: 'Officer M. Diaz' });
    expect(who).toEqual({ guarded: true, reason: 'sro-on-page', role: 'sro', username: 'officer.diaz' });
    expect(next).toEqual({ username: 'officer.diaz', role: 'sro', adapterId: 'demo-sis' });
    // The same SRO on a page that shows the login is the same identity: nothing changes.
    const later = await onPage({ username: 'officer.diaz' }, next);
    expect(later.next).toBe(next);
  });

  it("a teacher's display name is the teacher's login, not guarded", async () => {
    const { who, next } = await onPage({ displayName: 'j. park' });
    expect(who).toMatchObject({ guarded: false, reason: 'non-sro-on-page', username: 'teacher.park' });
    expect(next?.username).toBe('teacher.park');
  });

  it("a display name nobody has changes no host, and cannot un-guard an SRO's", async () => {
    const nobody = await onPage({ displayName: 'Pat Nobody' });
    expect(nobody.who).toEqual({ guarded: true, reason: 'unknown-guarded', role: 'unknown' });
    expect(nobody.next).toBeUndefined();
    const sroHost: HostIdentity = { username: 'officer.diaz', role: 'sro', adapterId: 'demo-sis' };
    const teacherName = await onPage({ displayName: 'J. Park' }, sroHost);
    expect(teacherName.who).toMatchObject({
      guarded: true,
      reason: 'sro-seen-on-host',
      username: 'officer.diaz',
    });
    expect(teacherName.next).toBe(sroHost);
  });
});
