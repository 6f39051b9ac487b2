// A record's history: every audit entry about one target (a consent, a request, an emergency access).
import { z } from 'zod';
import { parseInput } from '../../errors';
import { consoleSession } from '../request-session';
import type { ConsoleApiModule } from './module';

const HistorySchema = z.strictObject({
  target: z
    .string()
    .regex(
      /^(consent|request|emergency|session|import):[A-Za-z0-9_.:-]{1,80}$/,
      'must name a record, e.g. consent:<id>',
    ),
});

export const historyApi: ConsoleApiModule = (api, { db }) => {
  api.get('/history', { config: { console: ['clerk', 'admin'] } }, async (request) => {
    const session = consoleSession(request);
    const { target } = parseInput(HistorySchema, request.query, 'query');
    const { rows } = await db.query<{
      id: number;
      at: Date;
      actor: string;
      actor_role: string;
      action: string;
      detail: Record<string, unknown>;
    }>(
      `SELECT id, at, actor, actor_role, action, detail FROM audit_log WHERE district = $1 AND target = $2 ORDER BY id LIMIT 500`,
      [session.district, target],
    );
    return {
      target,
      entries: rows.map((row) => ({
        id: Number(row.id),
        at: row.at.toISOString(),
        actor: row.actor,
        role: row.actor_role,
        action: row.action,
        detail: row.detail,
      })),
    };
  });
};
