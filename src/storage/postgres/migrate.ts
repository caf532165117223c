import { migrations as allMigrations, type Migration } from './migrations/index.js';
import type { Sql } from './sql.js';

/**
 * Options of {@link migrate}.
 *
 * @example
 * ```ts
 * import { migrate, migrations, type MigrateOptions } from 'steadycall/postgres';
 *
 * const options: MigrateOptions = { migrations: migrations.filter((m) => m.name <= '0004_incident_log') };
 * await migrate(sql, options);
 * ```
 */
export interface MigrateOptions {
  /** Migrations to apply (default: all of steadycall's). */
  migrations?: readonly Migration[];
}

/**
 * Applies steadycall's migrations that are not yet recorded in `steadycall_migrations`, each in its
 * own transaction. Safe to run from several instances at once: a transaction-scoped advisory lock
 * (never a session lock, so it works through Supabase's transaction pooler) serialises them.
 * Returns the names applied by this call.
 *
 * @example
 * ```ts
 * import postgres from 'postgres';
 * import { migrate } from 'steadycall/postgres';
 * await migrate(postgres(process.env.DATABASE_URL!, { prepare: false }));
 * ```
 */
export async function migrate(sql: Sql, options: MigrateOptions = {}): Promise<string[]> {
  const applied: string[] = [];
  await sql`create table if not exists steadycall_migrations (
    name text primary key,
    applied_at timestamptz not null default now()
  )`;
  for (const migration of options.migrations ?? allMigrations) {
    const done = await sql.begin(async (tx) => {
      // A fixed key for steadycall migrations, released when this transaction ends.
      await tx`select pg_advisory_xact_lock(23644, 1)`;
      const [row] = await tx`select 1 from steadycall_migrations where name = ${migration.name}`;
      if (row) return false;
      await tx.unsafe(migration.sql);
      await tx`insert into steadycall_migrations (name) values (${migration.name})`;
      return true;
    });
    if (done) applied.push(migration.name);
  }
  return applied;
}
