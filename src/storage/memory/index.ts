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

/** The five storage ports, as the orchestrator takes them. */
export interface SteadyCallStores {
  providerStatus: import('../../breaker/store.js').ProviderStatusStore;
  flags: import('../../flags/store.js').FlagStore;
  idempotency: import('../../idempotency/store.js').IdempotencyStore;
  incidents: import('../../incidents/store.js').IncidentLog;
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
