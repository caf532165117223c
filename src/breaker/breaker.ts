import type { Clock } from '../core/clock.js';
import { type Disposable, EventSource } from '../core/disposable.js';
import { CircuitOpenError, StorageUnavailableError, ValidationError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import type { ProviderName } from '../core/types.js';
import type { ErrorClassifier } from './classify.js';
import type {
  BreakerFailureEvent,
  BreakerPeek,
  BreakerRejectEvent,
  BreakerSnapshot,
  BreakerStateChangeEvent,
  BreakerStoreErrorEvent,
  BreakerSuccessEvent,
  StoreFailurePolicy,
} from './events.js';
import { invokeWithTimeout, start } from './invoke.js';
import { Notifier } from './notify.js';
import { type CircuitBreakerOptions, type ExecuteOptions, resolveBreakerOptions } from './options.js';
import { canClaimProbe, initialProviderStatus, retryAfterMs } from './state.js';
import type { ProviderStatusStore } from './store.js';
import type { BreakerPolicy, BreakerUpdate, CircuitState, OutcomeInput, ProviderStatus } from './types.js';

export type { CircuitBreakerOptions, ExecuteOptions };

type Guarded<T> = (signal: AbortSignal) => Promise<T>;

/**
 * A circuit breaker whose state lives in a {@link ProviderStatusStore}, so every instance (every
 * serverless invocation) sharing the store acts as one breaker. A short read cache keeps a
 * healthy closed circuit at zero store round trips per call and at most one per cache period.
 *
 * Probes: a half-open probe whose error the classifier ignores reports nothing; its lease lapses
 * after `probeLeaseMs` and another probe is admitted. Successes seen while the cached row is
 * healthy are batched and counted in the store at the next write or refresh.
 *
 * @example
 * ```ts
 * const twilio = new CircuitBreaker({ provider: 'twilio', store, timeoutMs: 10_000 });
 * try {
 *   const call = await twilio.execute((signal) => client.calls.create(params, { signal }));
 * } catch (err) {
 *   if (isCircuitOpenError(err)) return fallback(err.retryAfterMs);
 *   throw err;
 * }
 * ```
 */
export class CircuitBreaker {
  /** The provider this breaker guards. */
  readonly provider: ProviderName;
  /** The resolved policy (defaults merged with the options' overrides), frozen. */
  readonly policy: Readonly<BreakerPolicy>;

  readonly #store: ProviderStatusStore;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #classify: ErrorClassifier;
  readonly #ttl: number;
  readonly #storePolicy: StoreFailurePolicy;
  readonly #random: () => number;
  readonly #ids: IdGenerator;
  readonly #batchSuccesses: boolean;
  readonly #notifier: Notifier;
  readonly #what: string;

  #cached: ProviderStatus | null = null;
  #cachedAt = Number.NEGATIVE_INFINITY;
  #pending = 0;
  #refreshing: Promise<ProviderStatus> | null = null;

  readonly #stateChanges = new EventSource<BreakerStateChangeEvent>();
  readonly #successes = new EventSource<BreakerSuccessEvent>();
  readonly #failures = new EventSource<BreakerFailureEvent>();
  readonly #rejects = new EventSource<BreakerRejectEvent>();
  readonly #storeErrors = new EventSource<BreakerStoreErrorEvent>();

  /** Fires when this instance's store operation changed the circuit. */
  readonly onStateChange: (listener: (e: BreakerStateChangeEvent) => void) => Disposable =
    this.#stateChanges.on;
  /** Fires on every successful guarded call. */
  readonly onSuccess: (listener: (e: BreakerSuccessEvent) => void) => Disposable = this.#successes.on;
  /** Fires on every counted failure. */
  readonly onFailure: (listener: (e: BreakerFailureEvent) => void) => Disposable = this.#failures.on;
  /** Fires when a call is refused with `CircuitOpenError`. */
  readonly onReject: (listener: (e: BreakerRejectEvent) => void) => Disposable = this.#rejects.on;
  /** Fires whenever the store could not be reached. */
  readonly onStoreError: (listener: (e: BreakerStoreErrorEvent) => void) => Disposable = this.#storeErrors.on;

  /**
   * @param options - The provider, the shared store, and optional policy, timeout and hooks.
   * @throws {@link ValidationError} listing every invalid option or policy field.
   */
  constructor(options: CircuitBreakerOptions) {
    const o = resolveBreakerOptions(options);
    this.provider = o.provider;
    this.policy = o.policy;
    this.#store = o.store;
    this.#clock = o.clock;
    this.#timeoutMs = o.timeoutMs;
    this.#classify = o.classify;
    this.#ttl = o.cacheTtlMs;
    this.#storePolicy = o.storeFailurePolicy;
    this.#random = o.random;
    this.#ids = o.ids;
    // Batched successes only matter to the failure-rate strategy.
    this.#batchSuccesses = o.policy.failureRateThreshold > 0;
    this.#what = `Call to provider "${o.provider}"`;
    this.#notifier = new Notifier(o.provider, o.clock, o.logger, options.incidents, options.onAlert);
  }

  /** The last known circuit state (from the cache; `closed` before the first read). */
  get state(): CircuitState {
    return this.#cached?.circuit ?? 'closed';
  }

  /**
   * Runs `fn` through the breaker. Rejects with `CircuitOpenError` without calling `fn` while the
   * circuit is open (or every probe slot is taken); with `TimeoutError` when `timeoutMs` passes.
   *
   * @param fn - The guarded call; pass its `signal` on (to `fetch`, the Twilio client) so a timeout
   *   or the caller's abort cancels it.
   * @param options - The caller's own `AbortSignal`, and this call's time budget when it differs
   *   from the breaker's `timeoutMs`.
   * @returns `fn`'s result.
   * @throws {@link CircuitOpenError} (503) when the call was not attempted.
   * @throws {@link TimeoutError} when `timeoutMs` passed.
   * @throws `StorageUnavailableError` when the store is down and `storeFailurePolicy` is `fail-closed`.
   * @throws `fn`'s own error, unchanged (counted or not by the classifier).
   */
  execute<T>(fn: (signal: AbortSignal) => Promise<T>, options?: ExecuteOptions): Promise<T> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const timeoutMs = options?.timeoutMs ?? this.#timeoutMs;
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      return Promise.reject(
        new ValidationError('Invalid execute options', [
          { path: 'timeoutMs', message: 'must be a number >= 0' },
        ]),
      );
    }
    const now = this.#clock.now();
    const cached = this.#cached;
    // Hot path: decided synchronously from a fresh cache, no await, no store call.
    if (cached !== null && now - this.#cachedAt < this.#ttl) {
      if (cached.circuit === 'closed') return this.#run(fn, signal, timeoutMs, undefined, now);
      if (cached.circuit === 'open' && cached.cooldownUntil !== null && now < cached.cooldownUntil) {
        return this.#reject(cached, now);
      }
      return this.#probe(fn, signal, timeoutMs);
    }
    return this.#stale(fn, signal, timeoutMs, cached, now);
  }

  /** State, wait and row for provider selection; uses the cache when it is fresh. */
  async peek(): Promise<BreakerPeek> {
    let status = this.#cached;
    if (status === null || this.#clock.now() - this.#cachedAt >= this.#ttl) {
      try {
        status = await this.refresh();
      } catch (error) {
        this.#storeError('get', error);
        if (this.#storePolicy === 'fail-closed') throw this.#unavailable(error);
        // Fail-open: calls would run unguarded, so report the provider as usable.
        const fallback = status ?? initialProviderStatus(this.provider, this.#clock.now());
        return { state: 'closed', retryAfterMs: 0, status: structuredClone(fallback) };
      }
    }
    return {
      state: status.circuit,
      retryAfterMs: retryAfterMs(status, this.#clock.now()),
      status: structuredClone(status),
    };
  }

  /**
   * Reads the shared row now (flushing batched successes when the failure-rate strategy is on) and
   * refreshes the cache. Concurrent refreshes share one store call. Throws when the store is down.
   */
  refresh(): Promise<ProviderStatus> {
    if (this.#refreshing !== null) return this.#refreshing;
    const refreshing = this.#load().finally(() => {
      this.#refreshing = null;
    });
    this.#refreshing = refreshing;
    return refreshing;
  }

  /** Records a success of a call made outside `execute`. */
  success(): Promise<void> {
    const now = this.#clock.now();
    return this.#afterSuccess(undefined, now, now) ?? Promise.resolve();
  }

  /** Records a failure of a call made outside `execute` (the classifier is not consulted). */
  failure(error?: unknown): Promise<void> {
    this.#emitFailure(error, 0, false);
    return this.#record({ kind: 'failure', random: this.#random() });
  }

  /** Operator reset: closed, counters zeroed, probe leases dropped. Store errors propagate. */
  async reset(): Promise<ProviderStatus> {
    this.#pending = 0;
    const update = await this.#store.reset(this.provider, this.#clock.now());
    await this.#apply(update);
    return structuredClone(update.current);
  }

  /** Operator force-open until `untilEpochMs`. Store errors propagate. */
  async forceOpen(untilEpochMs: number): Promise<ProviderStatus> {
    if (!Number.isFinite(untilEpochMs)) {
      throw new ValidationError('Invalid forceOpen time', [{ path: 'until', message: 'must be epoch ms' }]);
    }
    const update = await this.#store.forceOpen(this.provider, untilEpochMs, this.#clock.now());
    await this.#apply(update);
    return structuredClone(update.current);
  }

  /** A JSON snapshot for logs and health endpoints (no secrets: provider name, policy, counters). */
  toJSON(): BreakerSnapshot {
    return {
      provider: this.provider,
      state: this.state,
      policy: { ...this.policy },
      status: this.#cached === null ? null : structuredClone(this.#cached),
    };
  }

  // --- call paths -------------------------------------------------------------------------------

  async #stale<T>(
    fn: Guarded<T>,
    signal: AbortSignal | undefined,
    timeoutMs: number,
    cached: ProviderStatus | null,
    now: number,
  ): Promise<T> {
    // A probe claim returns the current row anyway: no separate read needed.
    if (cached !== null && canClaimProbe(cached, now)) return this.#probe(fn, signal, timeoutMs);
    let status: ProviderStatus;
    try {
      status = await this.refresh();
    } catch (error) {
      return this.#storeDown('get', error, fn, signal, timeoutMs);
    }
    const at = this.#clock.now();
    if (status.circuit === 'closed') return this.#run(fn, signal, timeoutMs, undefined, at);
    if (!canClaimProbe(status, at)) return this.#reject(status, at);
    return this.#probe(fn, signal, timeoutMs);
  }

  async #probe<T>(fn: Guarded<T>, signal: AbortSignal | undefined, timeoutMs: number): Promise<T> {
    const token = this.#ids();
    let claim: Awaited<ReturnType<ProviderStatusStore['claimProbe']>>;
    try {
      claim = await this.#store.claimProbe(this.provider, token, this.policy, this.#clock.now());
    } catch (error) {
      return this.#storeDown('claimProbe', error, fn, signal, timeoutMs);
    }
    this.#setCache(claim.status);
    if (claim.transition) await this.#transition(claim.transition.from, claim.transition.to, claim.status);
    const now = this.#clock.now();
    if (claim.granted) return this.#run(fn, signal, timeoutMs, token, now);
    // Someone closed it meanwhile: an ordinary call.
    if (claim.status.circuit === 'closed') return this.#run(fn, signal, timeoutMs, undefined, now);
    return this.#reject(claim.status, now);
  }

  #run<T>(
    fn: Guarded<T>,
    signal: AbortSignal | undefined,
    timeoutMs: number,
    probeToken: string | undefined,
    begin: number,
  ): Promise<T> {
    const plain = signal === undefined && probeToken === undefined && timeoutMs === 0;
    if (plain && this.#successes.size === 0 && this.#failures.size === 0)
      return start(fn).then(this.#ok, this.#err);
    return invokeWithTimeout(fn, this.#clock, timeoutMs, signal, this.#what).then(
      (value) => {
        const write = this.#afterSuccess(probeToken, begin, this.#clock.now());
        return write === undefined ? value : write.then(() => value);
      },
      (error: unknown) => this.#afterError(error, signal, probeToken, begin),
    );
  }

  // Hot-path handlers, bound once: a plain closed call allocates no closures (no listeners to time).
  readonly #ok = <V>(value: V): V | Promise<V> => {
    const write = this.#afterSuccess(undefined, 0, 0);
    return write === undefined ? value : write.then(() => value);
  };
  readonly #err = (error: unknown): Promise<never> => this.#afterError(error, undefined, undefined, 0);

  /** Returns undefined when nothing has to be written (the common case). */
  #afterSuccess(probeToken: string | undefined, start: number, now: number): Promise<void> | undefined {
    if (this.#successes.size > 0) {
      this.#successes.emit({
        provider: this.provider,
        durationMs: now - start,
        probe: probeToken !== undefined,
      });
    }
    const cached = this.#cached;
    // Only a probe's verdict or the end of a failure streak must reach the store right away.
    if (
      probeToken === undefined &&
      cached !== null &&
      !(cached.circuit === 'closed' && cached.failureCount > 0)
    ) {
      if (this.#batchSuccesses) this.#pending++;
      return undefined;
    }
    return this.#record(probeToken === undefined ? { kind: 'success' } : { kind: 'success', probeToken });
  }

  async #afterError(
    error: unknown,
    signal: AbortSignal | undefined,
    probeToken: string | undefined,
    start: number,
  ): Promise<never> {
    let verdict: 'record' | 'ignore' = 'record';
    try {
      verdict = this.#classify(error, { callerAborted: signal?.aborted === true });
    } catch {
      // A broken classifier must not hide the call's error; count it.
    }
    if (verdict === 'record') {
      this.#emitFailure(error, this.#clock.now() - start, probeToken !== undefined);
      const outcome: OutcomeInput = { kind: 'failure', random: this.#random() };
      if (probeToken !== undefined) outcome.probeToken = probeToken;
      await this.#record(outcome);
    }
    throw error;
  }

  #reject(status: ProviderStatus, now: number): Promise<never> {
    const wait = retryAfterMs(status, now);
    if (this.#rejects.size > 0)
      this.#rejects.emit({ provider: this.provider, state: status.circuit, retryAfterMs: wait });
    return Promise.reject(new CircuitOpenError(this.provider, wait));
  }

  #storeDown<T>(
    operation: string,
    error: unknown,
    fn: Guarded<T>,
    signal: AbortSignal | undefined,
    timeoutMs: number,
  ): Promise<T> {
    this.#storeError(operation, error);
    if (this.#storePolicy === 'fail-closed') return Promise.reject(this.#unavailable(error));
    return invokeWithTimeout(fn, this.#clock, timeoutMs, signal, this.#what);
  }

  // --- store and cache --------------------------------------------------------------------------

  async #load(): Promise<ProviderStatus> {
    const pending = this.#pending;
    if (pending > 0 && this.#batchSuccesses) {
      this.#pending = 0;
      let update: BreakerUpdate;
      try {
        // `pending` successes in one write: the outcome itself is the last of them.
        const outcome: OutcomeInput = { kind: 'success', pendingSuccesses: pending - 1 };
        update = await this.#store.recordOutcome(this.provider, outcome, this.policy, this.#clock.now());
      } catch (error) {
        this.#pending += pending;
        throw error;
      }
      await this.#apply(update);
      return update.current;
    }
    const row = await this.#store.get(this.provider);
    const status = row ?? initialProviderStatus(this.provider, this.#clock.now());
    this.#setCache(status);
    return status;
  }

  /** Writes one outcome plus the batched successes. Store errors are reported, never thrown. */
  async #record(outcome: OutcomeInput): Promise<void> {
    const pending = this.#pending;
    this.#pending = 0;
    if (pending > 0) outcome.pendingSuccesses = pending;
    let update: BreakerUpdate;
    try {
      update = await this.#store.recordOutcome(this.provider, outcome, this.policy, this.#clock.now());
    } catch (error) {
      this.#pending += pending;
      this.#storeError('recordOutcome', error);
      return;
    }
    await this.#apply(update);
  }

  async #apply(update: BreakerUpdate): Promise<void> {
    this.#setCache(update.current);
    const { previous, current, transition } = update;
    if (transition) await this.#transition(transition.from, transition.to, current);
    // The runbook's `failure_count > 10`: only the operation that crossed the line alerts.
    if (previous.failureCount <= 10 && current.failureCount > 10)
      await this.#notifier.failureCountExceeded(current);
  }

  #setCache(status: ProviderStatus): void {
    // Out-of-order replies must not roll the cache back to an older row.
    if (this.#cached !== null && status.generation < this.#cached.generation) return;
    this.#cached = status;
    this.#cachedAt = this.#clock.now();
  }

  async #transition(from: CircuitState, to: CircuitState, status: ProviderStatus): Promise<void> {
    const at = this.#clock.now();
    this.#stateChanges.emit({ provider: this.provider, from, to, status: structuredClone(status), at });
    await this.#notifier.transition(from, to, status);
  }

  #emitFailure(error: unknown, durationMs: number, probe: boolean): void {
    if (this.#failures.size > 0) this.#failures.emit({ provider: this.provider, error, durationMs, probe });
  }

  #storeError(operation: string, error: unknown): void {
    this.#storeErrors.emit({ provider: this.provider, operation, error, policy: this.#storePolicy });
    this.#notifier.storeUnavailable(operation, this.#storePolicy);
  }

  #unavailable(error: unknown): StorageUnavailableError {
    return new StorageUnavailableError(`Breaker store unavailable for provider "${this.provider}"`, {
      cause: error,
    });
  }
}
