/**
 * OpenAI Live API wire formats used by {@link OpenAiLiveSession}: the `session.start` body and
 * zod schemas for the server events it acts on. Source: `docs/protocols/openai-live.md` (openai-node
 * `resources/live/live.ts`, Twilio's and LiveKit's GPT-Live bridges).
 *
 * @module
 */

import { z } from 'zod';
import { ProviderError } from '../../core/errors.js';
import type { RealtimeSessionConfig } from '../session.js';

/**
 * The Live API's primary WebSocket endpoint (no query parameters, ever).
 *
 * @example
 * ```ts
 * import { OPENAI_LIVE_URL } from 'steadycall';
 *
 * const url = process.env.OPENAI_LIVE_URL ?? OPENAI_LIVE_URL; // a loopback fake in tests
 * ```
 */
export const OPENAI_LIVE_URL = 'wss://api.openai.com/v1/live/sessions';
/**
 * Default voice model.
 *
 * @example
 * ```ts
 * import { OPENAI_LIVE_DEFAULT_MODEL, type RealtimeSessionConfig } from 'steadycall';
 *
 * const config: RealtimeSessionConfig = { model: OPENAI_LIVE_DEFAULT_MODEL, voice: 'marin' };
 * ```
 */
export const OPENAI_LIVE_DEFAULT_MODEL = 'gpt-live-1';
/**
 * Default Responses backend model for delegated tasks (LiveKit's default; `model` is required).
 *
 * @example
 * ```ts
 * import { OPENAI_LIVE_DEFAULT_BACKEND_MODEL, type OpenAiLiveDelegationOptions } from 'steadycall';
 *
 * const delegation: OpenAiLiveDelegationOptions = { model: OPENAI_LIVE_DEFAULT_BACKEND_MODEL };
 * ```
 */
export const OPENAI_LIVE_DEFAULT_BACKEND_MODEL = 'gpt-5.6-luna';
/**
 * Error codes after which a session cannot continue (LiveKit treats them as non-retryable).
 *
 * @example
 * ```ts
 * import { OPENAI_LIVE_FATAL_CODES, ProviderError } from 'steadycall';
 *
 * session.on('error', ({ error }) => {
 *   if (error instanceof ProviderError && OPENAI_LIVE_FATAL_CODES.has(String(error.providerCode))) {
 *     alertOps(`OpenAI refused the session: ${error.providerCode}`);
 *   }
 * });
 * ```
 */
export const OPENAI_LIVE_FATAL_CODES: ReadonlySet<string> = new Set([
  'invalid_api_key',
  'insufficient_quota',
  'account_deactivated',
  'billing_hard_limit_reached',
]);
/** The one audio format of a Twilio bridge: G.711 mu-law 8 kHz both ways, no transcoding. */
export const OPENAI_LIVE_AUDIO_FORMAT = { type: 'audio/pcmu', rate: 8000 } as const;
/** Most startup history messages the API accepts. */
export const OPENAI_LIVE_MAX_HISTORY = 128;

/**
 * The Responses backend that handles delegated tasks (and runs the function tools).
 *
 * @example
 * ```ts
 * import type { OpenAiLiveDelegationOptions } from 'steadycall';
 *
 * const delegation: OpenAiLiveDelegationOptions = {
 *   instructions: 'Look orders up with lookup_order before answering.',
 * };
 * ```
 */
export interface OpenAiLiveDelegationOptions {
  /** Default {@link OPENAI_LIVE_DEFAULT_BACKEND_MODEL}. */
  model?: string;
  /** Backend rules, separate from the voice instructions. */
  instructions?: string;
}

/**
 * The `session` of `session.start`. Delegation is always `responses`: under the API's default
 * (client delegation) the model hands tasks to the app, which nobody here would answer.
 *
 * @example
 * ```ts
 * socket.send(JSON.stringify({ type: 'session.start', session: liveSessionConfig({ voice: 'marin' }) }));
 * ```
 */
