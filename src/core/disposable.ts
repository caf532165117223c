/**
 * Returned by every `onX(listener)`: call `dispose()` to stop listening.
 *
 * @example
 * ```ts
 * const subscription: Disposable = breaker.onStateChange((e) => console.log(e.from, '->', e.to));
 * subscription.dispose(); // no more events
 * ```
 */
export interface Disposable {
  /** Stops listening. Calling it again does nothing. */
  dispose(): void;
}

/**
 * A tiny typed event: `on(listener)` returns a {@link Disposable}. Listener errors never propagate.
 *
 * @example
 * ```ts
 * import { EventSource } from 'steadycall';
 *
 * const turns = new EventSource<{ latencyMs: number }>();
 * const sub = turns.on((e) => console.log('turn latency', e.latencyMs));
 * turns.emit({ latencyMs: 420 });
 * sub.dispose();
 * ```
 */
export class EventSource<T> {
  #listeners = new Set<(event: T) => void>();

  /**
   * Adds a listener; it is called synchronously on every {@link EventSource.emit} until disposed.
   * Bound to the instance, so it can be handed out as a plain function (`onX = source.on`).
   */
  on = (listener: (event: T) => void): Disposable => {
    this.#listeners.add(listener);
    return { dispose: () => this.#listeners.delete(listener) };
  };

  /** Calls every listener with `event`, in subscription order. A listener that throws is skipped. */
  emit(event: T): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A listener's bug must not break the call path that emitted the event.
      }
    }
  }

  /** Number of listeners currently subscribed. */
  get size(): number {
    return this.#listeners.size;
  }
}
