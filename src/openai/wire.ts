/**
 * The OpenAI wire formats used by {@link OpenAiBrowserSessions}: request body builders, response
 * schemas and the SDP offer check. Each body is built by one small function so that a protocol
 * correction touches one place.
 *
 * Sources (see the project's issue note for the full list):
 * - Live API `POST /v1/live/sessions`: JSON `{ session: MediaSessionConfig, transport: { type:
 *   'webrtc', sdp } }`; answer `{ session: { id }, transport: { type: 'webrtc', sdp } }`.
 *   `session.client.data_channel.allowed_client_events` restricts what the untrusted browser may
 *   send on the data channel (omitted = everything allowed, so we always send it).
 * - Realtime API `POST /v1/realtime/client_secrets`: JSON `{ expires_after?: { anchor:
 *   'created_at', seconds: 10..7200 }, session: { type: 'realtime', model, instructions?, audio? } }`;
 *   answer `{ value, expires_at, session }`.
 */

import { z } from 'zod';
import { ValidationError, type ValidationIssue } from '../core/errors.js';

/**
 * Largest SDP offer accepted, in UTF-8 bytes (real browser offers are a few KiB).
 *
 * @example
 * ```ts
 * import { MAX_SDP_OFFER_BYTES } from 'steadycall';
 *
 * if (Number(request.headers.get('content-length') ?? 0) > MAX_SDP_OFFER_BYTES) {
 *   console.warn('SDP offer too large');
 * }
 * ```
 */
export const MAX_SDP_OFFER_BYTES = 64 * 1024;

/**
 * What the browser may send on a Live API WebRTC data channel by default: mute, unmute and hang
 * up. It may not rewrite the session (`session.update`, `session.instructions.append`) or start
 * paid backend work (`response.create`, `response.item.create`); the server decided those.
 *
 * @example
 * ```ts
 * import { DEFAULT_LIVE_DATA_CHANNEL_CLIENT_EVENTS, OpenAiBrowserSessions } from 'steadycall';
 *
 * const openai = new OpenAiBrowserSessions({
 *   apiKey: process.env.OPENAI_API_KEY ?? '',
 *   allowedDataChannelEvents: [...DEFAULT_LIVE_DATA_CHANNEL_CLIENT_EVENTS, 'session.commentary.append'],
 * });
 * ```
 */
export const DEFAULT_LIVE_DATA_CHANNEL_CLIENT_EVENTS: readonly string[] = Object.freeze([
  'session.input_audio.mute',
  'session.input_audio.unmute',
  'session.close',
]);

/**
 * Client-secret lifetime bounds of the Realtime API, in seconds.
 *
 * @example
 * ```ts
 * import { CLIENT_SECRET_TTL_BOUNDS } from 'steadycall';
 *
 * const { min, max } = CLIENT_SECRET_TTL_BOUNDS;
 * const expiresAfterSeconds = Math.min(max, Math.max(min, requestedSeconds));
 * ```
 */
export const CLIENT_SECRET_TTL_BOUNDS = {
  /** Shortest lifetime: 10 s. */
  min: 10,
  /** Longest lifetime: 7200 s (2 h). */
  max: 7200,
} as const;

const textEncoder = new TextEncoder();

/**
 * Checks a browser's SDP offer before it costs an upstream request: a non-empty string starting
 * with `v=0` (RFC 8866), at most {@link MAX_SDP_OFFER_BYTES} bytes.
 *
 * @param sdp - The offer, as received.
 * @param path - The issue path reported on failure.
 * @returns The offer, now known to be a string.
 * @throws {ValidationError} with one issue at `path` (HTTP 400).
 * @example
 * ```ts
 * import { validateSdpOffer } from 'steadycall';
 *
 * validateSdpOffer(await request.text()); // throws ValidationError on junk
 * ```
 */
export function validateSdpOffer(sdp: unknown, path = 'sdpOffer'): string {
  const fail = (message: string): never => {
    throw new ValidationError('Invalid SDP offer', [{ path, message }]);
  };
  if (typeof sdp !== 'string' || sdp.length === 0) return fail('must be a non-empty string');
  if (!sdp.startsWith('v=0')) return fail("must start with 'v=0'");
  // Characters first: a huge string is rejected without encoding it.
  if (sdp.length > MAX_SDP_OFFER_BYTES || textEncoder.encode(sdp).byteLength > MAX_SDP_OFFER_BYTES) {
    return fail(`must be at most ${MAX_SDP_OFFER_BYTES} bytes`);
  }
  return sdp;
}

