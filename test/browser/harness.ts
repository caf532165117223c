// The Express example on a loopback port against the fake Twilio, for the browser tests:
// test/examples/harness.ts, plus a fetch that plays OpenAI's and Gemini's model-list endpoints
// (so health checks run offline and a provider can be made to fail) and a user flag.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import twilio from 'twilio';
import { z } from 'zod';
import { defineFlag, defineFlags } from '../../src/index.js';
import { FAKE_AUTH_TOKEN } from '../../src/testing/index.js';
import { API_TOKEN, FROM, type Harness, OPS_TOKEN, startHarness } from '../examples/harness.js';

export { API_TOKEN, OPS_TOKEN };

export const CHROMIUM = '/usr/bin/chromium';

/** A user flag with an object value: the console edits it as JSON. */
export const retryPolicyFlag = defineFlag({
  key: 'calls.retry_policy',
  schema: z.object({ attempts: z.number().int().min(1).max(5) }),
  defaultValue: { attempts: 2 },
  description: 'Outbound call retries',
});

export interface ConsoleHarness extends Omit<Harness, 'api'> {
  consoleUrl: string;
  /** Providers whose model-list endpoint answers 503 (health checks report them down). */
  down: Set<'openai' | 'gemini'>;
  /** Like the examples harness's `api`, with the ops token by default. */
  api(path: string, init?: { method?: string; json?: unknown; token?: string }): Promise<Response>;
  /** POSTs a voice webhook signed as Twilio would; resolves to the TwiML. */
  voiceWebhook(callSid: string): Promise<string>;
}

const MODEL_HOSTS: Record<string, 'openai' | 'gemini'> = {
  'api.openai.com': 'openai',
  'generativelanguage.googleapis.com': 'gemini',
};

export async function startConsoleHarness(options: { gemini?: boolean } = {}): Promise<ConsoleHarness> {
  const down = new Set<'openai' | 'gemini'>();
  const providerFetch: typeof fetch = async (input) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const provider = MODEL_HOSTS[url.hostname];
    if (!provider) throw new TypeError(`offline test: no network to ${url.host}`);
    if (down.has(provider)) return Response.json({ error: { message: 'unavailable' } }, { status: 503 });
    return Response.json({ object: 'list', data: [] });
  };
  const h = await startHarness({
    env: {
      BREAKER_COOLDOWN_MS: '120000',
      ...(options.gemini
        ? { GEMINI_API_KEY: 'gemini-test-console-0123456789', GEMINI_VOICE_URL: 'http://127.0.0.1:9' }
        : {}),
    },
    overrides: {
      fetch: providerFetch,
      flags: defineFlags([retryPolicyFlag]),
      opsConsole: { refreshMs: 1000 },
    },
  });
  const voiceWebhook = async (callSid: string) => {
    const url = `${h.baseUrl}/twilio-voice`;
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
    ...h,
    consoleUrl: `${h.baseUrl}/ops/console/`,
    down,
    api: (path, init = {}) => h.api(path, { ...init, token: init.token ?? OPS_TOKEN }),
    voiceWebhook,
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
