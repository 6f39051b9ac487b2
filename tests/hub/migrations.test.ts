import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DbLockedError, openPglite, type Db } from '../../src/hub/db';
import { migrate, readMigrations, schemaVersion } from '../../src/hub/migrate';
import { BACKENDS } from './helpers';

describe.each(BACKENDS)('migrations on $name', (backend) => {
  let db: Db;
  let dispose: () => Promise<void>;
  beforeEach(async () => {
    ({ db, dispose } = await backend.open());
  });
  afterEach(async () => {
    await dispose();
  });

  it('applies every migration once and records it', async () => {
    const all = await readMigrations();
    expect(await migrate(db)).toEqual(all.map((migration) => migration.version));
    expect(await migrate(db)).toEqual([]);
    expect(await schemaVersion(db)).toBe(all.at(-1)?.version);
    const { rows } = await db.query<{ version: number; name: string }>(
      'SELECT version, name FROM schema_migrations ORDER BY version',
    );
    expect(rows).toEqual(all.map(({ version, name }) => ({ version, name })));
  });

  it('rolls a failing migration back entirely and records nothing', async () => {
    await migrate(db);
    const bad = [
      { version: 999, name: 'broken', sql: 'CREATE TABLE half_done (x int); SELECT * FROM no_such_table;' },
    ];
    await expect(migrate(db, bad)).rejects.toThrow(/no_such_table/);
    const { rows } = await db.query<{ n: number }>(
      "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'half_done'",
    );
    expect(rows[0]?.n).toBe(0);
    // The last real migration stays the version: whichever numbers other branches add.
    expect(await schemaVersion(db)).toBe((await readMigrations()).at(-1)?.version);
  });
});

describe('the embedded database directory', () => {
  it('keeps data across a restart, applies migrations once, and refuses a second opener', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hub-data-'));
    try {
      const first = await openPglite(dir);
      expect(await migrate(first)).toEqual((await readMigrations()).map((migration) => migration.version));
      await first.query(
        "INSERT INTO audit_log (district, at, actor, actor_role, action, target, detail) VALUES ('d', now(), 'a', 'admin', 'token.issue', 't', '{}')",
      );
      await expect(openPglite(dir)).rejects.toThrow(DbLockedError);
      await first.close();
      expect(await readdir(dir)).not.toContain('.record-guard-hub.lock');

      const second = await openPglite(dir);
      expect(await migrate(second)).toEqual([]);
      const { rows } = await second.query<{ n: number }>('SELECT count(*) AS n FROM audit_log');
      expect(rows[0]?.n).toBe(1);
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
