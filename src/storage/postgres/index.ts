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
