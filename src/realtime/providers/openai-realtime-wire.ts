/**
 * The OpenAI Realtime wire for {@link OpenAiRealtimeSession}: the `session.update` it sends, the
 * typed errors it raises, and the inbound router. Every server message is zod-parsed and routed to a
 * small sink; unknown types are counted and ignored, malformed ones counted and never thrown. Tool
 * calls are reassembled here, so the session sees one `toolCall` per `call_id`.
 *
 * @module
 */

import { z } from 'zod';
import { ProviderError, type SteadyCallError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { tryDecodeBase64 } from '../base64.js';
import type { RealtimeSessionConfig, RealtimeSessionEvents } from '../session.js';

/** What the router calls back into (the session). */
export interface ServerEventSink {
  redact(value: unknown): unknown;
  stats: { unknownMessages: number; malformedMessages: number };
  log: Logger;
  sessionCreated(): void;
  /** `outputFormat` is the effective `audio.output.format.type`, when the server echoed it. */
  sessionUpdated(outputFormat: string | undefined): void;
  audio(mulaw: Uint8Array, responseId: string | undefined, itemId: string | undefined): void;
  speechStarted(audioStartMs: number | undefined): void;
  speechStopped(audioEndMs: number | undefined): void;
  transcript(event: RealtimeSessionEvents['transcript']): void;
  responseCreated(responseId: string): void;
  isCancelled(responseId: string | undefined): boolean;
  toolCall(call: RealtimeSessionEvents['toolCall']): void;
  responseDone(responseId: string | undefined): void;
  error(error: SteadyCallError, fatal: boolean): void;
}

/**
 * Server VAD settings (`audio.input.turn_detection`, type `server_vad`); unset fields keep OpenAI's defaults.
 *
 * @example
 * ```ts
 * import { OpenAiRealtimeSession, type OpenAiRealtimeVad } from 'steadycall';
 *
 * const vad: OpenAiRealtimeVad = { threshold: 0.6, silence_duration_ms: 500 };
 * const session = new OpenAiRealtimeSession({ apiKey, socketFactory, vad });
 * ```
 */
export interface OpenAiRealtimeVad {
  /** Speech detection threshold, 0 to 1 (higher needs louder audio). Default: OpenAI's, 0.5. */
  threshold?: number;
  /** Audio kept before detected speech, in ms. Default: OpenAI's, 300. */
  prefix_padding_ms?: number;
  /** Silence that ends the caller's turn, in ms. Default: OpenAI's, 500. */
  silence_duration_ms?: number;
  /** The server cancels its response when the caller starts speaking. Default true. */
  interrupt_response?: boolean;
  /** The server starts a response when the caller's turn ends. Default true. */
  create_response?: boolean;
}

/** The `session.update` that configures mu-law passthrough, server VAD, voice, tools and transcription. */
export function sessionUpdateEvent(
  config: RealtimeSessionConfig,
  options: { vad?: OpenAiRealtimeVad; inputTranscriptionModel?: string | null },
): Record<string, unknown> {
  const transcription = options.inputTranscriptionModel;
  const tools = config.tools ?? [];
  return {
    type: 'session.update',
    session: {
      type: 'realtime',
      output_modalities: ['audio'],
      ...(config.instructions === undefined ? {} : { instructions: config.instructions }),
      audio: {
        input: {
          format: { type: 'audio/pcmu' }, // no `rate`: the API rejects it for pcmu
          ...(transcription === null
            ? {}
            : { transcription: { model: transcription ?? 'gpt-4o-transcribe' } }),
          turn_detection: { type: 'server_vad', ...options.vad },
        },
        output: { format: { type: 'audio/pcmu' }, ...(config.voice ? { voice: config.voice } : {}) },
      },
      ...(tools.length === 0
        ? {}
        : {
            tools: tools.map((t) => ({
              type: 'function',
              name: t.name,
              description: t.description,
              parameters: t.parameters,
            })),
            tool_choice: 'auto',
          }),
    },
  };
}

/** What is sent once the session is ready: the history as text items, then the greeting's `response.create`. */
export function openingEvents(config: RealtimeSessionConfig): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = (config.history ?? []).map((turn) => ({
    type: 'conversation.item.create',
    item: {
      type: 'message',
      role: turn.role,
      // Assistant audio cannot be injected; its transcript goes in as output text.
      content: [{ type: turn.role === 'user' ? 'input_text' : 'output_text', text: turn.text }],
    },
  }));
  if (config.greeting) {
    events.push({
      type: 'response.create',
      response: { instructions: `Greet the caller now by saying exactly: ${config.greeting}` },
    });
  }
  return events;
}

