/**
 * The Gemini Live wire for {@link GeminiLiveSession}: the `LiveConnectConfig` it opens with, the
 * opening client turns, typed errors, and the inbound router. Every server message is zod-parsed
 * and routed to a small sink; unknown messages are counted and ignored, malformed ones counted and
 * never thrown. Reference: `docs/protocols/gemini-live.md`.
 *
 * @module
 */

import { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import { ProviderError } from '../../core/errors.js';
import type { IdGenerator } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import { createRedactor } from '../../core/redact.js';
import type { RealtimeSessionConfig } from '../session.js';
import type { GeminiLiveConnect, GeminiLiveFunctionResponse, GeminiLiveTurn } from './gemini-live-connect.js';

/**
 * The stable Live model for voice agents (`gemini-3.8-live`, per the model page).
 *
 * @example
 * ```ts
 * import { DEFAULT_GEMINI_LIVE_MODEL, GeminiLiveSession } from 'steadycall';
 *
 * const session = new GeminiLiveSession({ apiKey: process.env.GEMINI_API_KEY!, config: { model: DEFAULT_GEMINI_LIVE_MODEL } });
 * ```
 */
export const DEFAULT_GEMINI_LIVE_MODEL = 'gemini-3.8-live';

/**
 * Server VAD (`realtimeInputConfig`): unset fields keep Gemini's defaults. `activityHandling`
 * `START_OF_ACTIVITY_INTERRUPTS` (the default) is what makes the caller able to barge in.
 *
 * @example
 * ```ts
 * import { GeminiLiveSession, type GeminiLiveVad } from 'steadycall';
 *
 * const vad: GeminiLiveVad = { endOfSpeechSensitivity: 'END_SENSITIVITY_HIGH', silenceDurationMs: 500 };
 * const session = new GeminiLiveSession({ apiKey: process.env.GEMINI_API_KEY!, vad });
 * ```
 */
export interface GeminiLiveVad {
  /** How readily speech is detected as starting. Default: Gemini's. */
  startOfSpeechSensitivity?: 'START_SENSITIVITY_HIGH' | 'START_SENSITIVITY_LOW';
  /** How readily speech is detected as ended. Default: Gemini's. */
  endOfSpeechSensitivity?: 'END_SENSITIVITY_HIGH' | 'END_SENSITIVITY_LOW';
  /** Speech needed before start-of-speech is committed (the docs disagree on its exact meaning). */
  prefixPaddingMs?: number;
  /** Silence needed before end-of-speech is committed. */
  silenceDurationMs?: number;
  /** Whether caller speech interrupts the model. Default: Gemini's, `START_OF_ACTIVITY_INTERRUPTS`. */
  activityHandling?: 'START_OF_ACTIVITY_INTERRUPTS' | 'NO_INTERRUPTION';
}

/**
 * Setup options beyond the shared {@link RealtimeSessionConfig}.
 *
 * @example
 * ```ts
 * import { GeminiLiveSession, type GeminiLiveSetupOptions } from 'steadycall';
 *
 * const setup: GeminiLiveSetupOptions = { transcription: true, contextCompression: true, toolBehavior: 'BLOCKING' };
 * const session = new GeminiLiveSession({ apiKey: process.env.GEMINI_API_KEY!, ...setup });
 * ```
 */
export interface GeminiLiveSetupOptions {
  /** Server voice activity detection. Default: Gemini's defaults. */
  vad?: GeminiLiveVad;
  /** Caller and model transcripts (`inputAudioTranscription` / `outputAudioTranscription`). Default true. */
  transcription?: boolean;
  /** Sliding-window context compression, so audio sessions are not capped at ~15 min. Default true. */
  contextCompression?: boolean;
  /** `behavior` of every declared function (3.8 defaults to `NON_BLOCKING`). Unset: the server's default. */
  toolBehavior?: 'BLOCKING' | 'NON_BLOCKING';
}

/**
 * Options of `GeminiLiveSession`.
 *
 * @example
 * ```ts
 * import { GeminiLiveSession, type GeminiLiveSessionOptions } from 'steadycall';
 *
 * const options: GeminiLiveSessionOptions = {
 *   apiKey: process.env.GEMINI_API_KEY!,
 *   config: { instructions: 'You are a friendly receptionist.', voice: 'Kore' },
 *   handshakeTimeoutMs: 5000,
 * };
 * const session = new GeminiLiveSession(options);
 * ```
 */
export interface GeminiLiveSessionOptions extends GeminiLiveSetupOptions {
  /** The Gemini API key (redacted from every log line and error). */
  apiKey: string;
  /** `live.connect`-like function. Default: `@google/genai`, imported on first connect. */
  connect?: GeminiLiveConnect;
  /** `httpOptions.baseUrl` for the default connector (a loopback fake in tests). */
  baseUrl?: string;
  /** Model default {@link DEFAULT_GEMINI_LIVE_MODEL}. */
  config?: RealtimeSessionConfig;
  /** Connect + `setupComplete`, for the first connection and each resumption. Default 5000. */
  handshakeTimeoutMs?: number;
  /** How long `close()` waits for each socket's close. Default 1000. */
  closeTimeoutMs?: number;
  /** Caller audio kept while connecting or switching connections (oldest dropped beyond it), ms. Default 10 000. */
  maxBufferedAudioMs?: number;
  /** Time source for timeouts. Default: the system clock. */
  clock?: Clock;
  /** Where the session logs (the API key redacted). Default: a silent logger. */
  logger?: Logger;
  /** Response ids are `<id>:<turn>`; ids must not repeat across sessions of a call. Default random UUIDs. */
  ids?: IdGenerator;
}

/**
 * Counters for diagnostics: nothing here is fatal.
 *
 * @example
 * ```ts
 * import type { GeminiLiveStats } from 'steadycall';
 *
 * const stats: Readonly<GeminiLiveStats> = session.stats;
 * if (stats.failedResumptions > 0) console.warn(`${stats.failedResumptions} Gemini resumptions failed`);
 * ```
 */
export interface GeminiLiveStats {
  /** Server messages of a kind the session does not know, ignored. */
  unknownMessages: number;
  /** Server messages that failed validation, ignored. */
  malformedMessages: number;
  /** Caller audio dropped because the buffer (connecting, switching) was full. */
  droppedAudioChunks: number;
  /** Bytes of mu-law in those dropped chunks. */
  droppedAudioBytes: number;
  /** Model audio of an interrupted turn, not emitted. */
  lateAudioChunks: number;
  /** `goAway` notices received (the server is about to end a connection). */
  goAways: number;
  /** Connections replaced through session resumption without the call noticing. */
  resumptions: number;
  /** Resumptions that failed (the session then closes). */
  failedResumptions: number;
  /** Pending tool calls the server cancelled (`toolCallCancellation`). */
  cancelledToolCalls: number;
}

/**
 * Lifecycle of a {@link GeminiLiveSession}: `idle` until `connect()`, `ready` after `setupComplete`,
 * `closing` / `closed` after `close()` or a fatal error.
 *
 * @example
 * ```ts
 * import type { GeminiLiveState } from 'steadycall';
 *
 * const state: GeminiLiveState = session.state;
 * if (state === 'ready') session.appendAudio(frame);
 * ```
 */
export type GeminiLiveState = 'idle' | 'connecting' | 'ready' | 'closing' | 'closed';

/** The `LiveConnectConfig` of a connection; `handle` resumes a previous one. */
export function liveConnectConfig(
  config: RealtimeSessionConfig,
  options: GeminiLiveSetupOptions,
  handle: string | undefined,
): Record<string, unknown> {
  const { vad = {}, transcription = true, contextCompression = true, toolBehavior } = options;
  const { activityHandling, ...detection } = vad;
  const tools = config.tools ?? [];
  return {
    responseModalities: ['AUDIO'],
    ...(config.instructions ? { systemInstruction: config.instructions } : {}),
    ...(config.voice
      ? { speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: config.voice } } } }
      : {}),
    ...(tools.length === 0
      ? {}
      : {
          tools: [
            {
              functionDeclarations: tools.map((t) => ({
                name: t.name,
                description: t.description,
                parametersJsonSchema: t.parameters,
                ...(toolBehavior ? { behavior: toolBehavior } : {}),
              })),
            },
          ],
        }),
    realtimeInputConfig: {
      automaticActivityDetection: { disabled: false, ...detection },
      ...(activityHandling ? { activityHandling } : {}),
    },
    ...(transcription ? { inputAudioTranscription: {}, outputAudioTranscription: {} } : {}),
    // `{}` on the first connection asks for handles; without it there is nothing to resume with.
    sessionResumption: handle === undefined ? {} : { handle },
    ...(contextCompression ? { contextWindowCompression: { slidingWindow: {} } } : {}),
  };
}