export function liveSessionConfig(
  config: RealtimeSessionConfig,
  delegation: OpenAiLiveDelegationOptions = {},
): Record<string, unknown> {
  const tools = (config.tools ?? []).map((t) => ({
    type: 'function',
    name: t.name,
    description: t.description,
    parameters: t.parameters,
  }));
  const input = (config.history ?? []).slice(-OPENAI_LIVE_MAX_HISTORY).map((turn) => ({
    type: 'message',
    role: turn.role,
    content: [{ type: turn.role === 'assistant' ? 'output_text' : 'input_text', text: turn.text }],
  }));
  return {
    model: config.model ?? OPENAI_LIVE_DEFAULT_MODEL,
    ...(config.instructions ? { instructions: config.instructions } : {}),
    audio: { format: OPENAI_LIVE_AUDIO_FORMAT, ...(config.voice ? { output: { voice: config.voice } } : {}) },
    delegation: {
      type: 'responses',
      responses: {
        model: delegation.model ?? OPENAI_LIVE_DEFAULT_BACKEND_MODEL,
        ...(delegation.instructions ? { instructions: delegation.instructions } : {}),
        ...(tools.length > 0 ? { tools, tool_choice: 'auto' } : {}),
      },
    },
    ...(input.length > 0 ? { input } : {}),
    store: false,
  };
}

/**
 * The greeting as a `session.commentary.append` content. Worded as an instruction: GPT-Live does
 * not speak first when handed only the greeting text (Twilio's bridge).
 *
 * @example
 * ```ts
 * send({ type: 'session.commentary.append', delegation_id: null, content: greetingCommentary('Hi!') });
 * ```
 */
export function greetingCommentary(greeting: string): string {
  return (
    'Greet the caller immediately using the exact text below. Do not wait for the caller to speak ' +
    `first. After the greeting, pause and listen.\n\n${greeting}`
  );
}

const liveErrorSchema = z.object({
  error: z.object({
    code: z.string().nullish(),
    type: z.string().nullish(),
    message: z.string().nullish(),
  }),
});
const startedSchema = z.object({
  session: z.object({ id: z.string().min(1), expires_at: z.number().optional() }),
});
const deltaSchema = z.object({ delta: z.string() });
const closedSchema = z.object({ reason: z.string() });
const responseEventSchema = z.object({
  delegation_id: z.string().nullish(),
  event: z.object({ type: z.string(), item: z.unknown().optional() }),
});
/** A `function_call` output item inside `response.event`. */
export const liveFunctionCallSchema = z.object({
  type: z.literal('function_call'),
  status: z.string().optional(),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
});

/** Acknowledgements and metadata a session accepts without acting on them (not "unknown"). */
const IGNORED: ReadonlySet<string> = new Set([
  'session.updated',
  'session.delegation.created',
  'session.usage.updated',
  'session.commentary.appended',
  'session.instructions.appended',
  'session.thinking.appended',
  'session.input_audio.muted',
  'session.input_audio.unmuted',
  'info',
]);

/** The `error` of a Live `error` event. */
export type LiveErrorBody = z.infer<typeof liveErrorSchema>['error'];

/** A server message, validated and reduced to what a session acts on. */
export type LiveServerEvent =
  | { type: 'started'; sessionId: string; expiresAtSeconds: number | undefined }
  | { type: 'audio'; base64: string }
  | { type: 'transcript'; role: 'user' | 'assistant'; text: string }
  | { type: 'response'; delegationId: string; eventType: string; item: unknown }
  | { type: 'closed'; reason: string }
  | { type: 'error'; error: LiveErrorBody }
  /** Known, needs no action. */
  | { type: 'ignored' }
  /** Well-formed, of a type we do not know. */
  | { type: 'unknown'; eventType: string }
  /** Not JSON, no `type`, or the wrong shape for its type. */
  | { type: 'malformed'; eventType?: string };

/**
 * Parses one text frame from the server. Never throws: anything unexpected comes back as
 * `malformed` or `unknown`, for the caller to count.
 *
 * @example
 * ```ts
 * parseLiveServerEvent('{"type":"session.output_audio.delta","delta":"//8="}'); // { type: 'audio', base64: '//8=' }
 * parseLiveServerEvent('garbage'); // { type: 'malformed' }
 * ```
 */
