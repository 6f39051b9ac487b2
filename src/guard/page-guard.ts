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
import { labelCellRules } from '../sis/label-cells';
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

/** Whether the page names anyone (a login or a display name). */
const shows = (seen: PageIdentity): boolean => seen.username !== undefined || seen.displayName !== undefined;

/**
 * Who is signed in, as this page shows it; a frame without a header of its own reads its top page's (same
 * origin only), so an embedded section of a known teacher's page is left alone like the page itself.
 */
function readPageIdentity(adapter: SisAdapter): PageIdentity {
  const own = readIdentity(adapter, document, location.href);
  if (shows(own) || own.conflicting || window === window.top || !window.top) return own;
  try {
    return readIdentity(adapter, window.top.document, location.href);
  } catch {
    // A cross-origin top page: the background borrows the tab's identity instead.
    return own;
  }
}

const domReady = (): boolean => document.readyState !== 'loading';

/**
 * The wiring of one page (or frame): fields are the page's listeners, observer and timers; every decision is
 * the machine's (`step`). Each method is one DOM or message concern.
 */
class PageWiring {
  private readonly controller = new AbortController();
  private readonly signal = this.controller.signal;
  private readonly timers = new Map<TimerName, ReturnType<typeof setTimeout>>();
  private readonly slowTimers = new Set<ReturnType<typeof setTimeout>>();
  private observer: MutationObserver | undefined;
  private redactor: Redactor | undefined;
  private onPush: ((message: unknown) => void) | undefined;
  private state: GuardState = initialState().state;
  /** The reading each evaluation was asked about, by id. */
  private readonly asked = new Map<number, Reading>();

  private readonly adapter = (): SisAdapter | undefined => this.state.reply?.adapter;

  private readonly reading = (of: SisAdapter): Reading => ({
    href: location.href,
    studentId: readStudentId(of, document, location.href).value,
    categories: readCategories(of, document, location.href).sort().join(','),
  });

  private readonly dispatch = (event: GuardEvent): void => {
    const next = step(this.state, event);
    this.state = next.state;
    for (const effect of next.effects) {
      try {
        this.run(effect);
      } catch {
        // An effect that throws (a broken adapter's selector) leaves the page covered, never open.
        if (effect.type !== 'stop') this.dispatch({ type: 'broken' });
      }
    }
  };

