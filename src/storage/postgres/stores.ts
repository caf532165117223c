import postgres from 'postgres';
import type { SteadyCallStores } from '../memory/index.js';
import { PostgresCallStore } from './calls.js';
import { storeOp } from './errors.js';
import { PostgresFlagStore } from './flags.js';
import { PostgresIdempotencyStore } from './idempotency.js';
import { PostgresIncidentLog } from './incidents.js';
import { migrate } from './migrate.js';
import { PostgresProviderStatusStore } from './provider-status.js';
import type { Sql } from './sql.js';

/**
 * Options of {@link createPostgresStores}.
 *
 * @example
 * ```ts
 * const options: PostgresStoresOptions = { url: process.env.SUPABASE_DB_URL!, max: 5, migrate: true };
 * const stores = await createPostgresStores(options);
 * ```
 */
export interface PostgresStoresOptions {
  /** An existing postgres.js client; or give `url`. */
  sql?: Sql;
  /** Connection string (e.g. Supabase's `SUPABASE_DB_URL`). */
  url?: string;
  /** Pool size when created from `url`. Default 10. */
  max?: number;
  /** Apply pending migrations first. Default false (run `migrate()` at deploy time). */
  migrate?: boolean;
}

/**
 * The five ports on PostgreSQL, plus the client and a `close()` that ends a pool we created.
 *
 * @example
 * ```ts
 * const stores: PostgresStores = await createPostgresStores({ url: process.env.DATABASE_URL! });
 * await stores.ping();
 * process.on('SIGTERM', () => void stores.close());
 * ```
 */
export interface PostgresStores extends SteadyCallStores {
  /** The postgres.js client the stores use (the one given, or the pool created from `url`). */
  sql: Sql;
  /** `select 1`; rejects with `StorageUnavailableError` when the database cannot be reached. */
  ping(): Promise<void>;
  /** Ends the pool when it was created from `url`; a client passed as `sql` is left open. */
  close(): Promise<void>;
}

/**
 * Every storage port on one PostgreSQL database. Works through Supabase's transaction pooler:
 * statements are not prepared (`prepare: false`) and no session state is relied on.
 *
 * @example
 * ```ts
 * const stores = await createPostgresStores({ url: process.env.DATABASE_URL!, migrate: true });
 * const orchestrator = new CallOrchestrator({ stores, publicBaseUrl, streamTokenSecret });
 * ```
 */
export async function createPostgresStores(options: PostgresStoresOptions): Promise<PostgresStores> {
  const owned = !options.sql;
  const sql =
    options.sql ??
    postgres(requireUrl(options.url), {
      max: options.max ?? 10,
      prepare: false,
      onnotice: () => {},
      // Fail fast when the server is gone: a webhook then gets a 503 instead of hanging.
      connect_timeout: 5,
      idle_timeout: 30,
    });
  if (options.migrate) await storeOp('migrate', () => migrate(sql));
  return {
    sql,
    providerStatus: new PostgresProviderStatusStore(sql),
    flags: new PostgresFlagStore(sql),
    idempotency: new PostgresIdempotencyStore(sql),
    incidents: new PostgresIncidentLog(sql),
    calls: new PostgresCallStore(sql),
    ping: () => storeOp('ping', async () => void (await sql`select 1`)),
    close: async () => {
      if (owned) await sql.end({ timeout: 5 });
    },
  };
}

function requireUrl(url: string | undefined): string {
  if (!url) throw new TypeError('createPostgresStores needs `sql` or `url`');
  return url;
}