const str = z.string();
const optStr = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);
const optNum = z
  .number()
  .nullish()
  .transform((v) => v ?? undefined);

const schemas = {
  session: z.object({
    session: z
      .object({
        audio: z
          .object({ output: z.object({ format: z.object({ type: str }).optional() }).optional() })
          .optional(),
      })
      .optional(),
  }),
  audioDelta: z.object({ response_id: optStr, item_id: optStr, delta: str }),
  speechStarted: z.object({ audio_start_ms: optNum }),
  speechStopped: z.object({ audio_end_ms: optNum }),
  textDelta: z.object({ delta: str }),
  transcriptDone: z.object({ transcript: str }),
  responseCreated: z.object({ response: z.object({ id: str }) }),
  responseDone: z.object({ response: z.object({ id: optStr, status: optStr }) }),
  functionCallItem: z.object({
    response_id: optStr,
    item: z.object({ type: str, status: optStr, call_id: optStr, name: optStr, arguments: optStr }),
  }),
  argumentsDone: z.object({ response_id: optStr, call_id: str, name: optStr, arguments: str }),
  error: z.object({
    error: z.object({ type: optStr, code: optStr, message: optStr, param: optStr, event_id: optStr }),
  }),
};

// Documented events this client has no use for: ignored without counting them as unknown.
const KNOWN_UNUSED = new Set([
  'conversation.created',
  'conversation.item.created',
  'conversation.item.added',
  'conversation.item.done',
  'conversation.item.retrieved',
  'conversation.item.deleted',
  'conversation.item.truncated',
  'conversation.item.input_audio_transcription.segment',
  'conversation.item.input_audio_transcription.failed',
  'input_audio_buffer.committed',
  'input_audio_buffer.cleared',
  'input_audio_buffer.timeout_triggered',
  'response.output_item.added',
  'response.content_part.added',
  'response.content_part.done',
  'response.output_audio.done',
  'response.audio.done',
  'response.output_text.delta',
  'response.output_text.done',
  'response.text.delta',
  'response.text.done',
  'response.function_call_arguments.delta',
  'rate_limits.updated',
]);

// Errors after which the session cannot go on: credentials, quota, the 60-minute limit.
const FATAL_CODES = new Set([
  'invalid_api_key',
  'insufficient_quota',
  'session_expired',
  'account_deactivated',
]);
const FATAL_TYPES = new Set(['authentication_error', 'permission_error', 'insufficient_quota']);
// Our cancel raced the server's own (interrupt_response) or the end of the response.
const HARMLESS_CODES = new Set(['response_cancel_not_active']);

interface PendingCall {
  responseId: string | undefined;
  name: string | undefined;
  arguments: string | undefined;
}

/** Routes parsed server events to a {@link ServerEventSink}. One per session. */
export class OpenAiRealtimeEventRouter {
  readonly #sink: ServerEventSink;
  readonly #pendingCalls = new Map<string, PendingCall>();
  readonly #emittedCalls = new Set<string>();

  constructor(sink: ServerEventSink) {
    this.#sink = sink;
  }

  /** Forgets per-session state (close). */
  reset(): void {
    this.#pendingCalls.clear();
    this.#emittedCalls.clear();
  }

