import { StorageUnavailableError } from '../core/errors.js';

/**
 * Counts every method call made on a store: the tests' measure of store round trips. Returned by
 * {@link countingStore} next to the wrapped store.
 *
 * @example
 * ```ts
 * import { MemoryFlagStore } from 'steadycall';
 * import { countingStore } from 'steadycall/testing';
 *
 * const [flags, counter] = countingStore(new MemoryFlagStore());
 * await flags.list();
 * console.log(counter.total, counter.byMethod); // 1 { list: 1 }
 * counter.reset();
 * ```
 */
export interface CallCounter {
  /** Total calls since creation or the last `reset()`. */
  readonly total: number;
  /** Calls per method name. */
  readonly byMethod: Readonly<Record<string, number>>;
  /** Sets {@link total} back to 0 and clears {@link byMethod}, e.g. after a test's setup. */
  reset(): void;
}

/**
 * Wraps a store so each method call is counted. Every port method is one round trip in the
 * PostgreSQL implementation, so the count is the round-trip count.
 *
 * @example
 * ```ts
 * import { CircuitBreaker, MemoryProviderStatusStore } from 'steadycall';
 * import { countingStore } from 'steadycall/testing';
 *
 * const [store, counter] = countingStore(new MemoryProviderStatusStore());
 * const breaker = new CircuitBreaker({ provider: 'twilio', store });
 * await breaker.execute(() => placeCall());
 * expect(counter.total).toBeLessThanOrEqual(1); // at most one round trip per guarded call
 * ```
 */
export function countingStore<S extends object>(store: S): [S, CallCounter] {
  const byMethod: Record<string, number> = {};
  let total = 0;
  const counter: CallCounter = {
    get total() {
      return total;
    },
    get byMethod() {
      return byMethod;
    },
    reset() {
      total = 0;
      for (const k of Object.keys(byMethod)) delete byMethod[k];
    },
  };
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      return (...args: unknown[]) => {
        total++;
        byMethod[prop] = (byMethod[prop] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return [proxy, counter];
}

/**
 * Switch for {@link faultyStore}: while `down` is true every method rejects.
 *
 * @example
 * ```ts
 * import { MemoryIncidentLog } from 'steadycall';
 * import { faultyStore } from 'steadycall/testing';
 *
 * const [log, fault] = faultyStore(new MemoryIncidentLog());
 * fault.down = true;  // the store is unreachable: every call rejects
 * // ... exercise the code under test ...
 * fault.down = false; // back up
 * console.log(fault.rejected);
 * ```
 */
export interface FaultSwitch {
  /** While true, every method of the wrapped store rejects with `StorageUnavailableError`. Starts false. */
  down: boolean;
  /** Calls rejected so far. */
  readonly rejected: number;
}

/**
 * Wraps a store so that, while `fault.down` is true, every method rejects with
 * `StorageUnavailableError` without touching the inner store (nothing half-applied): to test that
 * callers degrade as designed when the store is down.
 *
 * @param store - Any store (a port implementation); its methods are wrapped, other properties pass through.
 * @returns The wrapped store, and its {@link FaultSwitch} (initially up).
 * @example
 * ```ts
 * import { CircuitBreaker, MemoryProviderStatusStore, type ProviderStatusStore } from 'steadycall';
 * import { faultyStore } from 'steadycall/testing';
 *
 * const [store, fault] = faultyStore<ProviderStatusStore>(new MemoryProviderStatusStore());
 * const breaker = new CircuitBreaker({ provider: 'twilio', store });
 * fault.down = true;
 * await breaker.execute(() => placeCall()); // the breaker's store-error policy decides
 * ```
 */
export function faultyStore<S extends object>(store: S): [S, FaultSwitch] {
  let rejected = 0;
  const fault: FaultSwitch = {
    down: false,
    get rejected() {
      return rejected;
    },
  };
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (fault.down) {
          rejected++;
          return Promise.reject(new StorageUnavailableError('Store is down (injected fault)'));
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return [proxy, fault];
}
