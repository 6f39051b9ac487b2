// Every message channel into the background: the schema its request is parsed with and the type of its reply.
// The router parses by these; senders type their replies by them (ReplyOf<'page.evaluate'>), so a request and
// its answer cannot drift apart.
import type { z } from 'zod';
import type { HardeningAssessment } from '../decide/hardening';
import type { VerifyResult } from '../store/log';
import {
  GateBlockedSchema,
  GateContextRequestSchema,
  GateOpenSchema,
  GateSubmitSchema,
  HardeningStatusSchema,
  LogExportSchema,
  LogStatusSchema,
  LogVerifySchema,
  PopupStatusSchema,
  type GateBlockedReply,
  type GateContext,
  type GateSubmitResult,
  type LogStatus,
  type PopupStatus,
} from './gate';
import {
  ExportCheckSchema,
  PageEvaluateSchema,
  PageHelloSchema,
  PageIdentitySchema,
  type ExportVerdict,
  type PageHelloReply,
  type PageVerdict,
} from './page-guard';

export const CHANNELS = {
  // Content script → background.
  'page.hello': { request: PageHelloSchema, from: 'content' },
  'page.evaluate': { request: PageEvaluateSchema, from: 'content' },
  'page.identity': { request: PageIdentitySchema, from: 'content' },
  'export.check': { request: ExportCheckSchema, from: 'content' },
  'gate.open': { request: GateOpenSchema, from: 'content' },
  // Extension pages (gate, popup, options) → background.
  'gate.context': { request: GateContextRequestSchema, from: 'extension-page' },
  'gate.submit': { request: GateSubmitSchema, from: 'extension-page' },
  'gate.blocked': { request: GateBlockedSchema, from: 'extension-page' },
  'popup.status': { request: PopupStatusSchema, from: 'extension-page' },
  'log.status': { request: LogStatusSchema, from: 'extension-page' },
  'log.verify': { request: LogVerifySchema, from: 'extension-page' },
  'log.export': { request: LogExportSchema, from: 'extension-page' },
  'hardening.status': { request: HardeningStatusSchema, from: 'extension-page' },
} as const;

export type ChannelName = keyof typeof CHANNELS;

/** The reply each channel's handler resolves to. */
export interface Replies {
  'page.hello': PageHelloReply;
  'page.evaluate': PageVerdict;
  'page.identity': { ok: true };
  'export.check': ExportVerdict;
  'gate.open': { opened: boolean };
  'gate.context': GateContext | null;
  'gate.submit': GateSubmitResult;
  'gate.blocked': GateBlockedReply;
  'popup.status': PopupStatus;
  'log.status': LogStatus;
  'log.verify': VerifyResult;
  'log.export': { filename: string; mime: string; text: string };
  'hardening.status': HardeningAssessment;
}

export type RequestOf<C extends ChannelName> = z.infer<(typeof CHANNELS)[C]['request']>;
export type ReplyOf<C extends ChannelName> = Replies[C];
