/**
 * PostgreSQL (and Supabase) implementations of every storage port, the migrations and the
 * migration runner. Each atomic transition is one SQL function call, so any number of instances
 * share one breaker, one idempotency ledger and one flag table.
 *
 * @example
 * ```ts
 * import { createPostgresStores } from 'steadycall/postgres';
 *
 * const stores = await createPostgresStores({ url: process.env.DATABASE_URL!, migrate: true });
 * const orchestrator = new CallOrchestrator({ stores, publicBaseUrl, streamTokenSecret });
 * ```
 *
 * @packageDocumentation
 * @module steadycall/postgres
 */
// `steadycall/postgres`: PostgreSQL (and Supabase) implementations of every storage port.
export { PostgresCallStore } from './calls.js';
export { isConnectionError, storeOp } from './errors.js';
export { PostgresFlagStore, seedRunbookFlags } from './flags.js';
export { PostgresIdempotencyStore } from './idempotency.js';
export { PostgresIncidentLog } from './incidents.js';
export { type MigrateOptions, migrate } from './migrate.js';
export { type Migration, migrations } from './migrations/index.js';
export { PostgresProviderStatusStore } from './provider-status.js';
export type { Sql } from './sql.js';
export { createPostgresStores, type PostgresStores, type PostgresStoresOptions } from './stores.js';
