// Shared by every function: ONE steadycall orchestrator per isolate, built on the first request
// from Deno.env (Supabase secrets) and reused by every later request the isolate serves. All state
// that must survive the isolate (breakers, idempotency keys, calls, flags, incidents) lives in
// PostgreSQL, so any number of isolates agree. Secrets are read from the environment only and never
// logged: the orchestrator's logger redacts them, and configuration errors name variables, not values.
import {
  CallOrchestrator,
  consoleLogger,
  createHandlers,
  errorResponse,
  type Handler,
  isSteadyCallError,
  type Logger,
  OpenAiBrowserSessions,
  SteadyCallError,
  type SteadyCallHandlers,
  silentLogger,
  TwilioRestAdapter,
} from 'steadycall';
import { createPostgresStores, type PostgresStores } from 'steadycall/postgres';
// `postgres` and `twilio` are optional peer dependencies of steadycall: importing them here puts
// them in the function's module graph (and bundle), so steadycall's imports of them resolve.
import 'postgres';
import twilio from 'twilio';
import { loopbackHttpClient, twilioApiBaseUrl } from './twilio-test-seam.ts';

/** The runbook's endpoints, one Supabase function each. */
export type EndpointName =
  | 'callsStart'
  | 'twilioVoice'
  | 'twilioStatus'
  | 'openaiRealtimeSession'
  | 'openaiRealtimeStatus'
  | 'opsHealthRun'
  | 'healthCheck';

type Env = (name: string) => string | undefined;

