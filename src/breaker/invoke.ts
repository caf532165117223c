import type { Clock } from '../core/clock.js';
import { TimeoutError } from '../core/errors.js';

// Shared by every call that has neither a timeout nor a caller signal: saves an allocation per call.
const NEVER_ABORTED: AbortSignal = new AbortController().signal;

/** Calls `fn`, turning a synchronous throw into a rejection. @internal */
export function start<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  signal: AbortSignal = NEVER_ABORTED,
): Promise<T> {
  try {
    const result = fn(signal);
    return typeof (result as { then?: unknown } | null)?.then === 'function'
      ? result
      : Promise.resolve(result);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Runs `fn` with an `AbortSignal` that fires when the caller's signal does or when `timeoutMs`
 * (0 = none) passes on `clock`. On timeout the returned promise rejects with a
 * {@link TimeoutError} right away, even if `fn` ignores its signal.
 * @internal
 */
export function invokeWithTimeout<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  clock: Clock,
  timeoutMs: number,
  callerSignal: AbortSignal | undefined,
  what: string,
): Promise<T> {
  if (timeoutMs <= 0) return start(fn, callerSignal ?? NEVER_ABORTED);

  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const onCallerAbort = () => controller.abort(callerSignal?.reason);
    const finish = (): boolean => {
      if (done) return false;
      done = true;
      clock.clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
      return true;
    };
    const timer = clock.setTimeout(() => {
      if (!finish()) return;
      const error = new TimeoutError(timeoutMs, what);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
    if (callerSignal?.aborted) controller.abort(callerSignal.reason);
    else callerSignal?.addEventListener('abort', onCallerAbort, { once: true });

    start(fn, controller.signal).then(
      (value) => {
        if (finish()) resolve(value);
      },
      (error: unknown) => {
        if (finish()) reject(error);
      },
    );
  });
}
