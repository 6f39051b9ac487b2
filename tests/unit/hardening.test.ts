// The hardening assessment (pure) and its glue in WXT's fakeBrowser: what the browser shows becomes findings in
// plain words, and a change, not every start, becomes a 'browser-hardening' event in the log.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import {
  assessHardening,
  hardeningSummary,
  keepAttempts,
  sameSummary,
  viewSourceShown,
  type HardeningSignals,
  type SchemeAttempt,
} from '../../src/decide/hardening';
import { checkHardening } from '../../src/background/hardening';
import { forgetManagedSettings } from '../../src/background/managed';
import { probeIncognito, watchViewerTabs } from '../../src/enforce/hardening';
import { database } from '../../src/store/db';
import { LogEventSchema } from '../../src/report/event-contract';

const HARDENED: HardeningSignals = {
  installType: 'admin',
  incognitoAccess: false,
  incognito: 'disabled',
  attempts: [],
};
const attempt = (time: string, shown: boolean): SchemeAttempt => ({
  scheme: 'view-source',
  host: 'sis.district.example',
  time,
  shown,
});
const codes = (signals: HardeningSignals) =>
  assessHardening(signals).findings.map((finding) => `${finding.code}:${finding.ok}`);

describe('assessHardening', () => {
  it('a force-installed Record Guard with incognito off is hardened', () => {
    const assessment = assessHardening(HARDENED);
    expect(assessment.state).toBe('hardened');
    expect(codes(HARDENED)).toEqual(['force-installed:true', 'incognito-disabled:true']);
    // What no extension can see is listed, not claimed.
    expect(assessment.notCheckable.map((item) => item.en).join(' ')).toMatch(/javascript:.*Developer tools/s);
  });

  it.each([
    ['development', /unpacked, in developer mode/],
    ['normal', /by the user/],
    ['sideload', /another program/],
    ['other', /unknown way/],
  ] as const)('installed as %s: unhardened, in plain words', (installType, how) => {
    const assessment = assessHardening({ ...HARDENED, installType });
    expect(assessment.state).toBe('unhardened');
    const finding = assessment.findings[0];
    expect(finding).toMatchObject({ code: 'not-force-installed', ok: false });
    expect(finding?.message.en).toMatch(how);
    expect(finding?.message.en).toMatch(/turn it off or remove it/);
    expect(finding?.message.es).toMatch(/desactivarlo o quitarlo/);
  });

  it('an install type the browser did not give is not taken as force-installed', () => {
    expect(assessHardening({ ...HARDENED, installType: undefined }).state).toBe('unhardened');
  });

  it('incognito: off, or guarded by Record Guard, passes; available or unknown without Record Guard does not', () => {
    expect(codes({ ...HARDENED, incognito: 'available', incognitoAccess: true })).toContain(
      'incognito-guarded:true',
    );
    const open = assessHardening({ ...HARDENED, incognito: 'available' });
    expect(open.state).toBe('unhardened');
    expect(open.findings[1]?.message.en).toMatch(/can be opened.*not guarded/);
    const unknown = assessHardening({ ...HARDENED, incognito: 'unknown' });
    expect(unknown.state).toBe('unhardened');
    expect(unknown.findings[1]?.message.en).toMatch(/could not tell/);
  });

  it('the latest view-source: attempt decides, and names only the host', () => {
    const shownThenRefused = [attempt('2026-12-01T09:00:00Z', true), attempt('2026-12-01T10:00:00Z', false)];
    expect(codes({ ...HARDENED, attempts: shownThenRefused })).toContain('view-source-refused:true');
    expect(assessHardening({ ...HARDENED, attempts: shownThenRefused }).state).toBe('hardened');
    const refusedThenShown = [attempt('2026-12-01T09:00:00Z', false), attempt('2026-12-01T10:00:00Z', true)];
    const shown = assessHardening({ ...HARDENED, attempts: refusedThenShown });
    expect(shown.state).toBe('unhardened');
    expect(shown.findings[2]).toMatchObject({ code: 'view-source-shown', ok: false });
    expect(shown.findings[2]?.message.en).toContain('sis.district.example');
  });

  it('summaries compare state and codes only, so an unchanged browser is "the same"', () => {
    const a = hardeningSummary(assessHardening(HARDENED));
    expect(a).toEqual({ state: 'hardened', 'force-installed': 'ok', 'incognito-disabled': 'ok' });
    expect(sameSummary(a, hardeningSummary(assessHardening({ ...HARDENED })))).toBe(true);
    expect(sameSummary(a, hardeningSummary(assessHardening({ ...HARDENED, incognito: 'available' })))).toBe(
      false,
    );
    expect(sameSummary(undefined, a)).toBe(false);
    expect(sameSummary({ ...a, extra: 'ok' }, a)).toBe(false);
  });

  it('keeps the newest attempts, oldest first', () => {
    let kept: SchemeAttempt[] = [];
    for (let minute = 10; minute < 40; minute += 1) {
      kept = keepAttempts(kept, attempt(`2026-12-01T10:${minute}:00Z`, minute % 2 === 0));
    }
    expect(kept).toHaveLength(20);
    expect(kept[0]?.time).toBe('2026-12-01T10:20:00Z');
    expect(kept.at(-1)?.time).toBe('2026-12-01T10:39:00Z');
  });

  it("tells Chromium's refused view-source: tab (titled with the bare host) from a shown one", () => {
    expect(viewSourceShown('127.0.0.1', '127.0.0.1:44073')).toBe(false);
    expect(viewSourceShown('sis.district.example', 'sis.district.example')).toBe(false);
    expect(viewSourceShown('view-source:127.0.0.1:44073', '127.0.0.1:44073')).toBe(true);
    expect(viewSourceShown('Student record', '127.0.0.1:44073')).toBe(true);
    expect(viewSourceShown(undefined, '127.0.0.1')).toBe(true);
  });
});