export interface SteadyCall {
  orchestrator: CallOrchestrator;
  handlers: SteadyCallHandlers;
  stores: PostgresStores;
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** An error about the function's configuration: names the variable, never shows a value. */
class ConfigError extends Error {}

function required(env: Env, name: string): string {
  const value = env(name);
  if (!value)
    throw new ConfigError(`Missing environment variable ${name} (see supabase/functions/.env.example)`);
  return value;
}

function positiveNumber(env: Env, name: string, fallback: number): number {
  const raw = env(name);
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new ConfigError(`${name} must be a number >= 0`);
  return value;
}

export function createLogger(env: Env): Logger {
  const level = env('LOG_LEVEL') || 'info';
  if (level === 'silent') return silentLogger;
  return consoleLogger((LEVELS as readonly string[]).includes(level) ? (level as 'info') : 'info');
}

/**
 * Builds the orchestrator and its handlers from the environment. Exported for tests and for users
 * who want one function that routes every endpoint: `createRouter((await build(env)).handlers)`.
 */
export async function build(rawEnv: Env, logger: Logger = createLogger(rawEnv)): Promise<SteadyCall> {
  // An empty variable (e.g. an unfilled line of .env) counts as unset.
  const env: Env = (name) => rawEnv(name) || undefined;
  // SUPABASE_DB_URL is set for every hosted function; DATABASE_URL overrides it (e.g. the pooler).
  const databaseUrl = env('DATABASE_URL') ?? env('SUPABASE_DB_URL');
  if (!databaseUrl) throw new ConfigError('Missing environment variable SUPABASE_DB_URL or DATABASE_URL');
  // https://<ref>.supabase.co/functions/v1 unless you front the functions with another domain.
  const supabaseUrl = env('SUPABASE_URL');
  const publicBaseUrl =
    env('PUBLIC_BASE_URL') ?? (supabaseUrl ? `${supabaseUrl.replace(/\/+$/, '')}/functions/v1` : undefined);
  if (!publicBaseUrl) throw new ConfigError('Missing environment variable PUBLIC_BASE_URL');
  const streamTokenSecret = required(env, 'STREAM_TOKEN_SECRET');
  const providerTimeoutMs = positiveNumber(env, 'PROVIDER_TIMEOUT_MS', 10_000);

  let twilioOptions: ConstructorParameters<typeof CallOrchestrator>[0]['twilio'];
  const accountSid = env('TWILIO_ACCOUNT_SID');
  const authToken = env('TWILIO_AUTH_TOKEN');
  if (accountSid && authToken) {
    let fakeBase: string | null;
    try {
      fakeBase = twilioApiBaseUrl(env('TWILIO_API_BASE_URL'));
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
    if (fakeBase)
      logger.warn({ baseUrl: fakeBase }, 'TWILIO_API_BASE_URL is set: Twilio REST goes to a test double');
    const client = twilio(accountSid, authToken, {
      ...(providerTimeoutMs > 0 ? { timeout: providerTimeoutMs } : {}),
      ...(fakeBase ? { httpClient: loopbackHttpClient(fakeBase, providerTimeoutMs) } : {}),
    });
    twilioOptions = {
      telephony: new TwilioRestAdapter({ client, timeoutMs: providerTimeoutMs, logger }),
      // A comma-separated list lets you rotate the auth token without dropping webhooks.
      authTokens: [authToken, ...list(env('TWILIO_PREVIOUS_AUTH_TOKENS'))],
      defaultFrom: env('TWILIO_FROM_NUMBER'),
    };
  }

  const mediaStreamUrl = env('MEDIA_STREAM_URL');
  if (!mediaStreamUrl) {
    logger.warn(
      {},
      'MEDIA_STREAM_URL is not set: TwiML will point at <PUBLIC_BASE_URL>/media-stream, which no Supabase ' +
        'function serves. Run the media-stream bridge on a long-lived host and set MEDIA_STREAM_URL to it.',
    );
  }

  const stores = await createPostgresStores({
    url: databaseUrl,
    // A few connections per isolate: many isolates may run at once.
    max: Math.max(1, positiveNumber(env, 'DB_POOL_MAX', 3)),
  });
  const openaiKey = env('OPENAI_API_KEY');
  const orchestrator = new CallOrchestrator({
    stores,
    publicBaseUrl,
    mediaStreamUrl,
    streamTokenSecret,
    twilio: twilioOptions,
    openai: openaiKey
      ? { apiKey: openaiKey, browserSessions: new OpenAiBrowserSessions({ apiKey: openaiKey, logger }) }
      : undefined,
    gemini: env('GEMINI_API_KEY') ? { apiKey: env('GEMINI_API_KEY')! } : undefined,
    fallback: { message: env('FALLBACK_MESSAGE'), dialTo: env('FALLBACK_DIAL_TO') },
    breakerPolicy: {
      ...(env('BREAKER_FAILURES') ? { consecutiveFailures: positiveNumber(env, 'BREAKER_FAILURES', 5) } : {}),
      ...(env('BREAKER_COOLDOWN_MS')
        ? { baseCooldownMs: positiveNumber(env, 'BREAKER_COOLDOWN_MS', 0) }
        : {}),
    },
    providerTimeoutMs,
    logger,
    version: env('APP_VERSION'),
    onAlert: (alert) => logger.error({ alert: alert.condition, provider: alert.provider }, alert.message),
  });
  // On Supabase each function is reached at <PUBLIC_BASE_URL>/<function-name> and sees the path
  // /<function-name>: the gateway strips /functions/v1, so no mountPath is needed to rebuild the
  // URL Twilio signed.
  const handlers = createHandlers(orchestrator, {
    opsTokens: list(env('OPS_TOKEN')),
    apiTokens: list(env('API_TOKEN')),
    maxBodyBytes: env('MAX_BODY_BYTES') ? positiveNumber(env, 'MAX_BODY_BYTES', 131_072) : undefined,
    logger,
  });
  return { orchestrator, handlers, stores };
}

const denoEnv: Env = (name) => Deno.env.get(name);
const logger = createLogger(denoEnv);
let instance: Promise<SteadyCall> | undefined;

/** This isolate's steadycall, built on first use. A failed build is retried by the next request. */
export function steadycall(): Promise<SteadyCall> {
  instance ??= build(denoEnv, logger).catch((error: unknown) => {
    instance = undefined;
    throw error;
  });
  return instance;
}

function lazy(name: EndpointName): Handler {
  return async (request) => {
    let app: SteadyCall;
    try {
      app = await steadycall();
    } catch (error) {
      // Our messages name a variable at most, and steadycall's errors never carry a secret; anything
      // else (it could quote a connection string) is reported by its name only. The response says
      // nothing about the configuration.
      const message =
        error instanceof ConfigError || isSteadyCallError(error)
          ? error.message
          : `steadycall could not start (${error instanceof Error ? error.name : typeof error})`;
      logger.error({ endpoint: name, error: message }, 'function is misconfigured');
      return errorResponse(new SteadyCallError('internal', 'The function is misconfigured; see its logs'));
    }
    return app.handlers[name](request);
  };
}

/** One handler per runbook endpoint: `Deno.serve(handlers.twilioVoice)`. */
export const handlers: Readonly<Record<EndpointName, Handler>> = {
  callsStart: lazy('callsStart'),
  twilioVoice: lazy('twilioVoice'),
  twilioStatus: lazy('twilioStatus'),
  openaiRealtimeSession: lazy('openaiRealtimeSession'),
  openaiRealtimeStatus: lazy('openaiRealtimeStatus'),
  opsHealthRun: lazy('opsHealthRun'),
  healthCheck: lazy('healthCheck'),
};