const voiceSchema = z.string().min(1).max(64);
const instructionsSchema = z.string().max(32_000);
const metadataSchema = z
  .record(z.string().min(1).max(64), z.string().max(512))
  .refine((m) => Object.keys(m).length <= 16, 'at most 16 keys');

/** Input checks shared by both session kinds; throws one `ValidationError` listing every problem. */
export function validateSessionInput(input: {
  instructions?: unknown;
  voice?: unknown;
  metadata?: unknown;
  expiresAfterSeconds?: unknown;
}): void {
  const issues: ValidationIssue[] = [];
  const check = (path: string, schema: z.ZodType, value: unknown) => {
    if (value === undefined) return;
    const result = schema.safeParse(value);
    if (!result.success) issues.push({ path, message: result.error.issues[0]?.message ?? 'is invalid' });
  };
  check('instructions', instructionsSchema, input.instructions);
  check('voice', voiceSchema, input.voice);
  check('metadata', metadataSchema, input.metadata);
  check(
    'expiresAfterSeconds',
    z.number().int().min(CLIENT_SECRET_TTL_BOUNDS.min).max(CLIENT_SECRET_TTL_BOUNDS.max),
    input.expiresAfterSeconds,
  );
  if (issues.length > 0) throw new ValidationError('Invalid OpenAI session request', issues);
}

/**
 * Input of {@link buildLiveSessionRequest}.
 *
 * @example
 * ```ts
 * import { DEFAULT_LIVE_DATA_CHANNEL_CLIENT_EVENTS, type LiveSessionRequestInput } from 'steadycall';
 *
 * const input: LiveSessionRequestInput = {
 *   sdpOffer,
 *   model: 'gpt-live-1',
 *   voice: 'marin',
 *   allowedClientEvents: DEFAULT_LIVE_DATA_CHANNEL_CLIENT_EVENTS,
 * };
 * ```
 */
export interface LiveSessionRequestInput {
  /** The browser's SDP offer. */
  sdpOffer: string;
  /** The Live API model. */
  model: string;
  /** Session instructions; omitted from the body when empty. */
  instructions?: string | undefined;
  /** Output voice; omitted from the body when empty. */
  voice?: string | undefined;
  /** Client events the browser may send on the data channel. */
  allowedClientEvents: readonly string[];
  /** Server events forwarded to the browser; omitted = the API's default (all). */
  allowedServerEvents?: readonly string[] | undefined;
}

/**
 * The JSON body of `POST /v1/live/sessions`.
 *
 * @example
 * ```ts
 * import { buildLiveSessionRequest, type LiveSessionRequestBody } from 'steadycall';
 *
 * const body: LiveSessionRequestBody = buildLiveSessionRequest({ sdpOffer, model: 'gpt-live-1', allowedClientEvents: [] });
 * await fetch('https://api.openai.com/v1/live/sessions', {
 *   method: 'POST',
 *   headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
 *   body: JSON.stringify(body),
 * });
 * ```
 */
export interface LiveSessionRequestBody {
  /** The session's configuration. */
  session: {
    /** The Live API model. */
    model: string;
    /** Session instructions. */
    instructions?: string;
    /** Audio settings. */
    audio?: {
      /** Output audio settings. */
      output: {
        /** The model's voice. */
        voice: string;
      };
    };
    /** What the browser client may do. */
    client: {
      /** Data-channel restrictions. */
      data_channel: {
        /** Client event types the browser may send. */
        allowed_client_events: string[];
        /** Server event types forwarded to the browser; absent = all. */
        allowed_server_events?: {
          /** A server event type. */
          type: string;
        }[];
      };
    };
  };
  /** The WebRTC transport. */
  transport: {
    /** Always `'webrtc'`. */
    type: 'webrtc';
    /** The browser's SDP offer. */
    sdp: string;
  };
}

/**
 * Builds the Live API WebRTC session request: the session config plus the browser's SDP offer.
 *
 * @example
 * ```ts
 * import { buildLiveSessionRequest } from 'steadycall';
 *
 * const body = buildLiveSessionRequest({
 *   sdpOffer, model: 'gpt-live-1', voice: 'marin', allowedClientEvents: ['session.close'],
 * });
 * ```
 */
