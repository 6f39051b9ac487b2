// Cancels downloads from SIS pages that nothing allows: http(s), blob: and data: alike. The decision is made
// from memory first, because a small file can finish before an await returns.

const ALLOW_MS = 60_000;
/** Origins where an export was just allowed, until when (epoch ms). */
const allowances = new Map<string, number>();

export function allowDownloadsBriefly(origin: string, now = Date.now()): void {
  allowances.set(origin, now + ALLOW_MS);
}

function isAllowed(origin: string, now: number): boolean {
  const until = allowances.get(origin);
  if (until === undefined) return false;
  if (until < now) {
    allowances.delete(origin);
    return false;
  }
  return true;
}

/** The SIS origin a download comes from: its URL's, a blob:'s inner origin, or the referrer for data: URLs. */
export function downloadOrigin(
  item: Pick<Browser.downloads.DownloadItem, 'url' | 'finalUrl' | 'referrer'>,
): string | undefined {
  const candidates = [item.finalUrl, item.url];
  for (const candidate of candidates) {
    if (!candidate) continue;
    const inner = candidate.startsWith('blob:') ? candidate.slice(5) : candidate;
    if (inner.startsWith('http:') || inner.startsWith('https:')) {
      try {
        return new URL(inner).origin;
      } catch {
        continue;
      }
    }
  }
  if (item.referrer) {
    try {
      return new URL(item.referrer).origin;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export type DownloadRuling = 'allow' | 'cancel' | 'unknown';

export interface DownloadWatcherDeps {
  /** From memory only: 'unknown' when the worker has just woken and has not read its state yet. */
  rule(origin: string): DownloadRuling;
  /** Reads state, then rules again. */
  ruleAfterLoading(origin: string): Promise<Exclude<DownloadRuling, 'unknown'>>;
  onCancelled(item: Browser.downloads.DownloadItem, origin: string): void;
}

export function watchDownloads(deps: DownloadWatcherDeps): void {
  browser.downloads.onCreated.addListener((item) => {
    const origin = downloadOrigin(item);
    if (origin === undefined || isAllowed(origin, Date.now())) return;
    const ruling = deps.rule(origin);
    if (ruling === 'allow') return;
    const cancel = async (): Promise<void> => {
      await browser.downloads.cancel(item.id).catch(() => undefined);
      // A file that finished before the cancel landed is removed from disk and from the list.
      await browser.downloads.removeFile(item.id).catch(() => undefined);
      await browser.downloads.erase({ id: item.id }).catch(() => undefined);
      deps.onCancelled(item, origin);
    };
    if (ruling === 'cancel') {
      void cancel();
      return;
    }
    // Unknown: hold the download while the worker reads who is signed in.
    void browser.downloads
      .pause(item.id)
      .catch(() => undefined)
      .then(() => deps.ruleAfterLoading(origin))
      .then((after) =>
        after === 'allow' ? browser.downloads.resume(item.id).catch(() => undefined) : cancel(),
      );
  });
}
