import { type Clock, systemClock } from '../core/clock.js';
import { ValidationError, type ValidationIssue } from '../core/errors.js';
import { type IdGenerator, randomId } from '../core/ids.js';
import { type Logger, silentLogger } from '../core/logger.js';
import type { ProviderName } from '../core/types.js';
import type { AlertHook } from '../incidents/alerts.js';
import { defaultClassifier, type ErrorClassifier } from './classify.js';
import type { StoreFailurePolicy } from './events.js';
import type { IncidentSink } from './notify.js';
import { resolveBreakerPolicy } from './policy.js';
import type { ProviderStatusStore } from './store.js';
import type { BreakerPolicy } from './types.js';

/**
 * Options of `CircuitBreaker`.
 *
 * @example
 * ```ts
 * const options: CircuitBreakerOptions = {
 *   provider: 'twilio',
 *   store: stores.providerStatus,
 *   timeoutMs: 10_000,
 *   policy: { consecutiveFailures: 3 },
 *   onAlert: (alert) => pager.send(alert.message),
 * };
 * const breaker = new CircuitBreaker(options);
 * ```
 */
export interface CircuitBreakerOptions {
  /** The provider this breaker guards (`twilio`, `openai`, `gemini`, or your own). */
  provider: ProviderName;
  /** Where the state lives; share one store between instances to share one breaker. */
  store: ProviderStatusStore;
  /** Overrides of `defaultBreakerPolicy`. Default: none (the default policy). */
  policy?: Partial<BreakerPolicy>;
  /** Time source for cooldowns, caches and timeouts. Default: the system clock. */
  clock?: Clock;
  /** Receives circuit transitions and store warnings. Default: silent. */
  logger?: Logger;
  /** Per-call time budget; on expiry the call's signal is aborted and it counts as a failure. Default 0: none. */
  timeoutMs?: number;
  /** Which errors count against the provider. Default `defaultClassifier`. */
  classify?: ErrorClassifier;
  /** How long a read of the shared row is trusted. Default 1000 ms; 0 reads on every call. */
  cacheTtlMs?: number;
  /** When the store is unreachable: run calls unguarded (default) or refuse them. */
  storeFailurePolicy?: StoreFailurePolicy;
  /** Where transitions are written (an `IncidentLog` facade). Errors are logged, never thrown. Default: none. */
  incidents?: IncidentSink;
  /** The runbook's alert hook: called once per transition across all instances. Default: none. */
  onAlert?: AlertHook;
  /** Random numbers in [0, 1) for cooldown jitter. Default `Math.random`. */
  random?: () => number;
  /** Probe lease tokens. Default: random UUIDs. */
  ids?: IdGenerator;
}

/**
 * Options of one `CircuitBreaker.execute` call.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * req.on('close', () => controller.abort()); // the client went away: not the provider's fault
 * await breaker.execute((signal) => fetch(url, { signal }), { signal: controller.signal });
 * // A call with its own deadline: no second timer from the breaker.
 * await breaker.execute((signal) => session.connect({ signal }), { timeoutMs: 0 });
 * ```
 */
export interface ExecuteOptions {
  /** The caller's signal: aborting it aborts the call; such aborts do not count as failures. */
  signal?: AbortSignal;
  /**
   * This call's time budget in ms, instead of the breaker's `timeoutMs`; 0: none, for a call that
   * enforces its own deadline (a realtime session's handshake timeout). Default: the breaker's.
   */
  timeoutMs?: number;
}

/** Options with every default applied. @internal */
export interface ResolvedBreakerOptions {
  provider: ProviderName;
  store: ProviderStatusStore;
  policy: Readonly<BreakerPolicy>;
  clock: Clock;
  logger: Logger;
  timeoutMs: number;
  classify: ErrorClassifier;
  cacheTtlMs: number;
  storeFailurePolicy: StoreFailurePolicy;
  random: () => number;
  ids: IdGenerator;
}

/** Applies defaults and validates; throws `ValidationError` listing every problem. @internal */
export function resolveBreakerOptions(options: CircuitBreakerOptions): ResolvedBreakerOptions {
  const issues: ValidationIssue[] = [];
  if (typeof options.provider !== 'string' || options.provider.length === 0) {
    issues.push({ path: 'provider', message: 'must be a non-empty string' });
  }
  if (typeof options.store !== 'object' || options.store === null) {
    issues.push({ path: 'store', message: 'is required' });
  }
  const cacheTtlMs = options.cacheTtlMs ?? 1000;
  if (!Number.isFinite(cacheTtlMs) || cacheTtlMs < 0) {
    issues.push({ path: 'cacheTtlMs', message: 'must be a number >= 0' });
  }
  const timeoutMs = options.timeoutMs ?? 0;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
    issues.push({ path: 'timeoutMs', message: 'must be a number > 0' });
  }
  const storeFailurePolicy = options.storeFailurePolicy ?? 'fail-open';
  if (storeFailurePolicy !== 'fail-open' && storeFailurePolicy !== 'fail-closed') {
    issues.push({ path: 'storeFailurePolicy', message: "must be 'fail-open' or 'fail-closed'" });
  }
  if (issues.length > 0) {
    const summary = issues.map((i) => `${i.path} ${i.message}`).join('; ');
    throw new ValidationError(`Invalid circuit breaker options: ${summary}`, issues);
  }
  return {
    provider: options.provider,
    store: options.store,
    policy: Object.freeze(resolveBreakerPolicy(options.policy)),
    clock: options.clock ?? systemClock,
    logger: options.logger ?? silentLogger,
    timeoutMs,
    classify: options.classify ?? defaultClassifier,
    cacheTtlMs,
    storeFailurePolicy,
    random: options.random ?? Math.random,
    ids: options.ids ?? randomId,
  };
}
