/** Returned by every `onX(listener)`: call `dispose()` to stop listening. */
export interface Disposable {
  dispose(): void;
}

/** A tiny typed event: `on(listener)` returns a {@link Disposable}. Listener errors never propagate. */
export class EventSource<T> {
  #listeners = new Set<(event: T) => void>();

  on = (listener: (event: T) => void): Disposable => {
    this.#listeners.add(listener);
    return { dispose: () => this.#listeners.delete(listener) };
  };

  emit(event: T): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A listener's bug must not break the call path that emitted the event.
      }
    }
  }

  get size(): number {
    return this.#listeners.size;
  }
}