  private readonly teardown = (): void => {
    this.controller.abort();
    this.observer?.disconnect();
    this.observer = undefined;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const timer of this.slowTimers) clearTimeout(timer);
    this.slowTimers.clear();
    if (this.onPush) extensionApi.runtime.onMessage.removeListener(this.onPush);
    this.onPush = undefined;
    release();
    hideNotice();
  };

  private readonly showBlocked = (notice: Extract<Notice, { kind: 'blocked' }>): void => {
    const language = this.state.language;
    const of = this.adapter();
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
                }).catch(() => this.dispatch({ type: 'broken' })),
            },
          }
        : {}),
    });
  };

  /** Sends a request, telling the machine when it is slow (the answer still counts when it comes). */
  private readonly sendWatched = <T>(message: unknown, slow: () => void): Promise<T> => {
    const timer = setTimeout(slow, BACKGROUND_TIMEOUT_MS);
    this.slowTimers.add(timer);
    const done = (): void => {
      clearTimeout(timer);
      this.slowTimers.delete(timer);
    };
    const sent = sendUnbounded<T>(message);
    sent.then(done, done);
    return sent;
  };

  /**
   * A consented record opens without waiting for the round trip when the guard plan says every category on
   * the page is open to this SRO now; the verdict that follows rules (covering again if it disagrees).
   */
  private readonly planWouldOpen = (reply: PageHelloReply, message: PageEvaluate): boolean =>
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

  private readonly evaluate = (of: SisAdapter, id: number, complete: boolean, tryPlan: boolean): void => {
    const now = this.reading(of);
    this.asked.set(id, now);
    const seen = this.state.identity ?? { conflicting: false };
    const student = readStudentId(of, document, location.href);
    const message: PageEvaluate = {
      channel: 'page.evaluate',
      url: location.href,
      identity: {
        ...(seen.username ? { username: seen.username } : {}),
        ...(seen.displayName ? { displayName: seen.displayName } : {}),
        ...(seen.roleLabel ? { roleLabel: seen.roleLabel } : {}),
        conflicting: seen.conflicting || student.conflicting,
      },
      ...(student.value ? { studentId: student.value } : {}),
      categories: complete ? (now.categories.split(',').filter(Boolean) as Category[]) : [],
      fields: complete ? readFields(of, document) : [],
      complete,
    };
    if (tryPlan && this.state.reply && this.planWouldOpen(this.state.reply, message))
      this.dispatch({ type: 'plan-opened', id });
    this.sendWatched<PageVerdict>(message, () => this.dispatch({ type: 'verdict-slow', id })).then(
      (result) => {
        const of2 = this.adapter();
        if (!of2 || this.signal.aborted) return;
        this.dispatch({
          type: 'verdict',
          id,
          complete,
          result,
          asked: this.asked.get(id) ?? now,
          now: this.reading(of2),
          nowMs: Date.now(),
        });
        this.asked.delete(id);
      },
      () => {
        this.asked.delete(id);
        if (!this.signal.aborted) this.dispatch({ type: 'verdict-failed', id });
      },
    );
  };

  private readonly hello = (): void => {
    void (async () => {
      const planned = await planFor(location.href).catch(() => undefined);
      const reply =
        planned ??
        (await this.sendWatched<PageHelloReply>({ channel: 'page.hello', url: location.href }, () =>
          this.dispatch({ type: 'hello-slow' }),
        ));
      if (this.signal.aborted) return;
      this.dispatch({
        type: 'hello',
        reply,
        lateWaitMs: reply.adapter ? lateIdentityWaitMs(reply.adapter) : 0,
      });
      if (domReady()) this.onParsed();
    })().catch(() => {
      if (!this.signal.aborted) this.dispatch({ type: 'hello-failed' });
    });
  };

  /** Reads who is signed in; an identity without its role label is not final until the page is parsed. */
  private readonly readIdentityNow = (of: SisAdapter): void => {
    if (this.state.identity !== undefined) return;
    const seen = readPageIdentity(of);
    if (!shows(seen) && !seen.conflicting) return;
    if (of.roleLabel.length > 0 && seen.roleLabel === undefined && !domReady()) return;
    this.dispatch({ type: 'identity', identity: seen });
  };

  private readonly onMutations = (mutations: MutationRecord[]): void => {
    const of = this.adapter();
    if (!of) return;
    try {
      this.readIdentityNow(of);
      if (!this.state.watching) return;
      this.redactor?.handleMutations(mutations);
      if (!isCovered() && this.valueNotLocated()) {
        this.dispatch({ type: 'broken' });
        return;
      }
      if (domReady()) this.dispatch({ type: 'changed', now: this.reading(of) });
    } catch {
      this.dispatch({ type: 'broken' });
    }
  };

  private readonly onParsed = (): void => {
    const of = this.adapter();
    if (of) {
      try {
        this.readIdentityNow(of);
      } catch {
        this.dispatch({ type: 'broken' });
        return;
      }
    }
    this.dispatch({ type: 'parsed' });
    if (!isCovered() && this.valueNotLocated()) this.dispatch({ type: 'broken' });
  };

  /**
   * An SRO's parsed page with a sensitive label whose value is not where the adapter says (the row below is
   * missing or has no cell under it): the value may be where the redactor did not look, so the page is not
   * shown. While the page streams in, the row may still come and is masked as it does.
   */
  private readonly valueNotLocated = (): boolean =>
    this.redactor !== undefined && domReady() && this.redactor.unresolved() > 0;

  private readonly watchSro = (of: SisAdapter): void => {
    const reply = this.state.reply;
    if (!reply) return;
    this.redactor = new Redactor({
      labels: reply.sensitiveLabels,
      codes: reply.sensitiveCodes,
      codeAttributes: [
        ...new Set(of.sensitiveFields.flatMap((field) => (field.codeAttribute ? [field.codeAttribute] : []))),
      ],
      mask: text('mask', this.state.language),
      labelCells: labelCellRules(of.labelCells),
    });
    if (document.body) this.redactor.scan(document);
    installExportGuard(
      of,
      {
        language: () => this.state.language,
        categories: () => readCategories(of, document, location.href),
        studentId: () => readStudentId(of, document, location.href).value,
        allowPrint: () => this.state.verdict?.allowPrint ?? false,
        allowCopy: () => this.state.verdict?.allowCopy ?? false,
        setPrintAllowed,
      },
      this.signal,
    );
    // Hash-routed and history-routed SIS apps change the record without a load: read the page again.
    const reread = (): void => {
      try {
        this.dispatch({ type: 'changed', now: this.reading(of) });
      } catch {
        this.dispatch({ type: 'broken' });
      }
    };
    window.addEventListener('popstate', reread, { signal: this.signal });
    window.addEventListener('hashchange', reread, { signal: this.signal });
    this.onPush = (message: unknown) => {
      if (!this.signal.aborted && isGuardPush(message)) this.dispatch({ type: 'push' });
    };
    extensionApi.runtime.onMessage.addListener(this.onPush);
    // A page restored from the back/forward cache was decided before it was put away: decide it again.
    window.addEventListener(
      'pageshow',
      (event) => {
        if (event.persisted) this.dispatch({ type: 'restored' });
      },
      { signal: this.signal },
    );
  };

  private readonly reportOpenPage = (of: SisAdapter, signIn: boolean): void => {
    const report = (): void => {
      const seen = readPageIdentity(of);
      if (!signIn && !shows(seen) && !seen.conflicting) return;
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

  private readonly run = (effect: GuardEffect): void => {
    const of = this.adapter();
    switch (effect.type) {
      case 'cover':
        cover();
        return;
      case 'uncover':
        // Thrown, the page stays covered with the "cannot be checked" notice (dispatch turns it into 'broken').
        if (this.valueNotLocated()) throw new Error('a sensitive value cell was not located');
        uncover();
        return;
      case 'notice':
        if (effect.notice.kind === 'unavailable') {
          showNotice({
            title: text('unavailableTitle', this.state.language),
            body: text('unavailableBody', this.state.language),
          });
        } else this.showBlocked(effect.notice);
        return;
      case 'hide-notice':
        hideNotice();
        return;
      case 'evaluate':
        if (of) this.evaluate(of, effect.id, effect.complete, effect.tryPlan);
        return;
      case 'hello':
        this.hello();
        return;
      case 'observe':
        this.observer = new MutationObserver(this.onMutations);
        this.observer.observe(document, { childList: true, subtree: true, characterData: true });
        document.addEventListener('DOMContentLoaded', this.onParsed, { once: true, signal: this.signal });
        this.onMutations([]);
        return;
      case 'stop-observing':
        this.observer?.disconnect();
        this.observer = undefined;
        return;
      case 'report-identity':
        if (of) this.reportOpenPage(of, effect.signIn);
        return;
      case 'watch-sro':
        if (of) this.watchSro(of);
        return;
      case 'scan':
        this.redactor?.scan(document);
        return;
      case 'set-print':
        setPrintAllowed(effect.allowed);
        return;
      case 'timer': {
        clearTimeout(this.timers.get(effect.name));
        const event: GuardEvent =
          effect.name === 'late'
            ? { type: 'late-timeout' }
            : effect.name === 'retry'
              ? { type: 'retry' }
              : effect.name === 'hello-retry'
                ? { type: 'hello-retry' }
                : { type: 'recheck-due' };
        this.timers.set(
          effect.name,
          setTimeout(() => {
            this.timers.delete(effect.name);
            this.dispatch(event);
          }, effect.ms),
        );
        return;
      }
      case 'clear-timer':
        clearTimeout(this.timers.get(effect.name));
        this.timers.delete(effect.name);
        return;
      case 'stop':
        this.teardown();
        return;
    }
  };

  start(): void {
    const start = initialState();
    this.state = start.state;
    for (const effect of start.effects) this.run(effect);
  }
}

export function startPageGuard(): void {
  new PageWiring().start();
}
