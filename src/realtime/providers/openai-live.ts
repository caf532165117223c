/**
 * OpenAI's Live API (GPT-Live, `gpt-live-1`) behind the {@link RealtimeSession} interface.
 * Wire reference: `docs/protocols/openai-live.md`. Decisions the protocol leaves to us:
 * - Delegation is always `responses`, with the config's tools as function tools
 *   ({@link liveSessionConfig}); tool results follow LiveKit's rule ({@link LiveDelegations}).
 * - Arguments that are not JSON never reach the app: an `error` event is emitted and the call is
 *   answered with an error output, so the delegation still continues.
 * - No `speechStarted` / `speechStopped` / `responseDone` / `interrupted`: the primary socket has
 *   no VAD or output-done events; the model interrupts itself by stopping its deltas.
 * - Transcripts are deltas (`final: false`): the API has no turn boundaries.
 * - `closed` is emitted only after a successful `connect()`; a failed handshake rejects instead.
 * - Input keeps flowing: gaps in the caller's audio are filled with silence (`keepAliveMs`).
 *
 * @module
 */

import { type Clock, systemClock, type TimerHandle } from '../../core/clock.js';
import type { Disposable } from '../../core/disposable.js';
import { ProviderError, type SteadyCallError, TimeoutError } from '../../core/errors.js';
import { type Logger, redactingLogger, silentLogger } from '../../core/logger.js';
import { openAiRedactor } from '../../openai/errors.js';
import { encodeBase64, tryDecodeBase64 } from '../base64.js';
import type {
  RealtimeEventName,
  RealtimeSession,
  RealtimeSessionConfig,
  RealtimeSessionEvents,
} from '../session.js';
import { newSessionEventSources, type SessionEventSources } from '../session-events.js';
import { messageText, type SocketFactory, type SocketLike, SocketState } from '../socket.js';
import { AudioBacklog } from './audio-backlog.js';
import { LiveDelegations } from './openai-live-delegations.js';
import {
  greetingCommentary,
  type LiveErrorBody,
  liveHandshakeCloseError,
  liveServerError,
  liveSessionConfig,
  OPENAI_LIVE_URL,
  type OpenAiLiveDelegationOptions,
  parseLiveServerEvent,
} from './openai-live-wire.js';

const PROVIDER = 'openai';
const MULAW_SILENCE = 0xff; // G.711 mu-law zero

/**
 * Options of {@link OpenAiLiveSession}.
 *
 * @example
 * ```ts
 * import { OpenAiLiveSession, type OpenAiLiveSessionOptions } from 'steadycall';
 * import { wsSocketFactory } from 'steadycall/node';
 *
 * const options: OpenAiLiveSessionOptions = {
 *   apiKey: process.env.OPENAI_API_KEY!,
 *   socketFactory: wsSocketFactory(),
 *   config: { instructions: 'You are a concise phone assistant.', voice: 'marin' },
 *   delegation: { instructions: 'Use the order tools to answer order questions.' },
 * };
 * const session = new OpenAiLiveSession(options);
 * ```
 */
export interface OpenAiLiveSessionOptions {
  /** The OpenAI API key, sent as a header (redacted from every log line and error). */
  apiKey: string;
  /** Opens the socket: `wsSocketFactory()` on Node, `webSocketFactory()` on Deno and Bun. */
  socketFactory: SocketFactory;
  /** Default {@link OPENAI_LIVE_URL}; point it at a loopback fake in tests. */
  url?: string;
  /** Instructions, voice, tools, greeting and history. Model default {@link OPENAI_LIVE_DEFAULT_MODEL}. */
  config?: RealtimeSessionConfig;
  /** The Responses backend that handles delegated tasks and calls the tools. */
  delegation?: OpenAiLiveDelegationOptions;
  /** Socket open + `session.start` -> `session.started`. Default 5000 ms. */
  handshakeTimeoutMs?: number;
  /** How long `close()` waits for `session.closed`. Default 2000 ms. */
  closeTimeoutMs?: number;
  /** Caller audio kept while connecting; older audio is dropped (and counted). Default 2000 ms. */
  maxBufferedAudioMs?: number;
  /**
   * GPT-Live advances only while input streams in real time: when no audio was appended for this
   * long, the session sends this much mu-law silence itself. Default 200 ms; 0 turns it off.
   */
  keepAliveMs?: number;
  /** Time source for timeouts and keep-alive. Default: the system clock. */
  clock?: Clock;
  /** Where the session logs (the API key redacted). Default: a silent logger. */
  logger?: Logger;
}

