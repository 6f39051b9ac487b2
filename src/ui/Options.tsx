import { useEffect, useState } from 'preact/hooks';
import type { HardeningAssessment } from '../decide/hardening';
import type { LogStatus } from '../contracts/gate';
import type { ReplyOf } from '../contracts/channels';
import { AdminStatus } from './AdminStatus';
import { AdapterRecorder } from './AdapterRecorder';
import { pick, t } from './i18n';
import { askBackground, askWithFailure } from './messages';

/** How often a section the background did not answer is asked again (a late answer also replaces it). */
const RETRY_MS = 10_000;

/**
 * One answer from the background for a section of the page: the answer, or `failed` when the background failed
 * or did not answer in time (then asked again until it answers) — never "working" for ever.
 */
function useBackgroundAnswer<T>(channel: string): { answer: T | undefined; failed: boolean } {
  const [answer, setAnswer] = useState<T | undefined>(undefined);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let stop = (): void => undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let answered = false;
    const load = (): void => {
      stop();
      stop = askWithFailure<T>(
        { channel },
        (reply) => {
          answered = true;
          if (retry !== undefined) clearTimeout(retry);
          setAnswer(reply);
          setFailed(false);
        },
        () => {
          if (answered) return;
          setFailed(true);
          if (retry !== undefined) clearTimeout(retry);
          retry = setTimeout(load, RETRY_MS);
        },
      );
    };
    load();
    return () => {
      stop();
      if (retry !== undefined) clearTimeout(retry);
    };
  }, [channel]);
  return { answer, failed };
}

/** The admin's view of this browser: policy in force, the local log, its delivery, verification and export. */
export function Options() {
  const { answer: status, failed: statusFailed } = useBackgroundAnswer<LogStatus>('log.status');
  const { answer: hardening, failed: hardeningFailed } =
    useBackgroundAnswer<HardeningAssessment>('hardening.status');
  const [verdict, setVerdict] = useState<string>('');
  const [busy, setBusy] = useState(false);

  const verify = async (): Promise<void> => {
    setBusy(true);
    setVerdict(t('optionsWorking'));
    try {
      const result = await askBackground<ReplyOf<'log.verify'> | undefined>({ channel: 'log.verify' });
      if (!result) throw new Error('no answer');
      setVerdict(
        result.ok
          ? t('optionsVerifyOk', String(result.count))
          : t('optionsVerifyBroken', [String(result.firstBroken.seq), result.firstBroken.problem]),
      );
    } catch {
      // A background that failed is said, not left as "working".
      setVerdict(t('backgroundUnavailable'));
    } finally {
      setBusy(false);
    }
  };

  const download = async (format: 'json' | 'csv'): Promise<void> => {
    setBusy(true);
    try {
      const file = await askBackground<{ filename: string; mime: string; text: string } | undefined>({
        channel: 'log.export',
        format,
      });
      if (!file) throw new Error('no answer');
      const url = URL.createObjectURL(new Blob([file.text], { type: file.mime }));
      const link = document.createElement('a');
      link.href = url;
      link.download = file.filename;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch {
      setVerdict(t('backgroundUnavailable'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="gate">
      <h1>{t('optionsTitle')}</h1>
      {!status && statusFailed && (
        <p id="status-unavailable" role="alert">
          {t('backgroundUnavailable')}
        </p>
      )}
      {status && (
        <dl class="status">
          <dt>{t('policyVersion')}</dt>
          <dd>{status.policy ? `${status.policy.id} · v${status.policy.version}` : t('policyInvalid')}</dd>
          <dt>{t('optionsManagedRole')}</dt>
          <dd>{status.managedRole ?? t('optionsNone')}</dd>
          <dt>{t('optionsHub')}</dt>
          <dd>{status.hubUrl ?? t('optionsNoHub')}</dd>
          <dt>{t('optionsEvents')}</dt>
          <dd id="event-count">{status.events}</dd>
          <dt>{t('optionsPending')}</dt>
          <dd id="pending-count">{status.pending}</dd>
          {status.lastError && (
            <>
              <dt>{t('optionsLastError')}</dt>
              <dd>{status.lastError}</dd>
            </>
          )}
        </dl>
      )}
      <AdminStatus />
      <section aria-labelledby="hardening-title" id="hardening" data-state={hardening?.state}>
        <h2 id="hardening-title">{t('hardeningTitle')}</h2>
        {hardening === undefined ? (
          hardeningFailed ? (
            <p id="hardening-unavailable" role="alert">
              {t('backgroundUnavailable')}
            </p>
          ) : (
            <p aria-busy="true">{t('optionsWorking')}</p>
          )
        ) : (
          <>
            <p id="hardening-state" class={hardening.state === 'hardened' ? 'ok' : 'problems'}>
              <strong>
                {hardening.state === 'hardened' ? t('hardeningHardened') : t('hardeningUnhardened')}
              </strong>
            </p>
            <ul id="hardening-findings">
              {hardening.findings.map((finding) => (
                <li key={finding.code} data-code={finding.code} data-ok={String(finding.ok)}>
                  {/* The mark is spelled out for screen readers, not only shown as a symbol. */}
                  <span aria-hidden="true">{finding.ok ? '✓ ' : '✗ '}</span>
                  <span class="visually-hidden">
                    {finding.ok ? t('hardeningOk') : t('hardeningFinding')}:{' '}
                  </span>
                  {pick(finding.message)}
                </li>
              ))}
            </ul>
            <p>{t('hardeningNotCheckable')}</p>
            <ul id="hardening-unchecked">
              {hardening.notCheckable.map((item) => (
                <li key={item.en}>{pick(item)}</li>
              ))}
            </ul>
          </>
        )}
      </section>
      <h2>{t('optionsLog')}</h2>
      <p class="actions">
        <button type="button" disabled={busy} onClick={() => void verify()}>
          {t('optionsVerify')}
        </button>{' '}
        <button type="button" disabled={busy} onClick={() => void download('json')}>
          {t('optionsExportJson')}
        </button>{' '}
        <button type="button" disabled={busy} onClick={() => void download('csv')}>
          {t('optionsExportCsv')}
        </button>
      </p>
      <p id="verify-result" role="status" aria-live="polite">
        {verdict}
      </p>
      <AdapterRecorder />
    </main>
  );
}
