// The nonce of this browser session's blocked-navigation redirects. The gate is web-accessible (a redirect may
// only land on such a page), so any web page could open `gate.html#blocked=<url>`; only a URL carrying this
// nonce — which only the network rules put there — is taken as a navigation Record Guard stopped.
import { z } from 'zod';

const NONCE_KEY = 'gate.nonce';
const NonceSchema = z.string().regex(/^[0-9a-f]{32}$/);

let cached: Promise<string> | undefined;

export function gateNonce(): Promise<string> {
  cached ??= (async () => {
    const stored = NonceSchema.safeParse((await browser.storage.session.get(NONCE_KEY))[NONCE_KEY]);
    if (stored.success) return stored.data;
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    const nonce = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
    await browser.storage.session.set({ [NONCE_KEY]: nonce });
    return nonce;
  })();
  return cached;
}

/** Where a blocked navigation goes: the gate, this session's nonce, then the URL it asked for. */
export async function blockedGateTarget(): Promise<string> {
  return `${browser.runtime.getURL('/gate.html')}#blocked=${await gateNonce()}:`;
}
