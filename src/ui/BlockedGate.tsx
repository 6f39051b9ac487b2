import { useEffect, useState } from 'preact/hooks';
import type { GateBlockedReply } from '../contracts/gate';
import { Gate } from './Gate';
import { pick, t } from './i18n';
import { askBackground } from './messages';

const REOPENED_KEY = 'record-guard.reopened';
/** As long as a SIS page waits for the background before it says it could not check. */
const BACKGROUND_TIMEOUT_MS = 4000;

/**
 * Whether to go back to a URL the background says is open now: once per URL in ten seconds, so that rules and
 * decisions that disagree can never bounce a tab between the record and the gate.
 */
function reopenOnce(url: string): boolean {
  const last = sessionStorage.getItem(REOPENED_KEY);
  const [lastUrl, lastAt] = last ? [last.slice(14), Number(last.slice(0, 13))] : ['', 0];
  if (lastUrl === url && Date.now() - lastAt < 10_000) return false;
  sessionStorage.setItem(REOPENED_KEY, `${String(Date.now()).padStart(13, '0')}:${url}`);
  return true;
}

/**
 * The gate reached by a network rule: the SIS page was never loaded. The background reads what the URL asks for
 * (student and record section, by the adapter's record patterns) and makes it a gate like a covered page's;
 * after access is granted the record opens in this same tab.
 */
export function BlockedGate({ nonce, url }: { nonce: string; url: string }) {
  const [reply, setReply] = useState<GateBlockedReply | null | undefined>(undefined);
  useEffect(() => {
    // A background that does not answer in time is shown as such (never "Loading" for ever); its answer, when
    // it comes, replaces the failure.
    const timer = setTimeout(() => setReply((current) => current ?? null), BACKGROUND_TIMEOUT_MS);
    askBackground<GateBlockedReply | undefined>({ channel: 'gate.blocked', nonce, url })
      .then((answer) => {
        // Open, or not guarded for whoever is signed in now (a teacher must not be stopped here): back to the
        // record at once, its page guard deciding as on any page.
        if ((answer?.kind === 'open' || answer?.kind === 'not-guarded') && reopenOnce(url))
          location.replace(url);
        else setReply(answer ?? null);
      })
      .catch(() => setReply(null))
      .finally(() => clearTimeout(timer));
    return () => clearTimeout(timer);
  }, [nonce, url]);

  if (reply === undefined)
    return (
      <main class="gate" aria-busy="true">
        {t('gateLoading')}
      </main>
    );
  if (reply?.kind === 'gate') return <Gate gateId={reply.gateId} returnUrl={url} />;
  if (reply?.kind === 'open')
    return (
      <main class="gate">
        <h1>{t('gateBlockedTitle')}</h1>
        <p role="status">{t('gateBlockedNotGuarded')}</p>
        <button type="button" onClick={() => location.replace(url)}>
          {t('gateOpenRecord')}
        </button>
      </main>
    );
  const message =
    reply === null
      ? t('gateUnavailable')
      : reply.kind === 'held'
        ? pick(reply.reason)
        : reply.kind === 'no-identity'
          ? t('gateBlockedNoIdentity')
          : reply.kind === 'immigration'
            ? t('gateBlockedImmigration')
            : reply.kind === 'not-guarded'
              ? t('gateBlockedNotGuarded')
              : t('gateBlockedUnclassified');
  return (
    <main class="gate">
      <h1>{t('gateBlockedTitle')}</h1>
      <p role="alert">{message}</p>
      <p class="blocked-url">
        <code>{url}</code>
      </p>
      {reply?.kind === 'not-guarded' && /^https?:\/\//i.test(url) ? (
        <button type="button" onClick={() => location.replace(url)}>
          {t('gateOpenRecord')}
        </button>
      ) : (
        <button type="button" onClick={() => history.back()}>
          {t('gateBack')}
        </button>
      )}
    </main>
  );
}
