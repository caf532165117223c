import type postgres from 'postgres';

/**
 * A postgres.js client (`postgres(url)`) or a transaction of one.
 *
 * @example
 * ```ts
 * import postgres from 'postgres';
 * import { createPostgresStores, type Sql } from 'steadycall/postgres';
 *
 * const sql: Sql = postgres(process.env.DATABASE_URL!, { prepare: false }); // prepare: false for Supabase's pooler
 * const stores = await createPostgresStores({ sql });
 * ```
 */
export type Sql = postgres.Sql;
