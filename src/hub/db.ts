// One small database interface over the embedded PostgreSQL (PGlite) and a real PostgreSQL server (pg).
// The hub speaks the same SQL to both; only connection handling differs here.
import { mkdir, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
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
  /** Free space where the embedded database keeps its files; undefined for a PostgreSQL server. */
  freeBytes(): Promise<number | undefined>;
  /**
   * The last time a call failed because the database could not write (DbStorageError). Readiness stays
   * "not ready" for a while after it: a one-row probe can still fit where an insert of events no longer does.
   */
  lastStorageFailure(): { at: number; noSpace: boolean } | undefined;
  close(): Promise<void>;
}

/** The database cannot be reached (closed, refused, shutting down, too slow): answered 503, not 500. */
export class DbUnavailableError extends Error {
  override name = 'DbUnavailableError';
}

/** A database call that did not finish within its bound (DbBounds.timeoutMs). */
export class DbTimeoutError extends DbUnavailableError {
  override name = 'DbTimeoutError';
}

/**
 * The database cannot write: no space left (`noSpace`), a read-only or failing disk. Answered 503 with
 * Retry-After: the write was not stored, and may succeed once an operator frees space.
 */
export class DbStorageError extends DbUnavailableError {
  override name = 'DbStorageError';
  constructor(
    message: string,
    readonly noSpace: boolean,
    readonly code?: string,
  ) {
    super(message);
  }
}

/**
 * Any other error the database raised, reduced to what may be logged: its SQLSTATE code and constraint name.
 * The driver's error (which may hold the statement's parameters, so student data) is not kept.
 */
export class DbError extends Error {
  override name = 'DbError';
  /**
   * The server's own message, for the operator's tools (migrations: DDL, no values). Not enumerable, so a
   * logger serialising the error never sees it; the hub's request log never reads it.
   */
  declare readonly serverMessage: string;
  constructor(
    readonly code: string | undefined,
    readonly constraint: string | undefined,
    serverMessage = '',
  ) {
    super(`database error ${code ?? '(no code)'}${constraint ? ` on ${constraint}` : ''}`);
    Object.defineProperty(this, 'serverMessage', { value: serverMessage, enumerable: false });
  }
}

/** Another process holds the embedded database's directory. */
export class DbLockedError extends Error {
  override name = 'DbLockedError';
}

/** Bounds on every database call (see config.ts HUB_DB_TIMEOUT_MS, HUB_DB_STUCK_MS, HUB_MIN_FREE_MB). */
export interface DbBounds {
  /** A call that takes longer fails with DbTimeoutError (503). Default 10 s. */
  timeoutMs?: number;
  /**
   * PGlite only: a call still running after this long means the embedded database is stuck (a spinning WASM
   * call never returns); `onStuck` is called once. Default 30 s.
   */
  stuckMs?: number;
  onStuck?: (detail: { op: string; ms: number }) => void;
  /** PGlite only: writes are refused (DbStorageError, noSpace) while the data directory has less free space. */
  minFreeBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_STUCK_MS = 30_000;

/* Value conventions shared by both drivers: int8 → number (ids and sequences stay below 2^53),
   date → 'YYYY-MM-DD' string, timestamptz → Date, json/jsonb → parsed value. */
const INT8 = 20;
const DATE = 1082;

const toNumber = (value: string): number => Number(value);
const keepText = (value: string): string => value;

/** SQLSTATE classes that mean "cannot write", whatever the statement: 53 resources, 58 system/io, 25006. */
function storageError(code: string | undefined, message: string): DbStorageError | undefined {
  if (code === '53100' || /no space left on device/i.test(message)) {
    return new DbStorageError('the database has no space left to write', true, code);
  }
  if (
    code === '25006' ||
    (code !== undefined && (code.startsWith('53') || code.startsWith('58'))) ||
    /read-only file system/i.test(message)
  ) {
    return new DbStorageError('the database cannot write to its storage', false, code);
  }
  return undefined;
}

/** Remembers the last storage failure of one database (Db.lastStorageFailure). */
class StorageFailures {
  last: { at: number; noSpace: boolean } | undefined;
  /** Passes `error` through, noting it when it is a storage failure. */
  note<E>(error: E): E {
    if (error instanceof DbStorageError) this.last = { at: Date.now(), noSpace: error.noSpace };
    return error;
  }
  /** A transaction committed: the database writes again. */
  committed(): void {
    this.last = undefined;
  }
}

/** Only statements that change nothing may run when the disk is (nearly) full. */
const READ_ONLY_SQL = /^\s*(SELECT|SHOW)\b/i;

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

/** What the worker sends back for an error: never the statement or its parameters (pglite-worker.mjs). */
interface WorkerError {
  name: string;
  message: string;
  code?: string;
  constraint?: string;
  errno?: number;
}

type WorkerReply =
  | { id: number; ok: true; rows: unknown[]; affectedRows: number }
  | { id: number; ok: false; error: WorkerError };

function fromWorkerError(error: WorkerError): Error {
  // Emscripten's ENOSPC is errno 51 (a file-system call failed outside PostgreSQL's own error handling).
  if (error.errno === 51) return new DbStorageError('the database has no space left to write', true);
  if (error.errno === 69 || error.errno === 63) {
    return new DbStorageError('the database cannot write to its storage', false);
  }
  const storage = storageError(error.code, error.message);
  if (storage) return storage;
  if (error.code === undefined)
    return new DbUnavailableError(`the embedded database failed: ${error.message}`);
  return new DbError(error.code, error.constraint, error.message);
}

/** A FIFO mutex: PGlite runs one transaction at a time, so callers take turns here rather than in the worker. */
class Turns {
  private tail: Promise<void> = Promise.resolve();
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release = (): void => undefined;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

export interface PgliteOptions extends DbBounds {
  /** Start from this data directory dump (PGlite dumpDataDir) instead of an empty cluster: skips initdb. */
  loadDataDir?: Blob;
}

const WORKER_URL = new URL('./pglite-worker.mjs', import.meta.url);

/**
 * The embedded database: in memory when dataDir is undefined, else kept in (and locked to) that directory.
 * It runs in a worker thread (pglite-worker.mjs) so a stuck call can be timed out and detected.
 */
export async function openPglite(dataDir?: string, options: PgliteOptions = {}): Promise<Db> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const stuckMs = Math.max(options.stuckMs ?? DEFAULT_STUCK_MS, timeoutMs);
  const minFreeBytes = dataDir === undefined ? 0 : (options.minFreeBytes ?? 0);
  const lockPath = dataDir === undefined ? undefined : await lockDirectory(dataDir);
  const worker = new Worker(WORKER_URL, {
    workerData: { dataDir, loadDataDir: options.loadDataDir },
    // The worker's stdout/stderr are PGlite's own; nothing there is needed, and nothing must leak.
    stdout: true,
    stderr: true,
  });
  worker.stdout.resume();
  worker.stderr.resume();

