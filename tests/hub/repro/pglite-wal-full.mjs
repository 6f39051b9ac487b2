// Minimal reproduction of the embedded database hanging for good when it cannot create its next WAL file.
// Root only (a tmpfs); run from the repository root:  node tests/hub/repro/pglite-wal-full.mjs
// Seen with @electric-sql/pglite 0.5.17 on Node 20: one statement fails with 53100 `could not write to file
// "pg_wal/xlogtemp.NN": No space left on device`, the next one never returns, the process spins at 100% of a
// core and the heartbeat below stops (the WASM call holds the thread), so the 30 s exit timer never fires
// either. Only SIGKILL ends it; then `umount -l /tmp/pglite-wal-full`.
/* global setInterval */
import { execSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';

const mnt = '/tmp/pglite-wal-full';
mkdirSync(mnt, { recursive: true });
execSync(`mount -t tmpfs -o size=64m tmpfs ${mnt}`);
process.on('exit', () => execSync(`umount -l ${mnt}`));
const t0 = Date.now();
const log = (m) => process.stderr.write(`[${Date.now() - t0} ms] ${m}\n`);
const db = await PGlite.create(`${mnt}/db`);
await db.exec('CREATE TABLE t (x text)');
// Leave 4 MiB: room for the table, not for a new 16 MiB WAL segment.
execSync(`fallocate -l $(( $(df --output=avail -B1 ${mnt} | tail -1) - 4*1024*1024 )) ${mnt}/filler`);
setInterval(() => log('event loop alive'), 2000).unref();
const stop = setTimeout(() => process.exit(0), 30_000);
for (let i = 0; i < 100_000; i++) {
  try {
    await db.query('INSERT INTO t SELECT repeat(md5(random()::text), 30) FROM generate_series(1, 200)');
    await db.exec('TRUNCATE t');
  } catch (error) {
    log(`round ${i}: ${error.code} ${error.message}; the next statement hangs`);
  }
}
clearTimeout(stop);
