// The one place messages enter the background: sender checked first, then the body parsed with its channel's
// schema, then handed to its handler. Anything else is dropped without an answer.

import { ExtensionPageRequestSchema } from '../contracts/gate';
import { PageRequestSchema, type PageRequest } from '../contracts/page-guard';
import { ready } from './ready';
import { exportLog, logStatus, verifyLog } from './log-service';
import { checkHardening } from './hardening';
import { routeInteractionMessage } from './interactions';
import {
  gateContext,
  openBlockedGate,
  openGate,
  popupStatus,
  submitGate,
  type GateEffects,
} from './gate-service';
import {
  handleEvaluate,
  handleExportCheck,
  handleHello,
  handleIdentity,
  type EvaluateEffects,
  type PageSender,
} from './page-service';

/**
 * A content script of this extension, in a web page: the browser vouches for `id`, `tab` and `frameId`;
 * the origin comes from the browser too (sender.origin / sender.url), never from the message.
 */
export function pageSender(sender: Browser.runtime.MessageSender): PageSender | undefined {
  if (sender.id !== browser.runtime.id || sender.tab?.id === undefined) return undefined;
  const origin =
    (sender as { origin?: string }).origin ?? (sender.url ? new URL(sender.url).origin : undefined);
  if (!origin || !/^https?:/.test(origin)) return undefined;
  return { tabId: sender.tab.id, frameId: sender.frameId ?? 0, origin };
}

const sameOrigin = (url: string, origin: string): boolean => {
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
};

/** An extension page (gate, popup, options): the browser-reported origin is this extension's own. */
export function isExtensionPage(sender: Browser.runtime.MessageSender): boolean {
  const origin =
    (sender as { origin?: string }).origin ?? (sender.url ? new URL(sender.url).origin : undefined);
  return sender.id === browser.runtime.id && origin === new URL(browser.runtime.getURL('/')).origin;
}

export function routeMessage(
  message: unknown,
  sender: Browser.runtime.MessageSender,
  effects: EvaluateEffects & GateEffects,
): Promise<unknown> | undefined {
  if (isExtensionPage(sender)) return routeExtensionPage(message, sender, effects);
  const page = pageSender(sender);
  if (!page) return undefined;
  const parsed = PageRequestSchema.safeParse(message);
  if (!parsed.success) {
    console.warn('Record Guard: malformed page message dropped', parsed.error.issues[0]?.path);
    return undefined;
  }
  const request = parsed.data;
  // The page's own claim of where it is must agree with what the browser says.
  if (!sameOrigin(request.url, page.origin)) return undefined;
  // Registered at once, answered once the worker is ready (policy, managed settings, identities loaded).
  return ready().then(() => routePage(request, page, effects));
}

function routePage(
  request: PageRequest,
  page: PageSender,
  effects: EvaluateEffects & GateEffects,
): Promise<unknown> {
  switch (request.channel) {
    case 'page.hello':
      return handleHello(request, page);
    case 'page.evaluate':
      return handleEvaluate(request, page, effects);
    case 'page.identity':
      return handleIdentity(request, page, effects);
    case 'export.check':
      return handleExportCheck(request, page);
    case 'gate.open':
      return openGate(request, page);
  }
}

function routeExtensionPage(
  message: unknown,
  sender: Browser.runtime.MessageSender,
  effects: GateEffects,
): Promise<unknown> | undefined {
  const parsed = ExtensionPageRequestSchema.safeParse(message);
  if (!parsed.success) return routeInteractionMessage(message);
  const request = parsed.data;
  switch (request.channel) {
    case 'gate.context':
      return gateContext(request.gateId).then((context) => context ?? null);
    case 'gate.submit':
      return submitGate(request, effects);
    case 'gate.blocked':
      return openBlockedGate(request.url, request.nonce, sender.tab?.id);
    case 'popup.status':
      return popupStatus();
    case 'log.status':
      return logStatus();
    case 'log.verify':
      return verifyLog();
    case 'log.export':
      return exportLog(request.format);
    case 'hardening.status':
      return checkHardening();
  }
}
