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

/** The Live API's primary WebSocket endpoint (no query parameters, ever). */
export const OPENAI_LIVE_URL = 'wss://api.openai.com/v1/live/sessions';
/** Default voice model. */
export const OPENAI_LIVE_DEFAULT_MODEL = 'gpt-live-1';
/** Default Responses backend model for delegated tasks (LiveKit's default; `model` is required). */
export const OPENAI_LIVE_DEFAULT_BACKEND_MODEL = 'gpt-5.6-luna';
/** Error codes after which a session cannot continue (LiveKit treats them as non-retryable). */
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

/** The Responses backend that handles delegated tasks (and runs the function tools). */
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

export const liveErrorSchema = z.object({
  error: z.object({
    code: z.string().nullish(),
    type: z.string().nullish(),
    message: z.string().nullish(),
  }),
});
export const liveStartedSchema = z.object({
  session: z.object({ id: z.string().min(1), expires_at: z.number().optional() }),
});
export const liveDeltaSchema = z.object({ delta: z.string() });
export const liveClosedSchema = z.object({ reason: z.string() });
export const liveResponseEventSchema = z.object({
  delegation_id: z.string().nullish(),
  event: z.object({ type: z.string(), item: z.unknown().optional() }),
});
export const liveFunctionCallSchema = z.object({
  type: z.literal('function_call'),
  status: z.string().optional(),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
});

/** Acknowledgements and metadata a session accepts without acting on them (not "unknown"). */
export const LIVE_IGNORED_EVENTS: ReadonlySet<string> = new Set([
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
  body: z.infer<typeof liveErrorSchema>['error'],
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
