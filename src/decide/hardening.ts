// Whether an SRO's browser is hardened, from what the extension itself can see of it. Pure: the signals are read
// by src/enforce/hardening.ts; this turns them into findings in plain words (English and Spanish).
//
// What a content-script guard cannot stop is code running in the SIS page's own origin (a bookmarklet, a typed
// `javascript:` URL, developer tools), another profile, guest mode or an incognito window the extension does not
// run in. The district's browser policy closes those (README, "Hardening SRO browsers"). The extension cannot
// read that policy, so it checks the effects it can observe, and lists the rest as not checkable here.

export interface Message {
  en: string;
  es: string;
}

/** `management.getSelf().installType`: 'admin' means force-installed by enterprise policy. */
export type InstallType = 'admin' | 'development' | 'normal' | 'sideload' | 'other';

export interface SchemeAttempt {
  /** The viewer scheme the tab was opened with. */
  scheme: 'view-source';
  /** The SIS host whose page it was for (no path or query: those can name a student). */
  host: string;
  /** ISO instant the tab finished loading it. */
  time: string;
  /** Whether the browser showed the source (no URL blocklist) or refused it. */
  shown: boolean;
}

export interface HardeningSignals {
  /** Undefined when the browser did not say (no management API). */
  installType?: InstallType | undefined;
  /** `extension.isAllowedIncognitoAccess()`: Record Guard also runs in incognito windows. */
  incognitoAccess: boolean;
  /**
   * Whether this profile can open incognito windows (`available`), cannot (`disabled`: IncognitoModeAvailability
   * 1), or the probe gave no answer (`unknown`).
   */
  incognito: 'available' | 'disabled' | 'unknown';
  /** Viewer tabs of SIS pages seen in this browser, oldest first. */
  attempts: readonly SchemeAttempt[];
}

export type FindingCode =
  | 'force-installed'
  | 'not-force-installed'
  | 'install-unknown'
  | 'incognito-disabled'
  | 'incognito-guarded'
  | 'incognito-open'
  | 'view-source-refused'
  | 'view-source-shown';

export interface HardeningFinding {
  code: FindingCode;
  /** True when this finding is what a hardened SRO browser shows. */
  ok: boolean;
  message: Message;
}

export interface HardeningAssessment {
  state: 'hardened' | 'unhardened';
  findings: HardeningFinding[];
  /** What the hardening policy also sets that the extension cannot observe from inside the browser. */
  notCheckable: Message[];
}

const INSTALL_TYPE_TEXT: Record<InstallType, Message> = {
  admin: { en: 'by policy', es: 'por directiva' },
  development: {
    en: 'unpacked, in developer mode',
    es: 'sin empaquetar, en modo de desarrollador',
  },
  normal: { en: 'by the user, from a store', es: 'por el usuario, desde una tienda' },
  sideload: { en: 'by another program', es: 'por otro programa' },
  other: { en: 'in an unknown way', es: 'de forma desconocida' },
};

function installFinding(installType: InstallType | undefined): HardeningFinding {
  if (installType === 'admin') {
    return {
      code: 'force-installed',
      ok: true,
      message: {
        en: 'Record Guard is force-installed by the district’s policy: nobody can turn it off in this browser.',
        es: 'Record Guard está instalado a la fuerza por la directiva del distrito: nadie puede desactivarlo en este navegador.',
      },
    };
  }
  if (installType === undefined) {
    return {
      code: 'install-unknown',
      ok: false,
      message: {
        en: 'The browser did not say how Record Guard was installed, so it may not be force-installed.',
        es: 'El navegador no indicó cómo se instaló Record Guard, así que puede no estar instalado a la fuerza.',
      },
    };
  }
  const how = INSTALL_TYPE_TEXT[installType];
  return {
    code: 'not-force-installed',
    ok: false,
    message: {
      en: `Record Guard is not force-installed (installed ${how.en}): whoever uses this browser can turn it off or remove it.`,
      es: `Record Guard no está instalado a la fuerza (instalado ${how.es}): quien use este navegador puede desactivarlo o quitarlo.`,
    },
  };
}

