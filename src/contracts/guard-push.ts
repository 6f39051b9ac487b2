/**
 * Channel "guard.reevaluate", background → content script: something changed (a grant ended, a policy
 * arrived); evaluate the page again. Checked by hand rather than with zod to keep zod out of the content script;
 * the content script also only accepts it from its own extension (runtime.onMessage never delivers page messages).
 */
export interface GuardPush {
  channel: 'guard.reevaluate';
  reason: 'grant-changed' | 'policy-changed' | 'identity-changed' | 'navigation';
}

const REASONS = new Set(['grant-changed', 'policy-changed', 'identity-changed', 'navigation']);

export const isGuardPush = (message: unknown): message is GuardPush =>
  typeof message === 'object' &&
  message !== null &&
  (message as { channel?: unknown }).channel === 'guard.reevaluate' &&
  REASONS.has(String((message as { reason?: unknown }).reason));
