// The steadycall Express example: every runbook endpoint on one Express 5 server, configured from
// the environment (see .env.example), in-memory stores by default. Uses only the package's public
// entry points.
import type { Server } from 'node:http';
import express, { type Express } from 'express';
import {
  CallOrchestrator,
  type Clock,
  consoleLogger,
  createMemoryStores,
  type FlagDefinitions,
  type Logger,
  OpenAiBrowserSessions,
  type OpsConsoleOptions,
  realtimeSessionFactory,
  type SteadyCallStores,
  silentLogger,
  TwilioRestAdapter,
  WarmSessions,
} from 'steadycall';
import { opsConsole, steadycallRouter } from 'steadycall/express';
import {
  attachMediaStreams,
  type MediaStreamOptions,
  type MediaStreamServer,
  wsSocketFactory,
} from 'steadycall/node';
import { createPostgresStores } from 'steadycall/postgres';
import type { Twilio } from 'twilio';

export type Env = Record<string, string | undefined>;

/** Seams the tests and the demo use; a production server passes none. */
export interface AppOverrides {
  /** An official Twilio client (e.g. pointed at `steadycall/testing`'s FakeTwilio). */
  twilioClient?: Twilio;
  stores?: SteadyCallStores;
  fetch?: typeof fetch;
  logger?: Logger;
  clock?: Clock;
  /** Flags of your own, next to the runbook's (editable in the ops console). */
  flags?: FlagDefinitions;
  /** Options of the ops console (e.g. a faster refresh in browser tests). */
  opsConsole?: OpsConsoleOptions;
}

export interface ExampleApp {
  app: Express;
  orchestrator: CallOrchestrator;
  stores: SteadyCallStores;
  warmSessions: WarmSessions;
  /** Serves Twilio media streams (the audio bridge) on the server the app listens on. */
  attachMedia(server: Server, options?: Partial<MediaStreamOptions>): MediaStreamServer;
}

function required(env: Env, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`Missing environment variable ${name} (see examples/express/.env.example)`);
  return value;
}

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

// A variable copied from .env.example with no value (`MEDIA_STREAM_URL=`) means "unset", not "".
const withoutEmpty = (env: Env): Env =>
  Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));

function numberVar(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(
      `Environment variable ${name} must be a non-negative number (see examples/express/.env.example)`,
    );
  }
  return value;
}

