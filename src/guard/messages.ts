import { extensionApi } from './chrome-api';
import type { GateOpen } from '../contracts/gate';
import type {
  ExportCheck,
  ExportVerdict,
  PageEvaluate,
  PageHello,
  PageHelloReply,
  PageIdentityReport,
  PageVerdict,
} from '../contracts/page-guard';

/** How long the content script waits for the background before failing closed. */
export const BACKGROUND_TIMEOUT_MS = 4000;

export class BackgroundTimeout extends Error {}

/**
 * Sends without a deadline: the caller shows the page as unchecked when the answer is slow, and the answer
 * still applies when it comes (a worker's first verdict after the browser starts can take longer than the bound).
 */
export async function sendUnbounded<T>(message: unknown): Promise<T> {
  const reply = (await extensionApi.runtime.sendMessage(message)) as T | undefined;
  if (reply === undefined || reply === null) throw new Error('background gave no answer');
  return reply;
}

async function send<T>(message: unknown): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new BackgroundTimeout('background did not answer')),
      BACKGROUND_TIMEOUT_MS,
    );
  });
  try {
    const reply = (await Promise.race([extensionApi.runtime.sendMessage(message), timeout])) as T | undefined;
    if (reply === undefined || reply === null) throw new Error('background gave no answer');
    return reply;
  } finally {
    clearTimeout(timer);
  }
}

export const hello = (message: PageHello): Promise<PageHelloReply> => send(message);
export const evaluate = (message: PageEvaluate): Promise<PageVerdict> => send(message);
export const checkExport = (message: ExportCheck): Promise<ExportVerdict> => send(message);
export const openGate = (message: GateOpen): Promise<{ opened: boolean }> => send(message);
export const reportIdentity = (message: PageIdentityReport): Promise<{ ok: true }> => send(message);
