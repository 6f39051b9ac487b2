import { useEffect, useState } from 'preact/hooks';
import type { PopupStatus } from '../contracts/gate';
import { formatTime, t } from './i18n';
import { askWithFailure } from './messages';

const STATUS_KEYS: Record<string, string> = {
  pending: 'statusPending',
  approved: 'statusApproved',
  denied: 'statusDenied',
  withdrawn: 'statusWithdrawn',
};

const minutesLeft = (until: string, now: number): number =>
  Math.max(0, Math.ceil((Date.parse(until) - now) / 60_000));

/** The popup: the policy in force, the SRO's active access with time left, and their requests. */
export function PolicyStatus() {
  const [status, setStatus] = useState<PopupStatus | undefined>(undefined);
  const [failed, setFailed] = useState(false);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    let stop = (): void => undefined;
    const load = (): void => {
      stop();
      // A background that fails or does not answer is shown as such, never "Loading" for ever.
      stop = askWithFailure<PopupStatus>(
        { channel: 'popup.status' },
        (answer) => {
          setStatus(answer);
          setFailed(false);
        },
        () => setFailed(true),
      );
      setNow(Date.now());
    };
    load();
    const timer = setInterval(load, 15_000);
    return () => {
      clearInterval(timer);
      stop();
    };
  }, []);

  if (!status && failed)
    return (
      <main class="panel">
        <h1>{t('extensionName')}</h1>
        <p role="alert">{t('backgroundUnavailable')}</p>
      </main>
    );
  if (!status)
    return (
      <main class="panel" aria-busy="true">
        {t('gateLoading')}
      </main>
    );
  return (
    <main class="panel">
      <h1>{t('extensionName')}</h1>
      {status.policy ? (
        <dl>
          <dt>{t('district')}</dt>
          <dd>{status.policy.district}</dd>
          <dt>{t('policyVersion')}</dt>
          <dd>
            {status.policy.id} · v{status.policy.version}
          </dd>
        </dl>
      ) : (
        <p role="alert">{t('policyInvalid')}</p>
      )}
      {status.consoleUrl && (
        <p>
          <a href={status.consoleUrl} target="_blank" rel="noopener noreferrer">
            {t('popupConsole')}
          </a>
        </p>
      )}
      <h2>{t('popupGrants')}</h2>
      {status.grants.length === 0 ? (
        <p>{t('popupNoGrants')}</p>
      ) : (
        <ul class="grants">
          {status.grants.map((grant) => (
            <li key={grant.id}>
              {t('popupStudent', grant.studentId)} · {grant.categories.join(', ')} · {grant.basis} ·{' '}
              <strong>{t('popupTimeLeft', String(minutesLeft(grant.expiresAt, now)))}</strong> (
              {formatTime(grant.expiresAt)})
            </li>
          ))}
        </ul>
      )}
      <h2>{t('popupRequests')}</h2>
      {status.requests.length === 0 ? (
        <p>{t('popupNoRequests')}</p>
      ) : (
        <ul class="requests">
          {status.requests.map((request) => (
            <li key={request.id}>
              {t('popupStudent', request.studentId)} · {request.categories.join(', ')} · {request.basis} ·{' '}
              <strong>{t(STATUS_KEYS[request.status] ?? request.status)}</strong>
              {request.status === 'denied' && request.decisionReason && (
                <p class="denied-reason">{t('popupDeniedReason', request.decisionReason)}</p>
              )}
            </li>
          ))}
        </ul>
      )}
      <p>
        <a href={browser.runtime.getURL('/interactions.html')} target="_blank" rel="noopener">
          {browser.i18n.getUILanguage().toLowerCase().startsWith('es')
            ? 'Registrar una interacción con un estudiante'
            : 'Log an interaction with a student'}
        </a>
      </p>
    </main>
  );
}
