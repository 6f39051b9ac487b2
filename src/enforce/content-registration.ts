import type { PolicyBundle } from '../policy/bundle';
import { matchPatternsFor } from '../sis/match';

const SCRIPT_ID = 'record-guard-sis';
// Built from entrypoints/sis.content.ts (WXT names runtime-registered content scripts by entrypoint).
const SCRIPT_FILE = 'content-scripts/sis.js';

/**
 * Registers the guard on the hosts of the active policy's adapters, at document_start in every frame.
 * Registrations persist across browser restarts, so a page opened before the worker wakes is still guarded.
 */
export async function registerGuardScript(bundle: PolicyBundle): Promise<void> {
  const matches = matchPatternsFor(bundle.adapters);
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
  const existing = await browser.scripting.getRegisteredContentScripts({ ids: [SCRIPT_ID] });
  if (existing.length > 0) await browser.scripting.updateContentScripts([script]);
  else await browser.scripting.registerContentScripts([script]);
}
