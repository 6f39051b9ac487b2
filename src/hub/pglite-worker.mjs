// The embedded database (PGlite) runs in this worker thread, not in the hub's main thread.
//
// Why: when PGlite cannot write its WAL (a full disk, a read-only data directory) the next statement can spin
// inside the WASM PostgreSQL for good (see the README, "Hub operations"). A spinning WASM call never yields, so
// in the main thread it would freeze every request, /v1/health and even SIGTERM. Here it freezes only this
// worker: the main thread keeps answering, times the call out, and exits with one log line (db.ts).
//
// Plain JavaScript on purpose: a worker thread is started by Node itself, outside tsx and Vitest's transforms.
// Protocol (structured clone): the parent sends { id, op, sql?, params? }; the worker answers
// { id, ok: true, rows, affectedRows } or { id, ok: false, error } where error is a plain object holding only
// the PostgreSQL error's name, code, constraint, severity and message — never the query or its parameters.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, types } from '@electric-sql/pglite';

if (!parentPort) throw new Error('pglite-worker.mjs must run as a worker thread');
const port = parentPort;

/** Only these fields of an error cross back: PGlite's errors also carry `query` and `params` (student data). */
function plainError(error) {
  if (error === null || typeof error !== 'object') return { name: 'Error', message: String(error) };
  const e = /** @type {Record<string, unknown>} */ (error);
  const text = (value) => (typeof value === 'string' ? value : undefined);
  const errno = typeof e.errno === 'number' ? e.errno : undefined;
  return {
    name: text(e.name) ?? 'Error',
    message:
      text(e.message) ??
      (errno !== undefined ? `file system error (errno ${errno})` : 'unknown database error'),
    code: text(e.code),
    constraint: text(e.constraint),
    severity: text(e.severity),
    errno,
  };
}

const { dataDir, loadDataDir } = workerData;
let lite;
try {
  lite = await PGlite.create(dataDir ?? 'memory://', {
    // Same value conventions as the PostgreSQL driver (db.ts): int8 → number, date → 'YYYY-MM-DD'.
    parsers: { [types.INT8]: (value) => Number(value), [types.DATE]: (value) => value },
    ...(loadDataDir ? { loadDataDir } : {}),
  });
  port.postMessage({ id: 0, ok: true, rows: [], affectedRows: 0 });
} catch (error) {
  port.postMessage({ id: 0, ok: false, error: plainError(error) });
}

// One message at a time, in arrival order: a transaction's statements and its COMMIT/ROLLBACK never interleave
// with another caller's (db.ts also serialises callers; this keeps the order even after a timed-out call).
let queue = Promise.resolve();
port.on('message', (message) => {
  queue = queue.then(() => handle(message));
});

async function handle({ id, op, sql, params }) {
  try {
    if (!lite) throw new Error('the embedded database did not open');
    if (op === 'query') {
      const result = await lite.query(sql, params ?? []);
      port.postMessage({
        id,
        ok: true,
        rows: result.rows,
        affectedRows: result.affectedRows ?? result.rows.length,
      });
    } else if (op === 'exec') {
      await lite.exec(sql);
      port.postMessage({ id, ok: true, rows: [], affectedRows: 0 });
    } else if (op === 'close') {
      await lite.close();
      port.postMessage({ id, ok: true, rows: [], affectedRows: 0 });
    } else {
      throw new Error(`unknown operation ${String(op)}`);
    }
  } catch (error) {
    port.postMessage({ id, ok: false, error: plainError(error) });
  }
}
