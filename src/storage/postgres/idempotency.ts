import type postgres from 'postgres';
import type {
  ClaimRequest,
  ClaimResult,
  IdempotencyRecord,
  IdempotencyStore,
} from '../../idempotency/store.js';
import { storeOp } from './errors.js';
import type { Sql } from './sql.js';

// A jsonb parameter (postgres.js serialises it with JSON.stringify). `undefined` (a handler that returns nothing) has no JSON form and is stored as
// SQL null, so it replays as `null`.
function jsonParam(value: unknown): postgres.JSONValue {
  return value === undefined ? null : (value as postgres.JSONValue);
}

/**
 * {@link IdempotencyStore} on PostgreSQL, over the `idempotency_keys` table of migration
 * `0003_idempotency_keys`. Every method is one round trip: a call to one of the migration's SQL
 * functions, which make each transition atomic (`INSERT ... ON CONFLICT DO UPDATE ... WHERE`,
 * conditional `UPDATE`/`DELETE`), so any number of instances can share the table. Times are the
 * epoch milliseconds the caller passes, never the database clock. Responses are stored as `jsonb`
 * and must be JSON-serialisable (`undefined` replays as `null`).
 *
 * Connection failures surface as `StorageUnavailableError`.
 *
 * @example
 * ```ts
 * import postgres from 'postgres';
 * const sql = postgres(process.env.DATABASE_URL!, { prepare: false });
 * const idempotency = new Idempotency({ store: new PostgresIdempotencyStore(sql) });
 * ```
 */
export class PostgresIdempotencyStore implements IdempotencyStore {
  readonly #sql: Sql;

  /** @param sql - A postgres.js client (or transaction) on a database migrated with `migrate()`. */
  constructor(sql: Sql) {
    this.#sql = sql;
  }

  claim<R = unknown>(request: ClaimRequest): Promise<ClaimResult<R>> {
    const { key, fingerprint, ownerToken, leaseMs, ttlMs, now } = request;
    return storeOp('idempotency.claim', async () => {
      const [row] = await this.#sql<{ result: ClaimResult<R> }[]>`
        select steadycall_idempotency_claim(
          ${key}::text, ${fingerprint}::text, ${ownerToken}::text,
          ${leaseMs}::float8, ${ttlMs}::float8, ${now}::float8
        ) as result`;
      return expectRow(row, 'claim').result;
    });
  }

  complete<R = unknown>(
    key: string,
    ownerToken: string,
    response: R,
    now: number,
    ttlMs: number,
  ): Promise<boolean> {
    return storeOp('idempotency.complete', async () => {
      const json = jsonParam(response);
      const [row] = await this.#sql<{ ok: boolean }[]>`
        select steadycall_idempotency_complete(
          ${key}::text, ${ownerToken}::text, ${this.#sql.json(json)}::jsonb, ${now}::float8, ${ttlMs}::float8
        ) as ok`;
      return expectRow(row, 'complete').ok;
    });
  }

  release(key: string, ownerToken: string): Promise<boolean> {
    return storeOp('idempotency.release', async () => {
      const [row] = await this.#sql<{ ok: boolean }[]>`
        select steadycall_idempotency_release(${key}::text, ${ownerToken}::text) as ok`;
      return expectRow(row, 'release').ok;
    });
  }

  extendLease(key: string, ownerToken: string, leaseMs: number, now: number): Promise<boolean> {
    return storeOp('idempotency.extendLease', async () => {
      const [row] = await this.#sql<{ ok: boolean }[]>`
        select steadycall_idempotency_extend_lease(
          ${key}::text, ${ownerToken}::text, ${leaseMs}::float8, ${now}::float8
        ) as ok`;
      return expectRow(row, 'extendLease').ok;
    });
  }

  get<R = unknown>(key: string): Promise<IdempotencyRecord<R> | null> {
    return storeOp('idempotency.get', async () => {
      const [row] = await this.#sql<{ record: IdempotencyRecord<R> }[]>`
        select steadycall_idempotency_record(k) as record from idempotency_keys k where k.key = ${key}::text`;
      return row ? row.record : null;
    });
  }

  purgeExpired(now: number): Promise<number> {
    return storeOp('idempotency.purgeExpired', async () => {
      const [row] = await this.#sql<{ purged: number }[]>`
        select steadycall_idempotency_purge_expired(${now}::float8) as purged`;
      return expectRow(row, 'purgeExpired').purged;
    });
  }
}

function expectRow<T>(row: T | undefined, operation: string): T {
  // The functions always return exactly one row; anything else is a schema problem, not a miss.
  if (row === undefined) throw new Error(`steadycall idempotency ${operation} returned no row`);
  return row;
}
