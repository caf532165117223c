import { type Clock, systemClock, type TimerHandle } from '../core/clock.js';
import { type Logger, silentLogger } from '../core/logger.js';
import type { AiProvider } from '../core/types.js';
import { GeminiLiveSession } from './providers/gemini-live.js';
import { OpenAiLiveSession } from './providers/openai-live.js';
import { OpenAiRealtimeSession } from './providers/openai-realtime.js';
import type { ConversationTurn, RealtimeSession, RealtimeSessionConfig } from './session.js';
import type { SocketFactory } from './socket.js';

/** Opens the realtime session for one call; `providers` lists the ones it can open. */
export type RealtimeSessionFactory = ((provider: AiProvider, context: SessionContext) => RealtimeSession) & {
  readonly providers?: readonly AiProvider[];
};

/** Per-call context of a new session. */
export interface SessionContext {
  callId: string;
  /** Conversation to replay (failover, renewal). */
  history?: readonly ConversationTurn[];
  /** Which OpenAI API to speak, overriding the configured one (the last failover tier). */
  openaiApi?: 'live' | 'realtime';
}

/** How to reach each realtime provider. */
export interface RealtimeProvidersOptions {
  /** Opens model sockets (`wsSocketFactory()` on Node, `webSocketFactory()` on Deno and Bun). */
  socketFactory: SocketFactory;
  /** Instructions, voice, tools and greeting shared by every provider. */
  config?: RealtimeSessionConfig;
  gemini?: {
    apiKey: string;
    /** `httpOptions.baseUrl` of the Gemini client (a loopback fake in tests). */
    baseUrl?: string;
    config?: RealtimeSessionConfig;
  };
  openai?: {
    apiKey: string;
    /** The Live API (default) or the older Realtime API. */
    api?: 'live' | 'realtime';
    /** Override of the socket URL (a loopback fake in tests). */
    url?: string;
    /** URL overrides per API, for the failover tier that switches API (tests). */
    urls?: Partial<Record<'live' | 'realtime', string>>;
    config?: RealtimeSessionConfig;
  };
  clock?: Clock;
  logger?: Logger;
}

/**
 * Builds the per-call session factory from provider settings.
 *
 * @example
 * ```ts
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

interface Warm {
  provider: AiProvider;
  session: RealtimeSession;
  ready: Promise<void>;
  timer: TimerHandle;
}

/** A session handed to a stream, with its handshake in flight. */
export interface TakenSession {
  session: RealtimeSession;
  /** Settles when the handshake finished (rejects if it failed). */
  ready: Promise<void>;
  /** True when it was opened ahead of time, while the TwiML was served. */
  warm: boolean;
}

/**
 * Sessions opened while Twilio fetches the TwiML, so the model is warm when the caller speaks.
 * Per process: a stream that lands on another instance simply opens its own. Unclaimed sessions
 * are closed after `ttlMs`.
 */
export class WarmSessions {
  readonly #factory: RealtimeSessionFactory;
  readonly #ttlMs: number;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #warm = new Map<string, Warm>();

  constructor(options: { factory: RealtimeSessionFactory; ttlMs?: number; clock?: Clock; logger?: Logger }) {
    this.#factory = options.factory;
    this.#ttlMs = options.ttlMs ?? 30_000;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger ?? silentLogger;
  }

  get size(): number {
    return this.#warm.size;
  }

  /** Whether sessions can be opened for `provider` (unknown factories: assumed yes). */
  supports(provider: AiProvider): boolean {
    return this.#factory.providers?.includes(provider) ?? true;
  }

  /** Starts opening the call's session now; errors surface when the stream takes it. */
  prewarm(callId: string, provider: AiProvider): void {
    if (this.#warm.has(callId)) return;
    let session: RealtimeSession;
    try {
      session = this.#factory(provider, { callId });
    } catch (error) {
      this.#log.warn({ err: error, provider }, 'could not prewarm realtime session');
      return;
    }
    const timer = this.#clock.setTimeout(() => {
      this.#warm.delete(callId);
      void session.close('not claimed').catch(() => undefined);
    }, this.#ttlMs);
    const ready = session.connect();
    // Observed here so an unclaimed failure is logged, not an unhandled rejection; `take` re-exposes it.
    ready.catch((error: unknown) => this.#log.warn({ err: error, provider }, 'prewarm connect failed'));
    this.#warm.set(callId, { provider, session, ready, timer });
  }

  /** The warm session for the call (if its provider matches), else a fresh one, connecting. */
  take(callId: string, provider: AiProvider): TakenSession {
    const warm = this.#warm.get(callId);
    if (warm) {
      this.#warm.delete(callId);
      this.#clock.clearTimeout(warm.timer);
      if (warm.provider === provider) return { session: warm.session, ready: warm.ready, warm: true };
      void warm.session.close('provider changed').catch(() => undefined);
    }
    const session = this.#factory(provider, { callId });
    return { session, ready: session.connect(), warm: false };
  }

  /** A fresh session now (failover, renewal), with its handshake started. */
  open(provider: AiProvider, context: SessionContext): TakenSession {
    const session = this.#factory(provider, context);
    return { session, ready: session.connect(), warm: false };
  }

  /** Closes every unclaimed session. */
  async closeAll(): Promise<void> {
    const all = [...this.#warm.values()];
    this.#warm.clear();
    for (const w of all) this.#clock.clearTimeout(w.timer);
    await Promise.all(all.map((w) => w.session.close('shutdown').catch(() => undefined)));
  }
}
