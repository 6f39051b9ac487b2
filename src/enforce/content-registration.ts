import type { PolicyBundle } from '../policy/bundle';
import { matchPatternsFor } from '../sis/match';

const SCRIPT_ID = 'record-guard-sis-extra';
// Built from entrypoints/sis-guard.ts, the script the manifest lists for the bundled adapters' hosts.
const SCRIPT_FILE = 'sis-guard.js';

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
}
