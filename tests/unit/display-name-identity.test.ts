// A page that shows only a display name ("Welcome, Officer M. Diaz"), through the background code in WXT's
// fakeBrowser: the page service resolves it to the roster's login, and everything after (the host's
// identity, the gate, the grant, the request, the log) carries that login and never the display name.
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { handleEvaluate, handleHello, handleIdentity } from '../../src/background/page-service';
import { gateContext, openGate, submitGate } from '../../src/background/gate-service';
import {
  identityForOrigin,
  identityForTab,
  knownNonSro,
  resetIdentitiesForTest,
  signedOut,
} from '../../src/background/identities';
import { publishGuardPlan } from '../../src/background/guard-plan';
import { PageEvaluateSchema, PageIdentitySchema, type PageEvaluate } from '../../src/contracts/page-guard';
import { database } from '../../src/store/db';

const ORIGIN = 'http://127.0.0.1:4100';
const RECORD = `${ORIGIN}/admin/students/grades.html?frn=001100000`;
const DIAZ_NAME = 'Officer   M. Diaz';
const sender = { tabId: 7, frameId: 0, origin: ORIGIN };
const effects = { identityChanged: async () => undefined };
const gateEffects = { accessChanged: async () => undefined, syncSoon: async () => undefined };

const evaluate = (identity: PageEvaluate['identity'], complete = true): PageEvaluate => ({
  channel: 'page.evaluate',
  url: RECORD,
  identity,
  studentId: '100000',
  categories: complete ? ['grades'] : [],
  fields: [],
  complete,
});

/** The gate id the page's "Continue" opened (the gate tab's URL carries it). */
async function openedGateId(category: 'grades' | 'discipline' = 'grades'): Promise<string> {
  const before = new Set((await browser.tabs.query({})).map((tab) => tab.id));
  await openGate(
    {
      channel: 'gate.open',
      url: RECORD,
      action: 'view',
      studentId: '100000',
      categories: [category],
      fields: [],
    },
    sender,
  );
  const tab = (await browser.tabs.query({})).find((one) => !before.has(one.id));
  const id = /#(.+)$/.exec(tab?.url ?? '')?.[1];
  if (!id) throw new Error('no gate tab opened');
  return id;
}

/** Everything the extension stored: the database's tables and storage.session, as one text. */
async function everythingStored(): Promise<string> {
  const db = database();
  const tables = await Promise.all(db.tables.map((table) => table.toArray()));
  const session = await browser.storage.session.get(null);
  return JSON.stringify({ tables, session });
}