describe('reading and logging the hardening (fakeBrowser)', () => {
  beforeEach(async () => {
    fakeBrowser.reset();
    vi.restoreAllMocks();
    // The worker keeps the managed settings it read; each test starts as a fresh worker.
    forgetManagedSettings();
    const db = database();
    await db.events.clear();
    await db.outbox.clear();
    await db.meta.clear();
  });

  const browserSays = (installType: 'admin' | 'development', incognitoError: string) => {
    vi.spyOn(browser.management, 'getSelf').mockResolvedValue({ installType } as never);
    vi.spyOn(browser.extension, 'isAllowedIncognitoAccess').mockResolvedValue(false as never);
    vi.spyOn(browser.windows, 'create').mockRejectedValue(new Error(incognitoError));
  };
  const hardeningEvents = async () =>
    (await database().events.toArray()).filter((event) => event.type === 'browser-hardening');

  it('reads the incognito probe: disabled, available (a page refused), or unknown', async () => {
    vi.spyOn(browser.windows, 'create').mockRejectedValueOnce(new Error('Incognito mode is disabled.'));
    expect(await probeIncognito()).toBe('disabled');
    vi.spyOn(browser.windows, 'create').mockRejectedValueOnce(
      new Error('Cannot open URL "chrome://settings/" in an incognito window.'),
    );
    expect(await probeIncognito()).toBe('available');
    vi.spyOn(browser.windows, 'create').mockRejectedValueOnce(new Error('Illegal URL'));
    expect(await probeIncognito()).toBe('unknown');
  });

  it('an SRO browser logs its hardening once, and again only when it changes', async () => {
    await browser.storage.local.set({ 'managed.lastKnown': { role: 'sro' } });
    vi.spyOn(browser.storage.managed, 'get').mockResolvedValue({ role: 'sro' } as never);
    browserSays('development', 'Cannot open URL "chrome://settings/" in an incognito window.');
    expect((await checkHardening()).state).toBe('unhardened');
    await checkHardening();
    await checkHardening();
    let events = await hardeningEvents();
    expect(events).toHaveLength(1);
    expect(LogEventSchema.parse(events[0])).toMatchObject({
      type: 'browser-hardening',
      actor: { role: 'sro' },
      evidence: { state: 'unhardened', 'not-force-installed': 'finding', 'incognito-open': 'finding' },
    });

    browserSays('admin', 'Incognito mode is disabled.');
    expect((await checkHardening()).state).toBe('hardened');
    await checkHardening();
    events = await hardeningEvents();
    expect(events.map((event) => event.evidence?.state)).toEqual(['unhardened', 'hardened']);
    // Both are waiting in the outbox for the hub.
    expect(await database().outbox.count()).toBeGreaterThanOrEqual(2);
  });

  it("a browser that is not an SRO's shows its hardening but logs nothing", async () => {
    browserSays('development', 'Cannot open URL "chrome://settings/" in an incognito window.');
    expect((await checkHardening()).state).toBe('unhardened');
    expect(await hardeningEvents()).toHaveLength(0);
  });

  it('records a view-source: tab of a SIS page, shown or refused, and nothing for other hosts', async () => {
    const listeners: ((
      id: number,
      change: { status?: string },
      tab: { url?: string; title?: string },
    ) => void)[] = [];
    vi.spyOn(browser.tabs.onUpdated, 'addListener').mockImplementation((listener) => {
      listeners.push(listener as never);
    });
    let attempts = 0;
    const done = new Promise<void>((resolve) => {
      watchViewerTabs(
        async (url) => new URL(url).hostname === 'sis.district.example',
        () => {
          attempts += 1;
          if (attempts === 2) resolve();
        },
      );
    });
    const fire = (url: string, title: string) =>
      listeners.forEach((listener) => listener(1, { status: 'complete' }, { url, title }));
    fire('view-source:https://other.example/x', 'view-source:other.example/x');
    fire(
      'view-source:https://sis.district.example/admin/students/home.html?frn=001100000',
      'sis.district.example',
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    fire(
      'view-source:https://sis.district.example/admin/students/home.html',
      'view-source:sis.district.example/…',
    );
    await done;
    const stored = (await browser.storage.local.get('hardening.attempts'))[
      'hardening.attempts'
    ] as SchemeAttempt[];
    expect(stored.map(({ host, shown }) => ({ host, shown }))).toEqual([
      { host: 'sis.district.example', shown: false },
      { host: 'sis.district.example', shown: true },
    ]);
    // No path or query (they name a student) is kept.
    expect(JSON.stringify(stored)).not.toContain('frn=');
  });
});
