import type { ProviderName } from '../core/types.js';
import type {
  BreakerPolicy,
  BreakerUpdate,
  HealthSnapshot,
  OutcomeInput,
  ProbeClaimResult,
  ProviderStatus,
} from './types.js';

/**
 * Port for the `provider_status` table. Every mutating method is ONE atomic operation in the
 * store (a conditional `UPDATE ... RETURNING` / SQL function in PostgreSQL, a synchronous critical
 * section in memory): never read-then-write. A provider with no row behaves as a fresh closed row,
 * created on first write.
 *
 * Implementations apply exactly the rules of the pure reducer in `breaker/state.ts`; the shared
 * contract suite in `test/contracts/provider-status.contract.ts` checks that they do.
 * Errors reaching the store are thrown as `StorageUnavailableError`.
 *
 * @example
 * ```ts
 * import { CircuitBreaker, MemoryProviderStatusStore, type ProviderStatusStore } from 'steadycall';
 *
 * const store: ProviderStatusStore = new MemoryProviderStatusStore(); // or stores.providerStatus from steadycall/postgres
 * const twilio = new CircuitBreaker({ provider: 'twilio', store });
 * const rows = await store.list(); // what the ops endpoint shows
 * ```
 */
export interface ProviderStatusStore {
  /** The row, or null if the provider has never been written. */
  get(provider: ProviderName): Promise<ProviderStatus | null>;
  /** Every row, ordered by provider name. */
  list(): Promise<ProviderStatus[]>;
  /** Records a call's outcome (plus batched successes) and applies any transition it causes. */
  recordOutcome(
    provider: ProviderName,
    outcome: OutcomeInput,
    policy: BreakerPolicy,
    now: number,
  ): Promise<BreakerUpdate>;
  /**
   * Claims a half-open probe lease with `token`. Granted when the circuit is open with its cooldown
   * passed, or half-open, and fewer than `policy.halfOpenMaxProbes` unexpired leases exist.
   * Expired leases are dropped by the same operation.
   */
  claimProbe(
    provider: ProviderName,
    token: string,
    policy: BreakerPolicy,
    now: number,
  ): Promise<ProbeClaimResult>;
  /** Operator reset: closed, counters zeroed, leases dropped (the runbook's manual SQL reset). */
  reset(provider: ProviderName, now: number): Promise<BreakerUpdate>;
  /** Operator force-open until `until` (epoch ms). */
  forceOpen(provider: ProviderName, until: number, now: number): Promise<BreakerUpdate>;
  /**
   * Stores the last health-check result; does not change the circuit. Returns the row before and
   * after, so a health run sees the previous result in the same atomic operation (incidents on a
   * change are then written once, however many instances run checks at the same moment).
   */
  recordHealth(provider: ProviderName, health: HealthSnapshot, now: number): Promise<BreakerUpdate>;
}
