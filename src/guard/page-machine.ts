// The page guard's decisions as a pure state machine: (state, event) → { state, effects }. No DOM, no timers,
// no messages: src/guard/page-guard.ts reads the page, carries out the effects and turns DOM and message
// events into the events below. Every path that cannot establish an answer ends covered.
import type { PageHelloReply, PageVerdict } from '../contracts/page-guard';
import { displayNameKey } from '../sis/limits';
import type { PageIdentity } from '../sis/read-page';
import type { Language } from './texts';

/** What the guard compares to tell that the page moved on (another URL, student or section). */
export interface Reading {
  href: string;
  studentId: string | undefined;
  /** Sorted, comma-joined. */
  categories: string;
}

export type Phase =
  /** Covered, waiting for the background's (or the plan's) word on this URL. */
  | { kind: 'starting' }
  /** Covered, reading the page for who is signed in. */
  | { kind: 'reading' }
  /** Covered: the page is parsed without an identity; waiting the adapter's late-identity bound for one. */
  | { kind: 'late-wait' }
  /** Covered, a verdict requested. */
  | { kind: 'checking' }
  /** An SRO's record shown (possibly redacted), watched for changes. */
  | { kind: 'shown' }
  /** An SRO's record covered with the verdict's reason. */
  | { kind: 'blocked' }
  /** Covered with "could not check"; an answer that arrives later still replaces it. */
  | { kind: 'unavailable'; final: boolean }
  /** Not guarded (or an open page): uncovered, every listener removed. */
  | { kind: 'stopped' };

export interface GuardState {
  phase: Phase;
  language: Language;
  reply: PageHelloReply | undefined;
  /** The identity a verdict was asked for; undefined until one was read (or the late wait ran out). */
  identity: PageIdentity | undefined;
  /** Whether the identity question has been put (an identity read, or the late wait ended without one). */
  identityAsked: boolean;
  parsed: boolean;
  /** Whether the SRO watch (redaction, export guard, navigation listeners) is installed. */
  watching: boolean;
  /** The latest evaluation; only its answer may apply. */
  evaluation: number;
  /** A complete evaluation is due when the page is parsed. */
  completeAsked: boolean;
  /** The page as the last complete evaluation read it. */
  evaluated: Reading | undefined;
  retries: number;
  helloRetries: number;
  /** The guard plan's views may still open a record without the round trip. */
  planTrusted: boolean;
  /** The last verdict applied (print and copy follow it). */
  verdict: PageVerdict | undefined;
  lateWaitMs: number;
}

export type GuardEvent =
  | { type: 'hello'; reply: PageHelloReply; lateWaitMs: number }
  /** The background has not answered hello within the bound (it may still). */
  | { type: 'hello-slow' }
  /** Asking failed outright (no worker to answer). */
  | { type: 'hello-failed' }
  | { type: 'hello-retry' }
  /** The page shows who is signed in (final: the role label, if the adapter reads one, has been read too). */
  | { type: 'identity'; identity: PageIdentity }
  /** DOMContentLoaded (or the page was already parsed when the guard started). */
  | { type: 'parsed' }
  | { type: 'late-timeout' }
  | {
      type: 'verdict';
      id: number;
      complete: boolean;
      result: PageVerdict;
      /** The page as the evaluation read it, and as it is now that the answer came. */
      asked: Reading;
      now: Reading;
      /** The clock when the answer came (the machine reads none). */
      nowMs: number;
    }
  /** The background has not answered a verdict within the bound (it may still). */
  | { type: 'verdict-slow'; id: number }
  | { type: 'verdict-failed'; id: number }
  | { type: 'retry' }
  /** The guard plan opened the record without the round trip (the wiring checked it for an evaluate effect). */
  | { type: 'plan-opened'; id: number }
  /** The page changed under an SRO (mutation, popstate, hashchange): another URL, student or section? */
  | { type: 'changed'; now: Reading }
  /** The background says something changed (grant, policy, identity). */
  | { type: 'push' }
  /** A page restored from the back/forward cache. */
  | { type: 'restored' }
  /** The end of what opened the record. */
  | { type: 'recheck-due' }
  /** The adapter cannot be read (a selector the browser refuses, a pattern that throws). */
  | { type: 'broken' };

