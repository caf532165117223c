// Per-suite databases on the test PostgreSQL server: each suite gets its own, migrated, and drops it.
import postgres from 'postgres';
import { inject } from 'vitest';
import { migrate } from '../../src/storage/postgres/migrate.js';
import type { Sql } from '../../src/storage/postgres/sql.js';

/** The server URL from global setup, or null when PostgreSQL is unavailable outside CI. */
export const databaseUrl: string | null = inject('databaseUrl');

export interface TestDatabase {
  url: string;
  /** A pool on the database (more with `pool()`: each acts as a separate serverless instance). */
  sql: Sql;
  pool(max?: number): Sql;
  drop(): Promise<void>;
}

const CLIENT = { prepare: false, onnotice: () => {} } as const;

/** Creates and migrates a fresh database named after `label`. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  if (!databaseUrl) throw new Error('No test PostgreSQL server');
  const name =
    `sc_${label.replace(/\W/g, '_').slice(0, 30)}_${Math.random().toString(36).slice(2, 8)}`.toLowerCase();
  const admin = postgres(databaseUrl, { ...CLIENT, max: 1 });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = databaseUrl.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
  const pools: Sql[] = [];
  const pool = (max = 10) => {
    const sql = postgres(url, { ...CLIENT, max });
    pools.push(sql);
    return sql;
  };
  const sql = pool();
  await migrate(sql);
  return {
    url,
    sql,
    pool,
    async drop() {
      await Promise.all(pools.map((p) => p.end({ timeout: 1 })));
      const a = postgres(databaseUrl!, { ...CLIENT, max: 1 });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}
