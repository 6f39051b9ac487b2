// The content script's wiring on one page (or frame): it reads the page, turns DOM and message events into the
// page machine's events (src/guard/page-machine.ts, where every decision is) and carries out its effects.
// Teardown removes every listener, observer and timer.
import { extensionApi } from './chrome-api';
import type { PageEvaluate, PageHelloReply, PageVerdict } from '../contracts/page-guard';
import { isGuardPush } from '../contracts/guard-push';
import { planOpens } from '../decide/plan-views';
import type { SisAdapter } from '../policy/adapter';
import type { Category } from '../policy/vocabulary';
import { lateIdentityWaitMs } from '../decide/guarded';
import { readCategories, readFields, readIdentity, readStudentId, type PageIdentity } from '../sis/read-page';
import { cover, hideNotice, isCovered, release, setPrintAllowed, showNotice, uncover } from './cover';
import { installExportGuard } from './exports';
import { BACKGROUND_TIMEOUT_MS, openGate, reportIdentity, sendUnbounded } from './messages';
import {
  initialState,
  step,
  type GuardEffect,
  type GuardEvent,
  type GuardState,
  type Notice,
  type Reading,
  type TimerName,
} from './page-machine';
import { planFor } from './plan';
import { Redactor } from './redact';
import { pick, text } from './texts';

/**
 * Who is signed in, as this page shows it; a frame without a header of its own reads its top page's (same
 * origin only), so an embedded section of a known teacher's page is left alone like the page itself.
 */
function readPageIdentity(adapter: SisAdapter): PageIdentity {
  const own = readIdentity(adapter, document, location.href);
  if (own.username !== undefined || own.conflicting || window === window.top || !window.top) return own;
  try {
    return readIdentity(adapter, window.top.document, location.href);
  } catch {
    // A cross-origin top page: the background borrows the tab's identity instead.
    return own;
  }
}

const domReady = (): boolean => document.readyState !== 'loading';

