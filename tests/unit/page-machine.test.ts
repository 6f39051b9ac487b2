// The page guard's state machine (src/guard/page-machine.ts), in Node: every transition, every fail-closed path.
import { describe, expect, it } from 'vitest';
import {
  initialState,
  MAX_RETRIES,
  RETRY_MS,
  step,
  type GuardEffect,
  type GuardEvent,
  type GuardState,
  type Reading,
} from '../../src/guard/page-machine';
import type { PageHelloReply, PageVerdict } from '../../src/contracts/page-guard';
import type { SisAdapter } from '../../src/policy/adapter';
import { realBundle } from './support';

const adapter = realBundle.adapters[0] as SisAdapter;
const reply = (guard: PageHelloReply['guard'], extra: Partial<PageHelloReply> = {}): PageHelloReply => ({
  guard,
  adapter,
  knownNonSro: ['known.teacher'],
  sensitiveLabels: [],
  sensitiveCodes: [],
  language: 'en',
  ...extra,
});
const page: Reading = { href: 'http://sis/students/1', studentId: '100234', categories: 'demographics' };
const verdict = (extra: Partial<PageVerdict> = {}): PageVerdict => ({
  guarded: true,
  show: false,
  outcome: 'block',
  reason: { en: 'Blocked: no rule', es: 'Bloqueado' },
  citations: ['EC 49076'],
  redactFields: [],
  allowPrint: false,
  allowCopy: false,
  decisionId: 'd1',
  language: 'en',
  ...extra,
});

/** Runs events in order from the start; returns the final state and every effect, in order. */
function run(...events: GuardEvent[]): { state: GuardState; effects: GuardEffect[]; last: GuardEffect[] } {
  const start = initialState();
  let state = start.state;
  const all = [...start.effects];
  let last: GuardEffect[] = start.effects;
  for (const event of events) {
    const next = step(state, event);
    state = next.state;
    last = next.effects;
    all.push(...next.effects);
  }
  return { state, effects: all, last };
}
const types = (effects: GuardEffect[]) => effects.map((effect) => effect.type);
const hello = (guard: PageHelloReply['guard'] = 'check', extra?: Partial<PageHelloReply>): GuardEvent => ({
  type: 'hello',
  reply: reply(guard, extra),
  lateWaitMs: 300,
});
const answer = (
  id: number,
  complete: boolean,
  result: PageVerdict,
  now: Reading = page,
): Extract<GuardEvent, { type: 'verdict' }> => ({
  type: 'verdict',
  id,
  complete,
  result,
  asked: page,
  now,
  nowMs: Date.parse('2026-03-02T17:00:00Z'),
});
const teacher = { username: 'tlee', conflicting: false };
const sro = { username: 'officer.diaz', conflicting: false };

describe('start', () => {
  it('covers at once and asks how to treat the page', () => {
    expect(types(initialState().effects)).toEqual(['cover', 'hello']);
    expect(initialState().state.phase.kind).toBe('starting');
  });

  it('a page Record Guard does not look at, or one with no adapter, is released', () => {
    expect(run(hello('none')).state.phase.kind).toBe('stopped');
    expect(types(run(hello('none')).last)).toEqual(['stop']);
    expect(run(hello('check', { adapter: undefined })).state.phase.kind).toBe('stopped');
  });

  it('an open page and a sign-in page are never covered: they only report who is (not) signed in', () => {
    expect(run(hello('identity')).last).toEqual([
      { type: 'stop' },
      { type: 'report-identity', signIn: false },
    ]);
    expect(run(hello('sign-in')).last).toEqual([{ type: 'stop' }, { type: 'report-identity', signIn: true }]);
  });

  it('a guarded page is read for who is signed in, covered', () => {
    const { state, last } = run(hello());
    expect(state.phase.kind).toBe('reading');
    expect(types(last)).toEqual(['observe']);
  });
});

