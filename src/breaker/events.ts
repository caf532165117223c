import type { ProviderName } from '../core/types.js';
import type { BreakerPolicy, CircuitState, ProviderStatus } from './types.js';

/**
 * Emitted by the breaker instance whose store operation changed the circuit (once across instances).
 *
 * @example
 * ```ts
 * breaker.onStateChange((e: BreakerStateChangeEvent) => {
 *   logger.warn({ provider: e.provider, from: e.from, to: e.to, failures: e.status.failureCount }, 'circuit changed');
 * });
 * ```
 */
export interface BreakerStateChangeEvent {
  /** The breaker's provider. */
  provider: ProviderName;
  /** The state before the change. */
  from: CircuitState;
  /** The state after the change. */
  to: CircuitState;
  /** A copy of the row right after the change. */
  status: ProviderStatus;
  /** When the change happened, epoch ms. */
  at: number;
}

/**
 * A guarded call (or a manual `success()`) succeeded.
 *
 * @example
 * ```ts
 * breaker.onSuccess((e: BreakerSuccessEvent) => metrics.histogram('twilio_ms', e.durationMs, { probe: e.probe }));
 * ```
 */
export interface BreakerSuccessEvent {
  /** The breaker's provider. */
  provider: ProviderName;
  /** How long the call took, in milliseconds (0 for a manual `success()`). */
  durationMs: number;
  /** The call was a half-open probe. */
  probe: boolean;
}

/**
 * A guarded call failed with an error the classifier counts (or a manual `failure()`).
 *
 * @example
 * ```ts
 * breaker.onFailure((e: BreakerFailureEvent) => logger.warn({ err: redact(e.error), probe: e.probe }, 'openai call failed'));
 * ```
 */
export interface BreakerFailureEvent {
  /** The breaker's provider. */
  provider: ProviderName;
  /** The error the call failed with (may hold anything: redact before logging). */
  error: unknown;
  /** How long the call took, in milliseconds (0 for a manual `failure()`). */
  durationMs: number;
  /** The call was a half-open probe: its failure re-opened the circuit. */
  probe: boolean;
}

/**
 * A call was refused without being attempted.
 *
 * @example
 * ```ts
 * breaker.onReject((e: BreakerRejectEvent) => metrics.increment('calls_refused', { provider: e.provider, state: e.state }));
 * ```
 */
export interface BreakerRejectEvent {
  /** The breaker's provider. */
  provider: ProviderName;
  /** The state that refused the call (`open`, or `half_open` with every probe slot taken). */
  state: CircuitState;
  /** How long until a call could be attempted, in milliseconds. */
  retryAfterMs: number;
}

/**
 * What the breaker does when its store cannot be reached.
 *
 * `fail-open` (the default) runs calls unguarded, `fail-closed` refuses them with
 * `StorageUnavailableError`.
 *
 * @example
 * ```ts
 * const payments = new CircuitBreaker({ provider: 'billing', store, storeFailurePolicy: 'fail-closed' });
 * ```
 */
export type StoreFailurePolicy = 'fail-open' | 'fail-closed';

/**
 * The breaker's store could not be reached; `policy` says what the breaker did about it.
 *
 * @example
 * ```ts
 * breaker.onStoreError((e: BreakerStoreErrorEvent) => metrics.increment('breaker_store_errors', { op: e.operation }));
 * ```
 */
export interface BreakerStoreErrorEvent {
  /** The breaker's provider. */
  provider: ProviderName;
  /** The store method that failed, e.g. `get`, `recordOutcome`, `claimProbe`. */
  operation: string;
  /** The store's error (may quote a connection string: never log it unredacted). */
  error: unknown;
  /** What the breaker did: ran the call unguarded (`fail-open`) or refused it (`fail-closed`). */
  policy: StoreFailurePolicy;
}

/**
 * The breaker's view for provider selection: see `CircuitBreaker.peek()`.
 *
 * @example
 * ```ts
 * const peek: BreakerPeek = await breaker.peek();
 * if (peek.state === 'open' && peek.retryAfterMs > 0) return useOtherProvider();
 * ```
 */
export interface BreakerPeek {
  /** The circuit's state. */
  state: CircuitState;
  /** 0 when a call would be attempted now (closed, or a probe could be claimed). */
  retryAfterMs: number;
  /** A copy of the last known row. */
  status: ProviderStatus;
}

/**
 * `CircuitBreaker.toJSON()`: safe to log (provider name, policy, counters; no secrets).
 *
 * @example
 * ```ts
 * const snapshot: BreakerSnapshot = breaker.toJSON();
 * logger.info({ breaker: snapshot }, 'breaker state');
 * ```
 */
export interface BreakerSnapshot {
  /** The breaker's provider. */
  provider: ProviderName;
  /** The last known circuit state. */
  state: CircuitState;
  /** The policy in force. */
  policy: BreakerPolicy;
  /** A copy of the last known row, or null before the first read. */
  status: ProviderStatus | null;
}
