// The hub's command line: `npm run hub` serves; `npm run hub -- token …` manages tokens. See docs/hub.md.
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { sameText } from '../policy/roles';
import { buildApp } from './app';
import type { Actor } from './audit';
import { ConfigError, loadConfig, type HubConfig } from './config';
import { DbError, openDb, type Db } from './db';
import { redactSecrets } from './redact';
import { migrate } from './migrate';
import { PolicyStore } from './policy';
import { issueToken, listTokens, revokeToken, TokenIssueSchema } from './tokens';
import { formatIssues } from '../policy/bundle';

const USAGE = `Record Guard district hub

  npm run hub                              start the hub (configuration: environment variables, docs/hub.md)
  npm run hub -- migrate                   apply database migrations and exit
  npm run hub -- token issue --user <username> --role sro|clerk|admin --district <district-id> [--agency "<agency>"]
                                           issue a token; it is printed once (stdout) and stored only as a hash
  npm run hub -- token revoke <token-id>   revoke a token at once
  npm run hub -- token list [--district <district-id>]
                                           list tokens (never the tokens themselves)
`;

class UsageError extends Error {}

const say = (line: string) => process.stderr.write(`${line}\n`);

function operator(): Actor {
  let name = 'unknown';
  try {
    name = userInfo().username;
  } catch {
    // No user database entry (some containers): keep "unknown".
  }
  return { username: `cli:${name}`, role: 'operator', tokenId: null };
}

async function withDb<T>(config: HubConfig, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDb(config);
  try {
    await migrate(db);
    // The first command on a fresh database seeds the policy too, so the roster is there to read.
    await new PolicyStore(db)
      .seed(config.policySeed, new Date())
      .catch((error: unknown) => say(`note: ${error instanceof Error ? error.message : String(error)}`));
    return await fn(db);
  } finally {
    await db.close();
  }
}

