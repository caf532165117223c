/**
 * One Gemini Live connection of a {@link GeminiLiveSession}: a call can span several (`goAway` +
 * session resumption), so each `live.connect` gets its own link with its own handshake timer, its
 * own callbacks and its own end. A link reports to its owner at most once that it is ready or that
 * it failed, and after {@link GeminiLiveLink.close} it reports nothing at all.
 *
 * @module
 */

import type { Clock, TimerHandle } from '../../core/clock.js';
import { type SteadyCallError, TimeoutError } from '../../core/errors.js';
import type { GeminiLiveConnect, GeminiLiveConnection } from './gemini-live-connect.js';
import { eventText, handshakeError, type LinkCloseDetail } from './gemini-live-wire.js';

/** What a link tells its session. */
export interface LinkOwner {
  /** `setupComplete` arrived and the SDK handed over the connection. */
  ready(link: GeminiLiveLink): void;
  /** The handshake failed (refused, closed, timed out, aborted). Nothing follows. */
  failed(link: GeminiLiveLink, error: SteadyCallError): void;
  /** A server message after `ready` (never `setupComplete` itself). */
  message(link: GeminiLiveLink, message: unknown): void;
  /** The socket closed after `ready`, and not because the link was closed by its owner. */
  closed(link: GeminiLiveLink, code: number | undefined, reason: string): void;
}

/** How a link is opened. */
export interface LinkOptions {
  connect: GeminiLiveConnect;
  model: string;
  config: Record<string, unknown>;
  clock: Clock;
  handshakeTimeoutMs: number;
  redact: (text: string) => string;
  owner: LinkOwner;
  /** Used in the timeout error: `Gemini Live handshake`, `Gemini Live resumption`. */
  what: string;
}

type LinkState = 'connecting' | 'ready' | 'done';

/**
 * A single `live.connect` and its lifecycle.
 *
 * @example
 * ```ts
 * const link = new GeminiLiveLink({ connect, model, config, clock, handshakeTimeoutMs: 5000, redact, owner, what });
 * link.open();
 * link.send((s) => s.sendRealtimeInput({ audio }));
 * await link.close(1000);
 * ```
 */
export class GeminiLiveLink {
  readonly #o: LinkOptions;
  #state: LinkState = 'connecting';
  #session: GeminiLiveConnection | undefined;
  #setupComplete = false;
  #early: unknown[] = [];
  #timer: TimerHandle | undefined;
  #socketClosed = false;
  readonly #detail: LinkCloseDetail = {};
  readonly #closeWaiters = new Set<() => void>();

  constructor(options: LinkOptions) {
    this.#o = options;
  }

  get state(): LinkState {
    return this.#state;
  }

  /** Starts `live.connect` and the handshake timer. */
  open(): void {
    const { clock, handshakeTimeoutMs, what } = this.#o;
    this.#timer = clock.setTimeout(
      () => this.abort(new TimeoutError(handshakeTimeoutMs, what)),
      handshakeTimeoutMs,
    );
    let pending: Promise<GeminiLiveConnection>;
    try {
      pending = this.#o.connect({
        model: this.#o.model,
        config: this.#o.config,
        callbacks: {
          onmessage: this.#onMessage,
          onerror: this.#onError,
          onclose: this.#onClose,
        },
      });
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (session) => this.#gotSession(session),
      (error: unknown) => this.abort(handshakeError({ ...this.#detail, thrown: error }, this.#o.redact)),
    );
  }

  /** Fails the handshake with `error` (timeout, abort signal); no-op once ready or done. */
  abort(error: SteadyCallError): void {
    if (this.#state !== 'connecting') return;
    this.#finish();
    this.#o.owner.failed(this, error);
    this.#closeSocket();
  }

  /** Runs `fn` on the connection if the link is ready; false if it is not or the send threw. */
  send(fn: (session: GeminiLiveConnection) => void): boolean {
    const session = this.#session;
    if (this.#state !== 'ready' || session === undefined) return false;
    try {
      fn(session);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Ends the link: no more events; closes the socket and waits for its close, at most `timeoutMs`
   * on the clock. A connection the SDK has not handed over yet is closed as soon as it is.
   */
  close(timeoutMs: number): Promise<void> {
    this.#finish();
    if (this.#session === undefined || this.#socketClosed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        this.#o.clock.clearTimeout(timer);
        this.#closeWaiters.delete(done);
        resolve();
      };
      const timer = this.#o.clock.setTimeout(done, timeoutMs);
      this.#closeWaiters.add(done);
      this.#closeSocket();
    });
  }

  #finish(): void {
    this.#state = 'done';
    this.#early = [];
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #closeSocket(): void {
    try {
      this.#session?.close();
    } catch {
      // Closing a socket that is already closing may throw on some transports.
    }
  }

  #gotSession(session: GeminiLiveConnection): void {
    this.#session = session;
    // Handed over after we gave up on it (timeout, close()): close it now so nothing leaks.
    if (this.#state === 'done') this.#closeSocket();
    else this.#maybeReady();
  }

  #maybeReady(): void {
    if (this.#state !== 'connecting' || !this.#setupComplete || this.#session === undefined) return;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#state = 'ready';
    this.#o.owner.ready(this);
    // SDK 3.x replays messages it queued before resolving; the owner gets them after `ready`.
    const early = this.#early;
    this.#early = [];
    for (const message of early) if (this.#state === 'ready') this.#o.owner.message(this, message);
  }

  readonly #onMessage = (message: unknown): void => {
    if (this.#state === 'done') return;
    const setup = typeof message === 'object' && message !== null && 'setupComplete' in message;
    if (setup && (message as { setupComplete?: unknown }).setupComplete != null) {
      this.#setupComplete = true;
      this.#maybeReady();
      return;
    }
    if (this.#state === 'connecting') this.#early.push(message);
    else this.#o.owner.message(this, message);
  };

  readonly #onError = (event: unknown): void => {
    // The close that follows carries the outcome; keep the text to explain it.
    this.#detail.error = eventText(event);
  };

  readonly #onClose = (event: unknown): void => {
    this.#socketClosed = true;
    const e = (typeof event === 'object' && event !== null ? event : {}) as {
      code?: unknown;
      reason?: unknown;
    };
    if (typeof e.code === 'number') this.#detail.code = e.code;
    if (typeof e.reason === 'string' && e.reason !== '') this.#detail.reason = e.reason;
    for (const done of [...this.#closeWaiters]) done();
    if (this.#state === 'connecting') {
      this.abort(handshakeError(this.#detail, this.#o.redact));
    } else if (this.#state === 'ready') {
      this.#finish();
      this.#o.owner.closed(this, this.#detail.code, this.#o.redact(this.#detail.reason ?? 'socket closed'));
    }
  };
}
