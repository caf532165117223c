// The Express example on a loopback port against the fake Twilio, for the browser tests: like
// test/examples/harness.ts, plus a fetch that plays OpenAI's and Gemini's model-list endpoints
// (so health checks run offline and a provider can be made to fail) and a user flag.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium } from 'playwright-core';
import twilio from 'twilio';
import { z } from 'zod';
import { createApp, type Env, type ExampleApp } from '../../examples/express/app.js';
import { defineFlag, defineFlags, type Logger } from '../../src/index.js';
import { FAKE_AUTH_TOKEN, FakeTwilio } from '../../src/testing/index.js';
import { API_TOKEN, FROM, OPS_TOKEN, SkippableClock } from '../examples/harness.js';

export { API_TOKEN, OPS_TOKEN };

export const CHROMIUM = '/usr/bin/chromium';

/** A user flag with an object value: the console edits it as JSON. */
export const retryPolicyFlag = defineFlag({
  key: 'calls.retry_policy',
  schema: z.object({ attempts: z.number().int().min(1).max(5) }),
  defaultValue: { attempts: 2 },
  description: 'Outbound call retries',
});

export interface ConsoleHarness extends ExampleApp {
  fake: FakeTwilio;
  baseUrl: string;
  consoleUrl: string;
  clock: SkippableClock;
  logs: string[];
  /** Providers whose model-list endpoint answers 503 (health checks report them down). */
  down: Set<'openai' | 'gemini'>;
  api(path: string, init?: { method?: string; json?: unknown; token?: string }): Promise<Response>;
  /** POSTs a voice webhook signed as Twilio would; resolves to the TwiML. */
  voiceWebhook(callSid: string): Promise<string>;
  close(): Promise<void>;
}

const MODEL_HOSTS: Record<string, 'openai' | 'gemini'> = {
  'api.openai.com': 'openai',
  'generativelanguage.googleapis.com': 'gemini',
};

export async function startConsoleHarness(options: { gemini?: boolean } = {}): Promise<ConsoleHarness> {
  const fake = await FakeTwilio.start();
  const server: Server = createServer();
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
  const down = new Set<'openai' | 'gemini'>();
  const providerFetch: typeof fetch = async (input) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const provider = MODEL_HOSTS[url.hostname];
    if (!provider) throw new TypeError(`offline test: no network to ${url.host}`);
    if (down.has(provider)) return Response.json({ error: { message: 'unavailable' } }, { status: 503 });
    return Response.json({ object: 'list', data: [] });
  };
  const env: Env = {
    PUBLIC_BASE_URL: baseUrl,
    STREAM_TOKEN_SECRET: 'stream-secret-0123456789abcdef',
    TWILIO_FROM_NUMBER: FROM,
    TWILIO_AUTH_TOKEN: FAKE_AUTH_TOKEN,
    OPS_TOKEN,
    API_TOKEN,
    BREAKER_FAILURES: '3',
    BREAKER_COOLDOWN_MS: '120000',
    PROVIDER_TIMEOUT_MS: '2000',
    // Model sockets point at a closed loopback port: calls here never get as far as audio.
    OPENAI_API_KEY: 'sk-test-console-0123456789',
    OPENAI_VOICE_URL: 'ws://127.0.0.1:9/v1/live/sessions',
    ...(options.gemini
      ? { GEMINI_API_KEY: 'gemini-test-console-0123456789', GEMINI_VOICE_URL: 'http://127.0.0.1:9' }
      : {}),
  };
  const built = createApp(env, {
    twilioClient: fake.client({ timeout: 2000 }),
    logger,
    clock,
    fetch: providerFetch,
    flags: defineFlags([retryPolicyFlag]),
    opsConsole: { refreshMs: 1000 },
  });
  server.on('request', built.app);
  const api: ConsoleHarness['api'] = (p, init = {}) =>
    fetch(`${baseUrl}${p}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${init.token ?? OPS_TOKEN}`,
        ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: init.json !== undefined ? JSON.stringify(init.json) : undefined,
    });
  const voiceWebhook = async (callSid: string) => {
    const url = `${baseUrl}/twilio-voice`;
    const params = {
      CallSid: callSid,
      AccountSid: `AC${'0'.repeat(31)}2`,
      From: '+14155550123',
      To: FROM,
      CallStatus: 'ringing',
      Direction: 'inbound',
    };
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(FAKE_AUTH_TOKEN, url, params),
      },
      body: new URLSearchParams(params),
    });
    if (res.status !== 200) throw new Error(`voice webhook answered ${res.status}`);
    return res.text();
  };
  return {
    ...built,
    fake,
    baseUrl,
    consoleUrl: `${baseUrl}/ops/console/`,
    clock,
    logs,
    down,
    api,
    voiceWebhook,
    async close() {
      await fake.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Debian's Chromium, headless, in a fresh temporary profile (playwright creates and removes it).
 * Missing locally: null (the caller skips); missing in CI: an error, so the browser tests never
 * pass by not running.
 */
export async function launchChromium(): Promise<Browser | null> {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium`);
    return null;
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
