/**
 * Time source and timers, injected everywhere so tests run on a fake clock with no sleeps.
 *
 * @example
 * ```ts
 * import { sleep, systemClock, type Clock } from 'steadycall';
 *
 * const clock: Clock = systemClock; // or `new FakeClock()` from 'steadycall/testing' in tests
 * const started = clock.now();
 * await sleep(clock, 250);
 * console.log(`waited ${clock.now() - started} ms`);
 * ```
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds; the handle cancels it through {@link Clock.clearTimeout}. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer that has not fired yet; unknown or already fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/**
 * Opaque timer handle.
 *
 * @example
 * ```ts
 * const handle: TimerHandle = clock.setTimeout(() => hangUp(callId), 60_000);
 * clock.clearTimeout(handle); // the caller answered in time
 * ```
 */
export type TimerHandle =
  | {
      /** Brand only: never read; a handle is whatever the clock returned. */
      readonly __timer: unique symbol;
    }
  | number
  | object;

/**
 * The real clock.
 *
 * Its timers are `unref()`ed where the runtime supports it, so a pending timer never keeps a Node
 * process alive.
 *
 * @example
 * ```ts
 * import { systemClock } from 'steadycall';
 *
 * const breaker = new CircuitBreaker({ provider: 'twilio', store, clock: systemClock }); // the default
 * ```
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms) as unknown as { unref?: () => void };
    // Never keep a process alive just for a steadycall timer.
    t.unref?.();
    return t as TimerHandle;
  },
  clearTimeout: (h) => clearTimeout(h as Parameters<typeof clearTimeout>[0]),
};

/**
 * Resolves after `ms` on the given clock; rejects with the signal's reason if aborted.
 *
 * @param clock - The clock whose timer is used (a `FakeClock` in tests).
 * @param ms - How long to wait, in milliseconds.
 * @param signal - Optional: aborting it cancels the timer and rejects with `signal.reason`.
 * @example
 * ```ts
 * import { sleep, systemClock } from 'steadycall';
 *
 * await sleep(systemClock, 500); // back off before a retry
 * await sleep(systemClock, 10_000, AbortSignal.timeout(1_000)); // rejects after 1 s with the timeout reason
 * ```
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(signal?.reason);
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

interface FakeTimer {
  id: number;
  at: number;
  fn: () => void;
}

/**
 * A deterministic clock for tests: time moves only when you call {@link FakeClock.advance}.
 *
 * @example
 * ```ts
 * const clock = new FakeClock(0);
 * const breaker = new CircuitBreaker({ provider: 'twilio', store, clock });
 * await clock.advance(30_000); // cooldown passes, no real waiting
 * ```
 */
export class FakeClock implements Clock {
  #now: number;
  #timers: FakeTimer[] = [];
  #nextId = 1;

  /** @param start - The initial time, in epoch milliseconds. Default 0. */
  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: this.#nextId++, at: this.#now + Math.max(0, ms), fn };
    this.#timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }

  /** Number of timers waiting to fire. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /**
   * Set the time without firing timers (only forwards).
   *
   * @throws RangeError when `ms` is earlier than the current time.
   * @example
   * ```ts
   * clock.set(Date.parse('2026-01-01T00:00:00Z')); // pending timers due before then do not fire
   * ```
   */
  set(ms: number): void {
    if (ms < this.#now) throw new RangeError('FakeClock cannot go backwards');
    this.#now = ms;
  }

  /**
   * Moves time forward by `ms`, firing due timers in order and letting promise callbacks run
   * between them, so code awaiting `sleep()` progresses as it would in real time.
   *
   * @example
   * ```ts
   * const clock = new FakeClock(0);
   * const done = sleep(clock, 1_000);
   * await clock.advance(1_000); // `done` resolves now
   * ```
   */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await flushMicrotasks();
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#now = Math.max(this.#now, due.at);
      due.fn();
      await flushMicrotasks();
    }
    this.#now = target;
    await flushMicrotasks();
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}
