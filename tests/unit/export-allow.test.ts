// The one-shot allow rules' life: added for one allowed export, gone at first use, after their seconds, when
// their tab closes, and after a worker that stopped before removing them (alarm and start-up).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { runAfter } from '../../src/background/tasks';
import type { ExportOpening } from '../../src/enforce/export-rules';
import type { SisAdapter } from '../../src/policy/adapter';
import { realBundle } from './support';

type Rule = Browser.declarativeNetRequest.Rule;
type RequestListener = (details: { url: string; method: string; tabId: number }) => unknown;

const adapter = realBundle.adapters.find((one) => one.id === 'demo-sis') as SisAdapter;
const SIS = 'http://127.0.0.1:4100';
const TAB = 3;
const opening: ExportOpening = {
  tabId: TAB,
  requests: [{ url: `${SIS}/export/quick`, method: 'post' }],
  endpoints: [],
  localDownload: false,
  downloadUrls: [],
  seconds: 10,
};

let sessionRules: Rule[];
let listeners: Set<RequestListener>;

/** fakeBrowser has no declarativeNetRequest or webRequest: a small stand-in that keeps session rules. */
function installNetworkFakes(): void {
  sessionRules = [];
  listeners = new Set();
  const dnr = fakeBrowser.declarativeNetRequest as unknown as Record<string, unknown>;
  dnr.updateSessionRules = async (options: { addRules?: Rule[]; removeRuleIds?: number[] }) => {
    const removed = new Set(options.removeRuleIds ?? []);
    sessionRules = [...sessionRules.filter((rule) => !removed.has(rule.id)), ...(options.addRules ?? [])];
  };
  dnr.getSessionRules = async () => [...sessionRules];
  const onBeforeRequest = fakeBrowser.webRequest.onBeforeRequest as unknown as Record<string, unknown>;
  onBeforeRequest.addListener = (listener: RequestListener) => listeners.add(listener);
  onBeforeRequest.removeListener = (listener: RequestListener) => listeners.delete(listener);
}

const fire = (details: { url: string; method: string; tabId: number }): void => {
  for (const listener of [...listeners]) listener(details);
};

/** The module as a newly started worker has it: nothing in memory. */
const freshModule = async () => {
  vi.resetModules();
  return import('../../src/enforce/export-allow');
};

const settle = () => new Promise((resolve) => setImmediate(resolve));

