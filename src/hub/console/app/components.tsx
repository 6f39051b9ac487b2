// Small pieces every page uses: loading / error / empty states, a labelled field with its error next to it,
// and a hook that loads data and reloads it on demand.
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from './api';
import { fill, useText, type Texts } from './i18n';

const TEXT: Texts<'loading' | 'network' | 'failed' | 'retry' | 'badAnswer'> = {
  en: {
    loading: 'Loading…',
    network: 'The hub does not answer. Check the connection and try again.',
    failed: 'The hub refused: {message}',
    retry: 'Try again',
    badAnswer: 'The hub sent an answer this page does not understand.',
  },
  es: {
    loading: 'Cargando…',
    network: 'El centro no responde. Revise la conexión e intente de nuevo.',
    failed: 'El centro lo rechazó: {message}',
    retry: 'Intentar de nuevo',
    badAnswer: 'El centro envió una respuesta que esta página no entiende.',
  },
};

/** The message of an error as a person should read it. */
export function useErrorText(): (error: unknown) => string {
  const text = useText(TEXT);
  return (error: unknown) => {
    if (error instanceof ApiError) {
      if (error.code === 'network') return text.network;
      if (error.code === 'bad_answer') return text.badAnswer;
      return fill(text.failed, { message: error.message });
    }
    return fill(text.failed, { message: error instanceof Error ? error.message : String(error) });
  };
}

export type Loaded<T> =
  { state: 'loading' } | { state: 'error'; error: unknown } | { state: 'ready'; value: T };

/** Loads once, and again whenever `reload()` is called or `deps` change. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): [Loaded<T>, () => void] {
  const [result, setResult] = useState<Loaded<T>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setResult((previous) => (previous.state === 'ready' ? previous : { state: 'loading' }));
    load().then(
      (value) => live && setResult({ state: 'ready', value }),
      (error: unknown) => live && setResult({ state: 'error', error }),
    );
    return () => {
      live = false;
    };
  }, [...deps, round]);
  const reload = useCallback(() => setRound((value) => value + 1), []);
  return [result, reload];
}

/** Loading, error (with a retry) or the content. */
export function Load<T>(props: { loaded: Loaded<T>; retry(): void; children(value: T): ComponentChildren }) {
  const text = useText(TEXT);
  const errorText = useErrorText();
  if (props.loaded.state === 'loading') return <p role="status">{text.loading}</p>;
  if (props.loaded.state === 'error') {
    return (
      <div class="error-box" role="alert">
        <p>{errorText(props.loaded.error)}</p>
        <button type="button" onClick={props.retry}>
          {text.retry}
        </button>
      </div>
    );
  }
  return <>{props.children(props.loaded.value)}</>;
}

export function Empty(props: { children: ComponentChildren }) {
  return <p class="empty">{props.children}</p>;
}

/** A form field: label, control, hint, and the hub's or the form's error right next to it. */
export function Field(props: {
  id: string;
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  children(describedBy: string | undefined, invalid: boolean): ComponentChildren;
}) {
  const ids = [props.hint ? `${props.id}-hint` : '', props.error ? `${props.id}-error` : ''].filter(Boolean);
  return (
    <div class={props.error ? 'field has-error' : 'field'}>
      <label for={props.id}>{props.label}</label>
      {props.hint && (
        <p id={`${props.id}-hint`} class="hint">
          {props.hint}
        </p>
      )}
      {props.children(ids.length > 0 ? ids.join(' ') : undefined, props.error !== undefined)}
      {props.error && (
        <p id={`${props.id}-error`} class="field-error">
          {props.error}
        </p>
      )}
    </div>
  );
}