describe('a page that shows only a display name', () => {
  beforeEach(async () => {
    fakeBrowser.reset();
    (fakeBrowser.i18n as unknown as { getUILanguage: () => string }).getUILanguage = () => 'en-US';
    resetIdentitiesForTest();
    const db = database();
    await Promise.all(db.tables.map((table) => table.clear()));
    await browser.tabs.create({ url: RECORD });
  });

  it('the contract carries a display name in its own field, bounded', () => {
    const message = evaluate({ displayName: DIAZ_NAME, conflicting: false });
    expect(PageEvaluateSchema.parse(message).identity).toEqual({
      displayName: DIAZ_NAME,
      conflicting: false,
    });
    const long = PageEvaluateSchema.safeParse(evaluate({ displayName: 'x'.repeat(201), conflicting: false }));
    expect(long.success).toBe(false);
    expect(long.error?.issues[0]?.path).toEqual(['identity', 'displayName']);
    expect(
      PageIdentitySchema.safeParse({
        channel: 'page.identity',
        url: RECORD,
        signIn: false,
        identity: { displayName: '', conflicting: false },
      }).success,
    ).toBe(false);
  });

  it("an SRO's display name guards the page and the host under the SRO's roster login", async () => {
    const verdict = await handleEvaluate(
      evaluate({ displayName: DIAZ_NAME, conflicting: false }),
      sender,
      effects,
    );
    expect(verdict).toMatchObject({ guarded: true, show: false, outcome: 'justify' });
    expect(identityForOrigin(ORIGIN)).toEqual({
      username: 'officer.diaz',
      role: 'sro',
      adapterId: 'demo-sis',
    });
    expect(identityForTab(sender.tabId)?.username).toBe('officer.diaz');
    // The decision in the log names the SRO by login.
    // Logged without holding up the verdict: wait for the write.
    await expect.poll(() => database().events.count()).toBeGreaterThan(0);
    const events = await database().events.toArray();
    expect(JSON.stringify(events)).toContain('"username":"officer.diaz"');
    expect(await everythingStored()).not.toMatch(/M\. Diaz/);
  });

  it('the gate, its emergency grant and the request filed from it are the roster login', async () => {
    await handleEvaluate(evaluate({ displayName: DIAZ_NAME, conflicting: false }), sender, effects);
    const gateId = await openedGateId();
    const context = await gateContext(gateId);
    expect(context).toMatchObject({ identityUnknown: false });
    const granted = await submitGate(
      {
        channel: 'gate.submit',
        gateId,
        basis: 'health-safety-emergency',
        evidence: {
          threat: 'A student told the counselor at 10:15 that a classmate has a handgun in his locker.',
          'incident-number': 'NPD-2026-1142',
        },
        justification:
          'A student told the front office that a classmate has a knife in his backpack; I need his schedule to find him now.',
        attested: true,
      },
      gateEffects,
    );
    expect(granted).toMatchObject({ ok: true, kind: 'grant' });
    expect((await database().grants.toArray()).map((grant) => grant.username)).toEqual(['officer.diaz']);
    // The grant opens the next page that shows the same display name.
    const shown = await handleEvaluate(
      evaluate({ displayName: 'officer m. diaz', conflicting: false }),
      sender,
      effects,
    );
    expect(shown).toMatchObject({ guarded: true, show: true });

    // A subpoena for another section files a request for a records clerk, under the same login.
    const requestGate = await openedGateId('discipline');
    const filed = await submitGate(
      {
        channel: 'gate.submit',
        gateId: requestGate,
        basis: 'judicial-order',
        evidence: {
          'case-number': 'JV-2026-0456',
          'issuing-court': 'Stanislaus County Superior Court, Juvenile Division',
          'order-date': '2026-11-20',
        },
        justification:
          'Subpoena duces tecum served on the district for discipline records of this student in case JV-2026-0456.',
        attested: true,
      },
      gateEffects,
    );
    expect(filed, JSON.stringify(filed)).toMatchObject({ ok: true, kind: 'request' });
    expect((await database().requests.toArray()).map((request) => request.username)).toEqual([
      'officer.diaz',
    ]);
    // Every event the hub will receive (the outbox lists them) names the SRO by login.
    const sent = new Set((await database().outbox.toArray()).map((entry) => entry.id));
    const events = (await database().events.toArray()).filter((event) => sent.has(event.id));
    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(new Set(events.map((event) => JSON.stringify(event.actor)))).toEqual(
      new Set([JSON.stringify({ username: 'officer.diaz', role: 'sro' })]),
    );
    expect(await everythingStored()).not.toMatch(/M\. Diaz/);
  });

  it("a teacher's display name leaves the page alone and is known by the teacher's login", async () => {
    const verdict = await handleEvaluate(
      evaluate({ displayName: 'J. Park', conflicting: false }, false),
      sender,
      effects,
    );
    expect(verdict).toMatchObject({ guarded: false, show: true });
    expect(identityForOrigin(ORIGIN)).toEqual({
      username: 'teacher.park',
      role: 'teacher',
      adapterId: 'demo-sis',
    });
    expect(knownNonSro(ORIGIN)).toEqual(['teacher.park']);
    expect(await database().events.count()).toBe(0);
    // The next page's content script may release the teacher at once, by login or by the roster's name for
    // them (compared as displayNameKey), without another round trip.
    expect(await handleHello({ channel: 'page.hello', url: RECORD }, sender)).toMatchObject({
      guard: 'check',
      knownNonSro: ['teacher.park'],
      knownNonSroNames: ['j. park'],
    });
  });

  it("the SIS's sign-in or sign-out page withdraws the origin's known non-SROs, logins and names", async () => {
    await handleEvaluate(evaluate({ displayName: 'J. Park', conflicting: false }, false), sender, effects);
    expect(knownNonSro(ORIGIN)).toEqual(['teacher.park']);
    expect(await signedOut(ORIGIN, sender.tabId)).toBe(true);
    expect(knownNonSro(ORIGIN)).toEqual([]);
    expect(await handleHello({ channel: 'page.hello', url: RECORD }, sender)).toMatchObject({
      knownNonSro: [],
      knownNonSroNames: [],
    });
    await publishGuardPlan();
    const plan = (await browser.storage.session.get('guard.plan'))['guard.plan'] as
      { nonSro: Record<string, string[]>; nonSroNames?: Record<string, string[]> } | undefined;
    expect(plan?.nonSro[ORIGIN]).toBeUndefined();
    expect(plan?.nonSroNames?.[ORIGIN]).toBeUndefined();
  });

  it('no display name and no login releases a page at once on an origin where an SRO was seen', async () => {
    await handleEvaluate(evaluate({ displayName: 'J. Park', conflicting: false }, false), sender, effects);
    await publishGuardPlan();
    const planned = async () =>
      (await browser.storage.session.get('guard.plan'))['guard.plan'] as
        { nonSro: Record<string, string[]>; nonSroNames?: Record<string, string[]> } | undefined;
    expect((await planned())?.nonSroNames?.[ORIGIN]).toEqual(['j. park']);
    // Then an SRO signs in on the origin without passing the SIS's sign-out page.
    await handleEvaluate(evaluate({ username: 'officer.diaz', conflicting: false }, false), sender, effects);
    expect(identityForOrigin(ORIGIN)?.role).toBe('sro');
    // Neither the teacher's name (which the SRO's header could also show) nor the teacher's login releases a page
    // there unasked: the host stays guarded until its sign-in or sign-out page, and only the background decides.
    expect(knownNonSro(ORIGIN)).toEqual(['teacher.park']);
    expect(await handleHello({ channel: 'page.hello', url: RECORD }, sender)).toMatchObject({
      knownNonSro: [],
      knownNonSroNames: [],
    });
    await publishGuardPlan();
    expect((await planned())?.nonSro[ORIGIN]).toEqual([]);
    expect((await planned())?.nonSroNames?.[ORIGIN]).toEqual([]);
  });

  it('a display name nobody on the roster has falls to unidentifiedUser and names nobody', async () => {
    const verdict = await handleEvaluate(
      evaluate({ displayName: 'Pat Nobody', conflicting: false }),
      sender,
      effects,
    );
    // The district's policy guards pages with nobody identified: covered, with nobody to grant anything to.
    expect(verdict).toMatchObject({ guarded: true, show: false, outcome: 'block' });
    expect(identityForOrigin(ORIGIN)).toBeUndefined();
    expect(await everythingStored()).not.toMatch(/Pat Nobody/);
  });

  it('an open page that shows a display name records the roster login for the host', async () => {
    const home = `${ORIGIN}/shell/Default.aspx`;
    await handleIdentity(
      {
        channel: 'page.identity',
        url: home,
        signIn: false,
        identity: { displayName: 'OFFICER M. DIAZ', conflicting: false },
      },
      sender,
      effects,
    );
    expect(identityForOrigin(ORIGIN)).toEqual({
      username: 'officer.diaz',
      role: 'sro',
      adapterId: 'demo-shapes',
    });
  });
});