describe('hello fails closed', () => {
  it('a slow background shows "could not check"; its answer, when it comes, replaces the notice', () => {
    const slow = run({ type: 'hello-slow' });
    expect(slow.state.phase).toEqual({ kind: 'unavailable', final: false });
    expect(types(slow.last)).toEqual(['cover', 'notice']);
    const late = run({ type: 'hello-slow' }, hello());
    expect(types(late.last)).toEqual(['hide-notice', 'clear-timer', 'observe']);
    expect(late.state.phase.kind).toBe('reading');
  });

  it('a failed hello is asked again with growing waits, and ends covered after the last try', () => {
    const first = run({ type: 'hello-failed' });
    expect(first.last).toContainEqual({ type: 'timer', name: 'hello-retry', ms: RETRY_MS });
    expect(types(run({ type: 'hello-failed' }, { type: 'hello-retry' }).last)).toEqual(['hello']);
    const events: GuardEvent[] = Array.from({ length: MAX_RETRIES + 1 }, () => ({ type: 'hello-failed' }));
    const final = run(...events);
    expect(final.state.phase).toEqual({ kind: 'unavailable', final: true });
    expect(types(final.last)).toEqual(['cover', 'notice']);
  });

  it('events that need an adapter change nothing before hello', () => {
    expect(run({ type: 'identity', identity: teacher }).last).toEqual([]);
    expect(run({ type: 'parsed' }).state.parsed).toBe(true);
    expect(run({ type: 'parsed' }).last).toEqual([]);
  });
});

describe('identity', () => {
  it('a known non-SRO is released as soon as the name is read', () => {
    const { state, last } = run(hello(), {
      type: 'identity',
      identity: { username: 'Known.Teacher', conflicting: false },
    });
    expect(state.phase.kind).toBe('stopped');
    expect(types(last)).toEqual(['stop']);
  });

  it("a known non-SRO's display name (one no SRO shares) releases the page at once; any other name asks", () => {
    const names = { knownNonSroNames: ['j. park'] };
    const known = run(hello('check', names), {
      type: 'identity',
      identity: { displayName: 'J.   PARK', conflicting: false },
    });
    expect(known.state.phase.kind).toBe('stopped');
    expect(types(known.last)).toEqual(['stop']);
    for (const identity of [
      { displayName: 'Officer M. Diaz', conflicting: false },
      // A display name never matches a login the session knows, nor a login a known name.
      { displayName: 'known.teacher', conflicting: false },
      { username: 'j. park', conflicting: false },
      { displayName: 'J. Park', conflicting: true },
    ]) {
      const other = run(hello('check', names), { type: 'identity', identity });
      expect(other.state.phase.kind, JSON.stringify(identity)).not.toBe('stopped');
      expect(types(other.last)).toContain('evaluate');
    }
  });

  it('a known display name beside a role label, or where the adapter reads role labels, asks the background', () => {
    const names = { knownNonSroNames: ['j. park'] };
    // The header shows a known teacher's name, and the SIS's role label says SRO: not released.
    const labelled = run(hello('check', names), {
      type: 'identity',
      identity: { displayName: 'J. Park', roleLabel: 'School Resource Officer', conflicting: false },
    });
    expect(labelled.state.phase.kind).toBe('checking');
    expect(types(labelled.last)).toEqual(['evaluate']);
    // An adapter that reads role labels may have missed one: the name alone never releases its pages.
    const withLabels = realBundle.adapters.find((one) => one.roleLabel.length > 0);
    expect(withLabels).toBeDefined();
    const unlabelled = run(hello('check', { ...names, adapter: withLabels as SisAdapter }), {
      type: 'identity',
      identity: { displayName: 'J. Park', conflicting: false },
    });
    expect(unlabelled.state.phase.kind).toBe('checking');
    expect(types(unlabelled.last)).toEqual(['evaluate']);
  });

  it('a known login is released at once as before, role label or not, on any adapter', () => {
    const withLabels = realBundle.adapters.find((one) => one.roleLabel.length > 0) as SisAdapter;
    for (const extra of [{}, { adapter: withLabels }]) {
      for (const identity of [
        { username: 'known.teacher', conflicting: false },
        { username: 'known.teacher', roleLabel: 'Teacher', conflicting: false },
        { username: 'known.teacher', displayName: 'J. Park', roleLabel: 'Teacher', conflicting: false },
      ]) {
        const known = run(hello('check', extra), { type: 'identity', identity });
        expect(known.state.phase.kind, JSON.stringify(identity)).toBe('stopped');
        expect(types(known.last)).toEqual(['stop']);
      }
    }
  });

  it('an identity read before the page is parsed asks an identity-only verdict and a complete one at parse', () => {
    const early = run(hello(), { type: 'identity', identity: teacher });
    expect(early.last).toEqual([{ type: 'evaluate', id: 1, complete: false, tryPlan: false }]);
    expect(early.state.completeAsked).toBe(true);
    const parsed = run(hello(), { type: 'identity', identity: teacher }, { type: 'parsed' });
    expect(parsed.last).toEqual([{ type: 'evaluate', id: 2, complete: true, tryPlan: false }]);
  });

  it("a teacher's identity-only verdict releases the page", () => {
    const { state, last } = run(
      hello(),
      { type: 'identity', identity: teacher },
      answer(1, false, verdict({ guarded: false, show: true })),
    );
    expect(state.phase.kind).toBe('stopped');
    expect(types(last)).toEqual(['stop']);
  });

  it('a page parsed without a header waits the late-identity bound, then decides as nobody identified', () => {
    const waiting = run(hello(), { type: 'parsed' });
    expect(waiting.state.phase.kind).toBe('late-wait');
    expect(waiting.last).toEqual([{ type: 'timer', name: 'late', ms: 300 }]);
    const late = run(hello(), { type: 'parsed' }, { type: 'late-timeout' });
    expect(late.last).toEqual([{ type: 'evaluate', id: 1, complete: true, tryPlan: false }]);
    expect(late.state.identityAsked).toBe(true);
  });

  it('the adapter-declared wait is used', () => {
    const { last } = run({ type: 'hello', reply: reply('check'), lateWaitMs: 900 }, { type: 'parsed' });
    expect(last).toEqual([{ type: 'timer', name: 'late', ms: 900 }]);
  });

  it('a header filled in by script within the bound is decided at once, the wait cancelled', () => {
    const { last } = run(hello(), { type: 'parsed' }, { type: 'identity', identity: teacher });
    expect(last).toEqual([
      { type: 'clear-timer', name: 'late' },
      { type: 'evaluate', id: 1, complete: true, tryPlan: false },
    ]);
  });

  it('a header that arrives after the page was decided without one is decided again, covered', () => {
    const covered = run(
      hello(),
      { type: 'parsed' },
      { type: 'late-timeout' },
      answer(1, true, verdict({ outcome: 'block' })),
    );
    expect(covered.state.phase.kind).toBe('blocked');
    const after = step(covered.state, { type: 'identity', identity: teacher });
    expect(after.effects).toEqual([
      { type: 'cover' },
      { type: 'evaluate', id: 2, complete: true, tryPlan: false },
    ]);
    const released = step(after.state, answer(2, true, verdict({ guarded: false, show: true })));
    expect(released.state.phase.kind).toBe('stopped');
  });

  it('a second identity on the same page changes nothing (the first one asked)', () => {
    const first = run(hello(), { type: 'identity', identity: sro });
    expect(step(first.state, { type: 'identity', identity: teacher }).effects).toEqual([]);
  });

  it('the late timer after an identity does nothing', () => {
    const state = run(hello(), { type: 'parsed' }, { type: 'identity', identity: sro }).state;
    expect(step(state, { type: 'late-timeout' }).effects).toEqual([]);
  });
});