  /** Handles one socket message (its text; `null` for non-text frames). */
  handle(text: string | null): void {
    const sink = this.#sink;
    let message: unknown;
    try {
      message = text === null ? undefined : JSON.parse(text);
    } catch {
      message = undefined;
    }
    const type = (message as { type?: unknown } | undefined)?.type;
    if (typeof message !== 'object' || message === null || typeof type !== 'string') {
      sink.stats.malformedMessages++;
      return;
    }
    const parse = <S extends z.ZodType>(schema: S): z.output<S> | undefined => {
      const result = schema.safeParse(message);
      if (result.success) return result.data;
      sink.stats.malformedMessages++;
      sink.log.debug({ type }, 'OpenAI Realtime message did not match its schema');
      return undefined;
    };

    switch (type) {
      case 'session.created':
        if (parse(schemas.session)) sink.sessionCreated();
        return;
      case 'session.updated': {
        const m = parse(schemas.session);
        if (m) sink.sessionUpdated(m.session?.audio?.output?.format?.type);
        return;
      }
      case 'response.output_audio.delta':
      case 'response.audio.delta': {
        const m = parse(schemas.audioDelta);
        const bytes = m ? tryDecodeBase64(m.delta) : null;
        if (!m || bytes === null) {
          if (m) sink.stats.malformedMessages++;
          return;
        }
        if (bytes.byteLength > 0) sink.audio(bytes, m.response_id, m.item_id);
        return;
      }
      case 'input_audio_buffer.speech_started': {
        const m = parse(schemas.speechStarted);
        if (m) sink.speechStarted(m.audio_start_ms);
        return;
      }
      case 'input_audio_buffer.speech_stopped': {
        const m = parse(schemas.speechStopped);
        if (m) sink.speechStopped(m.audio_end_ms);
        return;
      }
      case 'response.output_audio_transcript.delta':
      case 'response.audio_transcript.delta': {
        const m = parse(schemas.textDelta);
        if (m) sink.transcript({ role: 'assistant', text: m.delta, final: false });
        return;
      }
      case 'response.output_audio_transcript.done':
      case 'response.audio_transcript.done': {
        const m = parse(schemas.transcriptDone);
        if (m) sink.transcript({ role: 'assistant', text: m.transcript, final: true });
        return;
      }
      case 'conversation.item.input_audio_transcription.delta': {
        const m = parse(schemas.textDelta);
        if (m) sink.transcript({ role: 'user', text: m.delta, final: false });
        return;
      }
      case 'conversation.item.input_audio_transcription.completed': {
        const m = parse(schemas.transcriptDone);
        if (m) sink.transcript({ role: 'user', text: m.transcript, final: true });
        return;
      }
      case 'response.created': {
        const m = parse(schemas.responseCreated);
        if (m) sink.responseCreated(m.response.id);
        return;
      }
      case 'response.function_call_arguments.done': {
        const m = parse(schemas.argumentsDone);
        if (m) this.#noteCall(m.call_id, { responseId: m.response_id, name: m.name, arguments: m.arguments });
        return;
      }
      case 'response.output_item.done': {
        const m = parse(schemas.functionCallItem);
        const item = m?.item;
        if (!m || !item || item.type !== 'function_call' || !item.call_id) return;
        this.#noteCall(item.call_id, {
          responseId: m.response_id,
          name: item.name,
          arguments: item.arguments,
        });
        // Only a completed item carries whole arguments; an interrupted one may be cut off.
        if (item.status === undefined || item.status === 'completed') this.#emitCall(item.call_id);
        else this.#pendingCalls.delete(item.call_id);
        return;
      }
      case 'response.done': {
        const m = parse(schemas.responseDone);
        if (!m) return;
        const { id, status } = m.response;
        // Calls seen only through `arguments.done` run when their response completed.
        for (const [callId, call] of this.#pendingCalls) {
          if (call.responseId !== id) continue;
          if (status === undefined || status === 'completed') this.#emitCall(callId);
          this.#pendingCalls.delete(callId);
        }
        sink.responseDone(id);
        return;
      }
      case 'error': {
        const m = parse(schemas.error);
        if (m) this.#error(m.error);
        return;
      }
      default:
        if (!KNOWN_UNUSED.has(type)) sink.stats.unknownMessages++;
    }
  }

  #noteCall(callId: string, seen: PendingCall): void {
    if (this.#emittedCalls.has(callId)) return;
    const before = this.#pendingCalls.get(callId);
    this.#pendingCalls.set(callId, {
      responseId: seen.responseId ?? before?.responseId,
      name: seen.name ?? before?.name,
      arguments: seen.arguments ?? before?.arguments,
    });
  }

  #emitCall(callId: string): void {
    const call = this.#pendingCalls.get(callId);
    this.#pendingCalls.delete(callId);
    if (!call || this.#emittedCalls.has(callId) || call.name === undefined) return;
    if (this.#sink.isCancelled(call.responseId)) return;
    this.#emittedCalls.add(callId);
    this.#sink.toolCall({ callId, name: call.name, arguments: parseArguments(call.arguments ?? '') });
  }

  #error(e: z.output<typeof schemas.error>['error']): void {
    const sink = this.#sink;
    const code = e.code ?? e.type ?? 'unknown';
    if (e.code !== undefined && HARMLESS_CODES.has(e.code)) {
      sink.log.debug({ code }, 'OpenAI Realtime: harmless error ignored');
      return;
    }
    const fatal =
      (e.code !== undefined && FATAL_CODES.has(e.code)) || (e.type !== undefined && FATAL_TYPES.has(e.type));
    const auth = e.code === 'invalid_api_key' || e.type === 'authentication_error';
    const quota = e.code === 'insufficient_quota' || e.type === 'insufficient_quota';
    const text = clip(String(sink.redact(e.message ?? code)));
    // OpenAI's auth messages quote a masked key: drop the upstream text for them.
    const message = auth ? 'OpenAI rejected the API key' : `OpenAI Realtime error: ${text}`;
    const status = auth ? 401 : quota ? 429 : undefined;
    const retryable = !fatal && (e.type === 'server_error' || e.code === 'rate_limit_exceeded');
    sink.error(
      new ProviderError('openai', message, {
        ...(status === undefined ? {} : { status }),
        providerCode: code,
        retryable,
        httpStatus: 502,
        details: {
          provider: 'openai',
          api: 'openai-realtime',
          providerCode: code,
          ...(e.type ? { type: e.type } : {}),
          ...(e.param ? { param: String(sink.redact(e.param)) } : {}),
          ...(e.event_id ? { eventId: e.event_id } : {}),
        },
      }),
      fatal,
    );
  }
}

