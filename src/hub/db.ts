// One small database interface over the embedded PostgreSQL (PGlite) and a real PostgreSQL server (pg).
// The hub speaks the same SQL to both; only connection handling differs here.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import pg from 'pg';

export interface QueryResult<R> {
  rows: R[];
  /** Rows returned, or rows changed by INSERT/UPDATE/DELETE. */
  rowCount: number;
}

export interface Queryable {
  /** One statement with $1… parameters. */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Several statements, no parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface TransactionOptions {
  /**
   * Statements taking transaction-scoped advisory locks (lockStatements in locks.ts; no parameters). On
   * PostgreSQL they run in the same round trip as BEGIN. PGlite skips them: it runs one transaction at a time
   * (its transaction holds the database's mutex until COMMIT), so nothing could wait on them there.
   */
  locks?: string;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  readonly closed: boolean;
  /**
   * Runs fn in a transaction: committed when fn resolves, rolled back when it throws. `locks` are taken first
   * (see TransactionOptions).
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
}

/** The database cannot be reached (closed, refused, shutting down): answered 503, not 500. */
export class DbUnavailableError extends Error {
  override name = 'DbUnavailableError';
}

/** Another process holds the embedded database's directory. */
export class DbLockedError extends Error {
  override name = 'DbLockedError';
}

/* Value conventions shared by both drivers: int8 → number (ids and sequences stay below 2^53),
   date → 'YYYY-MM-DD' string, timestamptz → Date, json/jsonb → parsed value. */
const INT8 = 20;
const DATE = 1082;

const toNumber = (value: string): number => Number(value);
const keepText = (value: string): string => value;

// ---------------------------------------------------------------------------------------------------------
// PGlite

const LOCK_FILE = '.record-guard-hub.lock';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite is single-process: two processes on one directory corrupt it. A lock file holding the owner's pid
 * refuses a second opener while the first lives; a stale lock (dead pid) is taken over.
 */
async function lockDirectory(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, String(process.pid), { flag: 'wx' });
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) {
        throw new DbLockedError(
          `the embedded database in ${dir} is in use by process ${pid}` +
            (pid === process.pid ? ' (this process)' : '') +
            '; stop that hub first, or use the admin API while it runs',
        );
      }
      await rm(path, { force: true });
    }
  }
  throw new DbLockedError(`could not lock ${dir}`);
}

type PgliteRunner = Pick<PGlite, 'query' | 'exec'>;

function pgliteQueryable(runner: PgliteRunner, isClosed: () => boolean): Queryable {
  return {
    async query<R>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      if (isClosed()) throw new DbUnavailableError('database is closed');
      const result = await runner.query<R>(sql, params as unknown[]);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(sql: string): Promise<void> {
      if (isClosed()) throw new DbUnavailableError('database is closed');
      await runner.exec(sql);
    },
  };
}

export interface PgliteOptions {
  /** Start from this data directory dump (PGlite dumpDataDir) instead of an empty cluster: skips initdb. */
  loadDataDir?: Blob;
}

/** The embedded database: in memory when dataDir is undefined, else kept in (and locked to) that directory. */
export async function openPglite(dataDir?: string, options: PgliteOptions = {}): Promise<Db> {
  const lockPath = dataDir === undefined ? undefined : await lockDirectory(dataDir);
  let lite: PGlite;
  try {
    lite = await PGlite.create(dataDir ?? 'memory://', {
      parsers: { [pgliteTypes.INT8]: toNumber, [pgliteTypes.DATE]: keepText },
      ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    });
  } catch (error) {
    if (lockPath) await rm(lockPath, { force: true });
    throw error;
  }
  let closed = false;
  const isClosed = () => closed || lite.closed;
  return {
    kind: 'pglite',
    get closed() {
      return isClosed();
    },
    ...pgliteQueryable(lite, isClosed),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      if (isClosed()) throw new DbUnavailableError('database is closed');
      // No advisory locks (options.locks): this transaction is the only one running until it ends.
      return lite.transaction(async (tx) => fn(pgliteQueryable(tx, isClosed)));
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      try {
        await lite.close();
      } finally {
        if (lockPath) await rm(lockPath, { force: true });
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// PostgreSQL

/** Connection-level failures (refused, reset, server shutting down) mean unavailable rather than a bug. */
function mapPgError(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (
    typeof code === 'string' &&
    (code.startsWith('08') ||
      code === '57P01' ||
      code === '57P02' ||
      code === '57P03' ||
      code === 'ECONNREFUSED')
  ) {
    return new DbUnavailableError(`database unavailable (${code})`);
  }
  if (error instanceof Error && /pool after calling end|Connection terminated/i.test(error.message)) {
    return new DbUnavailableError(error.message);
  }
  return error;
}

function pgQueryable(client: pg.Pool | pg.PoolClient, isClosed: () => boolean): Queryable {
  return {
    async query<R>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      if (isClosed()) throw new DbUnavailableError('database is closed');
      try {
        // pg's generics want a QueryResultRow; rows are typed by the caller's R.
        const result = await client.query(sql, params as unknown[]);
        return { rows: result.rows as R[], rowCount: result.rowCount ?? result.rows.length };
      } catch (error) {
        throw mapPgError(error);
      }
    },
    async exec(sql: string): Promise<void> {
      if (isClosed()) throw new DbUnavailableError('database is closed');
      try {
        await client.query(sql);
      } catch (error) {
        throw mapPgError(error);
      }
    },
  };
}

export interface PostgresOptions {
  /** Keep every table in this schema (created if missing). Must be a plain lower-case identifier. */
  schema?: string;
  /** Connections in the pool (default 10). */
  max?: number;
}

export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<Db> {
  if (options.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) {
    throw new Error('schema must be a lower-case SQL identifier');
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
        if (oid === INT8) return toNumber;
        if (oid === DATE) return keepText;
        return pg.types.getTypeParser(oid, format ?? 'text');
      }) as typeof pg.types.getTypeParser,
    },
    ...(options.schema !== undefined ? { options: `-c search_path=${options.schema}` } : {}),
  });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  let closed = false;
  const isClosed = () => closed;
  const db: Db = {
    kind: 'postgres',
    get closed() {
      return closed;
    },
    ...pgQueryable(pool, isClosed),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
      if (closed) throw new DbUnavailableError('database is closed');
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw mapPgError(error);
      }
      let broken: unknown;
      try {
        // One round trip for BEGIN and the locks (the simple query protocol takes several statements).
        await client.query(options.locks === undefined ? 'BEGIN' : `BEGIN; ${options.locks}`);
        const result = await fn(pgQueryable(client, isClosed));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          broken = rollbackError;
        }
        throw mapPgError(error);
      } finally {
        // A client whose ROLLBACK failed is discarded rather than returned to the pool.
        client.release(broken instanceof Error ? broken : undefined);
      }
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
  if (options.schema !== undefined) await db.exec(`CREATE SCHEMA IF NOT EXISTS ${options.schema}`);
  return db;
}

/** The configured database: PostgreSQL when a URL is given, else the embedded one in dataDir. */
export async function openDb(config: {
  databaseUrl?: string;
  databaseSchema?: string;
  dataDir: string;
}): Promise<Db> {
  if (config.databaseUrl !== undefined) {
    return openPostgres(
      config.databaseUrl,
      config.databaseSchema !== undefined ? { schema: config.databaseSchema } : {},
    );
  }
  return openPglite(config.dataDir);
}