describe('an SRO', () => {
  const sroCovered = (...more: GuardEvent[]) =>
    run(hello(), { type: 'identity', identity: sro }, answer(1, false, verdict()), ...more);

  it('an identity-only guarded answer before parse installs the watch and waits for the page', () => {
    const { state, last } = sroCovered();
    expect(types(last)).toEqual(['watch-sro']);
    expect(state.completeAsked).toBe(true);
    expect(
      run(hello(), { type: 'identity', identity: sro }, answer(1, false, verdict()), { type: 'parsed' }).last,
    ).toEqual([{ type: 'evaluate', id: 2, complete: true, tryPlan: false }]);
  });

  it('an identity-only guarded answer after parse asks the complete verdict at once', () => {
    const { last } = run(
      hello(),
      { type: 'parsed' },
      { type: 'identity', identity: sro },
      answer(1, true, verdict()),
    );
    expect(types(last)).toContain('notice');
    const early = run(hello(), { type: 'identity', identity: sro });
    const parsedState = { ...early.state, parsed: true, completeAsked: false };
    expect(step(parsedState, answer(1, false, verdict())).effects).toEqual([
      { type: 'watch-sro' },
      { type: 'evaluate', id: 2, complete: true, tryPlan: false },
    ]);
  });

  it('a block keeps the page covered with the reason; a way forward only with a student and sections', () => {
    const { state, last } = sroCovered({ type: 'parsed' }, answer(2, true, verdict({ outcome: 'justify' })));
    expect(state.phase.kind).toBe('blocked');
    expect(last).toContainEqual({ type: 'cover' });
    const notice = last.find((effect) => effect.type === 'notice');
    expect(notice).toMatchObject({ notice: { kind: 'blocked', canContinue: true, studentId: '100234' } });
    const noSections = step(sroCovered({ type: 'parsed' }).state, {
      ...answer(2, true, verdict({ outcome: 'justify' })),
      asked: { ...page, categories: '' },
      now: { ...page, categories: '' },
    });
    expect(noSections.effects.find((effect) => effect.type === 'notice')).toMatchObject({
      notice: { canContinue: false },
    });
    const blocked = step(
      sroCovered({ type: 'parsed' }).state,
      answer(2, true, verdict({ outcome: 'block' })),
    );
    expect(blocked.effects.find((effect) => effect.type === 'notice')).toMatchObject({
      notice: { canContinue: false },
    });
  });

  it('a shown record is scanned and uncovered; print follows the verdict; its end is timed', () => {
    const { state, last } = sroCovered(
      { type: 'parsed' },
      answer(
        2,
        true,
        verdict({ show: true, outcome: 'allow', allowPrint: true, recheckAt: '2026-03-02T17:10:00Z' }),
      ),
    );
    expect(state.phase.kind).toBe('shown');
    expect(last).toEqual([
      { type: 'set-print', allowed: true },
      { type: 'clear-timer', name: 'recheck' },
      { type: 'timer', name: 'recheck', ms: 600_050 },
      { type: 'scan' },
      { type: 'hide-notice' },
      { type: 'uncover' },
    ]);
    const past = sroCovered(
      { type: 'parsed' },
      answer(2, true, verdict({ show: true, outcome: 'allow', recheckAt: '2026-03-02T16:00:00Z' })),
    );
    expect(past.last).toContainEqual({ type: 'timer', name: 'recheck', ms: 30_000 });
  });

  it('an answer about a page that moved on is not applied: covered, decided again', () => {
    const { state, last } = sroCovered(
      { type: 'parsed' },
      answer(2, true, verdict({ show: true, outcome: 'allow' }), { ...page, studentId: '999' }),
    );
    expect(last).toEqual([{ type: 'cover' }, { type: 'evaluate', id: 3, complete: true, tryPlan: false }]);
    expect(state.phase.kind).toBe('checking');
  });

  it('only the latest evaluation applies its answer', () => {
    const { state } = sroCovered({ type: 'parsed' });
    expect(step(state, answer(1, true, verdict({ show: true, outcome: 'allow' }))).effects).toEqual([]);
  });

  it('another student, section or URL (mutation, popstate, hashchange) covers and decides again', () => {
    const shown = sroCovered({ type: 'parsed' }, answer(2, true, verdict({ show: true, outcome: 'allow' })));
    expect(step(shown.state, { type: 'changed', now: page }).effects).toEqual([]);
    expect(
      step(shown.state, { type: 'changed', now: { ...page, href: `${page.href}#grades` } }).effects,
    ).toEqual([{ type: 'cover' }, { type: 'evaluate', id: 3, complete: true, tryPlan: false }]);
  });

  it('a push, a page restored from the cache, and the end of a grant decide again, covered', () => {
    const shown = sroCovered({ type: 'parsed' }, answer(2, true, verdict({ show: true, outcome: 'allow' })));
    for (const type of ['push', 'restored', 'recheck-due'] as const) {
      expect(types(step(shown.state, { type }).effects)).toEqual(['cover', 'evaluate']);
    }
    expect(step(shown.state, { type: 'push' }).state.planTrusted).toBe(false);
  });

  it('a push on a page that is not watched does nothing', () => {
    expect(run(hello(), { type: 'push' }).last).toEqual([]);
    expect(run(hello(), { type: 'changed', now: page }).last).toEqual([]);
  });
});

