import type { Disposable } from '../core/disposable.js';
import type { SteadyCallError } from '../core/errors.js';
import type { AiProvider } from '../core/types.js';

/**
 * Which realtime API a session speaks.
 *
 * @example
 * ```ts
 * import type { RealtimeApi } from 'steadycall';
 *
 * const api: RealtimeApi = session.api; // 'openai-live' | 'openai-realtime' | 'gemini-live'
 * if (api === 'openai-realtime') console.log('barge-in truncates the played item');
 * ```
 */
export type RealtimeApi = 'openai-live' | 'openai-realtime' | 'gemini-live';

/**
 * A tool the model may call (JSON Schema parameters).
 *
 * @example
 * ```ts
 * import type { RealtimeTool } from 'steadycall';
 *
 * const lookupOrder: RealtimeTool = {
 *   name: 'lookup_order',
 *   description: 'Finds an order by its number.',
 *   parameters: { type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'] },
 * };
 * ```
 */
export interface RealtimeTool {
  /** The function name the model calls it by. */
  name: string;
  /** What the tool does, for the model to decide when to call it. */
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

/**
 * One turn of conversation carried into a new session (failover, renewal).
 *
 * @example
 * ```ts
 * import type { ConversationTurn } from 'steadycall';
 *
 * const history: ConversationTurn[] = [
 *   { role: 'user', text: 'Where is my order 1234?' },
 *   { role: 'assistant', text: 'It left the warehouse this morning.' },
 * ];
 * ```
 */
export interface ConversationTurn {
  /** Who spoke. */
  role: 'user' | 'assistant';
  /** What was said (transcript text). */
  text: string;
}

/**
 * What a session is opened with.
 *
 * @example
 * ```ts
 * import type { RealtimeSessionConfig } from 'steadycall';
 *
 * const config: RealtimeSessionConfig = {
 *   instructions: 'You are a helpful phone assistant.',
 *   voice: 'alloy',
 *   greeting: 'Hi! How can I help?',
 * };
 * ```
 */
export interface RealtimeSessionConfig {
  /** Model id (each implementation has a default). */
  model?: string;
  /** System instructions for the model. Default: none. */
  instructions?: string;
  /** The model's voice name (provider-specific). Default: the provider's default voice. */
  voice?: string;
  /** Tools the model may call. Default: none. */
  tools?: readonly RealtimeTool[];
  /** Spoken first, before the caller says anything. */
  greeting?: string;
  /** Conversation so far, replayed into the new session. */
  history?: readonly ConversationTurn[];
}

/**
 * Events every session emits, whatever the API. Audio is always G.711 mu-law at 8 kHz (what
 * Twilio plays): passthrough for OpenAI, transcoded for Gemini.
 *
 * @example
 * ```ts
 * import type { RealtimeSessionEvents } from 'steadycall';
 *
 * function onTranscript({ role, text, final }: RealtimeSessionEvents['transcript']): void {
 *   if (final) console.log(`${role}: ${text}`);
 * }
 * session.on('transcript', onTranscript);
 * ```
 */
export interface RealtimeSessionEvents {
  /** Model audio to play to the caller. `responseId`/`itemId` identify it for truncation (Realtime API). */
  audio: {
    /** 8 kHz G.711 mu-law bytes. */
    mulaw: Uint8Array;
    /** The response the audio belongs to, where the API says. */
    responseId?: string;
    /** The conversation item the audio belongs to (Realtime API: what `truncate` takes). */
    itemId?: string;
  };
  /** The caller started speaking (server VAD). The bridge clears Twilio's buffer on it where the API needs it. */
  speechStarted: {
    /** Where speech started, in ms of caller audio sent to the session, where the API says. */
    audioStartMs?: number;
  };
  /** The caller stopped speaking: the start of the per-turn latency measurement. */
  speechStopped: {
    /** Where speech ended, in ms of caller audio sent to the session, where the API says. */
    audioEndMs?: number;
  };
  /** The model stopped its own output because the caller interrupted (Gemini `interrupted`). */
  interrupted: Record<string, never>;
  /** Transcript text; `final` marks the end of a turn's text where the API says so. */
  transcript: {
    /** Whose speech: the caller (`user`) or the model (`assistant`). */
    role: 'user' | 'assistant';
    /** The text: a delta, or the whole turn when `final`. */
    text: string;
    /** True when this ends the turn's text. */
    final: boolean;
  };
  /** The model asks to run a tool. Answer with {@link RealtimeSession.sendToolResult}. */
  toolCall: {
    /** Identifies the call; pass it back with the result. */
    callId: string;
    /** The tool's name. */
    name: string;
    /** The parsed arguments (JSON value), unvalidated. */
    arguments: unknown;
  };
  /** The model finished a response (its audio has all been emitted). */
  responseDone: {
    /** The finished response, where the API says. */
    responseId?: string;
  };
  /** A provider or protocol error. `fatal` errors end the session (a `closed` event follows). */
  error: {
    /** The error, with its code and HTTP status. */
    error: SteadyCallError;
    /** True when the session cannot continue. */
    fatal: boolean;
  };
  /** The session ended. `expected` is true after our own `close()`. */
  closed: {
    /** Why it closed, for logs. */
    reason: string;
    /** The WebSocket close code, when the socket closed. */
    code?: number;
    /** True after our own `close()`; false when the provider or the network ended it. */
    expected: boolean;
  };
}

/**
 * The name of an event a {@link RealtimeSession} emits: a key of {@link RealtimeSessionEvents}.
 *
 * @example
 * ```ts
 * import type { RealtimeEventName } from 'steadycall';
 *
 * const logged: RealtimeEventName[] = ['speechStarted', 'speechStopped', 'responseDone'];
 * for (const name of logged) session.on(name, () => console.log(name));
 * ```
 */
export type RealtimeEventName = keyof RealtimeSessionEvents;

/**
 * A live conversation with one realtime speech model, behind one interface for OpenAI's Live API,
 * OpenAI's Realtime API and Gemini Live. One instance per call; no globals.
 *
 * @example
 * ```ts
 * import type { RealtimeSession } from 'steadycall';
 *
 * async function talk(session: RealtimeSession, callerAudio: AsyncIterable<Uint8Array>) {
 *   session.on('audio', ({ mulaw }) => playToCaller(mulaw));
 *   session.on('toolCall', ({ callId }) => session.sendToolResult(callId, { ok: true }));
 *   await session.connect();
 *   for await (const frame of callerAudio) session.appendAudio(frame);
 *   await session.close('caller hung up');
 * }
 * ```
 */
export interface RealtimeSession {
  /** The AI provider behind the session (`'openai'` or `'gemini'`). */
  readonly provider: AiProvider;
  /** The realtime API the session speaks. */
  readonly api: RealtimeApi;
  /** When the provider will end this session (epoch ms), once known: the bridge renews it before. */
  readonly expiresAt?: number | undefined;
  /** Opens the socket and completes the handshake (e.g. waits for `session.started`). Rejects on timeout. */
  connect(options?: { signal?: AbortSignal }): Promise<void>;
  /** Caller audio: 8 kHz mu-law, any length (normally a 20 ms Twilio frame). Never blocks. */
  appendAudio(mulaw: Uint8Array): void;
  /** Result of a tool call, sent back to the model. */
  sendToolResult(callId: string, output: unknown): void;
  /**
   * Realtime API barge-in: cut the item being played at what the caller actually heard.
   * Implementations without truncation (Live API, Gemini) make this a no-op.
   */
  truncate(itemId: string, audioEndMs: number): void;
  /** Cancels the response in progress (no-op where the API handles interruption itself). */
  cancelResponse(): void;
  /**
   * Subscribes to an event.
   *
   * @returns A handle whose `dispose()` removes the listener.
   */
  on<E extends RealtimeEventName>(
    event: E,
    listener: (payload: RealtimeSessionEvents[E]) => void,
  ): Disposable;
  /** Ends the session gracefully (bounded wait), then releases the socket and every timer. */
  close(reason?: string): Promise<void>;
}
