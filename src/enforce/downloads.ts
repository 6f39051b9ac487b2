// Cancels downloads from SIS pages that nothing allows: http(s), blob: and data: alike. The decision is made
// from memory first, because a small file can finish before an await returns. An allowed export lets through
// only the download it started: the same URL (or final URL), once, for seconds — never a whole origin.

/** What one allowed export may download, until when (epoch ms). Each permit lets one download through. */
export type DownloadPermit =
  | { kind: 'url'; url: string; until: number }
  | { kind: 'endpoint'; matches: (url: string) => boolean; until: number }
  | { kind: 'local'; origin: string; until: number };

const permits: DownloadPermit[] = [];

const withoutHash = (url: string): string | undefined => {
  try {
    const parsed = new URL(url);
    parsed.hash = '';
    return parsed.href;
  } catch {
    return undefined;
  }
};

export function allowDownloadOnce(permit: DownloadPermit): void {
  permits.push(permit.kind === 'url' ? { ...permit, url: withoutHash(permit.url) ?? permit.url } : permit);
}

/** Forgets every permit (tests; a policy change). */
export function forgetDownloadPermits(): void {
  permits.length = 0;
}

function permitMatches(
  permit: DownloadPermit,
  item: Pick<Browser.downloads.DownloadItem, 'url' | 'finalUrl' | 'referrer'>,
): boolean {
  const urls = [item.url, item.finalUrl].filter(
    (url): url is string => typeof url === 'string' && url !== '',
  );
  switch (permit.kind) {
    case 'url':
      return urls.some((url) => withoutHash(url) === permit.url);
    case 'endpoint':
      return urls.some((url) => (url.startsWith('http:') || url.startsWith('https:')) && permit.matches(url));
    case 'local':
      return (
        urls.length > 0 &&
        urls.every((url) => url.startsWith('blob:') || url.startsWith('data:')) &&
        downloadOrigin(item) === permit.origin
      );
  }
}

/** Uses up the permit that lets this download through, if one does (expired permits are dropped). */
export function takeDownloadPermit(
  item: Pick<Browser.downloads.DownloadItem, 'url' | 'finalUrl' | 'referrer'>,
  now = Date.now(),
): boolean {
  for (let index = permits.length - 1; index >= 0; index -= 1) {
    const permit = permits[index];
    if (permit && permit.until < now) permits.splice(index, 1);
  }
  const index = permits.findIndex((permit) => permitMatches(permit, item));
  if (index < 0) return false;
  permits.splice(index, 1);
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
    if (origin === undefined) return;
    const ruling = deps.rule(origin);
    // A permit is used up only by a download that needs it (a teacher's downloads never do).
    if (ruling === 'allow' || takeDownloadPermit(item)) return;
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
