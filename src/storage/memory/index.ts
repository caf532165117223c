import { MemoryCallStore } from './calls.js';
import { MemoryFlagStore } from './flags.js';
import { MemoryIdempotencyStore } from './idempotency.js';
import { MemoryIncidentLog } from './incidents.js';
import { MemoryProviderStatusStore } from './provider-status.js';

export { MemoryCallStore } from './calls.js';
export { type FlagSeed, MemoryFlagStore } from './flags.js';
export { MemoryIdempotencyStore } from './idempotency.js';
export { MemoryIncidentLog, type MemoryIncidentLogOptions } from './incidents.js';
export { MemoryProviderStatusStore } from './provider-status.js';

/**
 * The five storage ports, as the orchestrator takes them.
 *
 * @example
 * ```ts
 * import { createMemoryStores, type SteadyCallStores } from 'steadycall';
 *
 * const stores: SteadyCallStores = process.env.DATABASE_URL
 *   ? await createPostgresStores({ url: process.env.DATABASE_URL }) // from 'steadycall/postgres'
 *   : createMemoryStores();
 * ```
 */
export interface SteadyCallStores {
  /** Breaker state shared by every instance (`provider_status`). */
  providerStatus: import('../../breaker/store.js').ProviderStatusStore;
  /** Feature flags (`feature_flags`). */
  flags: import('../../flags/store.js').FlagStore;
  /** Idempotency keys and stored responses (`idempotency_keys`). */
  idempotency: import('../../idempotency/store.js').IdempotencyStore;
  /** The incident log (`incident_log`). */
  incidents: import('../../incidents/store.js').IncidentLog;
  /** Call records (`calls`). */
  calls: import('../../calls/store.js').CallStore;
  /** Cheap reachability check used by health checks (default: `providerStatus.list()`). */
  ping?(): Promise<void>;
  /** Releases connections (PostgreSQL pools); a no-op in memory. */
  close?(): Promise<void>;
}

/**
 * The embedded default: every port in memory, zero setup. State lives in this process only, so use
 * the PostgreSQL stores when more than one instance serves calls.
 *
 * @example
 * ```ts
 * const stores = createMemoryStores();
 * const breaker = new CircuitBreaker({ provider: 'twilio', store: stores.providerStatus });
 * ```
 */
export function createMemoryStores(): SteadyCallStores {
  return {
    providerStatus: new MemoryProviderStatusStore(),
    flags: new MemoryFlagStore(),
    idempotency: new MemoryIdempotencyStore(),
    incidents: new MemoryIncidentLog(),
    calls: new MemoryCallStore(),
  };
}
