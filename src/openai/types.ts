/** Public option, input and result types of `OpenAiBrowserSessions`. */

import type { Clock } from '../core/clock.js';
import type { SteadyCallErrorCode } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { GuardingBreaker } from '../telephony/provider.js';

/**
 * Options of `OpenAiBrowserSessions`.
 *
 * @example
 * ```ts
 * import { CircuitBreaker, createMemoryStores, OpenAiBrowserSessions, type OpenAiBrowserSessionsOptions } from 'steadycall';
 *
 * const stores = createMemoryStores();
 * const options: OpenAiBrowserSessionsOptions = {
 *   apiKey: process.env.OPENAI_API_KEY ?? '',
 *   breaker: new CircuitBreaker({ provider: 'openai', store: stores.providerStatus }),
 *   defaults: { voice: 'marin', instructions: 'You are a helpful assistant.' },
 * };
 * const openai = new OpenAiBrowserSessions(options);
 * ```
 */
export interface OpenAiBrowserSessionsOptions {
  /** Project API key. May be empty: requests then fail fast and `status()` says it is missing. */
  apiKey: string;
  /** Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Default `https://api.openai.com/v1`. */
  baseUrl?: string;
  /** Every request goes through `breaker.execute` (e.g. the `openai` CircuitBreaker). */
  breaker?: GuardingBreaker;
  /** Time budget per request in ms (response body included); 0 disables it. Default 10 000. */
  timeoutMs?: number;
  /** Session settings used when a request does not give its own. */
  defaults?: {
    /** Live API model. Default `gpt-live-1`. */
    liveModel?: string;
    /** Realtime API model. Default `gpt-realtime-2`. */
    realtimeModel?: string;
    /** Voice of every session. Default: none sent (OpenAI's default voice). */
    voice?: string;
    /** Instructions of every session. Default: none sent. */
    instructions?: string;
  };
  /** Client events the browser may send on the Live data channel. Default: mute, unmute, close. */
  allowedDataChannelEvents?: readonly string[];
  /** Server events forwarded to the browser's Live data channel. Default: the API's own (all). */
  allowedServerDataChannelEvents?: readonly string[];
  /** Receives redacted entries only. */
  logger?: Logger;
  /** Time source for `timeoutMs` and latency. Default: the system clock. */
  clock?: Clock;
}

/**
 * Per-request options.
 *
 * @example
 * ```ts
 * import type { OpenAiRequestOptions } from 'steadycall';
 *
 * const options: OpenAiRequestOptions = { signal: request.signal }; // stop when the browser goes away
 * const status = await openai.status(options);
 * ```
 */
export interface OpenAiRequestOptions {
  /** Aborting it aborts the request (rejects with the signal's reason, not counted by the breaker). */
  signal?: AbortSignal;
}

/**
 * Input of `OpenAiBrowserSessions.createLiveWebRtcSession`.
 *
 * @example
 * ```ts
 * import type { LiveWebRtcSessionInput } from 'steadycall';
 *
 * const input: LiveWebRtcSessionInput = { sdpOffer: await request.text(), voice: 'marin', metadata: { userId: 'u-7' } };
 * const { sdpAnswer } = await openai.createLiveWebRtcSession(input);
 * ```
 */
export interface LiveWebRtcSessionInput {
  /** The browser's SDP offer (`pc.localDescription.sdp`). */
  sdpOffer: string;
  /** Instructions for this session. Default: `defaults.instructions`. */
  instructions?: string;
  /** Voice for this session. Default: `defaults.voice`. */
  voice?: string;
  /** Logged (redacted) with the session id for correlation; the Live API has no metadata field. */
  metadata?: Record<string, string>;
}

/**
 * Result of `OpenAiBrowserSessions.createLiveWebRtcSession`.
 *
 * @example
 * ```ts
 * import type { LiveWebRtcSession } from 'steadycall';
 *
 * const session: LiveWebRtcSession = await openai.createLiveWebRtcSession({ sdpOffer });
 * const response = new Response(session.sdpAnswer, { headers: { 'content-type': 'application/sdp' } });
 * ```
 */
export interface LiveWebRtcSession {
  /** Apply as the peer connection's remote answer; then wait for `session.started`. */
  sdpAnswer: string;
  /** OpenAI's Live session id (for server-side controls and sideband connections). */
  sessionId?: string;
  /** Unix seconds, only when OpenAI reports one. */
  expiresAt?: number;
}

/**
 * Input of `OpenAiBrowserSessions.createRealtimeClientSecret`.
 *
 * @example
 * ```ts
 * import type { RealtimeClientSecretInput } from 'steadycall';
 *
 * const input: RealtimeClientSecretInput = { voice: 'marin', expiresAfterSeconds: 60 };
 * const { clientSecret } = await openai.createRealtimeClientSecret(input);
 * ```
 */
export interface RealtimeClientSecretInput {
  /** Instructions for the session. Default: `defaults.instructions`. */
  instructions?: string;
  /** Voice for the session. Default: `defaults.voice`. */
  voice?: string;
  /** Lifetime of the secret, 10..7200 s. Default: OpenAI's (600 s). */
  expiresAfterSeconds?: number;
}

/**
 * Result of `OpenAiBrowserSessions.createRealtimeClientSecret`.
 *
 * @example
 * ```ts
 * import type { RealtimeClientSecret } from 'steadycall';
 *
 * const secret: RealtimeClientSecret = await openai.createRealtimeClientSecret({});
 * const body = { token: secret.clientSecret, expiresAt: secret.expiresAt, model: secret.model };
 * ```
 */
export interface RealtimeClientSecret {
  /** Ephemeral key (`ek_...`) for the browser's `Authorization: Bearer` header. */
  clientSecret: string;
  /** Unix seconds. */
  expiresAt: number;
  /** The Realtime model the secret is for. */
  model: string;
}

/**
 * Result of `OpenAiBrowserSessions.status`; never contains a secret.
 *
 * @example
 * ```ts
 * import type { OpenAiRealtimeStatus } from 'steadycall';
 *
 * const status: OpenAiRealtimeStatus = await openai.status();
 * if (!status.available) console.warn(`OpenAI unavailable: ${status.error?.code} ${status.error?.message}`);
 * ```
 */
export interface OpenAiRealtimeStatus {
  /** True when the model could be fetched. */
  available: boolean;
  /** True when an API key is set (false: nothing was requested). */
  apiKeyConfigured: boolean;
  /** The model whose availability was checked (the Realtime model). */
  model: string;
  /** ISO time of the check. */
  checkedAt: string;
  /** How long the check took, in ms (absent when no request was made). */
  latencyMs?: number;
  /** Why it is unavailable. */
  error?: {
    /** The steadycall error code, e.g. `provider_error` or `circuit_open`. */
    code: SteadyCallErrorCode;
    /** A redacted description. */
    message: string;
    /** Whether trying again may help. */
    retryable: boolean;
    /** OpenAI's HTTP status, when it answered. */
    status?: number;
  };
}
