// Fail-closed signing in the managed settings: trusted keys require a signed policy unless requireSignedPolicy
// is explicitly false, so a misspelt or wrong-typed flag (which Chromium drops before the extension sees it)
// cannot leave the bundled, unsigned policy in force; unknown names and wrong types are named for the admin.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import {
  closestKnownKey,
  forgetManagedSettings,
  liveManagedSettings,
  MANAGED_STATUS_KEY,
  managedNotices,
  managedSettings,
  ManagedStatusSchema,
  signedPolicyRequired,
} from '../../src/background/managed';
import { forgetActivePolicy, policyHeld } from '../../src/background/policy';
import { checkForPolicyUpdate } from '../../src/background/policy-update';
import { readPolicyStatus } from '../../src/background/policy-source';
import { managedSummary, reportManagedStatus } from '../../src/background/managed-report';
import { LogEventSchema } from '../../src/report/event-contract';
import { database } from '../../src/store/db';

const KEY = { id: 'district-2026', publicKey: 'ZRG9zbdowIa1lxxk0hysNTsC1jZc7/Zua9Vz3ivGqeE=' };
const TOKEN = 'tok-managed-signing-0123456789';
const base = {
  hubUrl: 'http://hub.test:4300',
  hubToken: TOKEN,
  district: 'newman-crows-landing-usd',
  policyKeys: [KEY],
};

describe('signedPolicyRequired', () => {
  it.each([
    [{}, false],
    [{ requireSignedPolicy: true }, true],
    [{ requireSignedPolicy: false }, false],
    [{ policyKeys: [KEY] }, true],
    [{ policyKeys: [KEY], requireSignedPolicy: false }, false],
    [{ policyKeys: [KEY], requireSignedPolicy: true }, true],
    [{ policyKeys: [] }, false],
  ])('%j → %s', (settings, required) => {
    expect(signedPolicyRequired(settings)).toBe(required);
  });
});

describe('closestKnownKey', () => {
  const known = ['requireSignedPolicy', 'policyKeys', 'hubUrl', 'district'];
  it.each([
    ['requireSignedPolicies', 'requireSignedPolicy'],
    ['requireSignedPolicys', 'requireSignedPolicy'],
    ['RequireSignedPolicy', 'requireSignedPolicy'],
    ['requireSingedPolicy', 'requireSignedPolicy'],
    ['require_signed_policy', 'requireSignedPolicy'],
    ['policyKey', 'policyKeys'],
    ['hubURL', 'hubUrl'],
    ['districtId', 'district'],
    ['colour', undefined],
    ['requireSigned', undefined],
  ])('%s → %s', (name, suggestion) => {
    expect(closestKnownKey(name, known)).toBe(suggestion);
  });
});

describe('managedNotices (pure)', () => {
  it('names an unknown setting with the known one it is closest to, at any level', () => {
    const notices = managedNotices(
      {
        ...base,
        requireSignedPolicies: true,
        reporting: { batchsize: 5 },
        policyKeys: [{ ...KEY, publickey: 'x' }],
        favouriteColour: 'blue',
      },
      base,
    );
    expect(notices).toEqual(
      expect.arrayContaining([
        { kind: 'unknown-key', path: 'requireSignedPolicies', suggestion: 'requireSignedPolicy' },
        { kind: 'unknown-key', path: 'reporting.batchsize', suggestion: 'batchSize' },
        { kind: 'unknown-key', path: 'policyKeys[0].publickey', suggestion: 'publicKey' },
        { kind: 'unknown-key', path: 'favouriteColour' },
      ]),
    );
  });

  it('names a value of the wrong type with the type expected, never the value', () => {
    const notices = managedNotices({ ...base, requireSignedPolicy: 'yes', hubToken: 42 }, base);
    expect(notices).toEqual(
      expect.arrayContaining([
        { kind: 'wrong-type', path: 'requireSignedPolicy', expected: 'boolean' },
        { kind: 'wrong-type', path: 'hubToken', expected: 'string' },
      ]),
    );
    expect(JSON.stringify(notices)).not.toContain('yes');
  });

  it('says how the keys and requireSignedPolicy decide signing, for the settings in force', () => {
    expect(managedNotices(base, base)).toEqual([{ kind: 'signing-implied' }]);
    const off = { ...base, requireSignedPolicy: false };
    expect(managedNotices(off, off)).toEqual([{ kind: 'signing-off' }]);
    const on = { ...base, requireSignedPolicy: true };
    expect(managedNotices(on, on)).toEqual([]);
    expect(managedNotices({ requireSignedPolicy: true }, { requireSignedPolicy: true })).toEqual([
      { kind: 'no-keys' },
    ]);
    expect(managedNotices({}, {})).toEqual([]);
  });
});

