// Applies the numbered SQL files in ./migrations once each, in order, each in its own transaction, and records
// them in schema_migrations. Several hubs starting at once against one PostgreSQL server take turns on a lock.
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DbError, type Db, type Queryable } from './db';
import { lock, LOCK_SPACE } from './locks';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const MIGRATION_FILE = /^(\d{3,})_([a-z0-9_-]+)\.sql$/;

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

export async function readMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((name) => MIGRATION_FILE.test(name)).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = MIGRATION_FILE.exec(file);
    if (!match) continue;
    const version = Number(match[1]);
    if (migrations.some((migration) => migration.version === version)) {
      throw new Error(`two migrations numbered ${version} in ${dir}`);
    }
    migrations.push({ version, name: match[2] as string, sql: await readFile(`${dir}/${file}`, 'utf8') });
  }
  return migrations;
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

async function appliedVersions(tx: Queryable): Promise<Set<number>> {
  const { rows } = await tx.query<{ version: number }>('SELECT version FROM schema_migrations');
  return new Set(rows.map((row) => row.version));
}

/** Applies what is missing; returns the versions applied by this call. */
export async function migrate(db: Db, migrations?: Migration[]): Promise<number[]> {
  const all = migrations ?? (await readMigrations());
  const applied: number[] = [];
  for (const migration of all) {
    const done = await db.transaction(async (tx) => {
      await lock(tx, LOCK_SPACE.migrations, 0);
      await tx.exec(CREATE_TABLE);
      if ((await appliedVersions(tx)).has(migration.version)) return false;
      try {
        await tx.exec(migration.sql);
      } catch (error) {
        // The operator needs the server's reason; a migration's SQL holds no values, so it may be shown.
        if (error instanceof DbError) {
          throw new Error(
            `migration ${migration.version} (${migration.name}) failed: ${error.serverMessage}`,
          );
        }
        throw error;
      }
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      return true;
    });
    if (done) applied.push(migration.version);
  }
  return applied;
}

/** The highest applied migration; throws when the database does not answer. */
export async function schemaVersion(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ version: number | null }>(
    'SELECT max(version) AS version FROM schema_migrations',
  );
  return rows[0]?.version ?? 0;
}
