// The first page after sign-in: who is signed in, until when, and the pages this role may open.
import { fill, formatDateTime, useLang, useText, type Texts } from '../i18n';
import { useConsole } from '../session';
import type { ConsolePage } from './page';

const TEXT: Texts<'intro' | 'session' | 'idle' | 'expires' | 'policy' | 'pages'> = {
  en: {
    intro: 'Welcome, {user}.',
    session: 'Your session',
    idle: 'Ends when idle until: {time} (each action extends it)',
    expires: 'Ends at the latest: {time}',
    policy: 'Policy in force: version {version}',
    pages: 'Your pages',
  },
  es: {
    intro: 'Bienvenido, {user}.',
    session: 'Su sesión',
    idle: 'Termina por inactividad: {time} (cada acción la extiende)',
    expires: 'Termina a más tardar: {time}',
    policy: 'Política vigente: versión {version}',
    pages: 'Sus páginas',
  },
};

function Home() {
  const text = useText(TEXT);
  const lang = useLang();
  const { session, policy, pages: all } = useConsole();
  const pages = all.filter((page) => page.id !== 'home' && page.nav !== false);
  return (
    <>
      <p>{fill(text.intro, { user: session.username })}</p>
      <h2>{text.session}</h2>
      <ul>
        <li>{fill(text.idle, { time: formatDateTime(session.idleUntil, lang, policy?.timeZone) })}</li>
        <li>{fill(text.expires, { time: formatDateTime(session.expiresAt, lang, policy?.timeZone) })}</li>
        {policy && <li>{fill(text.policy, { version: policy.policyVersion })}</li>}
      </ul>
      {pages.length > 0 && (
        <>
          <h2>{text.pages}</h2>
          <ul>
            {pages.map((page) => (
              <li key={page.id}>
                <a href={`#/${page.id}`}>{page.title[lang]}</a>
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

export const homePage: ConsolePage = {
  id: 'home',
  title: { en: 'Overview', es: 'Resumen' },
  roles: ['clerk', 'admin'],
  component: Home,
};
