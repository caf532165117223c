import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AppOverrides, createApp, type Env, type ExampleApp } from '../../examples/express/app.js';
import { type Clock, type Logger, systemClock } from '../../src/index.js';
import { FAKE_AUTH_TOKEN, FakeTwilio, type FakeTwilioOptions } from '../../src/testing/index.js';

/** Real time plus an offset the test can move forward: cooldowns pass without sleeping. */
export class SkippableClock implements Clock {
  offset = 0;
  now = () => systemClock.now() + this.offset;
  setTimeout = systemClock.setTimeout;
  clearTimeout = systemClock.clearTimeout;
  skip(ms: number): void {
    this.offset += ms;
  }
}

export const OPS_TOKEN = 'ops-token-0123456789abcdef';
export const API_TOKEN = 'api-token-0123456789abcdef';
export const FROM = '+15005550006';

export interface Harness extends ExampleApp {
  fake: FakeTwilio;
  baseUrl: string;
  clock: SkippableClock;
  server: Server;
  logs: string[];
  api(path: string, init?: RequestInit & { json?: unknown; token?: string | null }): Promise<Response>;
  close(): Promise<void>;
}

/** Boots the Express example on a loopback port against a FakeTwilio, as a user would run it. */
export async function startHarness(
  options: { env?: Env; fake?: FakeTwilioOptions; twilio?: boolean; overrides?: Partial<AppOverrides> } = {},
): Promise<Harness> {
  const fake = await FakeTwilio.start(options.fake);
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clock = new SkippableClock();
  const logs: string[] = [];
  const capture =
    (level: string) =>
    (...args: unknown[]) => {
      logs.push(`${level} ${JSON.stringify(args)}`);
    };
  const logger: Logger = {
    debug: capture('debug'),
    info: capture('info'),
    warn: capture('warn'),
    error: capture('error'),
  };
  const env: Env = {
    PUBLIC_BASE_URL: baseUrl,
    STREAM_TOKEN_SECRET: 'stream-secret-0123456789abcdef',
    TWILIO_FROM_NUMBER: FROM,
    OPS_TOKEN,
    API_TOKEN,
    BREAKER_FAILURES: '3',
    BREAKER_COOLDOWN_MS: '30000',
    PROVIDER_TIMEOUT_MS: '2000',
    // OpenAI is configured (its voice socket, a closed loopback port, is never reached here);
    // Gemini is not, so provider choice skips it.
    OPENAI_API_KEY: 'sk-test-harness-0123456789',
    OPENAI_VOICE_URL: 'ws://127.0.0.1:9/v1/live/sessions',
    ...(options.twilio === false ? {} : { TWILIO_AUTH_TOKEN: FAKE_AUTH_TOKEN }),
    ...options.env,
  };
  const built = createApp(env, {
    twilioClient: options.twilio === false ? undefined : fake.client({ timeout: 2000 }),
    logger,
    clock,
    ...options.overrides,
  });
  server.on('request', built.app);
  const api: Harness['api'] = (path, init = {}) => {
    const headers = new Headers(init.headers);
    const token = init.token === undefined ? API_TOKEN : init.token;
    if (token) headers.set('authorization', `Bearer ${token}`);
    if (init.json !== undefined) headers.set('content-type', 'application/json');
    return fetch(`${baseUrl}${path}`, {
      ...init,
      headers,
      body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
    });
  };
  return {
    ...built,
    fake,
    baseUrl,
    clock,
    server,
    logs,
    api,
    async close() {
      await fake.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