export function startPageGuard(): void {
  const controller = new AbortController();
  const signal = controller.signal;
  const timers = new Map<TimerName, ReturnType<typeof setTimeout>>();
  const slowTimers = new Set<ReturnType<typeof setTimeout>>();
  let observer: MutationObserver | undefined;
  let redactor: Redactor | undefined;
  let onPush: ((message: unknown) => void) | undefined;
  let state: GuardState;
  /** The reading each evaluation was asked about, by id. */
  const asked = new Map<number, Reading>();

  const adapter = (): SisAdapter | undefined => state.reply?.adapter;

  const reading = (of: SisAdapter): Reading => ({
    href: location.href,
    studentId: readStudentId(of, document, location.href).value,
    categories: readCategories(of, document, location.href).sort().join(','),
  });

  const dispatch = (event: GuardEvent): void => {
    const next = step(state, event);
    state = next.state;
    for (const effect of next.effects) {
      try {
        run(effect);
      } catch {
        // An effect that throws (a broken adapter's selector) leaves the page covered, never open.
        if (effect.type !== 'stop') dispatch({ type: 'broken' });
      }
    }
  };

  const teardown = (): void => {
    controller.abort();
    observer?.disconnect();
    observer = undefined;
    for (const timer of timers.values()) clearTimeout(timer);
    timers.clear();
    for (const timer of slowTimers) clearTimeout(timer);
    slowTimers.clear();
    if (onPush) extensionApi.runtime.onMessage.removeListener(onPush);
    onPush = undefined;
    release();
    hideNotice();
  };

  const showBlocked = (notice: Extract<Notice, { kind: 'blocked' }>): void => {
    const language = state.language;
    const of = adapter();
    showNotice({
      title: text('blockedTitle', language),
      body: pick(notice.verdict.reason, language),
      detail: notice.verdict.citations.join(' · '),
      ...(notice.canContinue && of
        ? {
            action: {
              label: text('continue', language),
              onActivate: () =>
                void openGate({
                  channel: 'gate.open',
                  url: location.href,
                  action: 'view',
                  studentId: notice.studentId,
                  categories: notice.categories as Category[],
                  fields: readFields(of, document),
                }).catch(() => dispatch({ type: 'broken' })),
            },
          }
        : {}),
    });
  };

  /** Sends a request, telling the machine when it is slow (the answer still counts when it comes). */
  const sendWatched = <T>(message: unknown, slow: () => void): Promise<T> => {
    const timer = setTimeout(slow, BACKGROUND_TIMEOUT_MS);
    slowTimers.add(timer);
    const done = (): void => {
      clearTimeout(timer);
      slowTimers.delete(timer);
    };
    const sent = sendUnbounded<T>(message);
    sent.then(done, done);
    return sent;
  };

  /**
   * A consented record opens without waiting for the round trip when the guard plan says every category on
   * the page is open to this SRO now; the verdict that follows rules (covering again if it disagrees).
   */
  const planWouldOpen = (reply: PageHelloReply, message: PageEvaluate): boolean =>
    reply.opens !== undefined &&
    isCovered() &&
    planOpens(
      reply.opens,
      {
        username: message.identity.username,
        studentId: message.studentId,
        conflicting: message.identity.conflicting,
        categories: message.categories,
        fields: message.fields,
      },
      Date.now(),
    );

  const evaluate = (of: SisAdapter, id: number, complete: boolean, tryPlan: boolean): void => {
    const now = reading(of);
    asked.set(id, now);
    const seen = state.identity ?? { conflicting: false };
    const student = readStudentId(of, document, location.href);
    const message: PageEvaluate = {
      channel: 'page.evaluate',
      url: location.href,
      identity: {
        ...(seen.username ? { username: seen.username } : {}),
        ...(seen.roleLabel ? { roleLabel: seen.roleLabel } : {}),
        conflicting: seen.conflicting || student.conflicting,
      },
      ...(student.value ? { studentId: student.value } : {}),
      categories: complete ? (now.categories.split(',').filter(Boolean) as Category[]) : [],
      fields: complete ? readFields(of, document) : [],
      complete,
    };
    if (tryPlan && state.reply && planWouldOpen(state.reply, message)) dispatch({ type: 'plan-opened', id });
    sendWatched<PageVerdict>(message, () => dispatch({ type: 'verdict-slow', id })).then(
      (result) => {
        const of2 = adapter();
        if (!of2 || signal.aborted) return;
        dispatch({
          type: 'verdict',
          id,
          complete,
          result,
          asked: asked.get(id) ?? now,
          now: reading(of2),
          nowMs: Date.now(),
        });
        asked.delete(id);
      },
      () => {
        asked.delete(id);
        if (!signal.aborted) dispatch({ type: 'verdict-failed', id });
      },
    );
  };

  const hello = (): void => {
    void (async () => {
      const planned = await planFor(location.href).catch(() => undefined);
      const reply =
        planned ??
        (await sendWatched<PageHelloReply>({ channel: 'page.hello', url: location.href }, () =>
          dispatch({ type: 'hello-slow' }),
        ));
      if (signal.aborted) return;
      dispatch({
        type: 'hello',
        reply,
        lateWaitMs: reply.adapter ? lateIdentityWaitMs(reply.adapter) : 0,
      });
      if (domReady()) onParsed();
    })().catch(() => {
      if (!signal.aborted) dispatch({ type: 'hello-failed' });
    });
  };

  /** Reads who is signed in; an identity without its role label is not final until the page is parsed. */
  const readIdentityNow = (of: SisAdapter): void => {
    if (state.identity !== undefined) return;
    const seen = readPageIdentity(of);
    if (seen.username === undefined && !seen.conflicting) return;
    if (of.roleLabel.length > 0 && seen.roleLabel === undefined && !domReady()) return;
    dispatch({ type: 'identity', identity: seen });
  };

  const onMutations = (mutations: MutationRecord[]): void => {
    const of = adapter();
    if (!of) return;
    try {
      readIdentityNow(of);
      if (!state.watching) return;
      redactor?.handleMutations(mutations);
      if (domReady()) dispatch({ type: 'changed', now: reading(of) });
    } catch {
      dispatch({ type: 'broken' });
    }
  };

  const onParsed = (): void => {
    const of = adapter();
    if (of) {
      try {
        readIdentityNow(of);
      } catch {
        dispatch({ type: 'broken' });
        return;
      }
    }
    dispatch({ type: 'parsed' });
  };

  const watchSro = (of: SisAdapter): void => {
    const reply = state.reply;
    if (!reply) return;
    redactor = new Redactor({
      labels: reply.sensitiveLabels,
      codes: reply.sensitiveCodes,
      codeAttributes: [
        ...new Set(of.sensitiveFields.flatMap((field) => (field.codeAttribute ? [field.codeAttribute] : []))),
      ],
      mask: text('mask', state.language),
    });
    if (document.body) redactor.scan(document);
    installExportGuard(
      of,
      {
        language: () => state.language,
        categories: () => readCategories(of, document, location.href),
        studentId: () => readStudentId(of, document, location.href).value,
        allowPrint: () => state.verdict?.allowPrint ?? false,
        allowCopy: () => state.verdict?.allowCopy ?? false,
        setPrintAllowed,
      },
      signal,
    );
    // Hash-routed and history-routed SIS apps change the record without a load: read the page again.
    const reread = (): void => {
      try {
        dispatch({ type: 'changed', now: reading(of) });
      } catch {
        dispatch({ type: 'broken' });
      }
    };
    window.addEventListener('popstate', reread, { signal });
    window.addEventListener('hashchange', reread, { signal });
    onPush = (message: unknown) => {
      if (!signal.aborted && isGuardPush(message)) dispatch({ type: 'push' });
    };
    extensionApi.runtime.onMessage.addListener(onPush);
    // A page restored from the back/forward cache was decided before it was put away: decide it again.
    window.addEventListener(
      'pageshow',
      (event) => {
        if (event.persisted) dispatch({ type: 'restored' });
      },
      { signal },
    );
  };

  const reportOpenPage = (of: SisAdapter, signIn: boolean): void => {
    const report = (): void => {
      const seen = readPageIdentity(of);
      if (!signIn && seen.username === undefined && !seen.conflicting) return;
      reportIdentity({ channel: 'page.identity', url: location.href, signIn, identity: seen }).catch(
        (error: unknown) =>
          console.debug(
            'Record Guard: identity report not delivered',
            error instanceof Error ? error.message : '',
          ),
      );
    };
    // Registered outside the aborted signal: the page guard has stopped, the one report has not been sent.
    if (domReady()) report();
    else document.addEventListener('DOMContentLoaded', report, { once: true });
  };

  function run(effect: GuardEffect): void {
    const of = adapter();
    switch (effect.type) {
      case 'cover':
        cover();
        return;
      case 'uncover':
        uncover();
        return;
      case 'notice':
        if (effect.notice.kind === 'unavailable') {
          showNotice({
            title: text('unavailableTitle', state.language),
            body: text('unavailableBody', state.language),
          });
        } else showBlocked(effect.notice);
        return;
      case 'hide-notice':
        hideNotice();
        return;
      case 'evaluate':
        if (of) evaluate(of, effect.id, effect.complete, effect.tryPlan);
        return;
      case 'hello':
        hello();
        return;
      case 'observe':
        observer = new MutationObserver(onMutations);
        observer.observe(document, { childList: true, subtree: true, characterData: true });
        document.addEventListener('DOMContentLoaded', onParsed, { once: true, signal });
        onMutations([]);
        return;
      case 'stop-observing':
        observer?.disconnect();
        observer = undefined;
        return;
      case 'report-identity':
        if (of) reportOpenPage(of, effect.signIn);
        return;
      case 'watch-sro':
        if (of) watchSro(of);
        return;
      case 'scan':
        redactor?.scan(document);
        return;
      case 'set-print':
        setPrintAllowed(effect.allowed);
        return;
      case 'timer': {
        clearTimeout(timers.get(effect.name));
        const event: GuardEvent =
          effect.name === 'late'
            ? { type: 'late-timeout' }
            : effect.name === 'retry'
              ? { type: 'retry' }
              : effect.name === 'hello-retry'
                ? { type: 'hello-retry' }
                : { type: 'recheck-due' };
        timers.set(
          effect.name,
          setTimeout(() => {
            timers.delete(effect.name);
            dispatch(event);
          }, effect.ms),
        );
        return;
      }
      case 'clear-timer':
        clearTimeout(timers.get(effect.name));
        timers.delete(effect.name);
        return;
      case 'stop':
        teardown();
        return;
    }
  }

  const start = initialState();
  state = start.state;
  for (const effect of start.effects) run(effect);
}
