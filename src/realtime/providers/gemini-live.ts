/**
 * {@link RealtimeSession} over Gemini Live (`@google/genai` `live.connect`). Wire reference:
 * `docs/protocols/gemini-live.md`.
 *
 * Caller audio (8 kHz mu-law) is transcoded to 16 kHz PCM16 on the way in; model audio (24 kHz
 * PCM16) back to 8 kHz mu-law on the way out, through stateful streaming resamplers. Barge-in is
 * the server's: `interrupted` becomes an `interrupted` event (the bridge clears Twilio) and any audio
 * of that turn still arriving is dropped. A `goAway` is answered by resuming the session on a new
 * connection with the latest resumption handle, caller audio buffered during the switch, so a call
 * outlives one connection without a `closed` event.
 *
 * @module
 */

import { type Clock, systemClock } from '../../core/clock.js';
import type { Disposable, EventSource } from '../../core/disposable.js';
import { isSteadyCallError, ProviderError } from '../../core/errors.js';
import { randomId } from '../../core/ids.js';
import { type Logger, redactingLogger, silentLogger } from '../../core/logger.js';
import { createRedactor } from '../../core/redact.js';
import { pcm16ToBytes } from '../audio/pcm16.js';
import { createMulawToPcm16k } from '../audio/transcode.js';
import { encodeBase64 } from '../base64.js';
import type { RealtimeEventName, RealtimeSession, RealtimeSessionEvents } from '../session.js';
import { newSessionEventSources as newSources } from '../session-events.js';
import { AudioBacklog } from './audio-backlog.js';
import { type GeminiLiveConnect, googleGenAiConnect } from './gemini-live-connect.js';
import { GeminiLiveLink, type LinkOwner } from './gemini-live-link.js';
import { GeminiTurns } from './gemini-live-turns.js';
import {
  DEFAULT_GEMINI_LIVE_MODEL,
  functionResponse,
  type GeminiLiveSessionOptions,
  type GeminiLiveState,
  type GeminiLiveStats,
  type GeminiServerSink,
  geminiRedactor,
  liveConnectConfig,
  openingTurns,
  routeServerMessage,
} from './gemini-live-wire.js';

export type {
  GeminiLiveSessionOptions,
  GeminiLiveState,
  GeminiLiveStats,
  GeminiLiveVad,
} from './gemini-live-wire.js';

const BYTES_PER_MS = 8; // 8 kHz mu-law
const INPUT_MIME = 'audio/pcm;rate=16000';

/**
 * One call's conversation with a Gemini Live model.
 *
 * @example
 * ```ts
 * const session = new GeminiLiveSession({
 *   apiKey: process.env.GEMINI_API_KEY!,
 *   config: { instructions: 'You are a friendly receptionist.', voice: 'Kore', greeting: 'Hi!' },
 *   vad: { silenceDurationMs: 500 },
 * });
 * session.on('audio', ({ mulaw, responseId }) => twilio.play(mulaw, responseId));
 * session.on('interrupted', () => twilio.clear());
 * await session.connect();
 * session.appendAudio(frame); // 8 kHz mu-law from Twilio
 * ```
 */
export class GeminiLiveSession implements RealtimeSession {
  /** Always `'gemini'`. */
  readonly provider = 'gemini' as const;
  /** Always `'gemini-live'`. */
  readonly api = 'gemini-live' as const;