beforeEach(() => {
  fakeBrowser.reset();
  installNetworkFakes();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('openExportOnce', () => {
  it('adds one allow rule, stores its expiry and sets the alarm backup', async () => {
    const { openExportOnce, EXPORT_ALLOW_ALARM } = await freshModule();
    await openExportOnce(adapter, opening, SIS, { later: runAfter, now: 1_000_000 });
    expect(sessionRules).toHaveLength(1);
    expect(sessionRules[0]?.condition).toMatchObject({ urlFilter: `|${SIS}/export/quick|`, tabIds: [TAB] });
    const stored = await fakeBrowser.storage.session.get('export.allow.expiry');
    expect(stored['export.allow.expiry']).toEqual({ [String(sessionRules[0]?.id)]: 1_010_000 });
    const alarm = await fakeBrowser.alarms.get(EXPORT_ALLOW_ALARM);
    expect(alarm?.scheduledTime).toBe(1_010_000);
    expect(listeners.size).toBe(1);
  });

  it('the rule goes at its first use; requests in other tabs, to other URLs or by another method do not use it', async () => {
    const { openExportOnce } = await freshModule();
    await openExportOnce(adapter, opening, SIS, { later: runAfter });
    fire({ url: `${SIS}/export/quick`, method: 'POST', tabId: TAB + 1 });
    fire({ url: `${SIS}/export/roster.csv`, method: 'GET', tabId: TAB });
    fire({ url: `${SIS}/export/quick`, method: 'GET', tabId: TAB });
    await settle();
    expect(sessionRules).toHaveLength(1);
    fire({ url: `${SIS}/export/quick`, method: 'POST', tabId: TAB });
    await settle();
    expect(sessionRules).toEqual([]);
    expect((await fakeBrowser.storage.session.get('export.allow.expiry'))['export.allow.expiry']).toEqual({});
    // Nothing left to watch: the listener is gone, so other pages' requests cost nothing.
    expect(listeners.size).toBe(0);
  });

  it('an unused rule goes after its seconds', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const { openExportOnce } = await freshModule();
    await openExportOnce(adapter, opening, SIS, { later: runAfter });
    await vi.advanceTimersByTimeAsync(9_000);
    expect(sessionRules).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_500);
    expect(sessionRules).toEqual([]);
  });

  it('the expiry timer goes through the task registry: asked for the export seconds, a failed removal logged by name', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const asked: Array<[string, number]> = [];
    const later = (name: string, ms: number, task: () => Promise<unknown>) => {
      asked.push([name, ms]);
      runAfter(name, ms, task);
    };
    const { openExportOnce, EXPORT_ALLOW_ALARM } = await freshModule();
    await openExportOnce(adapter, opening, SIS, { later });
    // Shorter than an alarm can be (Chrome: 30 s at least), so a timer; the alarm is set as well.
    expect(asked).toEqual([['export allow-rule expiry', 10_000]]);
    expect(await fakeBrowser.alarms.get(EXPORT_ALLOW_ALARM)).toBeDefined();
    const dnr = fakeBrowser.declarativeNetRequest as unknown as Record<string, unknown>;
    dnr.updateSessionRules = async () => {
      throw new Error('rules unavailable');
    };
    await vi.advanceTimersByTimeAsync(10_500);
    expect(error).toHaveBeenCalledWith('Record Guard: export allow-rule expiry failed', 'rules unavailable');
    error.mockRestore();
  });

  it("a closed tab's rules go with it, and only its rules", async () => {
    const { openExportOnce, removeTabAllowRules } = await freshModule();
    await openExportOnce(adapter, opening, SIS, { later: runAfter });
    await openExportOnce(adapter, { ...opening, tabId: TAB + 1 }, SIS, { later: runAfter });
    await removeTabAllowRules(TAB);
    expect(sessionRules.map((rule) => rule.condition.tabIds)).toEqual([[TAB + 1]]);
  });
});

describe('a worker that stopped before removing its rules', () => {
  it('the alarm removes rules whose time is up and rules nobody recorded, and keeps the others', async () => {
    const first = await freshModule();
    await first.openExportOnce(adapter, opening, SIS, { later: runAfter, now: 1_000_000 });
    await first.openExportOnce(adapter, { ...opening, seconds: 60 }, SIS, {
      later: runAfter,
      now: 1_000_000,
    });
    // A rule in the range that no expiry names (left by an older build, say), and one of the record rules.
    sessionRules.push(
      { id: 59_000, priority: 10, action: { type: 'allow' }, condition: { urlFilter: '/x' } } as Rule,
      { id: 100_001, priority: 2, action: { type: 'block' }, condition: { urlFilter: '/y' } } as Rule,
    );
    const restarted = await freshModule();
    await restarted.removeExpiredAllowRules(1_020_000);
    // A fresh worker numbers from 50,000: the 10-second rule was 50,000, the minute-long one 50,001.
    expect(sessionRules.map((rule) => rule.id)).toEqual([50_001, 100_001]);
    // The next alarm is set for the rule still open.
    expect((await fakeBrowser.alarms.get(restarted.EXPORT_ALLOW_ALARM))?.scheduledTime).toBe(1_060_000);
  });

  it('start-up removes every allow rule in its range and none of the record rules', async () => {
    const { openExportOnce } = await freshModule();
    await openExportOnce(adapter, opening, SIS, { later: runAfter });
    sessionRules.push({
      id: 100_000,
      priority: 3,
      action: { type: 'block' },
      condition: { urlFilter: '/y' },
    } as Rule);
    vi.resetModules();
    const { clearStaleAllowRules } = await import('../../src/enforce/export-rules');
    await clearStaleAllowRules();
    expect(sessionRules.map((rule) => rule.id)).toEqual([100_000]);
  });
});
