// Sign-in, the current session, sign-out.
import { z } from 'zod';
import { HttpError, parseInput } from '../../errors';
import { consoleSession, sessionTimes, wrongRole } from '../request-session';
import {
  clearedCookie,
  endSession,
  openSession,
  sessionCookie,
  tokenIdentity,
  type ConsoleSession,
} from '../session';
import type { ConsoleApiModule } from './module';

const SignInSchema = z.strictObject({
  /** The user's hub token; exchanged once, never stored by the page. */
  token: z.string().min(1).max(200),
});

/** What the page learns about its session (the cookie's value never). */
export const sessionView = (session: ConsoleSession) => ({
  id: session.id,
  method: session.method,
  username: session.username,
  role: session.role,
  district: session.district,
  csrf: session.csrf,
  createdAt: session.createdAt,
  expiresAt: session.expiresAt,
  idleUntil: session.idleUntil,
});

export const sessionApi: ConsoleApiModule = (api, context) => {
  const times = sessionTimes(context);

  api.post('/session', { config: { console: 'public' } }, async (request, reply) => {
    const { token } = parseInput(SignInSchema, request.body, 'body');
    const identity = await tokenIdentity.verify(context.db, token);
    if (identity === undefined) {
      throw new HttpError(401, 'unauthorized', 'this token is not valid (wrong, or revoked)', 'token');
    }
    if (identity === 'not-console') throw wrongRole();
    const now = context.now();
    const { session, secret } = await context.db.transaction((tx) => openSession(tx, identity, times, now));
    void reply.header(
      'set-cookie',
      sessionCookie(secret, {
        secure: request.protocol === 'https',
        maxAgeSeconds: Math.floor(times.maxMs / 1000),
      }),
    );
    return reply.code(201).send({ session: sessionView(session) });
  });

  api.get('/session', { config: { console: ['clerk', 'admin'] } }, async (request) => ({
    session: sessionView(consoleSession(request)),
  }));

  api.delete('/session', { config: { console: ['clerk', 'admin'] } }, async (request, reply) => {
    const session = consoleSession(request);
    await context.db.transaction((tx) => endSession(tx, session, context.now()));
    void reply.header('set-cookie', clearedCookie(request.protocol === 'https'));
    return { signedOut: true };
  });
};
