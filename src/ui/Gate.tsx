import { useEffect, useRef, useState } from 'preact/hooks';
import type { DecisionOption } from '../decide/decision';
import type { GateContext, GateSubmitResult, Localized } from '../contracts/gate';
import { formatTime, pick, t } from './i18n';
import { askBackground, askWithFailure } from './messages';
import { GUARD_PLAN_KEY } from '../contracts/guard-plan';

type Problem = { field: string; message: Localized };

const ACTION_KEYS = {
  view: 'actionView',
  export: 'actionExport',
  print: 'actionPrint',
  copy: 'actionCopy',
} as const;

/** One evidence input, labelled and tied to its error message. */
function EvidenceInput(props: {
  field: DecisionOption['evidence'][number];
  value: string;
  /** Today in the district (YYYY-MM-DD): the date picker offers no later day. */
  today: string;
  error?: string | undefined;
  onInput: (value: string) => void;
}) {
  const { field, value, today, error, onInput } = props;
  const id = `evidence-${field.id}`;
  const describedBy = error ? `${id}-error` : undefined;
  const common = {
    id,
    name: field.id,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy,
    required: field.required,
  };
  let control;
  if (field.kind === 'yes-no') {
    return (
      <div class="field checkbox">
        <input
          {...common}
          required={false}
          type="checkbox"
          checked={value === 'yes'}
          onChange={(event) => onInput((event.currentTarget as HTMLInputElement).checked ? 'yes' : 'no')}
        />
        <label for={id}>{pick(field.label)}</label>
        {error && (
          <p class="error" id={`${id}-error`}>
            {error}
          </p>
        )}
      </div>
    );
  }
  if (field.kind === 'long-text') {
    control = (
      <textarea
        {...common}
        rows={3}
        value={value}
        onInput={(e) => onInput((e.currentTarget as HTMLTextAreaElement).value)}
      />
    );
  } else if (field.kind === 'date') {
    control = (
      <input
        {...common}
        type="date"
        max={today}
        value={value}
        onInput={(e) => onInput((e.currentTarget as HTMLInputElement).value)}
      />
    );
  } else {
    control = (
      <input
        {...common}
        type="text"
        value={value}
        autocomplete="off"
        onInput={(e) => onInput((e.currentTarget as HTMLInputElement).value)}
      />
    );
  }
  return (
    <div class="field">
      <label for={id}>{pick(field.label)}</label>
      {field.help && <p class="hint">{pick(field.help)}</p>}
      {control}
      {error && (
        <p class="error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

function BasisSummary({ option }: { option: DecisionOption }) {
  return (
    <span class="basis-meta">
      {option.mode === 'immediate'
        ? `${t('gateOpensNow', String(option.grantMinutes))}${option.review ? `; ${t('gateReviewed')}` : ''}`
        : t('gateNeedsApproval')}
      {option.notice.required && option.notice.timing === 'before-disclosure'
        ? `. ${t('gateNoticeDuty')}`
        : ''}
      <br />
      <span class="citations">{option.citations.join(' · ')}</span>
    </span>
  );
}

/**
 * The gate: what was asked for, why it is covered, and the lawful ways forward. Everything shown comes from the
 * policy or from the user and is rendered as text (Preact escapes it); nothing from the SIS page reaches here
 * except the student id and categories the background re-checked.
 */
export function Gate({ gateId, returnUrl }: { gateId: string; returnUrl?: string }) {
  const [context, setContext] = useState<GateContext | null | undefined>(undefined);
  const [basis, setBasis] = useState<string>('');
  const [evidence, setEvidence] = useState<Record<string, string>>({});
  const [justification, setJustification] = useState('');
  const [attested, setAttested] = useState(false);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<GateSubmitResult | undefined>(undefined);
  const summaryRef = useRef<HTMLDivElement>(null);
  const submittedHere = useRef(false);
  const resultRef = useRef<HTMLDivElement>(null);

  const [failed, setFailed] = useState(false);
  useEffect(
    () =>
      // A background that fails or does not answer is shown as such, never "Loading" for ever.
      askWithFailure<GateContext | null>(
        { channel: 'gate.context', gateId },
        (loaded) => {
          setFailed(false);
          setContext(loaded);
          if (loaded?.options.length === 1) setBasis(loaded.options[0]?.basis ?? '');
        },
        () => setFailed(true),
      ),
    [gateId],
  );

  useEffect(() => {
    if (!returnUrl) return undefined;
    // The record this tab asked for opens by itself once access covers it: a grant stated in another tab, a
    // consent or an approval synced from the hub. Every such change republishes the guard plan, so a change to
    // it is the moment to ask again; the background's decision, not the plan, says whether it opens.
    const onChange = (changes: Record<string, unknown>, area: string): void => {
      // A grant stated here shows its result first; the SRO opens the record from it.
      if (area !== 'session' || !(GUARD_PLAN_KEY in changes) || submittedHere.current) return;
      void askBackground<GateContext | null>({ channel: 'gate.context', gateId }).then((now) => {
        if (now && (now.outcome === 'allow' || now.outcome === 'redact')) location.reload();
      });
    };
    browser.storage.onChanged.addListener(onChange);
    return () => browser.storage.onChanged.removeListener(onChange);
  }, [gateId, returnUrl]);

  // A records clerk's decision arrives in the background, not in this page: while a request for this record
  // waits (or any SRO request could be decided: a gate that took the place of a record), the gate asks the
  // background every second. A denial is shown with the clerk's reason at once (it changes no plan); an approval
  // opens the record (the plan change above usually gets there first).
  const waiting = context?.pendingRequest !== undefined || (result?.ok === true && result.kind === 'request');
  const watch = waiting || (returnUrl !== undefined && result === undefined);
  const shownState = context ? `${context.pendingRequest ?? ''}|${context.deniedRequest?.id ?? ''}` : '';
  useEffect(() => {
    if (!watch) return undefined;
    const timer = setInterval(() => {
      void askBackground<GateContext | null>({ channel: 'gate.context', gateId }).then((now) => {
        if (!now) return;
        if ((now.outcome === 'allow' || now.outcome === 'redact') && returnUrl) {
          location.reload();
          return;
        }
        if (`${now.pendingRequest ?? ''}|${now.deniedRequest?.id ?? ''}` === shownState) return;
        if (now.pendingRequest === undefined) setResult(undefined);
        setContext(now);
      });
    }, 1000);
    return () => clearInterval(timer);
  }, [gateId, returnUrl, watch, shownState]);

  useEffect(() => {
    if (problems.length > 0) summaryRef.current?.focus();
  }, [problems]);
  useEffect(() => {
    if (result?.ok) resultRef.current?.focus();
  }, [result]);

  if (context === undefined && failed)
    return (
      <main class="gate">
        <h1>{t('gateTitle')}</h1>
        <p role="alert">{t('backgroundUnavailable')}</p>
      </main>
    );
  if (context === undefined)
    return (
      <main class="gate" aria-busy="true">
        {t('gateLoading')}
      </main>
    );
  if (context === null) {
    return (
      <main class="gate">
        <h1>{t('gateTitle')}</h1>
        <p role="alert">{t('gateExpired')}</p>
      </main>
    );
  }

  const option = context.options.find((candidate) => candidate.basis === basis);
  const categories = context.categories
    .map((category) => pick(context.categoryLabels[category] ?? { en: category }))
    .join(', ');
  const errorFor = (field: string): string | undefined => {
    const problem = problems.find((candidate) => candidate.field === field);
    return problem ? pick(problem.message) : undefined;
  };

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const local: Problem[] = [];
    if (!option) local.push({ field: 'basis', message: { en: t('gateChooseBasis') } });
    if (!attested) local.push({ field: 'attestation', message: { en: t('gateAttestRequired') } });
    if (local.length > 0 || !option) {
      setProblems(local);
      return;
    }
    setBusy(true);
    // Set before the answer: the grant republishes the plan before the background replies.
    submittedHere.current = true;
    const values = Object.fromEntries(
      option.evidence.map((field) => [field.id, evidence[field.id] ?? (field.kind === 'yes-no' ? 'no' : '')]),
    );
    const answer = await askBackground<GateSubmitResult>({
      channel: 'gate.submit',
      gateId,
      basis: option.basis,
      evidence: values,
      justification,
      attested: true,
    });
    setBusy(false);
    // Only a grant shows its result first; a request's record opens by itself once a clerk approves it.
    submittedHere.current = answer.ok && answer.kind === 'grant';
    if (answer.ok) {
      setProblems([]);
      setResult(answer);
    } else {
      setProblems(answer.problems);
    }
  };

  if (result?.ok) {
    return (
      <main class="gate">
        <h1>{t('gateTitle')}</h1>
        <div class="result" role="status" tabIndex={-1} ref={resultRef}>
          {result.kind === 'grant' ? (
            <>
              <p>{t('gateGranted', formatTime(result.until))}</p>
              {result.review && <p>{t('gateGrantedReview')}</p>}
            </>
          ) : (
            <>
              <p>{t('gateRequested')}</p>
              {result.notice && <p>{t('gateRequestNotice')}</p>}
              {returnUrl && <p>{t('gateRequestWaiting')}</p>}
            </>
          )}
        </div>
        {returnUrl && result.kind === 'grant' ? (
          <button type="button" onClick={() => location.replace(returnUrl)}>
            {t('gateOpenRecord')}
          </button>
        ) : (
          <button type="button" onClick={() => (returnUrl ? history.back() : window.close())}>
            {t('gateReturn')}
          </button>
        )}
      </main>
    );
  }

  return (
    <main class="gate">
      {returnUrl ? (
        <>
          <h1>{t('gateProtectedTitle')}</h1>
          <p role="status">{t('gateStoppedBeforeLoad')}</p>
        </>
      ) : (
        <h1>{t('gateTitle')}</h1>
      )}
      <p class="asked">{t('gateAsked', [t(ACTION_KEYS[context.action]), categories, context.studentId])}</p>
      <section aria-labelledby="why">
        <h2 id="why">{t('gateWhy')}</h2>
        <p>{pick(context.reason)}</p>
        <p class="citations">{context.citations.join(' · ')}</p>
      </section>
      {context.deniedRequest && (
        <section class="problems denied" role="alert" aria-labelledby="denied-title">
          <h2 id="denied-title">{t('gateDeniedTitle')}</h2>
          <p>{t('gateDeniedBy', context.deniedRequest.decidedBy ?? '?')}</p>
          {context.deniedRequest.reason && <p class="denied-reason">{context.deniedRequest.reason}</p>}
        </section>
      )}
      {context.identityUnknown ? (
        <p role="alert" class="problems">
          {t('gateIdentityUnknown')}
        </p>
      ) : context.pendingRequest ? (
        <p role="status">{t('gatePending')}</p>
      ) : context.options.length === 0 ? (
        <p role="status">{t('gateBlocked')}</p>
      ) : (
        <form onSubmit={(event) => void submit(event)} noValidate>
          {problems.length > 0 && (
            <div class="problems" role="alert" tabIndex={-1} ref={summaryRef}>
              <p>{t('gateProblems')}</p>
              <ul>
                {problems.map((problem) => (
                  <li key={`${problem.field}-${problem.message.en}`}>{pick(problem.message)}</li>
                ))}
              </ul>
            </div>
          )}
          <fieldset aria-describedby={errorFor('basis') ? 'basis-error' : undefined}>
            <legend>{t('gateBasisLegend')}</legend>
            {context.options.map((candidate) => (
              <div class="basis" key={candidate.basis}>
                <input
                  type="radio"
                  id={`basis-${candidate.basis}`}
                  name="basis"
                  value={candidate.basis}
                  checked={basis === candidate.basis}
                  onChange={() => setBasis(candidate.basis)}
                />
                <label for={`basis-${candidate.basis}`}>
                  <strong>{pick(candidate.title)}</strong>
                  <br />
                  <BasisSummary option={candidate} />
                </label>
              </div>
            ))}
            {errorFor('basis') && (
              <p class="error" id="basis-error">
                {errorFor('basis')}
              </p>
            )}
          </fieldset>
          {option && option.evidence.length > 0 && (
            <fieldset>
              <legend>{t('gateEvidence')}</legend>
              {option.evidence.map((field) => (
                <EvidenceInput
                  key={field.id}
                  field={field}
                  value={evidence[field.id] ?? ''}
                  today={context.today}
                  error={errorFor(field.id)}
                  onInput={(value) => setEvidence({ ...evidence, [field.id]: value })}
                />
              ))}
            </fieldset>
          )}
          <div class="field">
            <label for="justification">{t('gateJustification')}</label>
            <p class="hint" id="justification-hint">
              {t('gateJustificationHint', String(context.justification.minLength))}
            </p>
            <textarea
              id="justification"
              rows={5}
              maxLength={context.justification.maxLength}
              value={justification}
              aria-invalid={errorFor('justification') ? true : undefined}
              aria-describedby={`justification-hint justification-count${errorFor('justification') ? ' justification-error' : ''}`}
              onInput={(e) => setJustification((e.currentTarget as HTMLTextAreaElement).value)}
            />
            <p class="hint" id="justification-count" aria-live="polite">
              {t('gateCharacters', String(justification.trim().length))}
            </p>
            {errorFor('justification') && (
              <p class="error" id="justification-error">
                {errorFor('justification')}
              </p>
            )}
          </div>
          <div class="field checkbox">
            <input
              type="checkbox"
              id="attestation"
              checked={attested}
              aria-invalid={errorFor('attestation') ? true : undefined}
              onChange={(e) => setAttested((e.currentTarget as HTMLInputElement).checked)}
            />
            <label for="attestation">{t('gateAttest')}</label>
          </div>
          <button type="submit" disabled={busy} aria-busy={busy}>
            {busy
              ? t('gateSubmitting')
              : option?.mode === 'approval'
                ? t('gateSubmitRequest')
                : t('gateSubmitNow')}
          </button>
        </form>
      )}
    </main>
  );
}
