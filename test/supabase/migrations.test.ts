// The Supabase migration files are generated from src/storage/postgres/migrations and must never
// drift from them; applied with `supabase db push` they build the same schema as `migrate()`, and
// either path recognises what the other already applied.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, renderMigrationFiles } from '../../scripts/export-migrations.js';
import { migrate } from '../../src/storage/postgres/migrate.js';
import { migrations } from '../../src/storage/postgres/migrations/index.js';
import type { Sql } from '../../src/storage/postgres/sql.js';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../support/pg.js';

const CLIENT = { prepare: false, onnotice: () => {} } as const;

describe('Supabase migration files', () => {
  it('are exactly what `npm run migrations:export` generates (run it after changing a migration)', () => {
    const generated = renderMigrationFiles();
    const committed = readdirSync(MIGRATIONS_DIR)
      .filter((f) => f.endsWith('.sql'))
      .sort();
    expect(committed).toEqual(generated.map((f) => f.fileName));
    for (const file of generated) {
      expect(readFileSync(join(MIGRATIONS_DIR, file.fileName), 'utf8'), file.fileName).toBe(file.content);
    }
  });

  it('are named <version>_steadycall_<name>.sql in the order of the migrations array', () => {
    const files = renderMigrationFiles().map((f) => f.fileName);
    expect(files).toHaveLength(migrations.length);
    expect([...files].sort()).toEqual(files);
    for (const name of files) expect(name).toMatch(/^\d{14}_steadycall_[a-z0-9_]+\.sql$/);
  });
});

describe.skipIf(!databaseUrl)('Supabase migration files on PostgreSQL', () => {
  let viaMigrate: TestDatabase;
  let empty: { sql: Sql; drop(): Promise<void> };

  const pushFiles = async (sql: Sql) => {
    // What `supabase db push` does: each file's statements, in file-name order.
    for (const file of renderMigrationFiles()) await sql.unsafe(file.content);
  };

  beforeAll(async () => {
    const name = `sc_supabase_push_${Math.random().toString(36).slice(2, 8)}`;
    const admin = postgres(databaseUrl!, { ...CLIENT, max: 1 });
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    const sql = postgres(databaseUrl!.replace(/\/[^/?]*(\?|$)/, `/${name}$1`), { ...CLIENT, max: 2 });
    empty = {
      sql,
      async drop() {
        await sql.end({ timeout: 1 });
        const a = postgres(databaseUrl!, { ...CLIENT, max: 1 });
        await a.unsafe(`drop database if exists ${name} with (force)`);
        await a.end();
      },
    };
    viaMigrate = await createTestDatabase('supabase_migrations');
  });

  afterAll(async () => {
    await empty?.drop();
    await viaMigrate?.drop();
  });

  it('build the schema migrate() builds, and migrate() then has nothing left to apply', async () => {
    await pushFiles(empty.sql);
    expect(await migrate(empty.sql)).toEqual([]);
    expect(await schema(empty.sql)).toEqual(await schema(viaMigrate.sql));
  });

  it('are no-ops on a database migrate() already set up, and safe to push twice', async () => {
    await pushFiles(viaMigrate.sql);
    await pushFiles(empty.sql);
    const names = async (sql: Sql) =>
      (await sql`select name from steadycall_migrations order by name`).map((r) => r.name as string);
    expect(await names(viaMigrate.sql)).toEqual(migrations.map((m) => m.name));
    expect(await names(empty.sql)).toEqual(migrations.map((m) => m.name));
  });
});

/** Tables, columns, constraints, indexes and functions of the public schema. */
async function schema(sql: Sql) {
  const columns = await sql`
    select table_name, column_name, data_type, is_nullable, column_default
      from information_schema.columns where table_schema = 'public'
     order by table_name, column_name`;
  const constraints = await sql`
    select conrelid::regclass::text as table_name, conname, pg_get_constraintdef(oid) as def
      from pg_constraint where connamespace = 'public'::regnamespace
     order by 1, 2`;
  const indexes = await sql`
    select indexname, indexdef from pg_indexes where schemaname = 'public' order by indexname`;
  const functions = await sql`
    select p.proname, pg_get_function_identity_arguments(p.oid) as args, pg_get_functiondef(p.oid) as def
      from pg_proc p where p.pronamespace = 'public'::regnamespace
     order by 1, 2`;
  return {
    columns: [...columns],
    constraints: [...constraints],
    indexes: [...indexes],
    functions: [...functions],
  };
}