export function buildLiveSessionRequest(input: LiveSessionRequestInput): LiveSessionRequestBody {
  const dataChannel: LiveSessionRequestBody['session']['client']['data_channel'] = {
    allowed_client_events: [...input.allowedClientEvents],
  };
  if (input.allowedServerEvents !== undefined) {
    dataChannel.allowed_server_events = input.allowedServerEvents.map((type) => ({ type }));
  }
  return {
    session: {
      model: input.model,
      ...(input.instructions ? { instructions: input.instructions } : {}),
      ...(input.voice ? { audio: { output: { voice: input.voice } } } : {}),
      client: { data_channel: dataChannel },
    },
    transport: { type: 'webrtc', sdp: input.sdpOffer },
  };
}

/**
 * Input of {@link buildRealtimeClientSecretRequest}.
 *
 * @example
 * ```ts
 * import type { RealtimeClientSecretRequestInput } from 'steadycall';
 *
 * const input: RealtimeClientSecretRequestInput = { model: 'gpt-realtime-2', voice: 'marin', expiresAfterSeconds: 60 };
 * ```
 */
export interface RealtimeClientSecretRequestInput {
  /** The Realtime API model. */
  model: string;
  /** Session instructions; omitted from the body when empty. */
  instructions?: string | undefined;
  /** Output voice; omitted from the body when empty. */
  voice?: string | undefined;
  /** Lifetime of the secret in seconds. Default: OpenAI's (600 s). */
  expiresAfterSeconds?: number | undefined;
}

/**
 * The JSON body of `POST /v1/realtime/client_secrets`.
 *
 * @example
 * ```ts
 * import { buildRealtimeClientSecretRequest, type RealtimeClientSecretRequestBody } from 'steadycall';
 *
 * const body: RealtimeClientSecretRequestBody = buildRealtimeClientSecretRequest({ model: 'gpt-realtime-2' });
 * // { session: { type: 'realtime', model: 'gpt-realtime-2' } }
 * ```
 */
export interface RealtimeClientSecretRequestBody {
  /** When the secret expires; absent = OpenAI's default. */
  expires_after?: {
    /** Always `'created_at'`. */
    anchor: 'created_at';
    /** Seconds after creation. */
    seconds: number;
  };
  /** The session the secret is for. */
  session: {
    /** Always `'realtime'`. */
    type: 'realtime';
    /** The Realtime API model. */
    model: string;
    /** Session instructions. */
    instructions?: string;
    /** Audio settings. */
    audio?: {
      /** Output audio settings. */
      output: {
        /** The model's voice. */
        voice: string;
      };
    };
  };
}

/**
 * Builds the Realtime API client-secret request (GA shape: `session.type = 'realtime'`).
 *
 * @example
 * ```ts
 * import { buildRealtimeClientSecretRequest } from 'steadycall';
 *
 * const body = buildRealtimeClientSecretRequest({ model: 'gpt-realtime-2', expiresAfterSeconds: 60 });
 * ```
 */
export function buildRealtimeClientSecretRequest(
  input: RealtimeClientSecretRequestInput,
): RealtimeClientSecretRequestBody {
  return {
    ...(input.expiresAfterSeconds === undefined
      ? {}
      : { expires_after: { anchor: 'created_at', seconds: input.expiresAfterSeconds } }),
    session: {
      type: 'realtime',
      model: input.model,
      ...(input.instructions ? { instructions: input.instructions } : {}),
      ...(input.voice ? { audio: { output: { voice: input.voice } } } : {}),
    },
  };
}

/** `POST /v1/live/sessions` answer. `expires_at` is not in the reference; read if present. */
export const liveSessionResponseSchema = z.object({
  session: z.object({ id: z.string().min(1).max(512), expires_at: z.number().int().positive().optional() }),
  transport: z.object({ type: z.literal('webrtc').optional(), sdp: z.string().min(1) }),
});

/** `POST /v1/realtime/client_secrets` answer. */
export const clientSecretResponseSchema = z.object({
  value: z.string().min(1),
  expires_at: z.number().int().positive(),
  session: z.object({ model: z.string().min(1).optional() }).optional(),
});

/** `GET /v1/models/{model}` answer. */
export const modelResponseSchema = z.object({ id: z.string().min(1) });

/** OpenAI's error body: `{ error: { message, type, code, param } }`. */
export const openAiErrorBodySchema = z.object({
  error: z.object({
    message: z.string().nullish(),
    type: z.string().nullish(),
    code: z.union([z.string(), z.number()]).nullish(),
    param: z.string().nullish(),
  }),
});