export function parseLiveServerEvent(text: string | null): LiveServerEvent {
  let message: unknown;
  try {
    message = text === null ? null : JSON.parse(text);
  } catch {
    return { type: 'malformed' };
  }
  const eventType = (message as { type?: unknown } | null)?.type;
  if (typeof eventType !== 'string') return { type: 'malformed' };
  const parse = <T>(schema: z.ZodType<T>): T | null => {
    const result = schema.safeParse(message);
    return result.success ? result.data : null;
  };
  let event: LiveServerEvent | null = null;
  switch (eventType) {
    case 'session.started': {
      const m = parse(startedSchema);
      if (m) event = { type: 'started', sessionId: m.session.id, expiresAtSeconds: m.session.expires_at };
      break;
    }
    case 'session.output_audio.delta': {
      const m = parse(deltaSchema);
      if (m) event = { type: 'audio', base64: m.delta };
      break;
    }
    case 'session.input_transcript.delta':
    case 'session.output_transcript.delta': {
      const m = parse(deltaSchema);
      const role = eventType === 'session.input_transcript.delta' ? 'user' : 'assistant';
      if (m) event = { type: 'transcript', role, text: m.delta };
      break;
    }
    case 'response.event': {
      const m = parse(responseEventSchema);
      if (m) {
        const delegationId = m.delegation_id ?? '';
        event = { type: 'response', delegationId, eventType: m.event.type, item: m.event.item };
      }
      break;
    }
    case 'session.closed': {
      const m = parse(closedSchema);
      if (m) event = { type: 'closed', reason: m.reason };
      break;
    }
    case 'error': {
      const m = parse(liveErrorSchema);
      if (m) event = { type: 'error', error: m.error };
      break;
    }
    default:
      return IGNORED.has(eventType) ? { type: 'ignored' } : { type: 'unknown', eventType };
  }
  return event ?? { type: 'malformed', eventType };
}

/**
 * Maps a Live `error` event to a {@link ProviderError} with the server's code as `providerCode`.
 * `redact` scrubs the server's message (it may quote a masked key). Fatal codes are not retryable.
 *
 * @example
 * ```ts
 * const { error, fatal } = liveServerError({ code: 'invalid_api_key', message: 'bad key' }, redact);
 * ```
 */
export function liveServerError(
  body: LiveErrorBody,
  redact: (value: unknown) => unknown,
): { error: ProviderError; fatal: boolean } {
  const code = body.code ?? body.type ?? undefined;
  const fatal = code !== undefined && OPENAI_LIVE_FATAL_CODES.has(code);
  const text = String(redact(body.message ?? 'no message')).slice(0, 300);
  const error = new ProviderError('openai', `OpenAI Live error${code ? ` (${code})` : ''}: ${text}`, {
    providerCode: code,
    retryable: !fatal,
    ...(code === 'invalid_api_key' ? { status: 401 } : {}),
  });
  return { error, fatal };
}

/**
 * The error for a socket that closed before `session.started`: a refused upgrade (`status`, e.g.
 * 401 for a wrong key, not retryable) or a plain close (retryable).
 *
 * @example
 * ```ts
 * reject(liveHandshakeCloseError(401, 1006)); // ProviderError, providerCode 'invalid_api_key'
 * ```
 */
export function liveHandshakeCloseError(status: number | undefined, code: number): ProviderError {
  if (status === 401 || status === 403) {
    return new ProviderError('openai', `OpenAI Live: the API key was rejected (HTTP ${status})`, {
      status,
      providerCode: 'invalid_api_key',
      retryable: false,
    });
  }
  if (status !== undefined) {
    return new ProviderError('openai', `OpenAI Live refused the connection (HTTP ${status})`, { status });
  }
  return new ProviderError('openai', `OpenAI Live: the socket closed during the handshake (code ${code})`, {
    retryable: true,
  });
}
