/**
 * Real timers, but tracked: the fake must be able to cancel every pending wait on `close()` so a
 * test process never hangs on a forgotten delivery.
 */
export class Scheduler {
  readonly #timers = new Map<ReturnType<typeof setTimeout>, () => void>();

  /** Resolves after `ms`; rejects with `signal.reason` (or a cancellation) when aborted or cancelled. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const cancel = (reason?: unknown) => {
        clearTimeout(handle);
        this.#timers.delete(handle);
        signal?.removeEventListener('abort', onAbort);
        reject(reason ?? new CancelledError());
      };
      const onAbort = () => cancel(signal?.reason);
      const handle = setTimeout(
        () => {
          this.#timers.delete(handle);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      this.#timers.set(handle, cancel);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Number of waits not yet fired or cancelled. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Cancels every pending wait (their promises reject). */
  cancelAll(): void {
    for (const cancel of [...this.#timers.values()]) cancel();
  }
}

/** Rejection reason of a wait cancelled by {@link Scheduler.cancelAll}. */
export class CancelledError extends Error {
  constructor() {
    super('Cancelled: the fake Twilio was closed or the call was ended');
    this.name = 'CancelledError';
  }
}

/** mulberry32: a tiny seeded PRNG, so shuffles and jitter are reproducible from a seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates shuffle driven by `random` (returns a new array). */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** `prefix` + 32 random hex digits: the shape of every Twilio SID (random, so two fakes never collide). */
export function makeSid(prefix: string): string {
  return prefix + crypto.randomUUID().replaceAll('-', '');
}
