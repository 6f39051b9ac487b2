import type { FastifyInstance } from 'fastify';
import type { HubContext } from '../../context';

/**
 * A group of console API routes. Registered under /console/api; each route declares `config.console` (the
 * roles whose sessions may call it, or 'public'); the session is `consoleSession(request)` (plugin.ts).
 */
export type ConsoleApiModule = (api: FastifyInstance, context: HubContext) => void;