describe('the guard plan', () => {
  const opens = { viewable: {}, categoryPatterns: {} } as unknown as PageHelloReply['opens'];
  it('with a plan, a complete evaluation may open from it first; the plan opening uncovers with print off', () => {
    const asked = run(hello('check', { opens }), { type: 'parsed' }, { type: 'identity', identity: sro });
    expect(asked.last).toContainEqual({ type: 'evaluate', id: 1, complete: true, tryPlan: true });
    const opened = step(asked.state, { type: 'plan-opened', id: 1 });
    expect(opened.effects).toEqual([
      { type: 'watch-sro' },
      { type: 'set-print', allowed: false },
      { type: 'hide-notice' },
      { type: 'uncover' },
    ]);
  });

  it('a verdict that disagrees covers again and the plan is not trusted again on this page', () => {
    const asked = run(
      hello('check', { opens }),
      { type: 'parsed' },
      { type: 'identity', identity: sro },
      { type: 'plan-opened', id: 1 },
    );
    const blocked = step(asked.state, answer(1, true, verdict()));
    expect(blocked.effects).toContainEqual({ type: 'cover' });
    expect(blocked.state.planTrusted).toBe(false);
    const again = step(blocked.state, { type: 'changed', now: { ...page, studentId: '2' } });
    expect(again.effects).toContainEqual({ type: 'evaluate', id: 2, complete: true, tryPlan: false });
  });

  it('a stale plan opening (an older evaluation) is ignored', () => {
    const asked = run(hello('check', { opens }), { type: 'parsed' }, { type: 'identity', identity: sro });
    expect(step(asked.state, { type: 'plan-opened', id: 0 }).effects).toEqual([]);
  });
});

