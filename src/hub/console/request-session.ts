// What a console route knows of the request's session: the access a route declares, the session the onRequest
// hook (plugin.ts) put on the request, and the errors for none or the wrong role. A leaf, so that the route
// modules (api/) and the plugin that registers them do not import each other.
import type { FastifyRequest } from 'fastify';
import type { HubContext } from '../context';
import { HttpError } from '../errors';
import type { ConsoleRole, ConsoleSession, SessionTimes } from './session';

/** `public`: no session needed (sign-in). Otherwise the roles whose sessions may call the route. */
export type ConsoleAccess = 'public' | readonly ConsoleRole[];

declare module 'fastify' {
  interface FastifyRequest {
    /** The console session that made the request (routes under /console/api that are not public). */
    consoleSession: ConsoleSession | null;
  }
  interface FastifyContextConfig {
    console?: ConsoleAccess;
  }
}

export const noSession = (): HttpError =>
  new HttpError(401, 'unauthorized', 'sign in to the console: this request has no live session');

export const wrongRole = (): HttpError =>
  new HttpError(403, 'forbidden', 'the console is for records clerks and administrators of this district');

/** The session of a request behind a non-public console route (the onRequest hook guarantees it). */
export function consoleSession(request: FastifyRequest): ConsoleSession {
  if (!request.consoleSession) throw noSession();
  return request.consoleSession;
}

export const sessionTimes = (context: HubContext): SessionTimes => ({
  idleMs: context.config.consoleIdleMinutes * 60_000,
  maxMs: context.config.consoleMaxHours * 3_600_000,
});