async function tokenCommand(config: HubConfig, args: string[]): Promise<void> {
  const [action, ...rest] = args;
  if (action === 'issue') {
    const { values } = parseArgs({
      args: rest,
      options: {
        user: { type: 'string' },
        role: { type: 'string' },
        district: { type: 'string' },
        agency: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
    const parsed = TokenIssueSchema.safeParse(
      Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)),
    );
    if (!parsed.success)
      throw new UsageError(
        formatIssues(parsed.error)
          .map((line) => `--${line}`)
          .join('\n'),
      );
    await withDb(config, async (db) => {
      const input = { ...parsed.data };
      if (input.role === 'sro' && input.agency === undefined) {
        // Consents may name an agency as recipient: take the SRO's agency from the district roster when known.
        const policy = await new PolicyStore(db).active(input.district);
        const entry = policy?.bundle.policy.roles.roster.find((candidate) =>
          sameText(candidate.username, input.user),
        );
        if (entry?.agency) {
          input.agency = entry.agency;
          say(`agency "${entry.agency}" taken from the district roster`);
        } else {
          say(
            'note: no --agency given and none in the roster; consents naming an agency will not reach this SRO',
          );
        }
      }
      const { token, info } = await db.transaction((tx) => issueToken(tx, input, operator(), new Date()));
      say(
        `token ${info.id} for ${info.user} (${info.role}, ${info.district}${info.agency ? `, ${info.agency}` : ''}):`,
      );
      process.stdout.write(`${token}\n`);
      say('store it now: the hub keeps only its SHA-256 and cannot show it again');
    });
    return;
  }
  if (action === 'revoke') {
    const { positionals } = parseArgs({ args: rest, options: {}, strict: true, allowPositionals: true });
    if (positionals.length !== 1) throw new UsageError('token revoke takes one token id (see token list)');
    const id = positionals[0] as string;
    await withDb(config, async (db) => {
      const info = await db.transaction((tx) => revokeToken(tx, id, undefined, operator(), new Date()));
      if (!info) throw new UsageError(`no token with id ${id}`);
      say(
        `token ${info.id} of ${info.user} (${info.role}, ${info.district}) revoked at ${info.revokedAt ?? '?'}`,
      );
    });
    return;
  }
  if (action === 'list') {
    const { values } = parseArgs({ args: rest, options: { district: { type: 'string' } }, strict: true });
    await withDb(config, async (db) => {
      const tokens = await listTokens(db, values.district);
      process.stdout.write(
        `${['id', 'user', 'role', 'district', 'agency', 'created', 'revoked'].join('\t')}\n` +
          tokens
            .map((info) =>
              [
                info.id,
                info.user,
                info.role,
                info.district,
                info.agency ?? '',
                info.createdAt,
                info.revokedAt ?? '',
              ].join('\t'),
            )
            .map((line) => `${line}\n`)
            .join(''),
      );
    });
    return;
  }
  throw new UsageError(`unknown token command "${action ?? ''}"`);
}

/**
 * PGlite runs PostgreSQL without its background workers: no autovacuum, so no planner statistics unless asked.
 * Analyse on start and every hour (sampled, quick; PGlite runs it between other statements, never inside a
 * transaction). Rows are rarely updated here (revocations, decisions), so vacuuming is left to the operator.
 */
function startMaintenance(db: Db): NodeJS.Timeout | undefined {
  if (db.kind !== 'pglite') return undefined;
  const run = (sql: string) =>
    db.exec(sql).catch((error: unknown) => say(`maintenance (${sql}) failed: ${describeError(error)}`));
  void run('ANALYZE');
  const timer = setInterval(() => void run('ANALYZE'), 60 * 60 * 1000);
  timer.unref();
  return timer;
}

/** Exit status when the embedded database stopped answering (EX_SOFTWARE): a supervisor restarts the hub. */
export const EXIT_DB_STUCK = 70;

/** One line, for a person: what went wrong, without an object dump (a database error shows its code). */
export function describeError(error: unknown): string {
  if (error instanceof DbError) return error.message;
  if (error instanceof Error) return redactSecrets(error.message || error.name);
  if (error !== null && typeof error === 'object') {
    const fields = error as { name?: unknown; message?: unknown; code?: unknown; errno?: unknown };
    const parts = [
      fields.name,
      fields.code,
      fields.message,
      fields.errno !== undefined ? `errno ${String(fields.errno)}` : undefined,
    ]
      .filter((part) => typeof part === 'string' || typeof part === 'number')
      .map(String);
    return parts.length > 0 ? redactSecrets(parts.join(': ')) : 'unknown error';
  }
  return redactSecrets(String(error));
}

/**
 * Free space of the embedded database's directory, checked every 5 s (one statfs call): one warning when it
 * drops below HUB_LOW_DISK_MB (and one note when it recovers), before writes are refused at HUB_MIN_FREE_MB.
 */
function startDiskWatch(
  db: Db,
  config: HubConfig,
  log: { warn(o: object, m: string): void; info(o: object, m: string): void },
) {
  if (db.kind !== 'pglite' || config.lowDiskBytes <= 0) return undefined;
  let low = false;
  const check = () =>
    void db.freeBytes().then((free) => {
      if (free === undefined) return;
      const mib = Math.floor(free / (1024 * 1024));
      if (!low && free < config.lowDiskBytes) {
        low = true;
        log.warn(
          {
            freeMiB: mib,
            lowDiskMiB: config.lowDiskBytes / (1024 * 1024),
            minFreeMiB: config.minFreeBytes / (1024 * 1024),
          },
          'low disk space for the embedded database: free space now; writes are refused below the minimum',
        );
      } else if (low && free >= config.lowDiskBytes) {
        low = false;
        log.info({ freeMiB: mib }, 'disk space for the embedded database is back above the warning level');
      }
    });
  check();
  const timer = setInterval(check, 5_000);
  timer.unref();
  return timer;
}

async function serve(config: HubConfig): Promise<void> {
  // The embedded database stuck in a call that never returns (pglite-worker.mjs): nothing it holds can be
  // trusted to finish, so say so once and exit non-zero; the supervisor (systemd Restart=on-failure) restarts.
  const onStuck = ({ op, ms }: { op: string; ms: number }) => {
    process.stderr.write(
      `${JSON.stringify({ level: 60, time: Date.now(), msg: `the embedded database stopped answering (a ${op} call has run for ${ms} ms); exiting so the supervisor restarts the hub`, code: 'db_stuck' })}\n`,
    );
    process.exit(EXIT_DB_STUCK);
  };
  const db = await openDb(config, onStuck);
  let closing = false;
  try {
    const applied = await migrate(db);
    const maintenance = startMaintenance(db);
    const policies = new PolicyStore(db);
    const seeded = await policies.seed(config.policySeed, new Date());
    const app = await buildApp(config, db, { policies });
    const diskWatch = startDiskWatch(db, config, app.log);
    if (applied.length > 0) app.log.info({ applied }, 'database migrations applied');
    if (seeded) {
      app.log.info(
        { district: seeded.district, version: seeded.version },
        `policy seeded from ${config.policySeed}`,
      );
    }
    const shutdown = (signal: string) => {
      if (closing) return;
      closing = true;
      app.log.info({ signal }, 'shutting down');
      if (maintenance) clearInterval(maintenance);
      if (diskWatch) clearInterval(diskWatch);
      // A database that no longer answers must not keep the process alive past a supervisor's stop timeout.
      setTimeout(() => {
        app.log.error({ signal }, 'shutdown did not finish in 10 s; exiting');
        process.exit(1);
      }, 10_000).unref();
      app
        .close()
        .then(() => db.close())
        .then(
          () => process.exit(0),
          (error: unknown) => {
            app.log.error({ err: { type: 'Error', message: describeError(error) } }, 'shutdown failed');
            process.exit(1);
          },
        );
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    await app.listen({ port: config.port, host: config.host });
    app.log.info(
      { database: db.kind === 'postgres' ? 'postgresql' : `pglite:${config.dataDir}` },
      'record guard hub ready',
    );
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}

export async function main(argv: string[]): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === 'help' || command === '--help' || command === '-h') {
      process.stdout.write(USAGE);
      return 0;
    }
    const config = loadConfig();
    if (command === undefined || command === 'serve') {
      await serve(config);
      return -1; // keeps running
    }
    if (command === 'migrate') {
      const db = await openDb(config);
      try {
        const applied = await migrate(db);
        say(applied.length > 0 ? `applied migrations ${applied.join(', ')}` : 'the database is up to date');
      } finally {
        await db.close();
      }
      return 0;
    }
    if (command === 'token') {
      await tokenCommand(config, rest);
      return 0;
    }
    throw new UsageError(`unknown command "${command}"`);
  } catch (error) {
    if (error instanceof UsageError) {
      say(`error: ${error.message}\n`);
      process.stderr.write(USAGE);
      return 2;
    }
    if (error instanceof ConfigError) {
      say(`error: ${error.message}`);
      return 2;
    }
    if (
      error instanceof TypeError &&
      String((error as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS')
    ) {
      say(`error: ${error.message}\n`);
      process.stderr.write(USAGE);
      return 2;
    }
    say(`error: ${describeError(error)}`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
if (code >= 0) process.exit(code);
