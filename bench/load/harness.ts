// One load environment: the Express example on a loopback port (memory or PostgreSQL stores),
// the fake Twilio, fake OpenAI Realtime and Gemini Live servers behind fault-injecting proxies.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type ExampleApp } from '../../examples/express/app.js';
import { silentLogger } from '../../src/core/logger.js';
import type { BridgeSession, FailoverEvent } from '../../src/realtime/bridge.js';
import type { SteadyCallStores } from '../../src/storage/memory/index.js';
import {
  FAKE_AUTH_TOKEN,
  FAKE_OPENAI_API_KEY,
  FakeGeminiLiveServer,
  FakeOpenAIRealtimeServer,
  FakeTwilio,
} from '../../src/testing/index.js';
import { FaultProxy } from './fault-proxy.js';
import {
  flakyWebhooks,
  instrumentStores,
  recordTransitions,
  StatusLedger,
  type Transition,
  type WebhookFaultCounts,
} from './instrument.js';
import { type FaultRates, seededRng } from './plan.js';

export const API_TOKEN = 'load-api-token-0123456789';
export const FROM = '+15005550006';
/** Breaker settings of the app: short cooldowns so transitions happen within the run. */
export const BREAKER_FAILURES = 3;
export const BREAKER_COOLDOWN_MS = 400;
export const PROVIDER_TIMEOUT_MS = 1000;

/** What a bridge did, by the call it served. */
export interface BridgeRecord {
  endReason: string;
  failovers: FailoverEvent[];
  framesOut: number;
}

export interface Harness {
  baseUrl: string;
  fake: FakeTwilio;
  app: ExampleApp;
  /** The stores as the app uses them (instrumented). */
  stores: SteadyCallStores;
  ledger: StatusLedger;
  transitions: Transition[];
  proxies: { openai: FaultProxy; gemini: FaultProxy };
  webhookFaults: WebhookFaultCounts;
  bridges: Map<string, BridgeRecord>;
  /** Every Twilio `POST Calls.json` gets 503 for `ms`. */
  twilioOutage(ms: number): void;
  twilioOutages: { start: number; end: number }[];
  close(): Promise<void>;
}

export async function startHarness(options: {
  stores: SteadyCallStores;
  seed: number;
  rates: FaultRates;
}): Promise<Harness> {
  const { rates, seed } = options;
  const responseAudioMs = 400;
  const openaiModel = await FakeOpenAIRealtimeServer.start({
    apiKey: FAKE_OPENAI_API_KEY,
    responseAudioMs,
    accelerated: true,
    recordAudio: false,
  });
  const geminiModel = await FakeGeminiLiveServer.start({
    responseAudioMs,
    accelerated: true,
    recordAudio: false,
  });
  const proxyRates = {
    refuse: rates.modelRefuse,
    closeMidCall: rates.modelCloseMidCall,
    slow: rates.modelSlow,
  };
  const openai = await FaultProxy.start({
    targetPort: openaiModel.port,
    random: seededRng(seed * 7 + 1),
    rates: proxyRates,
  });
  const gemini = await FaultProxy.start({
    targetPort: geminiModel.port,
    random: seededRng(seed * 7 + 2),
    rates: proxyRates,
  });
  // autoProgress off: each call is played out with its own delivery options (simulateCall).
  const fake = await FakeTwilio.start({ autoProgress: false, seed });
  const twilioOutages: { start: number; end: number }[] = [];
  installTwilioFaults(fake, seededRng(seed * 7 + 4), rates, twilioOutages);
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ledger = new StatusLedger();
  const stores = instrumentStores(options.stores, ledger);
  const app = createApp(
    {
      PUBLIC_BASE_URL: baseUrl,
      STREAM_TOKEN_SECRET: 'load-stream-secret-0123456789abcdef',
      TWILIO_AUTH_TOKEN: FAKE_AUTH_TOKEN,
      TWILIO_FROM_NUMBER: FROM,
      OPENAI_API_KEY: FAKE_OPENAI_API_KEY,
      OPENAI_VOICE_API: 'realtime',
      OPENAI_VOICE_URL: `ws://127.0.0.1:${openai.port}/v1/realtime?model=gpt-realtime-2`,
      GEMINI_API_KEY: 'fake-gemini-key-0123456789',
      GEMINI_VOICE_URL: `http://127.0.0.1:${gemini.port}`,
      API_TOKEN,
      OPS_TOKEN: 'load-ops-token-0123456789',
      BREAKER_FAILURES: String(BREAKER_FAILURES),
      BREAKER_COOLDOWN_MS: String(BREAKER_COOLDOWN_MS),
      PROVIDER_TIMEOUT_MS: String(PROVIDER_TIMEOUT_MS),
      LOG_LEVEL: 'silent',
    },
    { twilioClient: fake.client({ timeout: PROVIDER_TIMEOUT_MS + 500 }), stores, logger: silentLogger },
  );
  const transitions = recordTransitions(app.orchestrator, ['twilio', 'openai', 'gemini']);
  const webhookFaults: WebhookFaultCounts = { rejected503: 0, droppedAfterHandling: 0, statusRequests: 0 };
  server.on(
    'request',
    flakyWebhooks(
      app.app,
      seededRng(seed * 7 + 3),
      { reject503: rates.webhook503, dropAfter: rates.webhookDropAfter },
      webhookFaults,
    ),
  );
  const bridges = new Map<string, BridgeRecord>();
  const media = app.attachMedia(server, {
    maxConnections: 1000,
    onBridge: (bridge: BridgeSession) => {
      const failovers: FailoverEvent[] = [];
      bridge.onFailover((f) => failovers.push(f));
      void bridge.done.then((endReason) => {
        const callId = bridge.start?.customParameters.callId;
        if (callId) bridges.set(callId, { endReason, failovers, framesOut: bridge.stats.framesOut });
      });
    },
  });
  return {
    baseUrl,
    fake,
    app,
    stores,
    ledger,
    transitions,
    proxies: { openai, gemini },
    webhookFaults,
    bridges,
    twilioOutage(ms) {
      const now = Date.now();
      const last = twilioOutages.at(-1);
      if (last && last.end > now) last.end = Math.max(last.end, now + ms);
      else twilioOutages.push({ start: now, end: now + ms });
    },
    twilioOutages,
    async close() {
      await media.close();
      await app.warmSessions.closeAll();
      await fake.close();
      await openai.close();
      await gemini.close();
      await openaiModel.close();
      await geminiModel.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const isCreate = (r: { method: string; path: string }) =>
  r.method === 'POST' && r.path.endsWith('/Calls.json');

/**
 * Twilio REST faults decided per request (matchers run in order, each drawing from the seeded RNG
 * only when reached): an outage window first, then random timeouts and 5xx.
 */
function installTwilioFaults(
  fake: FakeTwilio,
  random: () => number,
  rates: FaultRates,
  outages: readonly { start: number; end: number }[],
): void {
  const inOutage = () => {
    const last = outages.at(-1);
    return last !== undefined && Date.now() < last.end;
  };
  fake.faults.failAll({ status: 503, match: (r) => isCreate(r) && inOutage() });
  fake.faults.hangAll({ match: (r) => isCreate(r) && random() < rates.twilioTimeout });
  fake.faults.failAll({ status: 500, match: (r) => isCreate(r) && random() < rates.twilio5xx / 2 });
  fake.faults.failAll({ status: 503, match: (r) => isCreate(r) && random() < rates.twilio5xx / 2 });
}