/**
 * Counters for operators and tests.
 *
 * @example
 * ```ts
 * import type { OpenAiLiveStats } from 'steadycall';
 *
 * const stats: Readonly<OpenAiLiveStats> = session.stats;
 * if (stats.droppedAudioChunks > 0) console.warn(`${stats.droppedAudioBytes} bytes of caller audio dropped`);
 * ```
 */
export interface OpenAiLiveStats {
  /** Well-formed messages of a type this session does not know. */
  unknownMessages: number;
  /** Messages that were not JSON objects with a `type`, or whose shape did not match it. */
  malformedMessages: number;
  /** Caller audio dropped from the pre-handshake buffer (oldest first). */
  droppedAudioChunks: number;
  /** Bytes of mu-law in those dropped chunks. */
  droppedAudioBytes: number;
}

type State = 'idle' | 'connecting' | 'open' | 'closing' | 'closed';
type Emitters = SessionEventSources;
interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * A call's conversation with GPT-Live over the Live API's primary WebSocket: mu-law 8 kHz in and
 * out untouched, greeting via commentary, tools via Responses delegation. One instance per call.
 *
 * @example
 * ```ts
 * const session = new OpenAiLiveSession({
 *   apiKey: process.env.OPENAI_API_KEY!,
 *   socketFactory: wsSocketFactory(),
 *   config: { instructions: 'You are a concise phone assistant.', greeting: 'Hi! How can I help?' },
 * });
 * session.on('audio', ({ mulaw }) => playToCaller(mulaw));
 * session.on('toolCall', ({ callId, arguments: args }) => session.sendToolResult(callId, run(args)));
 * await session.connect();
 * session.appendAudio(twilioFrame);
 * await session.close();
 * ```
 */
export class OpenAiLiveSession implements RealtimeSession {
  readonly provider = 'openai' as const;
  readonly api = 'openai-live' as const;
  readonly #opts: OpenAiLiveSessionOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #redact: (value: unknown) => unknown;
  readonly #events: Emitters = newSessionEventSources();
  readonly #counts = { unknownMessages: 0, malformedMessages: 0 };
  readonly #backlog: AudioBacklog;
  readonly #tools = new LiveDelegations();
  #state: State = 'idle';
  #socket: SocketLike | null = null;
  #sessionId: string | undefined;
  #expiresAt: number | undefined;
  #handshake: Deferred | null = null;
  #closing: (Deferred & { reason: string | undefined }) | null = null;
  #dropAbort: (() => void) | null = null;
  #handshakeTimer: TimerHandle | null = null;
  #closeTimer: TimerHandle | null = null;
  #keepAliveTimer: TimerHandle | null = null;
  #appendedSinceTick = false;
  #upgradeStatus: number | undefined;

  constructor(options: OpenAiLiveSessionOptions) {
    this.#opts = { ...options };
    this.#clock = options.clock ?? systemClock;
    this.#backlog = new AudioBacklog(options.maxBufferedAudioMs ?? 2000);
    this.#redact = openAiRedactor([options.apiKey]);
    this.#log = redactingLogger(options.logger ?? silentLogger, this.#redact);
  }

  /** The server's session id once started (opaque: never parse it). */
  get sessionId(): string | undefined {
    return this.#sessionId;
  }

  /** When the server will end the session (`session.expires_at`), in epoch ms: renew before it. */
  get expiresAt(): number | undefined {
    return this.#expiresAt;
  }