  const failures = new StorageFailures();
  let nextId = 1;
  let dead: Error | undefined;
  let stuckReported = false;
  const pending = new Map<
    number,
    { resolve: (reply: WorkerReply) => void; op: string; started: number; timer: NodeJS.Timeout }
  >();
  const failAll = (error: Error) => {
    dead ??= error;
    for (const [id, call] of pending) {
      clearTimeout(call.timer);
      pending.delete(id);
      call.resolve({ id, ok: false, error: { name: error.name, message: error.message } });
    }
  };
  let opened: (reply: WorkerReply) => void = () => undefined;
  const ready = new Promise<WorkerReply>((resolve) => (opened = resolve));
  worker.on('message', (reply: WorkerReply) => {
    if (reply.id === 0) return opened(reply);
    const call = pending.get(reply.id);
    if (!call) return; // answered after its caller gave up (timed out)
    clearTimeout(call.timer);
    pending.delete(reply.id);
    if (pending.size === 0) worker.unref();
    call.resolve(reply);
  });
  worker.on('error', (error) => {
    const failure = new DbUnavailableError(`the embedded database stopped: ${error.message}`);
    opened({ id: 0, ok: false, error: { name: failure.name, message: failure.message } });
    failAll(failure);
  });
  worker.on('exit', () => {
    const failure = new DbUnavailableError('the embedded database stopped');
    opened({ id: 0, ok: false, error: { name: failure.name, message: failure.message } });
    failAll(failure);
  });

  // The watchdog: the main thread stays free while the worker spins, so a timer here sees a call that never
  // ends. Reported once; the hub (main.ts) logs one line and exits so a supervisor restarts it.
  const watchdog = setInterval(
    () => {
      if (stuckReported) return;
      const now = Date.now();
      for (const call of pending.values()) {
        if (now - call.started >= stuckMs) {
          stuckReported = true;
          options.onStuck?.({ op: call.op, ms: now - call.started });
          return;
        }
      }
    },
    Math.min(1000, Math.max(50, Math.floor(stuckMs / 4))),
  );
  watchdog.unref();