/** Client content sent once a new (not resumed) session is ready: the history, then the greeting. */
export function openingTurns(
  config: RealtimeSessionConfig,
): { turns: GeminiLiveTurn[]; turnComplete: boolean }[] {
  const out: { turns: GeminiLiveTurn[]; turnComplete: boolean }[] = [];
  const history = (config.history ?? []).filter((t) => t.text.length > 0);
  if (history.length > 0) {
    const turns = history.map(
      (t): GeminiLiveTurn => ({
        role: t.role === 'assistant' ? 'model' : 'user',
        parts: [{ text: t.text }],
      }),
    );
    // turnComplete false: context only, the model waits for the caller (or the greeting).
    out.push({ turns, turnComplete: false });
  }
  if (config.greeting) {
    const text = `Greet the caller now by saying exactly: ${config.greeting}`;
    out.push({ turns: [{ role: 'user', parts: [{ text }] }], turnComplete: true });
  }
  return out;
}

/** A tool's output as a `functionResponses[]` entry: objects as they are, anything else as `{ output }`. */
export function functionResponse(id: string, name: string, output: unknown): GeminiLiveFunctionResponse {
  const isRecord = typeof output === 'object' && output !== null && !Array.isArray(output);
  return { id, name, response: isRecord ? (output as Record<string, unknown>) : { output: output ?? null } };
}