  /** Diagnostic counters (a snapshot). */
  get stats(): Readonly<OpenAiLiveStats> {
    const { droppedChunks, droppedBytes } = this.#backlog;
    return { ...this.#counts, droppedAudioChunks: droppedChunks, droppedAudioBytes: droppedBytes };
  }

  on<E extends RealtimeEventName>(
    event: E,
    listener: (payload: RealtimeSessionEvents[E]) => void,
  ): Disposable {
    return this.#events[event].on(listener);
  }

  connect(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.#state === 'closed' || this.#state === 'closing') {
      return Promise.reject(this.#error('The session is closed; open a new one', false));
    }
    if (this.#handshake) return this.#handshake.promise;
    const handshake = deferred();
    this.#handshake = handshake;
    this.#state = 'connecting';
    const { signal } = options;
    if (signal?.aborted) {
      this.#failHandshake(signal.reason);
      return handshake.promise;
    }
    if (signal) {
      const onAbort = () => this.#failHandshake(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#dropAbort = () => signal.removeEventListener('abort', onAbort);
    }
    let socket: SocketLike;
    try {
      const { url = OPENAI_LIVE_URL, apiKey } = this.#opts;
      socket = this.#opts.socketFactory(url, { headers: { Authorization: `Bearer ${apiKey}` } });
    } catch (error) {
      this.#failHandshake(this.#error(`Could not open the socket: ${errorText(error)}`, true));
      return handshake.promise;
    }
    this.#socket = socket;
    socket.addEventListener('open', this.#onOpen);
    socket.addEventListener('message', this.#onMessage);
    socket.addEventListener('close', this.#onClose);
    socket.addEventListener('error', this.#onError);
    const ms = this.#opts.handshakeTimeoutMs ?? 5000;
    this.#handshakeTimer = this.#clock.setTimeout(
      () => this.#failHandshake(new TimeoutError(ms, 'OpenAI Live handshake')),
      ms,
    );
    if (socket.readyState === SocketState.OPEN) this.#onOpen();
    return handshake.promise;
  }

  appendAudio(mulaw: Uint8Array): void {
    if (mulaw.length === 0) return;
    if (this.#state === 'open') {
      this.#appendedSinceTick = true;
      this.#send({ type: 'session.input_audio.append', audio: encodeBase64(mulaw) });
    } else if (this.#state === 'idle' || this.#state === 'connecting') this.#backlog.push(mulaw);
  }

  sendToolResult(callId: string, output: unknown): void {
    if (this.#state !== 'open') return;
    const outcome = this.#tools.onOutput(callId);
    if (outcome === 'unknown') {
      this.#log.warn({ callId }, 'OpenAI Live: tool result for an unknown or abandoned call; dropped');
      return;
    }
    let text: string;
    try {
      text = typeof output === 'string' ? output : (JSON.stringify(output) ?? 'null');
    } catch (error) {
      this.#emitError(
        this.#error(`Tool output for ${callId} is not serializable: ${errorText(error)}`, false),
      );
      text = JSON.stringify({ error: 'tool output could not be serialized' });
    }
    this.#send({
      type: 'response.item.create',
      item: { type: 'function_call_output', call_id: callId, output: text },
    });
    if (outcome === 'continue') this.#send({ type: 'response.create' });
  }

  /** No-op: the Live API has no truncation; the model handles interruption itself. */
  truncate(_itemId: string, _audioEndMs: number): void {}

  /** No-op: the Live API has no `response.cancel` for speech. */
  cancelResponse(): void {}

  close(reason?: string): Promise<void> {
    if (this.#closing) return this.#closing.promise;
    if (this.#state === 'connecting') {
      this.#failHandshake(this.#error('The session was closed before it started', false));
    }
    if (this.#state !== 'open') {
      this.#state = 'closed';
      this.#releaseAll();
      return Promise.resolve();
    }
    this.#closing = { ...deferred(), reason };
    this.#state = 'closing';
    this.#clearTimers(); // the keep-alive: nothing more is sent after session.close
    this.#send({ type: 'session.close' });
    this.#closeTimer = this.#clock.setTimeout(() => {
      this.#log.warn('OpenAI Live: no session.closed in time; closing the socket (finalization unconfirmed)');
      this.#finish({ reason: reason ?? 'close_timeout', expected: true });
    }, this.#opts.closeTimeoutMs ?? 2000);
    return this.#closing.promise;
  }

  // Socket listeners are fields so the very same functions are removed again.
  readonly #onOpen = (): void => {
    if (this.#state !== 'connecting') return;
    this.#send({
      type: 'session.start',
      session: liveSessionConfig(this.#opts.config ?? {}, this.#opts.delegation),
    });
  };

  readonly #onError = (event: unknown): void => {
    // wsSocketFactory reports a refused upgrade's HTTP status (401 for a wrong key).
    const status = (event as { status?: unknown } | null)?.status;
    if (typeof status === 'number') this.#upgradeStatus = status;
  };

  readonly #onClose = (event: { code: number; reason: string }): void => {
    if (this.#state === 'connecting') {
      this.#failHandshake(liveHandshakeCloseError(this.#upgradeStatus, event.code));
    } else this.#ended('connection_lost', event.code);
  };

  /** The server or the network ended an open session: expected only if we asked for it. */
  #ended(serverReason: string, code?: number): void {
    if (this.#state === 'open') this.#finish({ reason: serverReason, code, expected: false });
    else if (this.#state === 'closing') {
      this.#finish({ reason: this.#closing?.reason ?? 'close_requested', code, expected: true });
    }
  }

  readonly #onMessage = (message: { data: unknown }): void => {
    const event = parseLiveServerEvent(messageText(message.data));
    const live = this.#state === 'open' || this.#state === 'closing';
    switch (event.type) {
      case 'started':
        if (this.#state === 'connecting') this.#started(event.sessionId, event.expiresAtSeconds);
        return;
      case 'audio': {
        const mulaw = live ? tryDecodeBase64(event.base64) : null;
        if (live && mulaw === null) this.#counts.malformedMessages++;
        else if (mulaw && mulaw.length > 0) this.#events.audio.emit({ mulaw });
        return;
      }
      case 'transcript':
        if (live && event.text.length > 0) this.#events.transcript.emit({ ...event, final: false });
        return;
      case 'response':
        if (this.#state === 'open') this.#responseEvent(event.delegationId, event.eventType, event.item);
        return;
      case 'closed':
        if (this.#state !== 'connecting') this.#ended(event.reason);
        else
          this.#failHandshake(this.#error(`The session closed during the handshake (${event.reason})`, true));
        return;
      case 'error':
        this.#serverError(event.error);
        return;
      case 'malformed':
        this.#counts.malformedMessages++;
        this.#log.debug({ type: event.eventType }, 'OpenAI Live: malformed message ignored');
        return;
      case 'unknown':
        this.#counts.unknownMessages++;
        return;
      case 'ignored':
        return;
    }
  };

  #started(id: string, expiresAtSeconds: number | undefined): void {
    this.#clearTimers();
    this.#dropAbort?.();
    this.#dropAbort = null;
    this.#state = 'open';
    this.#sessionId = id;
    this.#expiresAt = expiresAtSeconds === undefined ? undefined : expiresAtSeconds * 1000;
    // Audio that arrived while connecting goes first, in order; then the greeting.
    const buffered = this.#backlog.drain();
    for (const chunk of buffered)
      this.#send({ type: 'session.input_audio.append', audio: encodeBase64(chunk) });
    const greeting = this.#opts.config?.greeting?.trim();
    if (greeting) {
      this.#send({
        type: 'session.commentary.append',
        delegation_id: null,
        content: greetingCommentary(greeting),
      });
    }
    this.#keepAlive();
    this.#log.debug({ sessionId: id, flushedChunks: buffered.length }, 'OpenAI Live: session started');
    this.#handshake?.resolve();
  }