describe('managed settings in the worker (fakeBrowser)', () => {
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const managedStatus = async () =>
    ManagedStatusSchema.parse((await browser.storage.local.get(MANAGED_STATUS_KEY))[MANAGED_STATUS_KEY]);
  let get: ReturnType<typeof vi.fn>;
  const managedStorage = (raw: Record<string, unknown>): void => {
    get = vi.fn(async () => raw);
    vi.spyOn(browser.storage.managed, 'get').mockImplementation(get as never);
  };

  beforeEach(() => {
    fakeBrowser.reset();
    vi.restoreAllMocks();
    vi.unstubAllGlobals();
    forgetManagedSettings();
    forgetActivePolicy();
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  });

  it('reads the whole of managed storage (get(null)), unknown names included', async () => {
    managedStorage(base);
    await managedSettings();
    expect(get).toHaveBeenCalledWith(null);
  });

  it('keys set and the flag dropped by the browser (Chromium): SRO pages are held, and the page says why', async () => {
    managedStorage(base);
    expect(await policyHeld()).toBe(true);
    expect((await managedStatus()).notices).toEqual([{ kind: 'signing-implied' }]);
    expect((await readPolicyStatus()).inForce).toMatchObject({ source: 'bundled', held: true });
  });

  it('an explicit requireSignedPolicy: false with keys set lets the bundled policy apply, with a notice', async () => {
    managedStorage({ ...base, requireSignedPolicy: false });
    expect(await policyHeld()).toBe(false);
    expect((await managedStatus()).notices).toEqual([{ kind: 'signing-off' }]);
  });

  it('a misspelt flag that does reach the extension (Firefox) is named; the refused read still requires signing', async () => {
    managedStorage({ ...base, requireSignedPolicies: true });
    const settings = await managedSettings();
    expect(settings).toMatchObject({ requireSignedPolicy: true });
    expect(settings.hubToken).toBeUndefined();
    const status = await managedStatus();
    expect(status.inForce).toBe('none');
    expect(status.notices).toEqual(
      expect.arrayContaining([
        { kind: 'unknown-key', path: 'requireSignedPolicies', suggestion: 'requireSignedPolicy' },
      ]),
    );
    expect(JSON.stringify(status)).not.toContain(TOKEN);
    expect(await policyHeld()).toBe(true);
  });

  it('a refused read falls back to the last good settings, but keeps signing required if it asked for it', async () => {
    managedStorage({ hubUrl: base.hubUrl, hubToken: TOKEN });
    expect(signedPolicyRequired(await managedSettings())).toBe(false);
    forgetManagedSettings();
    managedStorage({ ...base, requireSignedPolicy: 'true' });
    const settings = await liveManagedSettings();
    expect(settings).toMatchObject({ hubUrl: base.hubUrl, requireSignedPolicy: true });
    expect((await managedStatus()).inForce).toBe('last-good');
    expect((await managedStatus()).notices).toEqual(
      expect.arrayContaining([{ kind: 'wrong-type', path: 'requireSignedPolicy', expected: 'boolean' }]),
    );
  });

  it('keys set and the flag dropped: an unsigned bundle from the hub is refused and SRO pages stay held', async () => {
    managedStorage(base);
    vi.stubGlobal('fetch', async () =>
      json(200, { version: 2, signed: null, bundle: { policy: { version: 2 } } }),
    );
    expect(await checkForPolicyUpdate({ force: true })).toBe('rejected');
    const status = await readPolicyStatus();
    expect(status.lastRejection).toMatchObject({ check: 'signature' });
    expect(status.signed).toBeUndefined();
    forgetActivePolicy();
    expect(await policyHeld()).toBe(true);
  });
});

describe('the managed-settings event the hub reads (fakeBrowser)', () => {
  const events = async () =>
    (await database().events.toArray()).filter((event) => event.type === 'managed-settings');
  const storage = (raw: Record<string, unknown>): void => {
    vi.spyOn(browser.storage.managed, 'get').mockImplementation((async () => raw) as never);
  };

  beforeEach(async () => {
    fakeBrowser.reset();
    vi.restoreAllMocks();
    forgetManagedSettings();
    forgetActivePolicy();
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const db = database();
    await db.events.clear();
    await db.outbox.clear();
    await db.meta.clear();
  });

  it('summarises codes and counts only, never a value', () => {
    const summary = managedSummary(
      {
        inForce: 'last-good',
        problems: ['hubToken: expected string'],
        checkedAt: '2026-12-01T15:00:00.000Z',
        masked: { hubToken: '•••' },
        notices: [{ kind: 'signing-implied' }],
      },
      true,
    );
    expect(summary).toEqual({
      inForce: 'last-good',
      signedPolicyRequired: 'true',
      problems: '1',
      notices: '[{"kind":"signing-implied"}]',
    });
  });

  it('logs the state once, again only when it changes, and nothing for a browser never managed', async () => {
    storage({});
    await liveManagedSettings();
    await reportManagedStatus();
    expect(await events()).toHaveLength(0);

    forgetManagedSettings();
    storage(base);
    await liveManagedSettings();
    await reportManagedStatus();
    forgetManagedSettings();
    await liveManagedSettings();
    await reportManagedStatus();
    const logged = await events();
    expect(logged).toHaveLength(1);
    expect(LogEventSchema.parse(logged[0])).toMatchObject({
      type: 'managed-settings',
      evidence: { inForce: 'live', signedPolicyRequired: 'true', notices: '[{"kind":"signing-implied"}]' },
    });
    expect(JSON.stringify(logged)).not.toContain(TOKEN);

    forgetManagedSettings();
    storage({ ...base, requireSignedPolicy: false });
    await liveManagedSettings();
    await reportManagedStatus();
    expect((await events()).at(-1)?.evidence).toMatchObject({
      signedPolicyRequired: 'false',
      notices: '[{"kind":"signing-off"}]',
    });
    expect(await events()).toHaveLength(2);
  });
});