  readonly #opts: GeminiLiveSessionOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #redact: (text: string) => string;
  readonly #connect: GeminiLiveConnect;
  #events = newSources();
  #state: GeminiLiveState = 'idle';
  /** The connection audio goes to; during a switch, the old one (still speaking). */
  #current: GeminiLiveLink | undefined;
  /** The replacement connection being opened after a `goAway`. */
  #next: GeminiLiveLink | undefined;
  /** The replacement is ready but the old connection is mid-answer: switch at its end. */
  #switchPending = false;
  #handle: string | undefined;
  #connecting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #handshake: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  #detachAbort: (() => void) | undefined;
  readonly #backlog: AudioBacklog;
  readonly #toModel = createMulawToPcm16k();
  readonly #turns: GeminiTurns;
  readonly #sink: GeminiServerSink;
  readonly #tools = new Map<string, string>(); // pending call id -> function name
  #callIds = 0;
  readonly #stats = {
    unknownMessages: 0,
    malformedMessages: 0,
    goAways: 0,
    resumptions: 0,
    failedResumptions: 0,
    cancelledToolCalls: 0,
  };

  /** Creates the session; nothing is opened until {@link GeminiLiveSession.connect}. */
  constructor(options: GeminiLiveSessionOptions) {
    this.#opts = options;
    this.#clock = options.clock ?? systemClock;
    this.#redact = geminiRedactor(options.apiKey);
    const base = options.logger ?? silentLogger;
    const child = base.child?.({ component: 'gemini-live' }) ?? base;
    this.#log = redactingLogger(child, createRedactor({ secrets: [options.apiKey] }));
    this.#connect =
      options.connect ?? googleGenAiConnect({ apiKey: options.apiKey, baseUrl: options.baseUrl });
    this.#backlog = new AudioBacklog(options.maxBufferedAudioMs ?? 10_000, BYTES_PER_MS);
    this.#turns = new GeminiTurns(
      (options.ids ?? randomId)(),
      (event, payload) => this.#events[event].emit(payload as never),
      (what) => this.#sink.malformed(what),
    );
    this.#sink = { ...this.#turns.handlers, ...this.#sessionHandlers };
  }

  /** Where the session is in its lifecycle. */
  get state(): GeminiLiveState {
    return this.#state;
  }

  /** Diagnostic counters (a snapshot). */
  get stats(): Readonly<GeminiLiveStats> {
    const { droppedChunks, droppedBytes } = this.#backlog;
    return {
      ...this.#stats,
      droppedAudioChunks: droppedChunks,
      droppedAudioBytes: droppedBytes,
      lateAudioChunks: this.#turns.lateAudioChunks,
    };
  }

  /** Opens the first connection; resolves on `setupComplete` (history and greeting are then sent). */
  connect(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.#state === 'closing' || this.#state === 'closed') {
      return Promise.reject(closedError('is closed: connect() once per session'));
    }
    if (this.#connecting) return this.#connecting;
    this.#state = 'connecting';
    this.#connecting = new Promise<void>((resolve, reject) => {
      this.#handshake = { resolve, reject };
      const link = this.#openLink(undefined, 'Gemini Live handshake');
      this.#current = link;
      const { signal } = options;
      if (signal) {
        const onAbort = () => {
          const reason: unknown = signal.reason;
          link.abort(isSteadyCallError(reason) ? reason : closedError('connect aborted'));
        };
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        this.#detachAbort = () => signal.removeEventListener('abort', onAbort);
      }
    });
    // The abort reason itself is what callers expect to see, not a wrapped copy.
    if (options.signal) {
      const signal = options.signal;
      this.#connecting = this.#connecting.catch((error: unknown) => {
        throw signal.aborted ? signal.reason : error;
      });
    }
    return this.#connecting;
  }

  /** Caller audio (8 kHz mu-law), transcoded to 16 kHz PCM; buffered (bounded) while connecting or resuming. */
  appendAudio(mulaw: Uint8Array): void {
    if (mulaw.byteLength === 0) return;
    if (this.#state === 'ready' && this.#next === undefined) this.#sendAudio(mulaw);
    else if (this.#state === 'idle' || this.#state === 'connecting' || this.#state === 'ready') {
      // Connecting, or switching connections after a goAway: keep it, bounded, for the new one.
      this.#backlog.push(mulaw);
    }
  }

  /** Answers a pending tool call; results of unknown or cancelled calls are ignored. */
  sendToolResult(callId: string, output: unknown): void {
    const name = this.#tools.get(callId);
    if (name === undefined) {
      this.#log.debug({ callId }, 'Gemini Live: result of an unknown or cancelled tool call ignored');
      return;
    }
    this.#tools.delete(callId);
    const response = functionResponse(callId, name, output);
    if (!this.#current?.send((s) => s.sendToolResponse({ functionResponses: [response] }))) {
      this.#log.warn({ callId }, 'Gemini Live: tool result could not be sent');
    }
  }

  /** No-op: Gemini cuts its own output on barge-in (`interrupted`). */
  truncate(_itemId: string, _audioEndMs: number): void {}

  /** No-op: Gemini cancels its own response when the caller speaks. */
  cancelResponse(): void {}

  /**
   * Subscribes to an event; every subscriber is dropped on close.
   *
   * @returns A handle whose `dispose()` removes the listener.
   */
  on<E extends RealtimeEventName>(
    event: E,
    listener: (payload: RealtimeSessionEvents[E]) => void,
  ): Disposable {
    return (this.#events[event] as EventSource<RealtimeSessionEvents[E]>).on(listener);
  }

  /** Closes every connection (bounded by `closeTimeoutMs`) and emits `closed` with `expected: true`. */
  close(reason = 'closed by client'): Promise<void> {
    if (this.#closing) return this.#closing;
    if (this.#state === 'closed') return Promise.resolve();
    const hadLink = this.#current !== undefined;
    this.#state = 'closing';
    this.#closing = (async () => {
      this.#takeHandshake()?.reject(closedError('closed before the session was ready'));
      const links = [this.#current, this.#next];
      this.#release();
      const timeout = this.#opts.closeTimeoutMs ?? 1000;
      await Promise.all(links.map((link) => link?.close(timeout)));
      if (hadLink) this.#events.closed.emit({ reason, expected: true });
      this.#events = newSources(); // drops every subscriber
    })();
    return this.#closing;
  }

  #openLink(handle: string | undefined, what: string): GeminiLiveLink {
    const link = new GeminiLiveLink({
      connect: this.#connect,
      model: this.#opts.config?.model ?? DEFAULT_GEMINI_LIVE_MODEL,
      config: liveConnectConfig(this.#opts.config ?? {}, this.#opts, handle),
      clock: this.#clock,
      handshakeTimeoutMs: this.#opts.handshakeTimeoutMs ?? 5000,
      redact: this.#redact,
      owner: this.#owner,
      what,
    });
    link.open();
    return link;
  }

  #sendAudio(mulaw: Uint8Array): void {
    const pcm = this.#toModel.process(mulaw);
    if (pcm.length === 0) return;
    const data = encodeBase64(pcm16ToBytes(pcm));
    this.#current?.send((s) => s.sendRealtimeInput({ audio: { data, mimeType: INPUT_MIME } }));
  }

  #flushBacklog(): void {
    for (const chunk of this.#backlog.drain()) this.#sendAudio(chunk);
  }

  #takeHandshake(): { resolve: () => void; reject: (e: unknown) => void } | undefined {
    const handshake = this.#handshake;
    this.#handshake = undefined;
    this.#detachAbort?.();
    this.#detachAbort = undefined;
    return handshake;
  }

  /** A `goAway` arrived: open the replacement now, with the latest handle, while the old one still talks. */
  #resume(): void {
    if (this.#state !== 'ready' || this.#next !== undefined) return;
    const handle = this.#handle;
    if (handle === undefined) {
      this.#log.warn('Gemini Live: goAway without a resumption handle; the connection will end');
      return;
    }
    this.#next = this.#openLink(handle, 'Gemini Live resumption');
  }

  /** Moves the call onto the replacement connection and retires the old one. */
  #switch(): void {
    const next = this.#next;
    if (next?.state !== 'ready') return;
    const old = this.#current;
    this.#switchPending = false;
    this.#turns.abandon(); // whatever the old connection was saying is over
    this.#current = next;
    this.#next = undefined;
    this.#stats.resumptions++;
    this.#flushBacklog();
    void old?.close(this.#opts.closeTimeoutMs ?? 1000);
    this.#log.info(
      { resumptions: this.#stats.resumptions },
      'Gemini Live: session resumed on a new connection',
    );
  }

  /** Drops every connection reference and per-call state; the state becomes `closed`. */
  #release(): void {
    this.#current = undefined;
    this.#next = undefined;
    this.#switchPending = false;
    this.#backlog.drain();
    this.#tools.clear();
    this.#turns.reset();
    this.#toModel.reset();
    this.#state = 'closed';
  }

  /** The call's model side is gone: release, close what is left, report `closed { expected: false }`. */
  #endUnexpectedly(reason: string, code?: number): void {
    if (this.#state !== 'ready') return;
    const links = [this.#current, this.#next];
    this.#release();
    for (const link of links) void link?.close(this.#opts.closeTimeoutMs ?? 1000);
    this.#events.closed.emit({ reason, ...(code === undefined ? {} : { code }), expected: false });
    this.#events = newSources();
  }

  readonly #owner: LinkOwner = {
    ready: (link) => {
      if (link === this.#next) {
        // Switch now unless the old connection is alive and mid-answer: let it finish (caller audio stays buffered).
        if (this.#turns.active && this.#current?.state === 'ready') this.#switchPending = true;
        else this.#switch();
        return;
      }
      const handshake = this.#takeHandshake();
      if (link !== this.#current || !handshake) return;
      this.#state = 'ready';
      for (const content of openingTurns(this.#opts.config ?? {}))
        link.send((s) => s.sendClientContent(content));
      this.#flushBacklog();
      handshake.resolve();
    },
    failed: (link, error) => {
      if (link === this.#next) {
        this.#stats.failedResumptions++;
        this.#log.warn({ err: error.message }, 'Gemini Live: resumption failed');
        this.#events.error.emit({ error, fatal: true });
        return this.#endUnexpectedly('resumption failed');
      }
      const handshake = this.#takeHandshake();
      if (link !== this.#current || !handshake) return;
      this.#log.warn({ err: error.message, code: error.code }, 'Gemini Live handshake failed');
      this.#release();
      handshake.reject(error);
    },
    message: (link, message) => {
      if (link !== this.#current || this.#state !== 'ready') return;
      routeServerMessage(message, this.#sink);
      if (this.#switchPending && !this.#turns.active) this.#switch();
    },
    closed: (link, code, reason) => {
      if (link === this.#next)
        return this.#owner.failed(link, closedError(`resumed connection closed (${code})`));
      if (link !== this.#current) return;
      // The old connection ending mid-switch is the point of the switch, not a lost call.
      if (this.#next !== undefined) {
        if (this.#switchPending) this.#switch();
        return;
      }
      this.#endUnexpectedly(reason, code);
    },
  };

  readonly #sessionHandlers: Omit<GeminiServerSink, keyof GeminiTurns['handlers']> = {
    toolCalls: (calls) => {
      for (const call of calls) {
        const callId = call.id ?? `${this.#turns.tag}:call-${++this.#callIds}`;
        this.#tools.set(callId, call.name);
        this.#events.toolCall.emit({ callId, name: call.name, arguments: call.args });
      }
    },
    toolCallCancellation: (ids) => {
      for (const id of ids) if (this.#tools.delete(id)) this.#stats.cancelledToolCalls++;
    },
    goAway: (timeLeftMs) => {
      this.#stats.goAways++;
      this.#log.info({ timeLeftMs }, 'Gemini Live: goAway');
      this.#resume();
    },
    resumptionUpdate: (handle, resumable) => {
      if (resumable && handle) this.#handle = handle;
    },
    malformed: (what) => {
      this.#stats.malformedMessages++;
      this.#log.debug({ what }, 'Gemini Live: malformed message ignored');
    },
    unknown: () => {
      this.#stats.unknownMessages++;
    },
  };
}

function closedError(what: string): ProviderError {
  return new ProviderError('gemini', `Gemini Live session ${what}`);
}
