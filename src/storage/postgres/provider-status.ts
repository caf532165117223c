import type postgres from 'postgres';
import type { ProviderStatusStore } from '../../breaker/store.js';
import type {
  BreakerPolicy,
  BreakerUpdate,
  CircuitState,
  HealthSnapshot,
  OutcomeInput,
  ProbeClaimResult,
  ProbeLease,
  ProviderStatus,
} from '../../breaker/types.js';
import type { ProviderName } from '../../core/types.js';
import { storeOp } from './errors.js';
import type { Sql } from './sql.js';

/** A row as the SQL functions return it: already in the port's shape, transitions as null. */
type StatusJson = ProviderStatus;
type TransitionJson = { from: CircuitState; to: CircuitState } | null;
interface UpdateJson {
  previous: StatusJson;
  current: StatusJson;
  transition: TransitionJson;
}
interface ClaimJson {
  granted: boolean;
  status: StatusJson;
  transition: TransitionJson;
}

/**
 * `provider_status` on PostgreSQL (migration `0001_provider_status`). Every method is ONE
 * statement: reads are a `select`, every change is one call of a `steadycall_breaker_*` function
 * that locks the provider's row and applies the rules of `breaker/state.ts` inside the database,
 * so any number of instances (serverless invocations, pools, processes) share one breaker and
 * each transition is seen by exactly one caller. Works through Supabase's transaction pooler
 * (`prepare: false`, no session state). Connection failures are thrown as
 * `StorageUnavailableError`.
 *
 * @example
 * ```ts
 * const sql = postgres(process.env.DATABASE_URL!, { prepare: false });
 * const store = new PostgresProviderStatusStore(sql);
 * const twilio = new CircuitBreaker({ provider: 'twilio', store });
 * ```
 */
export class PostgresProviderStatusStore implements ProviderStatusStore {
  readonly #sql: Sql;

  /** @param sql - A postgres.js client (or transaction) on a database migrated with `migrate()`. */
  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async get(provider: ProviderName): Promise<ProviderStatus | null> {
    return storeOp('provider_status.get', async () => {
      const rows = await this.#sql<{ status: StatusJson }[]>`
        select steadycall_provider_status_json(s) as status
        from provider_status s where s.provider = ${provider}`;
      const row = rows[0];
      return row === undefined ? null : toStatus(row.status);
    });
  }

  async list(): Promise<ProviderStatus[]> {
    return storeOp('provider_status.list', async () => {
      // "C" compares bytes, as JS string comparison does for the names providers have.
      const rows = await this.#sql<{ status: StatusJson }[]>`
        select steadycall_provider_status_json(s) as status from provider_status s
        order by s.provider collate "C"`;
      return rows.map((row) => toStatus(row.status));
    });
  }

  async recordOutcome(
    provider: ProviderName,
    outcome: OutcomeInput,
    policy: BreakerPolicy,
    now: number,
  ): Promise<BreakerUpdate> {
    return storeOp('provider_status.recordOutcome', async () => {
      const rows = await this.#sql<{ result: UpdateJson }[]>`
        select steadycall_breaker_record_outcome(
          ${provider}, ${this.#json(outcome)}::jsonb, ${this.#json(policy)}::jsonb, ${now}) as result`;
      return toUpdate(only(rows).result);
    });
  }

  async claimProbe(
    provider: ProviderName,
    token: string,
    policy: BreakerPolicy,
    now: number,
  ): Promise<ProbeClaimResult> {
    return storeOp('provider_status.claimProbe', async () => {
      const rows = await this.#sql<{ result: ClaimJson }[]>`
        select steadycall_breaker_claim_probe(
          ${provider}, ${token}, ${this.#json(policy)}::jsonb, ${now}) as result`;
      const claim = only(rows).result;
      const result: ProbeClaimResult = { granted: claim.granted, status: toStatus(claim.status) };
      if (claim.transition) result.transition = { from: claim.transition.from, to: claim.transition.to };
      return result;
    });
  }

  async reset(provider: ProviderName, now: number): Promise<BreakerUpdate> {
    return storeOp('provider_status.reset', async () => {
      const rows = await this.#sql<{ result: UpdateJson }[]>`
        select steadycall_breaker_reset(${provider}, ${now}) as result`;
      return toUpdate(only(rows).result);
    });
  }

  async forceOpen(provider: ProviderName, until: number, now: number): Promise<BreakerUpdate> {
    return storeOp('provider_status.forceOpen', async () => {
      const rows = await this.#sql<{ result: UpdateJson }[]>`
        select steadycall_breaker_force_open(${provider}, ${until}, ${now}) as result`;
      return toUpdate(only(rows).result);
    });
  }

  async recordHealth(provider: ProviderName, health: HealthSnapshot, now: number): Promise<BreakerUpdate> {
    return storeOp('provider_status.recordHealth', async () => {
      const rows = await this.#sql<{ result: UpdateJson }[]>`
        select steadycall_breaker_record_health(${provider}, ${this.#json(health)}::jsonb, ${now}) as result`;
      return toUpdate(only(rows).result);
    });
  }

  // A JSON parameter (serialised once, by postgres.js; undefined fields are dropped, which the
  // functions read as absent keys).
  #json(value: object): postgres.Parameter {
    return this.#sql.json(value as unknown as postgres.JSONValue);
  }
}

function only<T>(rows: readonly T[]): T {
  const row = rows[0];
  if (row === undefined) throw new Error('provider_status function returned no row');
  return row;
}

function toUpdate(update: UpdateJson): BreakerUpdate {
  const result: BreakerUpdate = { previous: toStatus(update.previous), current: toStatus(update.current) };
  if (update.transition) result.transition = { from: update.transition.from, to: update.transition.to };
  return result;
}

/** The row with the memory store's exact shape and key order (nulls kept, no extra keys). */
function toStatus(row: StatusJson): ProviderStatus {
  return {
    provider: row.provider,
    circuit: row.circuit,
    failureCount: row.failureCount,
    cooldownUntil: row.cooldownUntil,
    openCount: row.openCount,
    windowStartedAt: row.windowStartedAt,
    windowCalls: row.windowCalls,
    windowFailures: row.windowFailures,
    probeLeases: (row.probeLeases ?? []).map((l: ProbeLease) => ({ token: l.token, expiresAt: l.expiresAt })),
    openedAt: row.openedAt,
    lastFailureAt: row.lastFailureAt,
    lastHealth: row.lastHealth ?? null,
    generation: row.generation,
    updatedAt: row.updatedAt,
  };
}
