// applyRecordRules in the worker: rules Chromium's regex engine refuses (isRegexSupported: memoryLimitExceeded)
// are left out one by one, student groups are halved first, and no student id reaches the error (a log line).
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { applyRecordRules, ownedOrigin, RuleLimitError } from '../../src/enforce/record-rules';
import { realBundle } from './support';

type Rule = Browser.declarativeNetRequest.Rule;
const ORIGIN = 'http://127.0.0.1:4100';
const GATE_TARGET = 'chrome-extension://abc/gate.html#blocked=0123456789abcdef0123456789abcdef:';

let sessionRules: Rule[];
/** A stand-in for RE2's memory limit: patterns this function refuses are "too big". */
let refuses: (regex: string) => boolean;

beforeEach(() => {
  fakeBrowser.reset();
  sessionRules = [];
  refuses = () => false;
  const dnr = fakeBrowser.declarativeNetRequest as unknown as Record<string, unknown>;
  dnr.updateSessionRules = async (options: { addRules?: Rule[]; removeRuleIds?: number[] }) => {
    const removed = new Set(options.removeRuleIds ?? []);
    sessionRules = [...sessionRules.filter((rule) => !removed.has(rule.id)), ...(options.addRules ?? [])];
  };
  dnr.getSessionRules = async () => [...sessionRules];
  dnr.getDynamicRules = async () => [];
  dnr.MAX_NUMBER_OF_REGEX_RULES = 1000;
  dnr.MAX_NUMBER_OF_SESSION_RULES = 5000;
  dnr.isRegexSupported = async ({ regex }: { regex: string }) =>
    refuses(regex) ? { isSupported: false, reason: 'memoryLimitExceeded' } : { isSupported: true };
});

const input = (students: string[]) => ({
  guarded: [ownedOrigin(realBundle.adapters, ORIGIN, 'officer.diaz')],
  viewable: {
    'officer.diaz': Object.fromEntries(students.map((id) => [id, { demographics: null, health: null }])),
  },
  gateTarget: GATE_TARGET,
  nowMs: Date.parse('2026-12-01T12:00:00Z'),
});

const regexes = (): string[] => sessionRules.map((rule) => rule.condition.regexFilter ?? '');

describe('applyRecordRules with rules the browser refuses', () => {
  it('halves student groups until they fit, and applies them all', async () => {
    // More than two students in one pattern is "too big".
    refuses = (regex) => (regex.match(/10000\d/g) ?? []).length > 2;
    await applyRecordRules(input(['100000', '100001', '100002', '100003', '100004']));
    for (const id of ['100000', '100001', '100002', '100003', '100004'])
      expect(regexes().some((regex) => regex.includes(id))).toBe(true);
  });

  it("leaves out a student's allow refused even alone, keeps the rest, and names no student in the error", async () => {
    refuses = (regex) => regex.includes('100003');
    const error = await applyRecordRules(input(['100000', '100003'])).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RuleLimitError);
    expect(String((error as Error).message)).toContain('a student allow (ids withheld)');
    expect(String((error as Error).message)).not.toContain('100003');
    expect(regexes().some((regex) => regex.includes('100003'))).toBe(false);
    expect(regexes().some((regex) => regex.includes('100000'))).toBe(true);
    // The open pages and the catch-alls are all there.
    expect(regexes().some((regex) => regex.includes('/admin/home'))).toBe(true);
    expect(sessionRules.some((rule) => rule.action.type === 'redirect')).toBe(true);
  });

  it('leaves out a refused open path alone and says which', async () => {
    refuses = (regex) => regex.includes('/static/');
    const error = await applyRecordRules(input(['100000'])).catch((caught: unknown) => caught);
    expect(String((error as Error).message)).toContain('/static/');
    expect(regexes().some((regex) => regex.includes('/static/'))).toBe(false);
    expect(regexes().some((regex) => regex.includes('/admin/home'))).toBe(true);
    expect(regexes().some((regex) => regex.includes('100000'))).toBe(true);
  });

  it('a refused block or redirect leaves only the catch-alls: nothing opens', async () => {
    refuses = (regex) => regex.includes('[?&]frn=[^#]*&frn=');
    const error = await applyRecordRules(input(['100000'])).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RuleLimitError);
    expect(String((error as Error).message)).toContain('cannot run the rule');
    expect(sessionRules.every((rule) => rule.action.type !== 'allow')).toBe(true);
    expect(sessionRules.length).toBeGreaterThan(0);
  });
});
