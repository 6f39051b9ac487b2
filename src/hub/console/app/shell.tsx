// The console's frame: sign-in (a hub token exchanged once for a session cookie), the header (district, user,
// language, sign-out), the navigation of the pages this role may open, and the page itself.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { z } from 'zod';
import { ApiError, apiGet, apiSend, onSessionEnded, setCsrf } from './api';
import { fill, initialLang, keepLang, LangContext, useText, type Lang, type Texts } from './i18n';
import { PAGES } from './pages/registry';
import { navigate, useRoute } from './router';
import {
  ConsoleContext,
  PolicyContextSchema,
  SessionAnswerSchema,
  type PolicyContext,
  type Session,
} from './session';

const TEXT: Texts<
  | 'app'
  | 'skip'
  | 'signInTitle'
  | 'signInHelp'
  | 'token'
  | 'signIn'
  | 'signingIn'
  | 'signOut'
  | 'language'
  | 'nav'
  | 'loading'
  | 'ended'
  | 'wrongToken'
  | 'notConsole'
  | 'network'
  | 'failed'
  | 'notFound'
  | 'notYours'
  | 'signedInAs'
  | 'noPolicy'
  | 'roleClerk'
  | 'roleAdmin'
> = {
  en: {
    app: 'Record Guard console',
    skip: 'Skip to the page',
    signInTitle: 'Sign in',
    signInHelp:
      'Paste the hub token the district issued to you. It is exchanged once for a session in this browser and is not kept.',
    token: 'Hub token',
    signIn: 'Sign in',
    signingIn: 'Signing in…',
    signOut: 'Sign out',
    language: 'Language',
    nav: 'Console pages',
    loading: 'Loading…',
    ended: 'Your session ended (signed out, idle too long, or your token was revoked). Sign in again.',
    wrongToken: 'This token is not valid: it is wrong or has been revoked.',
    notConsole: 'The console is for records clerks and administrators. This token belongs to another role.',
    network: 'The hub does not answer. Check the connection and try again.',
    failed: 'Something went wrong: {message}',
    notFound: 'There is no such page.',
    notYours: 'This page is not open to your role ({role}).',
    signedInAs: 'Signed in as {user} ({role}), {district}',
    noPolicy: 'No policy is published for this district yet; pages that need it cannot work.',
    roleClerk: 'records clerk',
    roleAdmin: 'administrator',
  },
  es: {
    app: 'Consola de Record Guard',
    skip: 'Ir a la página',
    signInTitle: 'Iniciar sesión',
    signInHelp:
      'Pegue el token del centro que el distrito le dio. Se canjea una vez por una sesión en este navegador y no se guarda.',
    token: 'Token del centro',
    signIn: 'Iniciar sesión',
    signingIn: 'Iniciando sesión…',
    signOut: 'Cerrar sesión',
    language: 'Idioma',
    nav: 'Páginas de la consola',
    loading: 'Cargando…',
    ended:
      'Su sesión terminó (la cerró, estuvo inactiva demasiado tiempo o su token fue revocado). Inicie sesión de nuevo.',
    wrongToken: 'Este token no es válido: es incorrecto o fue revocado.',
    notConsole:
      'La consola es para encargados de registros y administradores. Este token pertenece a otro rol.',
    network: 'El centro no responde. Revise la conexión e intente de nuevo.',
    failed: 'Algo salió mal: {message}',
    notFound: 'No existe esa página.',
    notYours: 'Esta página no está abierta para su rol ({role}).',
    signedInAs: 'Sesión de {user} ({role}), {district}',
    noPolicy:
      'Aún no se ha publicado una política para este distrito; las páginas que la necesitan no funcionan.',
    roleClerk: 'encargado de registros',
    roleAdmin: 'administrador',
  },
};

type Phase = { kind: 'checking' } | { kind: 'signed-out'; ended: boolean } | { kind: 'in'; session: Session };

