/**
 * {@link RealtimeSession} over OpenAI's Realtime API (`gpt-realtime` family, the older protocol the
 * Live API replaced but which is still served). Wire reference: `docs/protocols/openai-realtime.md`.
 *
 * Mu-law passes through untouched (`audio/pcmu` both ways). Barge-in is the bridge's job: it hears
 * `speechStarted`, clears Twilio, and calls {@link OpenAiRealtimeSession.truncate} with what was
 * played; this class caps that at the audio it received for the item, so it never over-reports.
 *
 * @module
 */

import { type Clock, systemClock, type TimerHandle } from '../../core/clock.js';
import type { Disposable, EventSource } from '../../core/disposable.js';
import { type SteadyCallError, TimeoutError } from '../../core/errors.js';
import { type Logger, redactingLogger, silentLogger } from '../../core/logger.js';
import { openAiRedactor } from '../../openai/errors.js';
import { encodeBase64 } from '../base64.js';
import type {
  RealtimeEventName,
  RealtimeSession,
  RealtimeSessionConfig,
  RealtimeSessionEvents,
} from '../session.js';
import { newSessionEventSources as newSources } from '../session-events.js';
import { messageText, type SocketFactory, type SocketLike, SocketState } from '../socket.js';
import { AudioBacklog } from './audio-backlog.js';
import {
  closedError,
  errorText,
  handshakeClosedError,
  OpenAiRealtimeEventRouter,
  type OpenAiRealtimeVad,
  openingEvents,
  type ServerEventSink,
  sessionUpdateEvent,
  socketError,
} from './openai-realtime-wire.js';

export type { OpenAiRealtimeVad } from './openai-realtime-wire.js';

/**
 * Options of {@link OpenAiRealtimeSession}.
 *
 * @example
 * ```ts
 * import { OpenAiRealtimeSession, type OpenAiRealtimeSessionOptions } from 'steadycall';
 * import { wsSocketFactory } from 'steadycall/node';
 *
 * const options: OpenAiRealtimeSessionOptions = {
 *   apiKey: process.env.OPENAI_API_KEY!,
 *   socketFactory: wsSocketFactory(),
 *   config: { instructions: 'You are a friendly receptionist.', voice: 'marin' },
 *   vad: { silence_duration_ms: 500 },
 * };
 * const session = new OpenAiRealtimeSession(options);
 * ```
 */
export interface OpenAiRealtimeSessionOptions {
  /** The OpenAI API key, sent as a header (redacted from every log line and error). */
  apiKey: string;
  /** Opens the socket: `wsSocketFactory()` on Node, `webSocketFactory()` on Deno and Bun. */
  socketFactory: SocketFactory;
  /** Instructions, voice, tools, greeting and history. Model default {@link DEFAULT_OPENAI_REALTIME_MODEL}. */
  config?: RealtimeSessionConfig;
  /** Default `wss://api.openai.com/v1/realtime?model=<config.model ?? 'gpt-realtime-2'>`. */
  url?: string;
  /** Socket open + `session.created` + `session.updated`. Default 5000. */
  handshakeTimeoutMs?: number;
  /** How long `close()` waits for the socket's close handshake. Default 1000. */
  closeTimeoutMs?: number;
  /** Server VAD settings. Default: OpenAI's `server_vad` defaults. */
  vad?: OpenAiRealtimeVad;
  /** Caller transcription model; `null` turns caller transcripts off. Default `gpt-4o-transcribe`. */
  inputTranscriptionModel?: string | null;
  /** Caller audio kept while connecting (oldest dropped beyond it), in ms. Default 10 000. */
  maxBufferedAudioMs?: number;
  /** Time source for timeouts. Default: the system clock. */
  clock?: Clock;
  /** Where the session logs (the API key redacted). Default: a silent logger. */
  logger?: Logger;
}

