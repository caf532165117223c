import type { ProviderName } from '../core/types.js';
import type { BreakerPolicy, CircuitState, ProviderStatus } from './types.js';

/** Emitted by the breaker instance whose store operation changed the circuit (once across instances). */
export interface BreakerStateChangeEvent {
  provider: ProviderName;
  from: CircuitState;
  to: CircuitState;
  /** A copy of the row right after the change. */
  status: ProviderStatus;
  at: number;
}

/** A guarded call (or a manual `success()`) succeeded. */
export interface BreakerSuccessEvent {
  provider: ProviderName;
  durationMs: number;
  /** The call was a half-open probe. */
  probe: boolean;
}

/** A guarded call failed with an error the classifier counts (or a manual `failure()`). */
export interface BreakerFailureEvent {
  provider: ProviderName;
  error: unknown;
  durationMs: number;
  probe: boolean;
}

/** A call was refused without being attempted. */
export interface BreakerRejectEvent {
  provider: ProviderName;
  state: CircuitState;
  retryAfterMs: number;
}

/** What the breaker does when its store cannot be reached. */
export type StoreFailurePolicy = 'fail-open' | 'fail-closed';

/** The breaker's store could not be reached; `policy` says what the breaker did about it. */
export interface BreakerStoreErrorEvent {
  provider: ProviderName;
  /** The store method that failed, e.g. `get`, `recordOutcome`, `claimProbe`. */
  operation: string;
  error: unknown;
  policy: StoreFailurePolicy;
}

/** The breaker's view for provider selection: see `CircuitBreaker.peek()`. */
export interface BreakerPeek {
  state: CircuitState;
  /** 0 when a call would be attempted now (closed, or a probe could be claimed). */
  retryAfterMs: number;
  /** A copy of the last known row. */
  status: ProviderStatus;
}

/** `CircuitBreaker.toJSON()`: safe to log (provider name, policy, counters; no secrets). */
export interface BreakerSnapshot {
  provider: ProviderName;
  state: CircuitState;
  policy: BreakerPolicy;
  /** A copy of the last known row, or null before the first read. */
  status: ProviderStatus | null;
}