  const send = async (op: 'query' | 'exec' | 'close', sql?: string, params?: readonly unknown[]) => {
    if (dead) throw dead instanceof DbUnavailableError ? dead : new DbUnavailableError(dead.message);
    // A call that outlived its bound is still running in the worker, and the worker takes one call at a time:
    // anything sent now would only wait behind it. Answer at once instead (503), until it returns.
    const now = Date.now();
    for (const call of pending.values()) {
      if (now - call.started >= timeoutMs) {
        throw new DbTimeoutError(
          'the embedded database is still busy with a call that did not return in time',
        );
      }
    }
    const id = nextId++;
    const reply = await new Promise<WorkerReply>((resolve) => {
      const timer = setTimeout(() => {
        // The call stays in `pending` for the watchdog; its caller gets an answer now.
        resolve({
          id,
          ok: false,
          error: { name: 'DbTimeoutError', message: `no answer within ${timeoutMs} ms` },
        });
      }, timeoutMs);
      timer.unref();
      // The worker keeps the process alive only while a call waits on it (a CLI command must not exit early,
      // an idle hub must not be held open by it).
      if (pending.size === 0) worker.ref();
      pending.set(id, { resolve, op, started: Date.now(), timer });
      worker.postMessage({ id, op, sql, params });
    });
    if (reply.ok) return reply;
    if (reply.error.name === 'DbTimeoutError')
      throw new DbTimeoutError(`the embedded database did not answer within ${timeoutMs} ms`);
    throw failures.note(fromWorkerError(reply.error));
  };

  const first = await ready;
  if (!first.ok) {
    clearInterval(watchdog);
    await worker.terminate();
    if (lockPath) await rm(lockPath, { force: true });
    throw fromWorkerError(first.error);
  }
  worker.unref(); // from now on held only while a call waits (send)

  // Free space of the data directory, looked up at most once a second (statfs is cheap, not free).
  let free = { bytes: Number.POSITIVE_INFINITY, at: 0 };
  const freeBytes = async (): Promise<number> => {
    if (dataDir === undefined) return Number.POSITIVE_INFINITY;
    if (Date.now() - free.at < 1000) return free.bytes;
    try {
      const stats = await statfs(dataDir);
      free = { bytes: Number(stats.bavail) * Number(stats.bsize), at: Date.now() };
    } catch {
      free = { bytes: 0, at: Date.now() };
    }
    return free.bytes;
  };
  const guardWrite = async () => {
    if (minFreeBytes > 0 && (await freeBytes()) < minFreeBytes) {
      // PGlite can hang for good when it cannot create its next WAL file: never let a write get that far.
      throw failures.note(new DbStorageError('the database has no space left to write', true));
    }
  };

  let closed = false;
  const turns = new Turns();
  const isClosed = () => closed || dead !== undefined;
  const check = () => {
    if (closed) throw new DbUnavailableError('database is closed');
  };
  const run = async <R>(sql: string, params: readonly unknown[]): Promise<QueryResult<R>> => {
    const reply = await send('query', sql, params);
    if (!reply.ok) throw new DbUnavailableError('unreachable');
    return { rows: reply.rows as R[], rowCount: reply.affectedRows };
  };
  const inTx: Queryable = {
    query: async <R>(sql: string, params: readonly unknown[] = []) => {
      check();
      return run<R>(sql, params);
    },
    exec: async (sql: string) => {
      check();
      await send('exec', sql);
    },
  };
  const db: Db = {
    kind: 'pglite',
    get closed() {
      return isClosed();
    },
    freeBytes,
    lastStorageFailure: () => failures.last,
    async query<R>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      check();
      if (!READ_ONLY_SQL.test(sql)) await guardWrite();
      return turns.run(() => run<R>(sql, params));
    },
    async exec(sql: string): Promise<void> {
      check();
      await guardWrite();
      await turns.run(() => send('exec', sql));
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      check();
      await guardWrite();
      // No advisory locks (options.locks): this transaction is the only one running until it ends.
      return turns.run(async () => {
        await send('exec', 'BEGIN');
        let result: T;
        try {
          result = await fn(inTx);
        } catch (error) {
          await send('exec', 'ROLLBACK').catch(() => undefined);
          throw error;
        }
        try {
          await send('exec', 'COMMIT');
        } catch (error) {
          await send('exec', 'ROLLBACK').catch(() => undefined);
          throw error;
        }
        failures.committed();
        return result;
      });
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      clearInterval(watchdog);
      try {
        if (!dead) await send('close').catch(() => undefined);
      } finally {
        await worker.terminate();
        if (lockPath) await rm(lockPath, { force: true });
      }
    },
  };
  return db;
}

// ---------------------------------------------------------------------------------------------------------
// PostgreSQL

/**
 * Connection-level failures (refused, reset, server shutting down, too slow) mean unavailable rather than a
 * bug; a full or failing disk is a storage error; anything else keeps only its code and constraint (pg's
 * error also carries the statement's detail, which may quote the values sent).
 */