export type Notice =
  | { kind: 'unavailable' }
  | { kind: 'blocked'; verdict: PageVerdict; canContinue: boolean; studentId: string; categories: string[] };

export type GuardEffect =
  | { type: 'cover' }
  | { type: 'uncover' }
  | { type: 'notice'; notice: Notice }
  | { type: 'hide-notice' }
  /** Ask for a verdict; `tryPlan`: the plan's views may open it first. */
  | { type: 'evaluate'; id: number; complete: boolean; tryPlan: boolean }
  | { type: 'hello' }
  | { type: 'observe' }
  | { type: 'stop-observing' }
  /** Report an open page's identity (or a sign-in page's), once the page is parsed. */
  | { type: 'report-identity'; signIn: boolean }
  | { type: 'watch-sro' }
  | { type: 'scan' }
  | { type: 'set-print'; allowed: boolean }
  | { type: 'timer'; name: TimerName; ms: number }
  | { type: 'clear-timer'; name: TimerName }
  /** Uncover and remove every listener, observer and timer. */
  | { type: 'stop' };

export type TimerName = 'late' | 'retry' | 'hello-retry' | 'recheck';

export interface Step {
  state: GuardState;
  effects: GuardEffect[];
}

export const MAX_RETRIES = 5;
export const RETRY_MS = 2000;
const MAX_TIMER_MS = 2 ** 31 - 1;

export function initialState(): Step {
  return {
    state: {
      phase: { kind: 'starting' },
      language: 'en',
      reply: undefined,
      identity: undefined,
      identityAsked: false,
      parsed: false,
      watching: false,
      evaluation: 0,
      completeAsked: false,
      evaluated: undefined,
      retries: 0,
      helloRetries: 0,
      planTrusted: false,
      verdict: undefined,
      lateWaitMs: 300,
    },
    effects: [{ type: 'cover' }, { type: 'hello' }],
  };
}

const sameReading = (a: Reading | undefined, b: Reading): boolean =>
  a !== undefined && a.href === b.href && a.studentId === b.studentId && a.categories === b.categories;

const stopped = (state: GuardState, extra: GuardEffect[] = []): Step => ({
  state: { ...state, phase: { kind: 'stopped' }, evaluation: state.evaluation + 1 },
  effects: [{ type: 'stop' }, ...extra],
});

/** Asks for a verdict on the page as it is now: a new evaluation id, so older answers no longer apply. */
function ask(state: GuardState, complete: boolean, extra: GuardEffect[] = []): Step {
  const id = state.evaluation + 1;
  return {
    state: {
      ...state,
      evaluation: id,
      phase: state.phase.kind === 'unavailable' ? state.phase : { kind: 'checking' },
    },
    effects: [...extra, { type: 'evaluate', id, complete, tryPlan: complete && state.planTrusted }],
  };
}

/** Covers again and asks for a complete verdict (the page changed, or what opened it may have). */
const recover = (state: GuardState, distrustPlan: boolean): Step =>
  ask(
    { ...state, planTrusted: distrustPlan ? false : state.planTrusted, phase: { kind: 'checking' } },
    state.parsed,
    [{ type: 'cover' }],
  );

const unavailable = (state: GuardState, final: boolean, extra: GuardEffect[] = []): Step => ({
  state: { ...state, phase: { kind: 'unavailable', final }, planTrusted: false },
  effects: [{ type: 'cover' }, { type: 'notice', notice: { kind: 'unavailable' } }, ...extra],
});

const watch = (state: GuardState): { state: GuardState; effects: GuardEffect[] } =>
  state.watching
    ? { state, effects: [] }
    : { state: { ...state, watching: true }, effects: [{ type: 'watch-sro' }] };

