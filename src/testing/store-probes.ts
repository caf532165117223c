import { StorageUnavailableError } from '../core/errors.js';

/** Counts every method call made on a store: the tests' measure of store round trips. */
export interface CallCounter {
  /** Total calls since creation or the last `reset()`. */
  readonly total: number;
  /** Calls per method name. */
  readonly byMethod: Readonly<Record<string, number>>;
  reset(): void;
}

/**
 * Wraps a store so each method call is counted. Every port method is one round trip in the
 * PostgreSQL implementation, so the count is the round-trip count.
 *
 * @example
 * ```ts
 * const [store, counter] = countingStore(new MemoryProviderStatusStore());
 * await breaker.execute(work);
 * expect(counter.total).toBeLessThanOrEqual(1);
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

/** Switch for {@link faultyStore}: while `down` is true every method rejects. */
export interface FaultSwitch {
  down: boolean;
  /** Calls rejected so far. */
  readonly rejected: number;
}

/**
 * Wraps a store so that, while `fault.down` is true, every method rejects with
 * `StorageUnavailableError` without touching the inner store (nothing half-applied).
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
