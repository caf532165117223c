import type { CircuitBreaker } from '../breaker/breaker.js';
import { type Clock, systemClock, type TimerHandle } from '../core/clock.js';
import { type Logger, silentLogger } from '../core/logger.js';
import type { AiProvider } from '../core/types.js';
import { GeminiLiveSession } from './providers/gemini-live.js';
import { OpenAiLiveSession } from './providers/openai-live.js';
import { OpenAiRealtimeSession } from './providers/openai-realtime.js';
import type { ConversationTurn, RealtimeSession, RealtimeSessionConfig } from './session.js';
import type { SocketFactory } from './socket.js';

/**
 * Opens the realtime session for one call; `providers` lists the ones it can open.
 *
 * @example
 * ```ts
 * import { OpenAiRealtimeSession, type RealtimeSessionFactory } from 'steadycall';
 * import { wsSocketFactory } from 'steadycall/node';
 *
 * const factory: RealtimeSessionFactory = Object.assign(
 *   () => new OpenAiRealtimeSession({ apiKey: process.env.OPENAI_API_KEY!, socketFactory: wsSocketFactory() }),
 *   { providers: ['openai'] as const },
 * );
 * ```
 */
export type RealtimeSessionFactory = ((provider: AiProvider, context: SessionContext) => RealtimeSession) & {
  /** The providers this factory can open sessions for. Default (absent): any. */
  readonly providers?: readonly AiProvider[];
};

/**
 * Per-call context of a new session.
 *
 * @example
 * ```ts
 * import type { SessionContext } from 'steadycall';
 *
 * const context: SessionContext = { callId: 'call-42', history: transcriptSoFar, openaiApi: 'realtime' };
 * const { session, ready } = warmSessions.open('openai', context);
 * ```
 */
export interface SessionContext {
  /** The call the session is for. */
  callId: string;
  /** Conversation to replay (failover, renewal). */
  history?: readonly ConversationTurn[];
  /** Which OpenAI API to speak, overriding the configured one (the last failover tier). */
  openaiApi?: 'live' | 'realtime';
}

/**
 * How to reach each realtime provider: the options of {@link realtimeSessionFactory}.
 *
 * @example
 * ```ts
 * import type { RealtimeProvidersOptions } from 'steadycall';
 * import { wsSocketFactory } from 'steadycall/node';
 *
 * const options: RealtimeProvidersOptions = {
 *   socketFactory: wsSocketFactory(),
 *   openai: { apiKey: process.env.OPENAI_API_KEY!, api: 'live' },
 *   gemini: { apiKey: process.env.GEMINI_API_KEY! },
 *   config: { instructions: 'You are a helpful phone assistant.' },
 * };
 * ```
 */
export interface RealtimeProvidersOptions {
  /** Opens model sockets (`wsSocketFactory()` on Node, `webSocketFactory()` on Deno and Bun). */
  socketFactory: SocketFactory;
  /** Instructions, voice, tools and greeting shared by every provider. */
  config?: RealtimeSessionConfig;
  /** Gemini Live settings; without them no Gemini sessions are opened. */
  gemini?: {
    /** The Gemini API key. */
    apiKey: string;
    /** `httpOptions.baseUrl` of the Gemini client (a loopback fake in tests). */
    baseUrl?: string;
    /** Overrides of the shared `config` for Gemini. */
    config?: RealtimeSessionConfig;
  };
  /** OpenAI settings; without them no OpenAI sessions are opened. */
  openai?: {
    /** The OpenAI API key. */
    apiKey: string;
    /** The Live API (default) or the older Realtime API. */
    api?: 'live' | 'realtime';
    /** Override of the socket URL (a loopback fake in tests). */
    url?: string;
    /** URL overrides per API, for the failover tier that switches API (tests). */
    urls?: Partial<Record<'live' | 'realtime', string>>;
    /** Overrides of the shared `config` for OpenAI. */
    config?: RealtimeSessionConfig;
  };
  /** Time source for the sessions' timers. Default: the system clock. */
  clock?: Clock;
  /** Where the sessions log. Default: a silent logger. */
  logger?: Logger;
}

/**
 * Builds the per-call session factory from provider settings.
 *
 * @returns A factory that opens a session for a configured provider (it throws for one that is not
 * configured); its `providers` lists the configured ones.
 *
 * @example
 * ```ts
 * import { realtimeSessionFactory } from 'steadycall';
 * import { wsSocketFactory } from 'steadycall/node';
 *
 * const apiKey = process.env.OPENAI_API_KEY!;
 * const factory = realtimeSessionFactory({ socketFactory: wsSocketFactory(), openai: { apiKey } });
 * const session = factory('openai', { callId });
 * ```
 */