function applyVerdict(state: GuardState, result: PageVerdict, asked: Reading, nowMs: number): Step {
  const next: GuardState = { ...state, verdict: result, language: result.language, retries: 0 };
  if (!result.guarded) return stopped(next);
  const watched = watch(next);
  const effects: GuardEffect[] = [
    ...watched.effects,
    { type: 'set-print', allowed: result.allowPrint },
    { type: 'clear-timer', name: 'recheck' },
  ];
  if (result.show) {
    if (result.recheckAt) {
      // Covers again when the grant or consent ends, to the second; the background's alarm is the backstop.
      // An end already past that the verdict still shows (clocks disagree) is checked again in half a minute.
      const left = Date.parse(result.recheckAt) - nowMs;
      const wait = Number.isFinite(left) && left > 0 ? left + 50 : 30_000;
      effects.push({ type: 'timer', name: 'recheck', ms: Math.min(wait, MAX_TIMER_MS) });
    }
    effects.push({ type: 'scan' }, { type: 'hide-notice' }, { type: 'uncover' });
    return { state: { ...watched.state, phase: { kind: 'shown' } }, effects };
  }
  const categories = asked.categories.split(',').filter(Boolean);
  const canContinue =
    (result.outcome === 'justify' || result.outcome === 'request') &&
    asked.studentId !== undefined &&
    categories.length > 0;
  effects.push(
    { type: 'cover' },
    {
      type: 'notice',
      notice: { kind: 'blocked', verdict: result, canContinue, studentId: asked.studentId ?? '', categories },
    },
  );
  // The plan may have opened this page a moment ago: it is not trusted again on this page.
  return { state: { ...watched.state, phase: { kind: 'blocked' }, planTrusted: false }, effects };
}