/** A proto3 JSON duration (`"50s"`, `"0.5s"`) in ms; undefined when absent or malformed. */
export function durationMs(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value * 1000;
  const m = typeof value === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(value.trim()) : null;
  return m ? Math.round(Number(m[1]) * 1000) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Errors

/** What a link knows about how its socket ended. */
export interface LinkCloseDetail {
  code?: number;
  reason?: string;
  /** Text of the socket's error event (e.g. `Unexpected server response: 503`). */
  error?: string;
  /** What `live.connect` threw or rejected with. */
  thrown?: unknown;
}

const PROVIDER = 'gemini';
// Google API keys, and keys in URLs (`?key=`, `&access_token=`): the SDK puts the key in the URL.
const KEY_LIKE = /\bAIza[0-9A-Za-z_-]{20,}/g;
const KEY_PARAM = /([?&](?:key|access_token)=)[^&\s"']+/gi;

/** Scrubs the key (and anything key-shaped), and phone numbers, from upstream text; one line, clipped. */
export function geminiRedactor(apiKey: string): (text: string) => string {
  const base = createRedactor({ secrets: [apiKey] });
  return (text) => {
    const scrubbed = String(base(text)).replace(KEY_PARAM, '$1[REDACTED]').replace(KEY_LIKE, '[REDACTED]');
    const line = scrubbed.replace(/\s+/g, ' ').trim();
    return line.length > 200 ? `${line.slice(0, 200)}…` : line;
  };
}

/** The message of a socket error event or thrown value, unredacted (redact before use). */
export function eventText(event: unknown): string {
  if (typeof event === 'string') return event;
  if (typeof event !== 'object' || event === null) return 'socket error';
  const e = event as { message?: unknown; error?: unknown };
  if (typeof e.message === 'string' && e.message !== '') return e.message;
  if (e.error instanceof Error) return e.error.message;
  return 'socket error';
}

/**
 * Maps a failed handshake to a {@link ProviderError}: a refused upgrade keeps its HTTP status; close
 * 1008 (policy: bad or leaked key) is 401 when it names the key, else 403; 1007 (invalid argument:
 * model, config, resumption handle) is 400; anything else is retryable.
 */
export function handshakeError(detail: LinkCloseDetail, redact: (text: string) => string): ProviderError {
  const errorText = detail.error ?? (detail.thrown === undefined ? '' : eventText(detail.thrown));
  const http = /Unexpected server response: (\d{3})/.exec(errorText);
  if (http) {
    const status = Number(http[1]);
    const message =
      status === 401 || status === 403
        ? `Gemini Live rejected the API key (HTTP ${status})`
        : `Gemini Live refused the connection (HTTP ${status})`;
    return new ProviderError(PROVIDER, message, { status, providerCode: status });
  }
  const { code } = detail;
  if (code !== undefined) {
    const reason = detail.reason ? `: ${redact(detail.reason)}` : '';
    const status =
      code === 1008
        ? /api[ _-]?key/i.test(detail.reason ?? '')
          ? 401
          : 403
        : code === 1007
          ? 400
          : undefined;
    return new ProviderError(PROVIDER, `Gemini Live closed the connection during setup (${code}${reason})`, {
      ...(status === undefined ? {} : { status }),
      providerCode: code,
    });
  }
  const text = errorText === '' ? 'no detail' : redact(errorText);
  return new ProviderError(PROVIDER, `Gemini Live connect failed: ${text}`);
}

// ---------------------------------------------------------------------------------------------
// Inbound router

/** What the router calls back into (the session). */
export interface GeminiServerSink {
  /** Base64 PCM16 of `serverContent.modelTurn.parts[].inlineData` (24 kHz). */
  audio(base64: string, mimeType: string | undefined): void;
  interrupted(): void;
  turnComplete(): void;
  transcript(role: 'user' | 'assistant', text: string, finished: boolean): void;
  toolCalls(calls: { id: string | undefined; name: string; args: unknown }[]): void;
  toolCallCancellation(ids: string[]): void;
  goAway(timeLeftMs: number | undefined): void;
  resumptionUpdate(handle: string | undefined, resumable: boolean): void;
  voiceActivity(kind: 'start' | 'end'): void;
  malformed(what: string): void;
  unknown(): void;
}

const opt = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? undefined);
const transcription = z.object({ text: opt(z.string()), finished: opt(z.boolean()) });
const schemas = {
  serverContent: z.object({
    modelTurn: opt(
      z.object({
        parts: opt(
          z.array(
            z.object({
              inlineData: opt(z.object({ data: z.string(), mimeType: opt(z.string()) })),
            }),
          ),
        ),
      }),
    ),
    interrupted: opt(z.boolean()),
    turnComplete: opt(z.boolean()),
    inputTranscription: opt(transcription),
    outputTranscription: opt(transcription),
  }),
  toolCall: z.object({
    functionCalls: opt(
      z.array(z.object({ id: opt(z.string()), name: z.string(), args: z.unknown().optional() })),
    ),
  }),
  toolCallCancellation: z.object({ ids: opt(z.array(z.string())) }),
  goAway: z.object({ timeLeft: z.unknown().optional() }),
  sessionResumptionUpdate: z.object({ newHandle: opt(z.string()), resumable: opt(z.boolean()) }),
  voiceActivity: z.object({ voiceActivityType: opt(z.string()) }),
  voiceActivityDetectionSignal: z.object({ vadSignalType: opt(z.string()) }),
};

// Documented messages this client has no use for.
const KNOWN_UNUSED = new Set(['usageMetadata', 'setupComplete']);
const ACTIVITY: Record<string, 'start' | 'end'> = {
  ACTIVITY_START: 'start',
  ACTIVITY_END: 'end',
  VAD_SIGNAL_TYPE_SOS: 'start',
  VAD_SIGNAL_TYPE_EOS: 'end',
};

/**
 * Routes one parsed server message (`LiveServerMessage`) to `sink`. Within `serverContent` the order
 * is: caller transcript, model audio, model transcript, `interrupted`, `turnComplete`.
 */
export function routeServerMessage(message: unknown, sink: GeminiServerSink): void {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    sink.malformed('not an object');
    return;
  }
  const m = message as Record<string, unknown>;
  let known = false;
  const parse = <T extends z.ZodType>(
    key: keyof typeof schemas & string,
    schema: T,
  ): z.output<T> | undefined => {
    if (m[key] == null) return undefined;
    known = true;
    const result = schema.safeParse(m[key]);
    if (!result.success) sink.malformed(key);
    return result.success ? result.data : undefined;
  };
  const content = parse('serverContent', schemas.serverContent);
  if (content) {
    const input = content.inputTranscription;
    if (input?.text || input?.finished) sink.transcript('user', input.text ?? '', input.finished === true);
    for (const part of content.modelTurn?.parts ?? []) {
      if (part.inlineData) sink.audio(part.inlineData.data, part.inlineData.mimeType);
    }
    const output = content.outputTranscription;
    if (output?.text || output?.finished)
      sink.transcript('assistant', output.text ?? '', output.finished === true);
    if (content.interrupted) sink.interrupted();
    if (content.turnComplete) sink.turnComplete();
  }
  const tool = parse('toolCall', schemas.toolCall);
  if (tool?.functionCalls?.length) {
    sink.toolCalls(tool.functionCalls.map((c) => ({ id: c.id, name: c.name, args: c.args ?? {} })));
  }
  const cancelled = parse('toolCallCancellation', schemas.toolCallCancellation);
  if (cancelled?.ids?.length) sink.toolCallCancellation(cancelled.ids);
  const resumption = parse('sessionResumptionUpdate', schemas.sessionResumptionUpdate);
  if (resumption) sink.resumptionUpdate(resumption.newHandle || undefined, resumption.resumable === true);
  const activity = parse('voiceActivity', schemas.voiceActivity)?.voiceActivityType;
  const signal = parse('voiceActivityDetectionSignal', schemas.voiceActivityDetectionSignal)?.vadSignalType;
  const kind = ACTIVITY[activity ?? ''] ?? ACTIVITY[signal ?? ''];
  if (kind) sink.voiceActivity(kind);
  // Last: a goAway must not pre-empt content that came with it.
  const goAway = parse('goAway', schemas.goAway);
  if (goAway) sink.goAway(durationMs(goAway.timeLeft));
  if (!known && !Object.keys(m).some((k) => KNOWN_UNUSED.has(k))) sink.unknown();
}