export function realtimeSessionFactory(options: RealtimeProvidersOptions): RealtimeSessionFactory {
  const open = (provider: AiProvider, context: SessionContext): RealtimeSession => {
    if (provider === 'openai' && options.openai) {
      const { apiKey } = options.openai;
      const api = context.openaiApi ?? options.openai.api ?? 'live';
      // A URL override belongs to the configured API; the other API uses its default endpoint.
      const url = api === (options.openai.api ?? 'live') ? options.openai.url : options.openai.urls?.[api];
      const config = {
        ...options.config,
        ...options.openai.config,
        // A replacement session continues the conversation: replay it, and do not greet again.
        ...(context.history?.length ? { history: context.history, greeting: undefined } : {}),
      };
      const common = {
        apiKey,
        socketFactory: options.socketFactory,
        config,
        clock: options.clock,
        logger: options.logger,
      };
      return api === 'realtime'
        ? new OpenAiRealtimeSession({ ...common, ...(url ? { url } : {}) })
        : new OpenAiLiveSession({ ...common, ...(url ? { url } : {}) });
    }
    if (provider === 'gemini' && options.gemini) {
      const { apiKey, baseUrl } = options.gemini;
      const config = {
        ...options.config,
        ...options.gemini.config,
        ...(context.history?.length ? { history: context.history, greeting: undefined } : {}),
      };
      return new GeminiLiveSession({
        apiKey,
        config,
        clock: options.clock,
        logger: options.logger,
        ...(baseUrl ? { baseUrl } : {}),
      });
    }
    throw new Error(`No realtime provider configured for "${provider}"`);
  };
  const providers: AiProvider[] = [
    ...(options.gemini ? (['gemini'] as const) : []),
    ...(options.openai ? (['openai'] as const) : []),
  ];
  return Object.assign(open, { providers });
}

/**
 * How a session's handshake is guarded: the options of {@link WarmSessions.prewarm},
 * {@link WarmSessions.take} and {@link WarmSessions.open}.
 *
 * @example
 * ```ts
 * import type { SessionGuardOptions } from 'steadycall';
 *
 * const guard: SessionGuardOptions = { breaker: orchestrator.breaker('openai') };
 * const { session, ready } = warmSessions.open('openai', { callId }, guard);
 * ```
 */
export interface SessionGuardOptions {
  /**
   * The provider's circuit breaker: the handshake runs through it like a call through
   * `CircuitBreaker.execute` (see {@link guardedConnect}). Default: none, the handshake is unguarded.
   */
  breaker?: CircuitBreaker;
}

/**
 * Connects `session` through the provider's breaker, with `CircuitBreaker.execute`'s semantics:
 * closed, the handshake runs and its outcome is recorded; open and cooling down, it is refused
 * with `CircuitOpenError` and `connect()` is never called; open with the cooldown over, this
 * handshake is the half-open probe (success closes the circuit, failure re-opens it with a longer
 * cooldown), and while another probe is out it is refused. The session's own handshake timeout is
 * the deadline (the breaker adds none). An abort of `signal` (the session was given up, not the
 * provider's fault) rejects with the signal's reason and is not counted. Without a breaker this is
 * `session.connect()`.
 *
 * @param session - A session not connected yet.
 * @param breaker - The breaker of `session.provider`, or undefined for an unguarded connect.
 * @param options - `signal` aborts the handshake.
 * @returns Settles when the handshake did: resolves once the session is ready.
 * @throws `CircuitOpenError` when the circuit refused the handshake.
 *
 * @example
 * ```ts
 * import { guardedConnect, isCircuitOpenError } from 'steadycall';
 *
 * try {
 *   await guardedConnect(session, orchestrator.breaker(session.provider));
 * } catch (error) {
 *   await session.close('connect failed');
 *   if (isCircuitOpenError(error)) return tryTheOtherProvider(); // no connect was attempted
 *   throw error;
 * }
 * ```
 */
export function guardedConnect(
  session: RealtimeSession,
  breaker: CircuitBreaker | undefined,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  const { signal } = options;
  if (!breaker) return signal ? session.connect({ signal }) : session.connect();
  return breaker.execute(
    (guard) => {
      // Given up while the breaker read its row: no socket for nothing.
      if (guard.aborted) return Promise.reject(guard.reason);
      // The reason of our own abort, not the session's wrapped "closed" error, so the breaker
      // sees an abort by its caller and does not count it.
      return session.connect({ signal: guard }).catch((error: unknown) => {
        throw signal?.aborted ? signal.reason : error;
      });
    },
    // No breaker timer on top of the session's handshake timeout (a TimeoutError that counts).
    { timeoutMs: 0, ...(signal ? { signal } : {}) },
  );
}

interface Warm {
  provider: AiProvider;
  session: RealtimeSession;
  ready: Promise<void>;
  timer: TimerHandle;
  guarded: boolean;
  /** Aborted before we close the session ourselves, so a cut handshake is not counted. */
  cancel: AbortController;
}

/**
 * A session handed to a stream, with its handshake in flight.
 *
 * @example
 * ```ts
 * import type { TakenSession } from 'steadycall';
 *
 * const taken: TakenSession = warmSessions.take(callId, 'openai');
 * await taken.ready; // rejects if the handshake failed (or the breaker refused it)
 * taken.session.appendAudio(frame);
 * ```
 */
