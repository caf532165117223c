import type { FakeClock } from '../../src/core/clock.js';

/**
 * Yields one turn of the real event loop. Fingerprints use crypto.subtle, which settles on a later
 * turn, so fake-clock tests must let real I/O finish; this is a yield, never a timed sleep.
 */
export const realTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Yields real turns (no fake time passes) until `done()` holds. Bounded by a generous real-time
 * guard rather than a tick count: on a loaded machine crypto.subtle's thread pool can take more
 * than a few thousand loop turns to settle a digest.
 */
export async function until(done: () => boolean, guardMs = 15_000): Promise<void> {
  const giveUpAt = Date.now() + guardMs;
  while (Date.now() < giveUpAt) {
    if (done()) return;
    await realTick();
  }
  if (done()) return;
  throw new Error('until: condition not reached');
}

/** Alternates real yields and fake-clock steps until `done()` holds. */
export async function drive(
  clock: FakeClock,
  done: () => boolean,
  { step = 50, maxSteps = 20_000 }: { step?: number; maxSteps?: number } = {},
): Promise<void> {
  for (let i = 0; i < maxSteps; i++) {
    if (done()) return;
    await realTick();
    if (done()) return;
    await clock.advance(step);
  }
  throw new Error('drive: condition not reached');
}

/** A promise whose outcome can be inspected synchronously. */
export interface Tracked<T> {
  promise: Promise<T>;
  readonly settled: boolean;
  readonly value: T | undefined;
  readonly error: unknown;
  readonly rejected: boolean;
}

export function track<T>(promise: Promise<T>): Tracked<T> {
  const state = {
    settled: false,
    rejected: false,
    value: undefined as T | undefined,
    error: undefined as unknown,
  };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, rejected: true, error }),
  );
  return {
    promise,
    get settled() {
      return state.settled;
    },
    get value() {
      return state.value;
    },
    get error() {
      return state.error;
    },
    get rejected() {
      return state.rejected;
    },
  };
}

export const allSettled = (items: readonly Tracked<unknown>[]) => (): boolean =>
  items.every((t) => t.settled);

/** A promise resolved or rejected from outside. */
export function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
