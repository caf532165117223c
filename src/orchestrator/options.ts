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

/** Paths of the webhook endpoints, as Twilio reaches them below `publicBaseUrl`. */
export interface EndpointPaths {
  voice: string;
  status: string;
  mediaStream: string;
}

export const defaultEndpointPaths: EndpointPaths = {
  voice: '/twilio-voice',
  status: '/twilio-status',
  mediaStream: '/media-stream',
};

/** Options of {@link CallOrchestrator}. Every dependency is injectable; only `stores` and `publicBaseUrl` are required. */
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
  paths?: Partial<EndpointPaths>;
  twilio?: {
    telephony: TelephonyProvider;
    /** Current (and, while rotating, previous) auth tokens for signature validation. */
    authTokens: string | readonly string[];
    /** Default caller id for outbound calls and SMS. */
    defaultFrom?: string;
  };
  openai?: {
    apiKey: string;
    browserSessions?: OpenAiBrowserSessions;
  };
  gemini?: { apiKey: string };
  /** Secret shared by every instance for per-call media-stream tokens (>= 16 chars). */
  streamTokenSecret: string;
  /** What callers hear when no AI provider can take the call. */
  fallback?: { message?: string; dialTo?: string; voice?: string };
  /** Extra health checks (Twilio, OpenAI, Gemini and the store are built in). */
  healthChecks?: HealthCheck[];
  /** Extra user flags, next to the runbook's. */
  flags?: FlagDefinitions;
  breakerPolicy?: Partial<BreakerPolicy>;
  /** Per-request time budget of provider calls. Default 10 000 ms. */
  providerTimeoutMs?: number;
  /** Called once per alert across all instances (circuit open, failure_count > 10, critical incident). */
  onAlert?: AlertHook;
  clock?: Clock;
  ids?: IdGenerator;
  logger?: Logger;
  fetch?: typeof fetch;
  /**
   * Realtime sessions opened ahead of time: when set, the voice webhook starts connecting the
   * chosen model while Twilio fetches the TwiML, so it is warm when the caller speaks.
   */
  warmSessions?: WarmSessions;
  /** Reported by the public health check. */
  version?: string;
}