function parseArguments(raw: string): unknown {
  if (raw.trim() === '') return {};
  try {
    return JSON.parse(raw);
  } catch {
    return raw; // the tool handler sees the raw text and can answer with an error
  }
}

function clip(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 300 ? `${oneLine.slice(0, 300)}…` : oneLine;
}

export function closedError(what: string): ProviderError {
  return new ProviderError('openai', `OpenAI Realtime session ${what}`, {
    retryable: false,
    details: { provider: 'openai', api: 'openai-realtime' },
  });
}

/** The socket closed before `session.updated`. */
export function handshakeClosedError(code: number): ProviderError {
  return new ProviderError('openai', `OpenAI Realtime socket closed during the handshake (code ${code})`, {
    details: { provider: 'openai', api: 'openai-realtime', closeCode: code },
  });
}

/** The message of an error event or Error, if any. */
export function errorText(event: unknown): string {
  if (typeof event !== 'object' || event === null) return String(event);
  const bag = event as { message?: unknown; error?: { message?: unknown } };
  if (typeof bag.message === 'string') return bag.message;
  if (typeof bag.error?.message === 'string') return bag.error.message;
  return '';
}

/**
 * A socket-level failure before the session was ready. WHATWG sockets hide the HTTP status;
 * `wsSocketFactory` puts it on the event (`status`), and raw `ws` in its message.
 */
export function socketError(event: unknown, redact: (v: unknown) => unknown): ProviderError {
  const given = (event as { status?: unknown } | null)?.status;
  const fromText = /server response: (\d{3})/.exec(String(redact(errorText(event))))?.[1];
  const status = typeof given === 'number' ? given : fromText === undefined ? undefined : Number(fromText);
  const details = { provider: 'openai', api: 'openai-realtime', ...(status === undefined ? {} : { status }) };
  if (status === 401 || status === 403) {
    // Not retryable (4xx); answered 502: it is our configuration's fault, not the caller's.
    return new ProviderError('openai', 'OpenAI rejected the API key (Realtime WebSocket upgrade)', {
      status,
      httpStatus: 502,
      details,
    });
  }
  const suffix = status === undefined ? '' : ` (HTTP ${status})`;
  return new ProviderError('openai', `OpenAI Realtime connection failed${suffix}`, {
    ...(status === undefined ? {} : { status }),
    details,
  });
}