  /** Fills gaps in the caller's audio with silence, so greetings and commentary still complete. */
  #keepAlive(): void {
    const ms = this.#opts.keepAliveMs ?? 200;
    if (ms <= 0 || this.#state !== 'open') return;
    this.#keepAliveTimer = this.#clock.setTimeout(() => {
      this.#keepAliveTimer = null;
      if (this.#state !== 'open') return;
      if (!this.#appendedSinceTick) {
        const silence = new Uint8Array(ms * 8).fill(MULAW_SILENCE);
        this.#send({ type: 'session.input_audio.append', audio: encodeBase64(silence) });
      }
      this.#appendedSinceTick = false;
      this.#keepAlive();
    }, ms);
  }

  #responseEvent(key: string, type: string, item: unknown): void {
    const action = this.#tools.onResponseEvent(key, type, item);
    if (action?.type === 'continue') this.#send({ type: 'response.create' });
    if (action?.type !== 'call') return;
    let args: unknown;
    try {
      args = JSON.parse(action.arguments);
    } catch {
      this.#emitError(this.#error(`Tool call ${action.name} has arguments that are not JSON`, false));
      this.sendToolResult(action.callId, { error: 'arguments were not valid JSON' });
      return;
    }
    this.#events.toolCall.emit({ callId: action.callId, name: action.name, arguments: args });
  }

  #serverError(body: LiveErrorBody): void {
    const { error, fatal } = liveServerError(body, this.#redact);
    if (this.#state === 'connecting') {
      this.#failHandshake(error);
      return;
    }
    this.#emitError(error, fatal);
    if (fatal) this.#finish({ reason: `error:${error.providerCode}`, expected: this.#state === 'closing' });
  }

  #emitError(error: SteadyCallError, fatal = false): void {
    this.#log.warn({ code: error.code, message: error.message, fatal }, 'OpenAI Live: error');
    this.#events.error.emit({ error, fatal });
  }

  #error(message: string, retryable: boolean): ProviderError {
    return new ProviderError(PROVIDER, `OpenAI Live: ${String(this.#redact(message))}`, { retryable });
  }

  #failHandshake(error: unknown): void {
    if (this.#state !== 'connecting') return;
    this.#state = 'closed';
    this.#releaseAll();
    this.#log.warn({ error }, 'OpenAI Live: handshake failed');
    this.#handshake?.reject(error);
  }

  #finish(payload: RealtimeSessionEvents['closed']): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#releaseAll();
    this.#log.debug({ ...payload, sessionId: this.#sessionId }, 'OpenAI Live: session closed');
    this.#events.closed.emit(payload);
    this.#closing?.resolve();
  }

  /** Socket, listeners, timers, buffers: all released, whichever path ended the session. */
  #releaseAll(): void {
    this.#clearTimers();
    this.#dropAbort?.();
    this.#dropAbort = null;
    const socket = this.#socket;
    this.#socket = null;
    if (socket) {
      socket.removeEventListener('open', this.#onOpen);
      socket.removeEventListener('message', this.#onMessage);
      socket.removeEventListener('close', this.#onClose);
      socket.removeEventListener('error', this.#onError);
      if (socket.readyState === SocketState.CONNECTING || socket.readyState === SocketState.OPEN) {
        try {
          socket.close(1000, 'session closed');
        } catch {
          // Already failing: nothing left to release.
        }
      }
    }
    this.#backlog.drain();
    this.#tools.clear();
  }

  #clearTimers(): void {
    if (this.#handshakeTimer !== null) this.#clock.clearTimeout(this.#handshakeTimer);
    if (this.#closeTimer !== null) this.#clock.clearTimeout(this.#closeTimer);
    if (this.#keepAliveTimer !== null) this.#clock.clearTimeout(this.#keepAliveTimer);
    this.#handshakeTimer = null;
    this.#closeTimer = null;
    this.#keepAliveTimer = null;
  }

  #send(event: Record<string, unknown>): void {
    const socket = this.#socket;
    if (!socket || socket.readyState !== SocketState.OPEN) return;
    try {
      socket.send(JSON.stringify(event));
    } catch (error) {
      this.#log.warn({ type: event.type, error: errorText(error) }, 'OpenAI Live: send failed');
    }
  }
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
