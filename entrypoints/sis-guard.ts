import { startPageGuard } from '../src/guard/page-guard';

// The guard's content script, built as a plain unlisted script rather than a WXT content script: WXT's
// content-script wrapper brings webextension-polyfill and posts a message to the page on every load, about 10 ms
// of evaluation that a teacher's every SIS page paid (measured in `npm run bench -- page-load`). wxt.config.ts
// lists it in the manifest for the bundled adapters' hosts; src/enforce/content-registration.ts registers the
// same file at run time for hosts a later policy adds.
/** Set in this frame's isolated world once the guard runs: the background may inject the file into open tabs. */
const STARTED = Symbol.for('record-guard.page-guard');

export default defineUnlistedScript(() => {
  const world = globalThis as { [STARTED]?: boolean };
  if (world[STARTED]) return;
  world[STARTED] = true;
  startPageGuard();
});