function mapPgError(error: unknown): unknown {
  if (error instanceof DbUnavailableError || error instanceof DbError) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  // Errors of the hub's own code inside a transaction (an HttpError, a refusal) pass through unchanged.
  const fromDriver =
    error instanceof pg.DatabaseError ||
    (typeof code === 'string' && (/^[0-9A-Z]{5}$/.test(code) || /^E[A-Z]{3,}$/.test(code))) ||
    /timeout|Connection terminated|pool after calling end|not queryable|connection error/i.test(message);
  if (!fromDriver) return error;
  if (
    typeof code === 'string' &&
    (code.startsWith('08') ||
      code === '57P01' ||
      code === '57P02' ||
      code === '57P03' ||
      code === '57P05' ||
      code === 'ECONNREFUSED' ||
      code === 'ECONNRESET' ||
      code === 'EPIPE' ||
      code === 'ETIMEDOUT')
  ) {
    return new DbUnavailableError(`database unavailable (${code})`);
  }
  if (code === '57014') return new DbTimeoutError('the database did not answer in time (statement timeout)');
  if (/query read timeout|timeout exceeded when trying to connect|connection timeout/i.test(message)) {
    return new DbTimeoutError('the database did not answer in time');
  }
  const storage = storageError(typeof code === 'string' ? code : undefined, message);
  if (storage) return storage;
  if (
    /pool after calling end|Connection terminated|not queryable|Client has encountered a connection error/i.test(
      message,
    )
  ) {
    return new DbUnavailableError('the database connection was lost');
  }
  const constraint = (error as { constraint?: unknown }).constraint;
  return new DbError(
    typeof code === 'string' ? code : undefined,
    typeof constraint === 'string' ? constraint : undefined,
    message,
  );
}

function pgQueryable(
  client: pg.Pool | pg.PoolClient,
  isClosed: () => boolean,
  failures: StorageFailures,
): Queryable {
  return {
    async query<R>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      if (isClosed()) throw new DbUnavailableError('database is closed');
      try {
        // pg's generics want a QueryResultRow; rows are typed by the caller's R.
        const result = await client.query(sql, params as unknown[]);
        return { rows: result.rows as R[], rowCount: result.rowCount ?? result.rows.length };
      } catch (error) {
        throw failures.note(mapPgError(error));
      }
    },
    async exec(sql: string): Promise<void> {
      if (isClosed()) throw new DbUnavailableError('database is closed');
      try {
        await client.query(sql);
      } catch (error) {
        throw failures.note(mapPgError(error));
      }
    },
  };
}

export interface PostgresOptions {
  /** Keep every table in this schema (created if missing). Must be a plain lower-case identifier. */
  schema?: string;
  /** Connections in the pool (default 10). */
  max?: number;
  /** Bound of every statement and of waiting for a connection (default 10 s). */
  timeoutMs?: number;
}

export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<Db> {
  if (options.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) {
    throw new Error('schema must be a lower-case SQL identifier');
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    // Every call is bounded: a server that stops answering (a full disk mid-checkpoint, a network partition)
    // gives 503s, not requests held open for ever.
    connectionTimeoutMillis: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    query_timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    statement_timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
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
  const failures = new StorageFailures();
  const db: Db = {
    kind: 'postgres',
    get closed() {
      return closed;
    },
    ...pgQueryable(pool, isClosed, failures),
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
        const result = await fn(pgQueryable(client, isClosed, failures));
        await client.query('COMMIT');
        failures.committed();
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          broken = rollbackError;
        }
        throw failures.note(mapPgError(error));
      } finally {
        // A client whose ROLLBACK failed is discarded rather than returned to the pool.
        client.release(broken instanceof Error ? broken : undefined);
      }
    },
    freeBytes: async () => undefined,
    lastStorageFailure: () => failures.last,
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
export async function openDb(
  config: {
    databaseUrl?: string;
    databaseSchema?: string;
    dataDir: string;
    dbTimeoutMs?: number;
    dbStuckMs?: number;
    minFreeBytes?: number;
  },
  onStuck?: DbBounds['onStuck'],
): Promise<Db> {
  if (config.databaseUrl !== undefined) {
    return openPostgres(config.databaseUrl, {
      ...(config.databaseSchema !== undefined ? { schema: config.databaseSchema } : {}),
      ...(config.dbTimeoutMs !== undefined ? { timeoutMs: config.dbTimeoutMs } : {}),
    });
  }
  return openPglite(config.dataDir, {
    ...(config.dbTimeoutMs !== undefined ? { timeoutMs: config.dbTimeoutMs } : {}),
    ...(config.dbStuckMs !== undefined ? { stuckMs: config.dbStuckMs } : {}),
    ...(config.minFreeBytes !== undefined ? { minFreeBytes: config.minFreeBytes } : {}),
    ...(onStuck ? { onStuck } : {}),
  });
}