function SignIn(props: { ended: boolean; onSignedIn(session: Session): void }) {
  const text = useText(TEXT);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  const submit = async (event: Event) => {
    event.preventDefault();
    const field = input.current;
    if (!field) return;
    const token = field.value.trim();
    setBusy(true);
    setError(undefined);
    try {
      const { session } = await apiSend('POST', '/session', { token }, SessionAnswerSchema);
      // The token leaves the page at once: only the HttpOnly cookie stands for the session from here.
      field.value = '';
      props.onSignedIn(session);
    } catch (caught) {
      field.value = '';
      const status = caught instanceof ApiError ? caught.status : 0;
      setError(
        status === 401 || status === 400
          ? text.wrongToken
          : status === 403
            ? text.notConsole
            : status === 0
              ? text.network
              : fill(text.failed, { message: caught instanceof Error ? caught.message : String(caught) }),
      );
      field.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="signin">
      <h1>{text.signInTitle}</h1>
      {props.ended && (
        <p class="notice" role="status">
          {text.ended}
        </p>
      )}
      <form onSubmit={(event) => void submit(event)} noValidate>
        <p id="token-help">{text.signInHelp}</p>
        <label for="token">{text.token}</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="off"
          spellcheck={false}
          required
          aria-describedby={error ? 'token-help token-error' : 'token-help'}
          aria-invalid={error ? true : undefined}
          ref={input}
        />
        {error && (
          <p id="token-error" class="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? text.signingIn : text.signIn}
        </button>
      </form>
    </main>
  );
}

function LangSwitch(props: { lang: Lang; onChange(lang: Lang): void }) {
  const text = useText(TEXT);
  return (
    <label class="lang">
      {text.language}{' '}
      <select
        value={props.lang}
        onChange={(event) => props.onChange((event.currentTarget.value === 'es' ? 'es' : 'en') as Lang)}
      >
        <option value="en" lang="en">
          English
        </option>
        <option value="es" lang="es">
          Español
        </option>
      </select>
    </label>
  );
}

function SignedIn(props: { session: Session; lang: Lang; setLang(lang: Lang): void; onSignOut(): void }) {
  const text = useText(TEXT);
  const { session } = props;
  const route = useRoute();
  const [policy, setPolicy] = useState<PolicyContext | undefined>(undefined);
  const [policyMissing, setPolicyMissing] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const pages = PAGES.filter((page) => page.roles.includes(session.role));
  const wanted = route.page === '' ? pages[0]?.id : route.page;
  const page = PAGES.find((candidate) => candidate.id === wanted);

  useEffect(() => {
    apiGet('/context', PolicyContextSchema).then(setPolicy, () => setPolicyMissing(true));
  }, []);
  // A new page moves focus to its heading, so a screen reader announces where the user is.
  useEffect(() => {
    heading.current?.focus();
  }, [wanted]);

  const signOut = async () => {
    try {
      await apiSend('DELETE', '/session', undefined, z.object({ signedOut: z.boolean() }));
    } catch {
      // Already gone on the hub: the page forgets it either way.
    }
    props.onSignOut();
  };
  const role = session.role === 'clerk' ? text.roleClerk : text.roleAdmin;

  let body;
  if (!page) body = <p role="alert">{text.notFound}</p>;
  else if (!page.roles.includes(session.role)) body = <p role="alert">{fill(text.notYours, { role })}</p>;
  // Keyed by the whole fragment: a link or bookmark to the same page with other parameters (another student,
  // another period) starts the page afresh from them instead of keeping the form state of the last ones.
  else body = <page.component key={`${page.id}?${route.params.toString()}`} params={route.params} />;
  const title = page ? page.title[props.lang] : text.notFound;
  useEffect(() => {
    document.title = `${title} · ${text.app}`;
  }, [title, text.app]);

  return (
    <ConsoleContext.Provider value={{ session, policy, pages, navigate }}>
      <a class="skip" href="#main" onClick={(event) => (event.preventDefault(), heading.current?.focus())}>
        {text.skip}
      </a>
      <header class="top">
        <p class="brand">{text.app}</p>
        <p class="who">
          {fill(text.signedInAs, { user: session.username, role, district: session.district })}
        </p>
        <LangSwitch lang={props.lang} onChange={props.setLang} />
        <button type="button" class="secondary" onClick={() => void signOut()}>
          {text.signOut}
        </button>
      </header>
      <div class="layout">
        <nav aria-label={text.nav}>
          <ul>
            {pages
              .filter((candidate) => candidate.nav !== false)
              .map((candidate) => (
                <li key={candidate.id}>
                  <a href={`#/${candidate.id}`} aria-current={candidate.id === page?.id ? 'page' : undefined}>
                    {candidate.title[props.lang]}
                  </a>
                </li>
              ))}
          </ul>
        </nav>
        <main id="main">
          <h1 tabIndex={-1} ref={heading}>
            {title}
          </h1>
          {policyMissing && (
            <p class="notice" role="status">
              {text.noPolicy}
            </p>
          )}
          {body}
        </main>
      </div>
    </ConsoleContext.Provider>
  );
}

export function Shell() {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const [phase, setPhase] = useState<Phase>({ kind: 'checking' });
  const setLang = useCallback((next: Lang) => {
    keepLang(next);
    setLangState(next);
  }, []);

  useEffect(() => {
    keepLang(lang);
    // A reload keeps the session (the cookie): ask the hub whether it is still live.
    apiGet('/session', SessionAnswerSchema).then(
      ({ session }) => {
        setCsrf(session.csrf);
        setPhase({ kind: 'in', session });
      },
      () => setPhase({ kind: 'signed-out', ended: false }),
    );
    return onSessionEnded(() => {
      setCsrf(undefined);
      setPhase({ kind: 'signed-out', ended: true });
    });
  }, []);

  return (
    <LangContext.Provider value={lang}>
      {phase.kind === 'checking' && <Loading />}
      {phase.kind === 'signed-out' && (
        <>
          <header class="top">
            <p class="brand">{TEXT[lang].app}</p>
            <LangSwitch lang={lang} onChange={setLang} />
          </header>
          <SignIn
            ended={phase.ended}
            onSignedIn={(session) => {
              setCsrf(session.csrf);
              setPhase({ kind: 'in', session });
            }}
          />
        </>
      )}
      {phase.kind === 'in' && (
        <SignedIn
          session={phase.session}
          lang={lang}
          setLang={setLang}
          onSignOut={() => {
            setCsrf(undefined);
            setPhase({ kind: 'signed-out', ended: false });
          }}
        />
      )}
    </LangContext.Provider>
  );
}

function Loading() {
  const text = useText(TEXT);
  return (
    <main id="main">
      <p role="status">{text.loading}</p>
    </main>
  );
}
