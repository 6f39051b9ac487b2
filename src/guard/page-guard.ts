// The content script's whole job on one page (or frame): cover at once, learn who is signed in, and either
// get out of the way (anyone but an SRO) or keep the record hidden until the background's verdict allows it.
import { extensionApi } from './chrome-api';
import type { PageHelloReply, PageVerdict } from '../messaging/page-guard';
import { isGuardPush } from '../messaging/guard-push';
import { planOpens } from '../messaging/guard-plan';
import type { SisAdapter } from '../policy/adapter';
import type { Category } from '../policy/vocabulary';
import { readCategories, readFields, readIdentity, readStudentId, type PageIdentity } from '../sis/read-page';
import { cover, hideNotice, isCovered, release, setPrintAllowed, showNotice, uncover } from './cover';
import { installExportGuard } from './exports';
import { evaluate, hello, openGate, reportIdentity } from './messages';
import { planFor } from './plan';
import { Redactor } from './redact';
import { pick, text, type Language } from './texts';

interface PageState {
  href: string;
  studentId: string | undefined;
  categories: string;
}

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

const MAX_RETRIES = 5;
const RETRY_MS = 2000;

export function startPageGuard(): void {
  cover();
  const controller = new AbortController();
  let language: Language = 'en';
  let reply: PageHelloReply | undefined;
  let verdict: PageVerdict | undefined;
  let evaluated: PageState | undefined;
  let identity: PageIdentity | undefined;
  let identityAsked = false;
  let redactor: Redactor | undefined;
  let pageObserver: MutationObserver | undefined;
  let evaluation = 0;
  let recheckTimer: ReturnType<typeof setTimeout> | undefined;
  let retries = 0;
  /**
   * The guard plan's views as read when the page started. Dropped for good once anything says they may be
   * stale: a push from the background, a verdict that disagreed, a background that did not answer, a page
   * restored from the back/forward cache.
   */
  let planViews: PageHelloReply['opens'];

  const stop = (): void => {
    controller.abort();
    pageObserver?.disconnect();
    release();
    hideNotice();
  };

  const failClosed = (): void => {
    cover();
    showNotice({ title: text('unavailableTitle', language), body: text('unavailableBody', language) });
  };

  const domReady = (): boolean => document.readyState !== 'loading';

  const currentState = (adapter: SisAdapter): PageState => ({
    href: location.href,
    studentId: readStudentId(adapter, document, location.href).value,
    categories: readCategories(adapter, document, location.href).sort().join(','),
  });

  const applyVerdict = (adapter: SisAdapter, result: PageVerdict): void => {
    verdict = result;
    language = result.language;
    if (!result.guarded) {
      stop();
      return;
    }
    startSroWatch(adapter);
    setPrintAllowed(result.allowPrint);
    clearTimeout(recheckTimer);
    if (result.show && result.recheckAt) {
      // Covers again when the grant or consent ends, to the second; the background's alarm is the backstop.
      // An end already past that the verdict still shows (clocks or time zones disagree) is checked again
      // in half a minute, not in a loop.
      const left = Date.parse(result.recheckAt) - Date.now();
      const wait = left > 0 ? left + 50 : 30_000;
      recheckTimer = setTimeout(
        () => {
          cover();
          void evaluatePage(adapter, true);
        },
        Math.min(wait, 2 ** 31 - 1),
      );
    }
    if (result.show) {
      redactor?.scan(document);
      hideNotice();
      uncover();
    } else {
      // The plan may have opened this page a moment ago: it is not trusted again on this page.
      planViews = undefined;
      cover();
      const state = evaluated;
      const studentId = state?.studentId;
      const categories = (state?.categories.split(',').filter(Boolean) ?? []) as Category[];
      const canContinue =
        (result.outcome === 'justify' || result.outcome === 'request') && studentId !== undefined;
      showNotice({
        title: text('blockedTitle', language),
        body: pick(result.reason, language),
        detail: result.citations.join(' · '),
        ...(canContinue && categories.length > 0
          ? {
              action: {
                label: text('continue', language),
                onActivate: () =>
                  void openGate({
                    channel: 'gate.open',
                    url: location.href,
                    action: 'view',
                    studentId,
                    categories,
                    fields: readFields(adapter, document),
                  }).catch(() => failClosed()),
              },
            }
          : {}),
      });
    }
  };

  /**
   * A consented record opens without waiting for the round trip when the guard plan says every category on
   * the page is open to this SRO now: the export guard and redaction are in place first, print and copy stay
   * blocked, and the verdict that follows rules (covering again if it disagrees).
   */
  const openIfPlanAllows = (
    adapter: SisAdapter,
    seen: PageIdentity,
    student: { value?: string | undefined; conflicting: boolean },
    categories: Category[],
    fields: string[],
  ): void => {
    const opens = planViews;
    if (!opens || !isCovered()) return;
    const reading = {
      username: seen.username,
      studentId: student.value,
      conflicting: seen.conflicting || student.conflicting,
      categories,
      fields,
    };
    if (!planOpens(opens, reading, Date.now())) return;
    const watching = sroWatching;
    startSroWatch(adapter);
    // The last verdict was about another page state: print and copy wait for this one's.
    verdict = undefined;
    setPrintAllowed(false);
    if (watching) redactor?.scan(document);
    hideNotice();
    uncover();
  };

  /** Asks for a verdict on the page as it is now. Only the latest evaluation may apply its answer. */
  const evaluatePage = async (adapter: SisAdapter, complete: boolean): Promise<void> => {
    const mine = ++evaluation;
    try {
      const state = currentState(adapter);
      if (complete) evaluated = state;
      const seen = identity ?? readPageIdentity(adapter);
      const student = readStudentId(adapter, document, location.href);
      const categories = complete ? (state.categories.split(',').filter(Boolean) as Category[]) : [];
      const fields = complete ? readFields(adapter, document) : [];
      if (complete) openIfPlanAllows(adapter, seen, student, categories, fields);
      const result = await evaluate({
        channel: 'page.evaluate',
        url: location.href,
        identity: {
          ...(seen.username ? { username: seen.username } : {}),
          ...(seen.roleLabel ? { roleLabel: seen.roleLabel } : {}),
          conflicting: seen.conflicting || student.conflicting,
        },
        ...(student.value ? { studentId: student.value } : {}),
        categories,
        fields,
        complete,
      });
      if (mine !== evaluation) return;
      if (!result.guarded) {
        applyVerdict(adapter, result);
        return;
      }
      if (!complete) {
        // An SRO: read the whole page before deciding, keeping it covered meanwhile.
        startSroWatch(adapter);
        if (domReady() && !completeAsked) await evaluatePage(adapter, true);
        return;
      }
      const now = currentState(adapter);
      if (
        now.href !== state.href ||
        now.studentId !== state.studentId ||
        now.categories !== state.categories
      ) {
        // The page moved on (another student or section) while this was decided: decide again, covered.
        cover();
        await evaluatePage(adapter, true);
        return;
      }
      applyVerdict(adapter, result);
    } catch {
      if (mine !== evaluation) return;
      planViews = undefined;
      failClosed();
      // A background that is slow to start is not a verdict: try again, the page staying covered meanwhile.
      if (retries < MAX_RETRIES) {
        retries += 1;
        setTimeout(() => void evaluatePage(adapter, domReady()), RETRY_MS * retries);
      }
    }
  };

  /**
   * Asks for the full verdict as soon as the page is parsed, without waiting for the identity-only answer first
   * (two round trips in a row were most of an SRO's wait). A page that turns out not to be guarded aborts it.
   */
  let completeAsked = false;
  const whenParsed = (adapter: SisAdapter): void => {
    if (completeAsked) return;
    if (domReady()) return;
    completeAsked = true;
    document.addEventListener('DOMContentLoaded', () => void evaluatePage(adapter, true), {
      once: true,
      signal: controller.signal,
    });
  };

  let sroWatching = false;
  const startSroWatch = (adapter: SisAdapter): void => {
    if (sroWatching || !reply) return;
    sroWatching = true;
    redactor = new Redactor({
      labels: reply.sensitiveLabels,
      codes: reply.sensitiveCodes,
      codeAttributes: [
        ...new Set(
          adapter.sensitiveFields.flatMap((field) => (field.codeAttribute ? [field.codeAttribute] : [])),
        ),
      ],
      mask: text('mask', language),
    });
    if (document.body) redactor.scan(document);
    installExportGuard(
      adapter,
      {
        language: () => language,
        categories: () => readCategories(adapter, document, location.href),
        studentId: () => readStudentId(adapter, document, location.href).value,
        allowPrint: () => verdict?.allowPrint ?? false,
        allowCopy: () => verdict?.allowCopy ?? false,
        setPrintAllowed,
      },
      controller.signal,
    );
    whenParsed(adapter);
    window.addEventListener('popstate', () => recheck(adapter), { signal: controller.signal });
    extensionApi.runtime.onMessage.addListener((message: unknown) => {
      if (controller.signal.aborted || !isGuardPush(message)) return;
      planViews = undefined;
      cover();
      void evaluatePage(adapter, domReady());
    });
    // A page restored from the back/forward cache was decided before it was put away: decide it again.
    window.addEventListener(
      'pageshow',
      (event) => {
        if (!event.persisted) return;
        planViews = undefined;
        cover();
        void evaluatePage(adapter, true);
      },
      { signal: controller.signal },
    );
  };

  /** Something changed under an SRO: a new section, student or URL is hidden before it paints, then decided. */
  const recheck = (adapter: SisAdapter): void => {
    if (!evaluated || !domReady()) return;
    const now = currentState(adapter);
    if (
      now.href === evaluated.href &&
      now.studentId === evaluated.studentId &&
      now.categories === evaluated.categories
    ) {
      return;
    }
    cover();
    void evaluatePage(adapter, true);
  };

  const onMutations = (adapter: SisAdapter, mutations: MutationRecord[]): void => {
    try {
      readMutations(adapter, mutations);
    } catch {
      // A broken adapter (a selector the browser refuses, a pattern that throws): nothing can be read, so the
      // page stays covered with an explanation rather than open.
      pageObserver?.disconnect();
      evaluation += 1;
      failClosed();
    }
  };

  const readMutations = (adapter: SisAdapter, mutations: MutationRecord[]): void => {
    if (!identityAsked) {
      const seen = readPageIdentity(adapter);
      if (seen.username === undefined && !seen.conflicting) return;
      // The role label may be parsed just after the name: an identity without it is not final until the page
      // is parsed (DOMContentLoaded evaluates then), so an SRO off the roster is not taken for staff.
      if (adapter.roleLabel.length > 0 && seen.roleLabel === undefined && !domReady()) return;
      identity = seen;
      identityAsked = true;
      const known = reply?.knownNonSro ?? [];
      if (!seen.conflicting && known.includes((seen.username ?? '').toLowerCase())) {
        // A teacher, clerk or admin the background has already checked in this session: nothing to do.
        stop();
        return;
      }
      whenParsed(adapter);
      void evaluatePage(adapter, domReady());
      return;
    }
    if (!sroWatching) return;
    redactor?.handleMutations(mutations);
    recheck(adapter);
  };

  void (async () => {
    try {
      reply =
        (await planFor(location.href).catch(() => undefined)) ??
        (await hello({ channel: 'page.hello', url: location.href }));
    } catch {
      failClosed();
      // The worker may still be starting: ask once more before leaving the page covered for good.
      try {
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        reply = await hello({ channel: 'page.hello', url: location.href });
        hideNotice();
      } catch {
        return;
      }
    }
    language = reply.language;
    planViews = reply.opens;
    const adapter = reply.adapter;
    if (reply.guard === 'none' || !adapter) {
      stop();
      return;
    }
    if (reply.guard === 'identity' || reply.guard === 'sign-in') {
      // An open page holds no record: never covered. It only tells the background who is signed in (or, on
      // the SIS's sign-in page, that whoever was is not any more).
      const signIn = reply.guard === 'sign-in';
      stop();
      const report = (): void => {
        const seen = readPageIdentity(adapter);
        if (!signIn && seen.username === undefined && !seen.conflicting) return;
        void reportIdentity({ channel: 'page.identity', url: location.href, signIn, identity: seen }).catch(
          () => undefined,
        );
      };
      if (domReady()) report();
      else document.addEventListener('DOMContentLoaded', report, { once: true });
      return;
    }
    pageObserver = new MutationObserver((mutations) => onMutations(adapter, mutations));
    pageObserver.observe(document, { childList: true, subtree: true, characterData: true });
    onMutations(adapter, []);
    if (!identityAsked) {
      // No identity yet once parsed: an app that fills its header late (identity.lateWaitMs) gets that long,
      // covered, for the observer above to read it; then the page is decided with whatever is known.
      const withoutIdentity = (): void => {
        if (identityAsked) return;
        identityAsked = true;
        void evaluatePage(adapter, true);
      };
      const lateWait = adapter.identity.lateWaitMs;
      const parsed = (): void => {
        if (lateWait > 0) setTimeout(withoutIdentity, lateWait);
        else withoutIdentity();
      };
      document.addEventListener('DOMContentLoaded', parsed, { once: true, signal: controller.signal });
      if (domReady() && !identityAsked) parsed();
    }
  })();
}