/** Builds the Express app from environment variables. */
export function createApp(rawEnv: Env = process.env, overrides: AppOverrides = {}): ExampleApp {
  const env = withoutEmpty(rawEnv);
  const logger =
    overrides.logger ??
    (env.LOG_LEVEL === 'silent' ? silentLogger : consoleLogger((env.LOG_LEVEL as 'info') ?? 'info'));
  const stores = overrides.stores ?? createMemoryStores();
  const accountSid = env.TWILIO_ACCOUNT_SID;
  const authToken = env.TWILIO_AUTH_TOKEN;
  const providerTimeoutMs = numberVar(env, 'PROVIDER_TIMEOUT_MS', 10_000);

  let twilio: ConstructorParameters<typeof CallOrchestrator>[0]['twilio'];
  if (authToken && (overrides.twilioClient || accountSid)) {
    const telephony = overrides.twilioClient
      ? new TwilioRestAdapter({ client: overrides.twilioClient, timeoutMs: providerTimeoutMs, logger })
      : TwilioRestAdapter.fromCredentials({
          accountSid: accountSid!,
          authToken,
          timeoutMs: providerTimeoutMs,
          logger,
        });
    twilio = {
      telephony,
      // A comma-separated list lets you rotate the auth token without dropping webhooks.
      authTokens: [authToken, ...list(env.TWILIO_PREVIOUS_AUTH_TOKENS)],
      defaultFrom: env.TWILIO_FROM_NUMBER,
    };
  }
  const openaiKey = env.OPENAI_API_KEY;
  // The model sessions of live calls: opened while Twilio fetches the TwiML (warm), then bridged.
  const warmSessions = new WarmSessions({
    logger,
    clock: overrides.clock,
    factory: realtimeSessionFactory({
      socketFactory: wsSocketFactory(),
      logger,
      clock: overrides.clock,
      config: {
        instructions: env.AGENT_INSTRUCTIONS ?? 'You are a helpful, concise phone assistant.',
        greeting: env.AGENT_GREETING,
        tools: [
          {
            name: 'hang_up',
            description: 'End the call politely.',
            parameters: { type: 'object', properties: {} },
          },
          {
            name: 'get_time',
            description: 'The current time (ISO 8601).',
            parameters: { type: 'object', properties: {} },
          },
        ],
      },
      gemini: env.GEMINI_API_KEY
        ? { apiKey: env.GEMINI_API_KEY, baseUrl: env.GEMINI_VOICE_URL || undefined }
        : undefined,
      openai: openaiKey
        ? {
            apiKey: openaiKey,
            api: env.OPENAI_VOICE_API === 'realtime' ? 'realtime' : 'live',
            url: env.OPENAI_VOICE_URL || undefined,
          }
        : undefined,
    }),
  });
  const orchestrator = new CallOrchestrator({
    stores,
    publicBaseUrl: required(env, 'PUBLIC_BASE_URL'),
    mediaStreamUrl: env.MEDIA_STREAM_URL,
    streamTokenSecret: required(env, 'STREAM_TOKEN_SECRET'),
    twilio,
    openai: openaiKey
      ? {
          apiKey: openaiKey,
          browserSessions: new OpenAiBrowserSessions({ apiKey: openaiKey, fetch: overrides.fetch, logger }),
        }
      : undefined,
    gemini: env.GEMINI_API_KEY ? { apiKey: env.GEMINI_API_KEY } : undefined,
    fallback: { message: env.FALLBACK_MESSAGE, dialTo: env.FALLBACK_DIAL_TO },
    breakerPolicy: {
      ...(env.BREAKER_FAILURES ? { consecutiveFailures: numberVar(env, 'BREAKER_FAILURES', 0) } : {}),
      ...(env.BREAKER_COOLDOWN_MS ? { baseCooldownMs: numberVar(env, 'BREAKER_COOLDOWN_MS', 0) } : {}),
    },
    clock: overrides.clock,
    warmSessions,
    providerTimeoutMs,
    fetch: overrides.fetch,
    logger,
    version: env.APP_VERSION,
    flags: overrides.flags,
    onAlert: (alert) => logger.error({ alert: alert.condition, provider: alert.provider }, alert.message),
  });

  const app = express();
  app.disable('x-powered-by');
  app.use(
    '/',
    steadycallRouter(orchestrator, {
      opsTokens: list(env.OPS_TOKEN),
      apiTokens: list(env.API_TOKEN),
      maxBodyBytes: env.MAX_BODY_BYTES ? numberVar(env, 'MAX_BODY_BYTES', 0) : undefined,
      logger,
    }),
  );
  // The runbook's System Health page, at /ops/console/ (sign in with OPS_TOKEN).
  app.use('/', opsConsole(overrides.opsConsole));
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'Not found' } });
  });
  const attachMedia = (server: Server, options: Partial<MediaStreamOptions> = {}) =>
    attachMediaStreams(server, {
      orchestrator,
      sessions: warmSessions,
      logger,
      clock: overrides.clock,
      // hang_up is built in (ends the call through Twilio); get_time shows a tool of your own.
      bridge: { tools: { get_time: async () => ({ now: new Date().toISOString() }) } },
      ...options,
    });
  return { app, orchestrator, stores, warmSessions, attachMedia };
}

/**
 * Like {@link createApp}, but with PostgreSQL stores when `DATABASE_URL` is set (migrations applied
 * at start), so several instances share breakers, idempotency keys, flags, calls and incidents.
 */
export async function createAppFromEnv(
  env: Env = process.env,
  overrides: AppOverrides = {},
): Promise<ExampleApp & { close(): Promise<void> }> {
  if (!env.DATABASE_URL || overrides.stores) return { ...createApp(env, overrides), close: async () => {} };
  const stores = await createPostgresStores({ url: env.DATABASE_URL, migrate: true });
  return { ...createApp(env, { ...overrides, stores }), close: () => stores.close() };
}