/** The one transition function. Events that do not apply in a state change nothing. */
export function step(state: GuardState, event: GuardEvent): Step {
  const none: Step = { state, effects: [] };
  if (state.phase.kind === 'stopped') return none;
  switch (event.type) {
    case 'hello': {
      if (state.reply) return none;
      const reply = event.reply;
      const next: GuardState = {
        ...state,
        reply,
        language: reply.language,
        planTrusted: reply.opens !== undefined,
        lateWaitMs: event.lateWaitMs,
      };
      const hide: GuardEffect[] =
        state.phase.kind === 'unavailable'
          ? [{ type: 'hide-notice' }, { type: 'clear-timer', name: 'hello-retry' }]
          : [];
      if (reply.guard === 'none' || !reply.adapter) return stopped(next);
      if (reply.guard === 'identity' || reply.guard === 'sign-in') {
        // An open page holds no record: never covered. It only tells the background who is signed in (or,
        // on the SIS's sign-in page, that whoever was is not any more).
        return stopped(next, [{ type: 'report-identity', signIn: reply.guard === 'sign-in' }]);
      }
      return { state: { ...next, phase: { kind: 'reading' } }, effects: [...hide, { type: 'observe' }] };
    }
    case 'hello-slow':
      return state.reply ? none : unavailable(state, false);
    case 'hello-failed':
      if (state.reply) return none;
      if (state.helloRetries >= MAX_RETRIES) return unavailable(state, true);
      // The worker may still be starting: ask again, the page staying covered meanwhile.
      return unavailable({ ...state, helloRetries: state.helloRetries + 1 }, false, [
        { type: 'timer', name: 'hello-retry', ms: RETRY_MS * (state.helloRetries + 1) },
      ]);
    case 'hello-retry':
      return state.reply ? none : { state, effects: [{ type: 'hello' }] };
    case 'identity': {
      if (!state.reply || state.identity !== undefined) return none;
      const seen = event.identity;
      const known = state.reply.knownNonSro;
      const knownNames = state.reply.knownNonSroNames ?? [];
      const next: GuardState = { ...state, identity: seen };
      // A display name is not unique, and the role label beside it may say SRO where the roster's person of
      // that name is a teacher: only the background weighs the two. So the name alone releases the page only
      // where the adapter reads no role label (none can have been missed) and none was read.
      const labelsRead = seen.roleLabel !== undefined || (state.reply.adapter?.roleLabel.length ?? 0) > 0;
      const knownUser =
        seen.username !== undefined
          ? known.includes(seen.username.toLowerCase())
          : !labelsRead &&
            seen.displayName !== undefined &&
            knownNames.includes(displayNameKey(seen.displayName));
      if (!seen.conflicting && knownUser) {
        // A teacher, clerk or admin the background has already checked in this session (by login, or by a
        // display name the roster gives only them and no SRO): nothing to do.
        return stopped(next);
      }
      const lateCleared: GuardEffect[] =
        state.phase.kind === 'late-wait' ? [{ type: 'clear-timer', name: 'late' }] : [];
      // An identity after the page was decided without one (a header filled in by script): decide again.
      const again = state.identityAsked;
      return ask({ ...next, identityAsked: true, completeAsked: !state.parsed }, state.parsed, [
        ...lateCleared,
        ...(again ? [{ type: 'cover' } as const] : []),
      ]);
    }
    case 'parsed': {
      if (state.parsed) return none;
      const next = { ...state, parsed: true };
      if (!state.reply) return { state: next, effects: [] };
      if (!state.identityAsked) {
        // Parsed without a header: the header may come by script. Wait the adapter's bound, then decide.
        return {
          state: { ...next, phase: { kind: 'late-wait' } },
          effects: [{ type: 'timer', name: 'late', ms: state.lateWaitMs }],
        };
      }
      if (state.completeAsked) return ask({ ...next, completeAsked: false }, true);
      return { state: next, effects: [] };
    }
    case 'late-timeout':
      if (state.phase.kind !== 'late-wait' || state.identityAsked) return none;
      // Nobody shown within the bound: the background rules as for nobody identified (unidentifiedUser,
      // or the host's known non-SRO).
      return ask({ ...state, identityAsked: true }, true);
    case 'verdict': {
      if (event.id !== state.evaluation) return none;
      const result = event.result;
      if (!result.guarded) return applyVerdict(state, result, event.asked, event.nowMs);
      if (!event.complete) {
        // An SRO: read the whole page before deciding, keeping it covered meanwhile.
        const watched = watch({ ...state, verdict: result, language: result.language });
        if (state.parsed) return ask(watched.state, true, watched.effects);
        return { state: { ...watched.state, completeAsked: true }, effects: watched.effects };
      }
      const next = { ...state, evaluated: event.asked };
      if (!sameReading(event.asked, event.now)) {
        // The page moved on (another student or section) while this was decided: decide again, covered.
        return ask({ ...next, phase: { kind: 'checking' } }, true, [{ type: 'cover' }]);
      }
      return applyVerdict(next, result, event.asked, event.nowMs);
    }
    case 'verdict-slow':
      // Not a verdict: the page says it could not check, and the answer, when it comes, replaces the notice.
      return event.id === state.evaluation && state.phase.kind === 'checking'
        ? unavailable(state, false)
        : none;
    case 'verdict-failed': {
      if (event.id !== state.evaluation) return none;
      if (state.retries >= MAX_RETRIES) return unavailable(state, true);
      const retries = state.retries + 1;
      return unavailable({ ...state, retries }, false, [
        { type: 'timer', name: 'retry', ms: RETRY_MS * retries },
      ]);
    }
    case 'retry':
      return state.phase.kind === 'unavailable' && !state.phase.final ? ask(state, state.parsed) : none;
    case 'plan-opened': {
      if (event.id !== state.evaluation) return none;
      const watched = watch({ ...state, verdict: undefined });
      // The last verdict was about another page state: print and copy wait for this one's.
      return {
        state: watched.state,
        effects: [
          ...watched.effects,
          { type: 'set-print', allowed: false },
          ...(state.watching ? [{ type: 'scan' } as const] : []),
          { type: 'hide-notice' },
          { type: 'uncover' },
        ],
      };
    }
    case 'changed':
      if (!state.watching || !state.parsed || state.evaluated === undefined) return none;
      if (state.phase.kind === 'unavailable' && state.phase.final) return none;
      if (sameReading(state.evaluated, event.now)) return none;
      return recover(state, false);
    case 'push':
    case 'restored':
      return state.watching ? recover(state, true) : none;
    case 'recheck-due':
      return state.watching ? recover(state, false) : none;
    case 'broken':
      // Nothing can be read: the page stays covered with an explanation rather than open.
      return unavailable({ ...state, evaluation: state.evaluation + 1 }, true, [{ type: 'stop-observing' }]);
  }
}
