/** Public option, input and result types of `OpenAiBrowserSessions`. */

import type { Clock } from '../core/clock.js';
import type { SteadyCallErrorCode } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { GuardingBreaker } from '../telephony/provider.js';

/** Options of `OpenAiBrowserSessions`. */
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
  defaults?: {
    /** Live API model. Default `gpt-live-1`. */
    liveModel?: string;
    /** Realtime API model. Default `gpt-realtime-2`. */
    realtimeModel?: string;
    voice?: string;
    instructions?: string;
  };
  /** Client events the browser may send on the Live data channel. Default: mute, unmute, close. */
  allowedDataChannelEvents?: readonly string[];
  /** Server events forwarded to the browser's Live data channel. Default: the API's own (all). */
  allowedServerDataChannelEvents?: readonly string[];
  /** Receives redacted entries only. */
  logger?: Logger;
  clock?: Clock;
}

/** Per-request options. */
export interface OpenAiRequestOptions {
  /** Aborting it aborts the request (rejects with the signal's reason, not counted by the breaker). */
  signal?: AbortSignal;
}

/** Input of `OpenAiBrowserSessions.createLiveWebRtcSession`. */
export interface LiveWebRtcSessionInput {
  /** The browser's SDP offer (`pc.localDescription.sdp`). */
  sdpOffer: string;
  instructions?: string;
  voice?: string;
  /** Logged (redacted) with the session id for correlation; the Live API has no metadata field. */
  metadata?: Record<string, string>;
}

/** Result of `OpenAiBrowserSessions.createLiveWebRtcSession`. */
export interface LiveWebRtcSession {
  /** Apply as the peer connection's remote answer; then wait for `session.started`. */
  sdpAnswer: string;
  /** OpenAI's Live session id (for server-side controls and sideband connections). */
  sessionId?: string;
  /** Unix seconds, only when OpenAI reports one. */
  expiresAt?: number;
}

/** Input of `OpenAiBrowserSessions.createRealtimeClientSecret`. */
export interface RealtimeClientSecretInput {
  instructions?: string;
  voice?: string;
  /** Lifetime of the secret, 10..7200 s. Default: OpenAI's (600 s). */
  expiresAfterSeconds?: number;
}

/** Result of `OpenAiBrowserSessions.createRealtimeClientSecret`. */
export interface RealtimeClientSecret {
  /** Ephemeral key (`ek_...`) for the browser's `Authorization: Bearer` header. */
  clientSecret: string;
  /** Unix seconds. */
  expiresAt: number;
  model: string;
}

/** Result of `OpenAiBrowserSessions.status`; never contains a secret. */
export interface OpenAiRealtimeStatus {
  available: boolean;
  apiKeyConfigured: boolean;
  /** The model whose availability was checked (the Realtime model). */
  model: string;
  /** ISO time of the check. */
  checkedAt: string;
  latencyMs?: number;
  error?: { code: SteadyCallErrorCode; message: string; retryable: boolean; status?: number };
}
