// Reads what the browser lets the extension see of its hardening (src/decide/hardening.ts judges it), and
// watches for viewer tabs (`view-source:`) of SIS pages.
import { z } from 'zod';
import {
  keepAttempts,
  viewSourceShown,
  type HardeningSignals,
  type SchemeAttempt,
} from '../decide/hardening';

const ATTEMPTS_KEY = 'hardening.attempts';

const AttemptsSchema = z.array(
  z.object({
    scheme: z.literal('view-source'),
    host: z.string().min(1).max(260),
    time: z.string().min(1).max(40),
    shown: z.boolean(),
  }),
);

const INSTALL_TYPES = ['admin', 'development', 'normal', 'sideload', 'other'] as const;
const InstallTypeSchema = z.enum(INSTALL_TYPES);

/**
 * Whether this profile can open incognito windows, without opening one. `windows.create` refuses an incognito
 * window at once when IncognitoModeAvailability is 1 ("Incognito mode is disabled."); otherwise it refuses a
 * page that never opens in incognito (chrome://settings) before creating anything. Checked in Chromium 156.
 */
export async function probeIncognito(): Promise<HardeningSignals['incognito']> {
  try {
    const opened = await browser.windows.create({
      incognito: true,
      url: 'chrome://settings',
      focused: false,
    });
    // A browser that opened it after all: closed at once, and incognito is plainly available.
    if (opened?.id !== undefined) await browser.windows.remove(opened.id).catch(() => undefined);
    return 'available';
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/incognito mode is disabled/i.test(message)) return 'disabled';
    if (/incognito window/i.test(message)) return 'available';
    return 'unknown';
  }
}

async function installType(): Promise<HardeningSignals['installType']> {
  try {
    // getSelf needs no "management" permission.
    const parsed = InstallTypeSchema.safeParse((await browser.management.getSelf()).installType);
    return parsed.success ? parsed.data : 'other';
  } catch {
    return undefined;
  }
}

export async function storedAttempts(): Promise<SchemeAttempt[]> {
  const parsed = AttemptsSchema.safeParse((await browser.storage.local.get(ATTEMPTS_KEY))[ATTEMPTS_KEY]);
  return parsed.success ? parsed.data : [];
}

export async function readHardeningSignals(): Promise<HardeningSignals> {
  const [type, incognitoAccess, incognito, attempts] = await Promise.all([
    installType(),
    browser.extension.isAllowedIncognitoAccess().catch(() => false),
    probeIncognito(),
    storedAttempts(),
  ]);
  return { installType: type, incognitoAccess, incognito, attempts };
}

/** The http(s) URL a `view-source:` URL shows, if it is one. */
function viewedUrl(url: string | undefined): URL | undefined {
  if (!url?.startsWith('view-source:')) return undefined;
  try {
    const inner = new URL(url.slice('view-source:'.length));
    return inner.protocol === 'http:' || inner.protocol === 'https:' ? inner : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Records every `view-source:` tab of a SIS page once it has loaded, with whether the browser showed it, and
 * calls `onAttempt` after storing it; `onShown` hears of each one the browser did show (the network rules keep
 * a record's bytes out of it; the background also takes such a tab to the gate). Chromium reports these tabs to `tabs.onUpdated` (the "tabs" permission
 * gives their URL and title); `javascript:` URLs are not navigations and are never reported, so they cannot be
 * watched this way.
 */
export function watchViewerTabs(
  isSisUrl: (url: string) => Promise<boolean>,
  onAttempt: () => void,
  onShown: (tabId: number, url: string) => void = () => undefined,
): void {
  browser.tabs.onUpdated.addListener((tabId, change, tab) => {
    if (change.status !== 'complete') return;
    const inner = viewedUrl(tab.url);
    if (!inner) return;
    const attempt: SchemeAttempt = {
      scheme: 'view-source',
      host: inner.host,
      time: new Date().toISOString(),
      shown: viewSourceShown(tab.title, inner.host),
    };
    void (async () => {
      if (!(await isSisUrl(inner.href))) return;
      await browser.storage.local.set({ [ATTEMPTS_KEY]: keepAttempts(await storedAttempts(), attempt) });
      onAttempt();
      if (attempt.shown) onShown(tabId, inner.href);
    })().catch((error: unknown) =>
      console.error('Record Guard: could not record a view-source attempt', error),
    );
  });
}
