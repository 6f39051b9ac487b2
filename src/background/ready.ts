// The worker's one ready promise: every listener is registered at once and waits on this, never on its own
// start-up reads. Ready means loaded, not merely started: the policy in force, the managed settings (the last
// known ones while the browser's first live read is pending) and what this session saw on each origin.
import { guardedFor, type GuardVerdict, type HostIdentity } from '../decide/guarded';
import { isSisHost } from '../sis/match';
import type { PolicyBundle } from '../policy/bundle';
import { identityForOrigin, loadIdentities } from './identities';
import { managedSettings, type ManagedSettings } from './managed';
import { activePolicy } from './policy';

export interface Ready {
  bundle: PolicyBundle | undefined;
  managed: ManagedSettings;
}

let current: Promise<Ready> | undefined;
let snapshot: Ready | undefined;

export function ready(): Promise<Ready> {
  current ??= (async () => {
    const [bundle, managed] = await Promise.all([activePolicy(), managedSettings(), loadIdentities()]);
    const next = { bundle, managed };
    snapshot = next;
    return next;
  })();
  // A failed start-up read is tried again by the next caller rather than kept for the worker's life.
  current.catch(() => {
    current = undefined;
  });
  return current;
}

/** What the last completed ready() read, for a listener that must decide without awaiting (downloads). */
export const readyNow = (): Ready | undefined => snapshot;

/** The policy or managed settings changed: the next ready() reads them again (the snapshot stays until then). */
export function forgetReady(): void {
  current = undefined;
}

/** The managed role guardedFor() is given: the policy may decline to honour it (no policy: fail closed). */
export const managedRoleFor = (state: Ready): ManagedSettings['role'] =>
  state.bundle && !state.bundle.policy.roles.honourManagedRole ? undefined : state.managed.role;

/**
 * Who is guarded on an origin with no page to read (downloads, export endpoints): the host's known user. No
 * origin: a SIS host in general (an adapter's hosts before anyone is seen there).
 */
export function hostVerdict(
  state: Ready,
  origin: string | undefined,
  host: HostIdentity | undefined,
): GuardVerdict {
  return guardedFor({
    unidentifiedUser: state.bundle?.policy.roles.unidentifiedUser,
    managedRole: managedRoleFor(state),
    sisHost: origin === undefined || !state.bundle || isSisHost(state.bundle.adapters, `${origin}/`),
    pageRole: 'unknown',
    host,
  });
}

/** The downloads watcher's rule for an origin, from what is in memory. */
export const downloadRule = (state: Ready, origin: string): 'cancel' | 'allow' =>
  hostVerdict(state, origin, identityForOrigin(origin)).guarded ? 'cancel' : 'allow';
