import type { PolicyBundle } from '../policy/bundle';
import { matchPatternsFor } from '../sis/match';

const SCRIPT_ID = 'record-guard-sis-extra';
// Built from entrypoints/sis-guard.ts, the script the manifest lists for the bundled adapters' hosts.
const SCRIPT_PATH = '/sis-guard.js';
const SCRIPT_FILE = SCRIPT_PATH.slice(1);

/**
 * Registers the guard, at document_start in every frame, on the active policy's SIS hosts that the manifest's
 * content script does not already cover. Registrations persist across browser restarts.
 */
export async function registerGuardScript(bundle: PolicyBundle): Promise<void> {
  // The manifest's content script already covers the bundled adapters' hosts.
  const bundled = new Set(
    browser.runtime.getManifest().content_scripts?.flatMap((script) => script.matches ?? []),
  );
  const matches = matchPatternsFor(bundle.adapters).filter((pattern) => !bundled.has(pattern));
  const existing = await browser.scripting.getRegisteredContentScripts({ ids: [SCRIPT_ID] });
  if (matches.length === 0) {
    if (existing.length > 0) await browser.scripting.unregisterContentScripts({ ids: [SCRIPT_ID] });
    return;
  }
  const script = {
    id: SCRIPT_ID,
    js: [SCRIPT_FILE],
    matches,
    runAt: 'document_start' as const,
    allFrames: true,
    // about:blank and srcdoc frames a SIS page creates are guarded like the page itself.
    matchOriginAsFallback: true,
    persistAcrossSessions: true,
  };
  if (existing.length > 0) await browser.scripting.updateContentScripts([script]);
  else await browser.scripting.registerContentScripts([script]);
  // Pages already open on a host that was not guarded until now (an SRO's record opened before the policy
  // arrived) get the guard too; a page that has it already is not guarded twice (entrypoints/sis-guard.ts).
  const before = new Set(existing.flatMap((registered) => registered.matches ?? []));
  const added = matches.filter((pattern) => !before.has(pattern));
  if (added.length > 0) await guardOpenTabs(added);
}

async function guardOpenTabs(patterns: string[]): Promise<void> {
  for (const tab of await browser.tabs.query({ url: patterns })) {
    if (tab.id === undefined) continue;
    await browser.scripting
      .executeScript({
        target: { tabId: tab.id, allFrames: true },
        files: [SCRIPT_PATH],
        injectImmediately: true,
      })
      .catch((error: unknown) => console.warn('Record Guard: could not guard an open tab', error));
  }
}
