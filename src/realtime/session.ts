import type { Disposable } from '../core/disposable.js';
import type { SteadyCallError } from '../core/errors.js';
import type { AiProvider } from '../core/types.js';

/** Which realtime API a session speaks. */
export type RealtimeApi = 'openai-live' | 'openai-realtime' | 'gemini-live';

/** A tool the model may call (JSON Schema parameters). */
export interface RealtimeTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** One turn of conversation carried into a new session (failover, renewal). */
export interface ConversationTurn {
  role: 'user' | 'assistant';
  text: string;
}

/** What a session is opened with. */
export interface RealtimeSessionConfig {
  /** Model id (each implementation has a default). */
  model?: string;
  instructions?: string;
  voice?: string;
  tools?: readonly RealtimeTool[];
  /** Spoken first, before the caller says anything. */
  greeting?: string;
  /** Conversation so far, replayed into the new session. */
  history?: readonly ConversationTurn[];
}

/**
 * Events every session emits, whatever the API. Audio is always G.711 mu-law at 8 kHz (what
 * Twilio plays): passthrough for OpenAI, transcoded for Gemini.
 */
export interface RealtimeSessionEvents {
  /** Model audio to play to the caller. `responseId`/`itemId` identify it for truncation (Realtime API). */
  audio: { mulaw: Uint8Array; responseId?: string; itemId?: string };
  /** The caller started speaking (server VAD). The bridge clears Twilio's buffer on it where the API needs it. */
  speechStarted: { audioStartMs?: number };
  /** The caller stopped speaking: the start of the per-turn latency measurement. */
  speechStopped: { audioEndMs?: number };
  /** The model stopped its own output because the caller interrupted (Gemini `interrupted`). */
  interrupted: Record<string, never>;
  /** Transcript text; `final` marks the end of a turn's text where the API says so. */
  transcript: { role: 'user' | 'assistant'; text: string; final: boolean };
  /** The model asks to run a tool. Answer with {@link RealtimeSession.sendToolResult}. */
  toolCall: { callId: string; name: string; arguments: unknown };
  /** The model finished a response (its audio has all been emitted). */
  responseDone: { responseId?: string };
  /** A provider or protocol error. `fatal` errors end the session (a `closed` event follows). */
  error: { error: SteadyCallError; fatal: boolean };
  /** The session ended. `expected` is true after our own `close()`. */
  closed: { reason: string; code?: number; expected: boolean };
}

export type RealtimeEventName = keyof RealtimeSessionEvents;

/**
 * A live conversation with one realtime speech model, behind one interface for OpenAI's Live API,
 * OpenAI's Realtime API and Gemini Live. One instance per call; no globals.
 */
export interface RealtimeSession {
  readonly provider: AiProvider;
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
  on<E extends RealtimeEventName>(
    event: E,
    listener: (payload: RealtimeSessionEvents[E]) => void,
  ): Disposable;
  /** Ends the session gracefully (bounded wait), then releases the socket and every timer. */
  close(reason?: string): Promise<void>;
}
