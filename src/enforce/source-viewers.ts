// `view-source:` of a SIS record: the network rules already keep an SRO's record from loading (a blocked or
// redirected request shows nothing), and this takes the tab to the gate whenever the browser lets such a viewer
// open at all, so the source of a covered page is never on screen. Hardened SRO browsers also block the scheme
// by policy (URLBlocklist "view-source:*"; see the README).

const VIEWER = /^view-source:/i;

/** The http(s) URL a viewer shows, if it shows one. */
export function viewedUrl(tabUrl: string | undefined): string | undefined {
  if (!tabUrl || !VIEWER.test(tabUrl)) return undefined;
  const inner = tabUrl.replace(VIEWER, '');
  try {
    const url = new URL(inner);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** Sends a tab showing a guarded SIS URL's source to the gate (blocked, with the URL it asked for). */
export function watchSourceViewers(isGuardedForSro: (url: string) => Promise<boolean>): void {
  browser.tabs.onUpdated.addListener((tabId, change, tab) => {
    const inner = viewedUrl(change.url ?? (change.status === 'loading' ? tab.url : undefined));
    if (inner === undefined) return;
    void isGuardedForSro(inner)
      .then((guarded) =>
        guarded
          ? browser.tabs.update(tabId, {
              url: `${browser.runtime.getURL('/gate.html')}#blocked=${inner}`,
            })
          : undefined,
      )
      .catch((error: unknown) =>
        console.error(
          'Record Guard: could not check a source viewer',
          error instanceof Error ? error.message : '',
        ),
      );
  });
}
