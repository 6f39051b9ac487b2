import { loadDefaultBundle } from '../policy/default-bundle';

/**
 * Wires the service worker's listeners. Listeners are registered synchronously so that an event that wakes
 * the worker finds them; anything slow waits on one start-up promise inside the handlers.
 */
export function startBackground(): void {
  const bundled = loadDefaultBundle();
  if (!bundled.ok) {
    // A broken bundled policy is a build defect; SRO pages stay covered because no policy is active.
    console.error('Record Guard: bundled policy rejected', bundled.errors);
  }
}