describe('verdicts fail closed', () => {
  const checking = () => run(hello(), { type: 'parsed' }, { type: 'identity', identity: sro });

  it('a slow verdict shows "could not check" and the late answer replaces it by itself', () => {
    const slow = step(checking().state, { type: 'verdict-slow', id: 1 });
    expect(slow.state.phase).toEqual({ kind: 'unavailable', final: false });
    expect(types(slow.effects)).toEqual(['cover', 'notice']);
    const late = step(slow.state, answer(1, true, verdict({ outcome: 'request' })));
    expect(late.state.phase.kind).toBe('blocked');
    expect(late.effects.find((effect) => effect.type === 'notice')).toMatchObject({
      notice: { kind: 'blocked' },
    });
    const shown = step(slow.state, answer(1, true, verdict({ show: true, outcome: 'allow' })));
    expect(types(shown.effects)).toContain('hide-notice');
    expect(shown.state.phase.kind).toBe('shown');
  });

  it('a slow answer to an older evaluation changes nothing', () => {
    expect(step(checking().state, { type: 'verdict-slow', id: 0 }).effects).toEqual([]);
  });

  it('a failed verdict stays covered and is asked again with growing waits, then ends covered', () => {
    let state = checking().state;
    for (let attempt = 1; attempt <= MAX_RETRIES; attempt += 1) {
      const failed = step(state, { type: 'verdict-failed', id: state.evaluation });
      expect(failed.effects).toEqual([
        { type: 'cover' },
        { type: 'notice', notice: { kind: 'unavailable' } },
        { type: 'timer', name: 'retry', ms: RETRY_MS * attempt },
      ]);
      const retried = step(failed.state, { type: 'retry' });
      expect(types(retried.effects)).toEqual(['evaluate']);
      state = retried.state;
    }
    const last = step(state, { type: 'verdict-failed', id: state.evaluation });
    expect(last.state.phase).toEqual({ kind: 'unavailable', final: true });
    expect(step(last.state, { type: 'retry' }).effects).toEqual([]);
    expect(step(last.state, { type: 'changed', now: { ...page, studentId: 'x' } }).effects).toEqual([]);
  });

  it('a broken adapter stops reading and stays covered with the notice; no pending answer applies', () => {
    const broken = step(checking().state, { type: 'broken' });
    expect(broken.effects).toEqual([
      { type: 'cover' },
      { type: 'notice', notice: { kind: 'unavailable' } },
      { type: 'stop-observing' },
    ]);
    expect(step(broken.state, answer(1, true, verdict({ show: true, outcome: 'allow' }))).effects).toEqual(
      [],
    );
  });

  it('a stopped guard ignores everything', () => {
    const done = run(hello('none'));
    for (const event of [{ type: 'push' }, { type: 'parsed' }, { type: 'broken' }] as GuardEvent[]) {
      expect(step(done.state, event).effects).toEqual([]);
    }
  });

  it('a second hello changes nothing', () => {
    expect(run(hello(), hello('none')).last).toEqual([]);
    expect(run(hello(), { type: 'hello-slow' }).last).toEqual([]);
    expect(run(hello(), { type: 'hello-failed' }).last).toEqual([]);
    expect(run(hello(), { type: 'hello-retry' }).last).toEqual([]);
  });
});
