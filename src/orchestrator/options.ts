import type { BreakerPolicy } from '../breaker/types.js';
import type { Clock } from '../core/clock.js';
import type { IdGenerator } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { FlagDefinitions } from '../flags/define.js';
import type { HealthCheck } from '../health/types.js';
import type { AlertHook } from '../incidents/alerts.js';
import type { OpenAiBrowserSessions } from '../openai/browser-session.js';
import type { WarmSessions } from '../realtime/sessions.js';
import type { SteadyCallStores } from '../storage/memory/index.js';
import type { TelephonyProvider } from '../telephony/provider.js';

/**
 * Paths of the webhook endpoints, as Twilio reaches them below `publicBaseUrl`.
 *
 * @example
 * ```ts
 * import { CallOrchestrator, type EndpointPaths } from 'steadycall';
 *
 * const paths: EndpointPaths = { voice: '/hooks/voice', status: '/hooks/status', mediaStream: '/hooks/media' };
 * const orchestrator = new CallOrchestrator({ ...options, paths });
 * ```
 */
export interface EndpointPaths {
  /** The voice webhook (TwiML). Default `/twilio-voice`. */
  voice: string;
  /** The call status callback. Default `/twilio-status`. */
  status: string;
  /** The media-stream WebSocket endpoint. Default `/media-stream`. */
  mediaStream: string;
}

/**
 * The default {@link EndpointPaths}: `/twilio-voice`, `/twilio-status` and `/media-stream`.
 *
 * @example
 * ```ts
 * import { defaultEndpointPaths } from 'steadycall';
 *
 * const voiceUrl = `https://voice.example.com${defaultEndpointPaths.voice}`; // .../twilio-voice
 * ```
 */
export const defaultEndpointPaths: EndpointPaths = {
  voice: '/twilio-voice',
  status: '/twilio-status',
  mediaStream: '/media-stream',
};

/**
 * Options of {@link CallOrchestrator}. Every dependency is injectable; only `stores`, `publicBaseUrl`
 * and `streamTokenSecret` are required.
 *
 * @example
 * ```ts
 * import { type CallOrchestratorOptions, createMemoryStores, TwilioRestAdapter } from 'steadycall';
 *
 * const options: CallOrchestratorOptions = {
 *   stores: createMemoryStores(),
 *   publicBaseUrl: 'https://voice.example.com',
 *   streamTokenSecret: process.env.STREAM_TOKEN_SECRET!,
 *   twilio: {
 *     telephony: TwilioRestAdapter.fromCredentials({ accountSid: process.env.TWILIO_ACCOUNT_SID!, authToken: process.env.TWILIO_AUTH_TOKEN! }),
 *     authTokens: process.env.TWILIO_AUTH_TOKEN!,
 *   },
 *   fallback: { message: 'Please call back later.', dialTo: '+14155550199' },
 * };
 * ```
 */
export interface CallOrchestratorOptions {
  /** The five storage ports: `createMemoryStores()` or the PostgreSQL stores. */
  stores: SteadyCallStores;
  /**
   * The public HTTPS base URL Twilio reaches this app at (e.g. `https://voice.example.com` or
   * `https://<ref>.supabase.co/functions/v1`). Webhook signatures are checked against it, never
   * against `Host`.
   */
  publicBaseUrl: string;
  /** Override of the media-stream URL put in TwiML (default: `publicBaseUrl` as wss + paths.mediaStream). */
  mediaStreamUrl?: string;
  /** Overrides of the endpoint paths. Default {@link defaultEndpointPaths}. */
  paths?: Partial<EndpointPaths>;
  /** Twilio settings; without them calls, SMS and signature checks are unavailable. */
  twilio?: {
    /** Places calls, hangs up and sends SMS (e.g. a `TwilioRestAdapter`). */
    telephony: TelephonyProvider;
    /** Current (and, while rotating, previous) auth tokens for signature validation. */
    authTokens: string | readonly string[];
    /** Default caller id for outbound calls and SMS. */
    defaultFrom?: string;
  };
  /**
   * OpenAI settings: the key for health checks, and browser sessions. Without `warmSessions`, the
   * voice webhook chooses only among providers whose key is set here (when any is set).
   */
  openai?: {
    /** The OpenAI API key (redacted from logs). */
    apiKey: string;
    /** Serves `openai-realtime-session`; without it that endpoint is unavailable. */
    browserSessions?: OpenAiBrowserSessions;
  };
  /** Gemini settings, for health checks and, like `openai`, for which providers calls may use. */
  gemini?: {
    /** The Gemini API key (redacted from logs). */
    apiKey: string;
  };
  /** Secret shared by every instance for per-call media-stream tokens (>= 16 chars). */
  streamTokenSecret: string;
  /** What callers hear when no AI provider can take the call. */
  fallback?: {
    /** The spoken message. Default: "Sorry, our assistant is unavailable right now. Please try again later." */
    message?: string;
    /** E.164 number of a human to transfer to after the message. Default: none (hang up). */
    dialTo?: string;
    /** `<Say>` voice. Default: Twilio's default voice. */
    voice?: string;
  };
  /** Extra health checks (Twilio, OpenAI, Gemini and the store are built in). */
  healthChecks?: HealthCheck[];
  /** Extra user flags, next to the runbook's. */
  flags?: FlagDefinitions;
  /** Overrides of every provider breaker's policy. Default: `defaultBreakerPolicy`. */
  breakerPolicy?: Partial<BreakerPolicy>;
  /** Per-request time budget of provider calls. Default 10 000 ms. */
  providerTimeoutMs?: number;
  /** Called once per alert across all instances (circuit open, failure_count > 10, critical incident). */
  onAlert?: AlertHook;
  /** Time source for breakers, tokens, incidents and records. Default: the system clock. */
  clock?: Clock;
  /** Id generator for calls and breaker probes. Default: random UUIDs. */
  ids?: IdGenerator;
  /** Where the orchestrator logs (every configured secret redacted). Default: a silent logger. */
  logger?: Logger;
  /** `fetch` of the OpenAI and Gemini health checks. Default: `globalThis.fetch`. */
  fetch?: typeof fetch;
  /**
   * Realtime sessions opened ahead of time: when set, the voice webhook starts connecting the
   * chosen model while Twilio fetches the TwiML, so it is warm when the caller speaks.
   */
  warmSessions?: WarmSessions;
  /** Reported by the public health check. */
  version?: string;
}