export interface TakenSession {
  /** The session (connecting or connected). */
  session: RealtimeSession;
  /** Settles when the handshake finished (rejects if it failed). */
  ready: Promise<void>;
  /** True when it was opened ahead of time, while the TwiML was served. */
  warm: boolean;
  /**
   * True when the handshake ran through the provider's breaker ({@link SessionGuardOptions}): its
   * failure is already counted there (or it was refused by an open circuit), so whoever fails the
   * call over must not count it again.
   */
  guarded: boolean;
}

/**
 * Sessions opened while Twilio fetches the TwiML, so the model is warm when the caller speaks.
 * Per process: a stream that lands on another instance simply opens its own. Unclaimed sessions
 * are closed after `ttlMs`. Given a breaker ({@link SessionGuardOptions}), each handshake goes
 * through it: see {@link guardedConnect}.
 *
 * @example
 * ```ts
 * import { realtimeSessionFactory, WarmSessions } from 'steadycall';
 * import { wsSocketFactory } from 'steadycall/node';
 *
 * const sessions = new WarmSessions({
 *   factory: realtimeSessionFactory({ socketFactory: wsSocketFactory(), openai: { apiKey: process.env.OPENAI_API_KEY! } }),
 *   ttlMs: 30_000,
 * });
 * const breaker = orchestrator.breaker('openai');
 * sessions.prewarm('call-42', 'openai', { breaker }); // while the TwiML is served
 * const { session, ready } = sessions.take('call-42', 'openai', { breaker }); // when the media stream starts
 * ```
 */
export class WarmSessions {
  readonly #factory: RealtimeSessionFactory;
  readonly #ttlMs: number;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #warm = new Map<string, Warm>();

  /**
   * @param options - `factory` opens the sessions; `ttlMs` is how long an unclaimed session stays open
   * (default 30 000); `clock` defaults to the system clock, `logger` to a silent one.
   */
  constructor(options: { factory: RealtimeSessionFactory; ttlMs?: number; clock?: Clock; logger?: Logger }) {
    this.#factory = options.factory;
    this.#ttlMs = options.ttlMs ?? 30_000;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger ?? silentLogger;
  }

  /** Number of warm sessions waiting to be taken. */
  get size(): number {
    return this.#warm.size;
  }

  /** Whether sessions can be opened for `provider` (unknown factories: assumed yes). */
  supports(provider: AiProvider): boolean {
    return this.#factory.providers?.includes(provider) ?? true;
  }

  /**
   * Starts opening the call's session now, through `options.breaker` when given; errors (a refusal
   * by an open circuit included) surface when the stream takes it.
   */
  prewarm(callId: string, provider: AiProvider, options: SessionGuardOptions = {}): void {
    if (this.#warm.has(callId)) return;
    let session: RealtimeSession;
    try {
      session = this.#factory(provider, { callId });
    } catch (error) {
      this.#log.warn({ err: error, provider }, 'could not prewarm realtime session');
      return;
    }
    const cancel = new AbortController();
    const timer = this.#clock.setTimeout(() => {
      this.#warm.delete(callId);
      this.#discard(session, cancel, 'not claimed');
    }, this.#ttlMs);
    const ready = guardedConnect(session, options.breaker, { signal: cancel.signal });
    // Observed here so an unclaimed failure is logged, not an unhandled rejection; `take` re-exposes it.
    ready.catch((error: unknown) => this.#log.warn({ err: error, provider }, 'prewarm connect failed'));
    this.#warm.set(callId, {
      provider,
      session,
      ready,
      timer,
      guarded: options.breaker !== undefined,
      cancel,
    });
  }

  /**
   * The warm session for the call (if its provider matches), else a fresh one, connecting through
   * `options.breaker` when given. A warm session keeps the guard it was prewarmed with.
   */
  take(callId: string, provider: AiProvider, options: SessionGuardOptions = {}): TakenSession {
    const warm = this.#warm.get(callId);
    if (warm) {
      this.#warm.delete(callId);
      this.#clock.clearTimeout(warm.timer);
      if (warm.provider === provider)
        return { session: warm.session, ready: warm.ready, warm: true, guarded: warm.guarded };
      this.#discard(warm.session, warm.cancel, 'provider changed');
    }
    return this.open(provider, { callId }, options);
  }

  /** A fresh session now (failover, renewal), its handshake started through `options.breaker` when given. */
  open(provider: AiProvider, context: SessionContext, options: SessionGuardOptions = {}): TakenSession {
    const session = this.#factory(provider, context);
    const ready = guardedConnect(session, options.breaker);
    return { session, ready, warm: false, guarded: options.breaker !== undefined };
  }

  /** Closes every unclaimed session. */
  async closeAll(): Promise<void> {
    const all = [...this.#warm.values()];
    this.#warm.clear();
    for (const w of all) {
      this.#clock.clearTimeout(w.timer);
      w.cancel.abort();
    }
    await Promise.all(all.map((w) => w.session.close('shutdown').catch(() => undefined)));
  }

  // Our own decision to drop a session: its handshake, if still running, is not the provider's fault.
  #discard(session: RealtimeSession, cancel: AbortController, reason: string): void {
    cancel.abort();
    void session.close(reason).catch(() => undefined);
  }
}