/**
 * Counters for diagnostics: nothing here is fatal.
 *
 * @example
 * ```ts
 * import type { OpenAiRealtimeStats } from 'steadycall';
 *
 * const stats: Readonly<OpenAiRealtimeStats> = session.stats;
 * console.log(`${stats.lateAudioChunks} late chunks dropped, ${stats.cappedTruncations} truncations capped`);
 * ```
 */
export interface OpenAiRealtimeStats {
  /** Well-formed server events of a type this session does not know. */
  unknownMessages: number;
  /** Server events that were not valid JSON or did not match their schema. */
  malformedMessages: number;
  /** Pre-ready caller audio dropped because the buffer was full. */
  droppedAudioChunks: number;
  /** Bytes of mu-law in those dropped chunks. */
  droppedAudioBytes: number;
  /** Model audio of a cancelled or interrupted response, not emitted. */
  lateAudioChunks: number;
  /** `truncate()` calls whose `audioEndMs` exceeded the audio received for the item. */
  cappedTruncations: number;
}

/**
 * Lifecycle of an {@link OpenAiRealtimeSession}: `idle` until `connect()`, `ready` once the session
 * is configured, `closing` / `closed` after `close()` or a fatal error.
 *
 * @example
 * ```ts
 * import type { OpenAiRealtimeState } from 'steadycall';
 *
 * const state: OpenAiRealtimeState = session.state;
 * if (state === 'closed') console.log('the Realtime session has ended');
 * ```
 */
export type OpenAiRealtimeState = 'idle' | 'connecting' | 'ready' | 'closing' | 'closed';

/**
 * The Realtime API model used when `config.model` is not set.
 *
 * @example
 * ```ts
 * import { DEFAULT_OPENAI_REALTIME_MODEL } from 'steadycall';
 *
 * const url = `wss://api.openai.com/v1/realtime?model=${DEFAULT_OPENAI_REALTIME_MODEL}`;
 * ```
 */
export const DEFAULT_OPENAI_REALTIME_MODEL = 'gpt-realtime-2';
const BYTES_PER_MS = 8; // 8 kHz mu-law
const TRACKED_ITEMS = 64;

/**
 * One call's conversation with an OpenAI Realtime model.
 *
 * @example
 * ```ts
 * const session = new OpenAiRealtimeSession({
 *   apiKey: process.env.OPENAI_API_KEY!,
 *   socketFactory: wsSocketFactory(),
 *   config: { instructions: 'You are a friendly receptionist.', voice: 'marin', greeting: 'Hi!' },
 * });
 * session.on('audio', ({ mulaw, itemId }) => twilio.play(mulaw, itemId));
 * session.on('speechStarted', () => bridge.bargeIn()); // clear + truncate(itemId, playedMs)
 * await session.connect();
 * session.appendAudio(frame);
 * ```
 */
export class OpenAiRealtimeSession implements RealtimeSession {
  readonly provider = 'openai' as const;
  readonly api = 'openai-realtime' as const;

  readonly #opts: OpenAiRealtimeSessionOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #redact: (value: unknown) => unknown;
  #events = newSources();
  #state: OpenAiRealtimeState = 'idle';
  #socket: SocketLike | undefined;
  #connecting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #handshake: { resolve: () => void; reject: (e: unknown) => void; timer: TimerHandle } | undefined;
  #detachAbort: (() => void) | undefined;
  readonly #backlog: AudioBacklog;
  #activeResponseId: string | undefined;
  readonly #cancelled = new Set<string>();
  readonly #itemAudioBytes = new Map<string, number>();
  readonly #stats: Omit<OpenAiRealtimeStats, 'droppedAudioChunks' | 'droppedAudioBytes'> = {
    unknownMessages: 0,
    malformedMessages: 0,
    lateAudioChunks: 0,
    cappedTruncations: 0,
  };
  readonly #router: OpenAiRealtimeEventRouter;

  constructor(options: OpenAiRealtimeSessionOptions) {
    this.#opts = options;
    this.#clock = options.clock ?? systemClock;
    this.#redact = openAiRedactor([options.apiKey]);
    const base = options.logger ?? silentLogger;
    this.#log = redactingLogger(base.child?.({ component: 'openai-realtime' }) ?? base, this.#redact);
    this.#backlog = new AudioBacklog(options.maxBufferedAudioMs ?? 10_000, BYTES_PER_MS);
    this.#router = new OpenAiRealtimeEventRouter(this.#makeSink());
  }

  /** Where the session is in its lifecycle. */
  get state(): OpenAiRealtimeState {
    return this.#state;
  }

  /** Diagnostic counters (a snapshot). */
  get stats(): Readonly<OpenAiRealtimeStats> {
    const { droppedChunks, droppedBytes } = this.#backlog;
    return { ...this.#stats, droppedAudioChunks: droppedChunks, droppedAudioBytes: droppedBytes };
  }

  connect(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.#state === 'closing' || this.#state === 'closed') {
      return Promise.reject(closedError('is closed: connect() once per session'));
    }
    if (this.#connecting) return this.#connecting;
    this.#state = 'connecting';
    this.#connecting = new Promise<void>((resolve, reject) => {
      const timeoutMs = this.#opts.handshakeTimeoutMs ?? 5000;
      const timer = this.#clock.setTimeout(
        () => this.#failHandshake(new TimeoutError(timeoutMs, 'OpenAI Realtime handshake')),
        timeoutMs,
      );
      this.#handshake = { resolve, reject, timer };
      const { signal } = options;
      if (signal) {
        const onAbort = () => this.#failHandshake(signal.reason ?? closedError('connect aborted'));
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        this.#detachAbort = () => signal.removeEventListener('abort', onAbort);
      }
      try {
        const socket = this.#opts.socketFactory(this.#url(), {
          headers: { Authorization: `Bearer ${this.#opts.apiKey}` },
        });
        this.#socket = socket;
        socket.addEventListener('message', this.#onMessage);
        socket.addEventListener('close', this.#onClose);
        socket.addEventListener('error', this.#onError);
      } catch (err) {
        this.#failHandshake(socketError(err, this.#redact));
      }
    });
    return this.#connecting;
  }

  appendAudio(mulaw: Uint8Array): void {
    if (mulaw.byteLength === 0) return;
    if (this.#state === 'ready') {
      this.#send({ type: 'input_audio_buffer.append', audio: encodeBase64(mulaw) });
      return;
    }
    if (this.#state !== 'idle' && this.#state !== 'connecting') return;
    // Before `session.updated` the server would read it in its default format: keep it, bounded.
    this.#backlog.push(mulaw);
  }

  sendToolResult(callId: string, output: unknown): void {
    const text = typeof output === 'string' ? output : (JSON.stringify(output) ?? 'null');
    this.#send({
      type: 'conversation.item.create',
      item: { type: 'function_call_output', call_id: callId, output: text },
    });
    this.#send({ type: 'response.create' });
  }

  truncate(itemId: string, audioEndMs: number): void {
    if (this.#state !== 'ready' || !itemId || !Number.isFinite(audioEndMs)) return;
    let ms = Math.max(0, Math.floor(audioEndMs));
    const received = this.#itemAudioBytes.get(itemId);
    // The server rejects an end beyond the item's audio; what we received is a safe upper bound.
    if (received !== undefined && ms > Math.floor(received / BYTES_PER_MS)) {
      ms = Math.floor(received / BYTES_PER_MS);
      this.#stats.cappedTruncations++;
    }
    this.#send({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: ms });
  }

  cancelResponse(): void {
    const id = this.#activeResponseId;
    if (this.#state !== 'ready' || id === undefined) return;
    this.#cancelled.add(id);
    // With the id, a race with a newer response gets `response_cancel_not_active`, not a wrong cancel.
    this.#send({ type: 'response.cancel', response_id: id });
  }

  on<E extends RealtimeEventName>(
    event: E,
    listener: (payload: RealtimeSessionEvents[E]) => void,
  ): Disposable {
    return (this.#events[event] as EventSource<RealtimeSessionEvents[E]>).on(listener);
  }

  close(reason = 'closed by client'): Promise<void> {
    if (this.#closing) return this.#closing;
    if (this.#state === 'closed') return Promise.resolve();
    const hadSocket = this.#socket !== undefined;
    this.#state = 'closing';
    this.#closing = (async () => {
      this.#takeHandshake()?.reject(closedError('closed before the session was ready'));
      const socket = this.#socket;
      if (socket && socket.readyState !== SocketState.CLOSED) {
        await new Promise<void>((resolve) => {
          const done = () => {
            this.#clock.clearTimeout(timer);
            socket.removeEventListener('close', done);
            resolve();
          };
          const timer = this.#clock.setTimeout(done, this.#opts.closeTimeoutMs ?? 1000);
          socket.addEventListener('close', done);
          try {
            socket.close(1000, reason.slice(0, 100));
          } catch {
            done();
          }
        });
      }
      this.#release();
      if (hadSocket) this.#events.closed.emit({ reason, expected: true });
      this.#events = newSources(); // drops every subscriber
    })();
    return this.#closing;
  }

  #url(): string {
    const model = this.#opts.config?.model ?? DEFAULT_OPENAI_REALTIME_MODEL;
    return this.#opts.url ?? `wss://api.openai.com/v1/realtime?model=${encodeURIComponent(model)}`;
  }

  #send(event: Record<string, unknown>): boolean {
    const socket = this.#socket;
    if (!socket || socket.readyState !== SocketState.OPEN) return false;
    try {
      socket.send(JSON.stringify(event));
      return true;
    } catch (err) {
      this.#log.warn({ err, type: event.type }, 'OpenAI Realtime send failed');
      return false;
    }
  }

  /** Ends the handshake phase: stops its timer and abort listener; returns its promise's callbacks. */
  #takeHandshake(): { resolve: () => void; reject: (e: unknown) => void } | undefined {
    const handshake = this.#handshake;
    this.#handshake = undefined;
    if (handshake) this.#clock.clearTimeout(handshake.timer);
    this.#detachAbort?.();
    this.#detachAbort = undefined;
    return handshake;
  }

  /** `session.updated` arrived: replay history, greet, flush the caller audio kept so far. */
  #becomeReady(): void {
    const handshake = this.#takeHandshake();
    if (!handshake) return;
    this.#state = 'ready';
    for (const event of openingEvents(this.#opts.config ?? {})) this.#send(event);
    for (const chunk of this.#backlog.drain()) {
      this.#send({ type: 'input_audio_buffer.append', audio: encodeBase64(chunk) });
    }
    handshake.resolve();
  }

  #failHandshake(error: unknown): void {
    const handshake = this.#takeHandshake();
    if (!handshake) return;
    handshake.reject(error);
    this.#log.warn({ err: error }, 'OpenAI Realtime handshake failed');
    this.#state = 'closed';
    const socket = this.#socket;
    this.#release();
    try {
      socket?.close(1000, 'handshake failed');
    } catch {
      // Closing a socket that never opened may throw on some implementations.
    }
  }

  /** Drops the socket's listeners and every piece of per-session state. */
  #release(): void {
    const socket = this.#socket;
    if (socket) {
      socket.removeEventListener('message', this.#onMessage);
      socket.removeEventListener('close', this.#onClose);
      socket.removeEventListener('error', this.#onError);
    }
    this.#socket = undefined;
    this.#backlog.drain();
    this.#activeResponseId = undefined;
    this.#cancelled.clear();
    this.#itemAudioBytes.clear();
    this.#router.reset();
    this.#state = 'closed';
  }

  /** A fatal error or an unexpected close while ready: release and report `closed { expected: false }`. */
  #endUnexpectedly(reason: string, code?: number): void {
    if (this.#state !== 'ready') return;
    const socket = this.#socket;
    this.#release();
    if (socket && socket.readyState === SocketState.OPEN) socket.close(1000, 'fatal error');
    this.#events.closed.emit({ reason, ...(code === undefined ? {} : { code }), expected: false });
    this.#events = newSources();
  }

  readonly #onMessage = (event: { data: unknown }): void => {
    if (this.#state !== 'connecting' && this.#state !== 'ready') return;
    try {
      this.#router.handle(messageText(event.data));
    } catch (err) {
      // A handler bug must never take the call down: count it with the malformed ones.
      this.#stats.malformedMessages++;
      this.#log.warn({ err }, 'OpenAI Realtime message handling failed');
    }
  };

  readonly #onError = (event: unknown): void => {
    if (this.#state === 'connecting') this.#failHandshake(socketError(event, this.#redact));
    else this.#log.warn({ err: errorText(event) }, 'OpenAI Realtime socket error');
  };

  readonly #onClose = (event: { code: number; reason: string }): void => {
    if (this.#state === 'connecting') this.#failHandshake(handshakeClosedError(event.code));
    else this.#endUnexpectedly('socket closed', event.code);
  };

  #makeSink(): ServerEventSink {
    const sink: ServerEventSink = {
      redact: this.#redact,
      stats: this.#stats,
      sessionCreated: () => {
        if (this.#handshake) this.#send(sessionUpdateEvent(this.#opts.config ?? {}, this.#opts));
      },
      sessionUpdated: (outputFormat) => {
        if (!this.#handshake) return;
        if (outputFormat !== undefined && outputFormat !== 'audio/pcmu') {
          this.#failHandshake(closedError(`kept output format ${outputFormat}, not audio/pcmu`));
        } else this.#becomeReady();
      },
      audio: (mulaw, responseId, itemId) => {
        if (responseId !== undefined && this.#cancelled.has(responseId)) {
          this.#stats.lateAudioChunks++;
          return;
        }
        if (itemId !== undefined) trackItem(this.#itemAudioBytes, itemId, mulaw.byteLength);
        this.#events.audio.emit({
          mulaw,
          ...(responseId ? { responseId } : {}),
          ...(itemId ? { itemId } : {}),
        });
      },
      speechStarted: (audioStartMs) => {
        // With interrupt_response the server cancels the active response itself: its later deltas are stale.
        if (this.#activeResponseId && this.#opts.vad?.interrupt_response !== false) {
          this.#cancelled.add(this.#activeResponseId);
        }
        this.#events.speechStarted.emit(audioStartMs === undefined ? {} : { audioStartMs });
      },
      speechStopped: (audioEndMs) =>
        this.#events.speechStopped.emit(audioEndMs === undefined ? {} : { audioEndMs }),
      transcript: (event) => this.#events.transcript.emit(event),
      responseCreated: (id) => {
        this.#activeResponseId = id;
      },
      isCancelled: (responseId) => responseId !== undefined && this.#cancelled.has(responseId),
      toolCall: (call) => this.#events.toolCall.emit(call),
      responseDone: (id) => {
        if (id === undefined || id === this.#activeResponseId) this.#activeResponseId = undefined;
        if (id !== undefined) this.#cancelled.delete(id);
        this.#events.responseDone.emit(id === undefined ? {} : { responseId: id });
      },
      error: (error: SteadyCallError, fatal: boolean) => {
        if (this.#state === 'connecting') return this.#failHandshake(error);
        this.#log.warn({ err: error, fatal }, 'OpenAI Realtime error event');
        this.#events.error.emit({ error, fatal });
        if (fatal) this.#endUnexpectedly('fatal provider error');
      },
      log: this.#log,
    };
    return sink;
  }
}

function trackItem(map: Map<string, number>, itemId: string, bytes: number): void {
  const before = map.get(itemId);
  map.delete(itemId); // re-insert: Map order is then recency order
  map.set(itemId, (before ?? 0) + bytes);
  if (map.size > TRACKED_ITEMS) map.delete(map.keys().next().value!);
}