function incognitoFinding(signals: HardeningSignals): HardeningFinding {
  if (signals.incognito === 'disabled') {
    return {
      code: 'incognito-disabled',
      ok: true,
      message: {
        en: 'Incognito windows are turned off in this browser.',
        es: 'Las ventanas de incógnito están desactivadas en este navegador.',
      },
    };
  }
  if (signals.incognitoAccess) {
    return {
      code: 'incognito-guarded',
      ok: true,
      message: {
        en: 'Record Guard also runs in incognito windows.',
        es: 'Record Guard también funciona en las ventanas de incógnito.',
      },
    };
  }
  return {
    code: 'incognito-open',
    ok: false,
    message:
      signals.incognito === 'available'
        ? {
            en: 'Incognito windows can be opened, and Record Guard does not run in them: the SIS opened there is not guarded.',
            es: 'Se pueden abrir ventanas de incógnito y Record Guard no funciona en ellas: el SIS abierto allí no está protegido.',
          }
        : {
            en: 'Record Guard could not tell whether incognito windows are turned off, and it does not run in them.',
            es: 'Record Guard no pudo saber si las ventanas de incógnito están desactivadas, y no funciona en ellas.',
          },
  };
}

/** The latest viewer attempt decides: a browser that refused the last one has the URL blocklist now. */
function attemptFinding(attempts: readonly SchemeAttempt[]): HardeningFinding | undefined {
  const latest = [...attempts].sort((a, b) => a.time.localeCompare(b.time)).at(-1);
  if (!latest) return undefined;
  return latest.shown
    ? {
        code: 'view-source-shown',
        ok: false,
        message: {
          en: `The browser showed the source of a SIS page (view-source:, ${latest.host}): its URL blocklist does not include view-source:.`,
          es: `El navegador mostró el código fuente de una página del SIS (view-source:, ${latest.host}): su lista de URL bloqueadas no incluye view-source:.`,
        },
      }
    : {
        code: 'view-source-refused',
        ok: true,
        message: {
          en: `The browser refused to show the source of a SIS page (view-source:, ${latest.host}).`,
          es: `El navegador se negó a mostrar el código fuente de una página del SIS (view-source:, ${latest.host}).`,
        },
      };
}

const NOT_CHECKABLE: Message[] = [
  {
    en: 'javascript: URLs and bookmarklets (URLBlocklist "javascript://*"): the browser tells no extension about them.',
    es: 'URL javascript: y marcadores con código (URLBlocklist "javascript://*"): el navegador no informa de ellos a ninguna extensión.',
  },
  {
    en: 'Developer tools (DeveloperToolsAvailability 2).',
    es: 'Herramientas para desarrolladores (DeveloperToolsAvailability 2).',
  },
  {
    en: 'Guest mode and adding profiles (BrowserGuestModeEnabled, BrowserAddPersonEnabled false).',
    es: 'Modo invitado y agregar perfiles (BrowserGuestModeEnabled, BrowserAddPersonEnabled en false).',
  },
];

/** Findings from the signals; the browser is hardened when every finding is. */
export function assessHardening(signals: HardeningSignals): HardeningAssessment {
  const findings = [installFinding(signals.installType), incognitoFinding(signals)];
  const attempt = attemptFinding(signals.attempts);
  if (attempt) findings.push(attempt);
  return {
    state: findings.every((finding) => finding.ok) ? 'hardened' : 'unhardened',
    findings,
    notCheckable: NOT_CHECKABLE,
  };
}

/**
 * What the log records of an assessment (as the event's evidence), and what "changed" compares: the state and
 * each finding's code, never a time, so an unchanged browser logs nothing when it starts again.
 */
export function hardeningSummary(assessment: HardeningAssessment): Record<string, string> {
  const summary: Record<string, string> = { state: assessment.state };
  for (const finding of assessment.findings) summary[finding.code] = finding.ok ? 'ok' : 'finding';
  return summary;
}

export function sameSummary(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  if (!a) return false;
  const keys = Object.keys(b);
  return Object.keys(a).length === keys.length && keys.every((key) => a[key] === b[key]);
}

/** The attempts to keep: the newest `max`, oldest first. */
export function keepAttempts(
  attempts: readonly SchemeAttempt[],
  added: SchemeAttempt,
  max = 20,
): SchemeAttempt[] {
  return [...attempts, added].sort((a, b) => a.time.localeCompare(b.time)).slice(-max);
}

/**
 * Whether a tab's title at the end of loading says the browser showed a `view-source:` page rather than refused
 * it. Chromium titles a source view "view-source:<host>…"; when its URL blocklist refuses one, the tab shows the
 * "This page is blocked" error, titled with the bare host. Anything else counts as shown (fail closed).
 */
export function viewSourceShown(title: string | undefined, host: string): boolean {
  if (title === undefined) return true;
  const bare = title.trim().toLowerCase();
  return !(bare === host.toLowerCase() || bare === host.toLowerCase().replace(/:\d+$/, ''));
}
