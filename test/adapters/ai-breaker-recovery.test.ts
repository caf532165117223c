// The openai/gemini breakers driven by call traffic: every model handshake of a call goes through
// its provider's breaker (prewarm at the voice webhook, the media stream's take, reconnects and
// failovers), so an AI circuit opens, refuses, probes and closes like the twilio one. Real loopback
// sockets to the fake model servers; the orchestrator (breakers, tokens) runs on a FakeClock.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attachMediaStreams, type MediaStreamServer } from '../../src/adapters/node.js';
import { FakeClock } from '../../src/core/clock.js';
import type { AiProvider } from '../../src/core/types.js';
import { CallOrchestrator } from '../../src/orchestrator/orchestrator.js';
import { wsSocketFactory } from '../../src/realtime/providers/ws-socket.js';
import { realtimeSessionFactory, WarmSessions } from '../../src/realtime/sessions.js';
import { createMemoryStores } from '../../src/storage/memory/index.js';
import type { TelephonyProvider } from '../../src/telephony/provider.js';
import { voiceWebhookSchema } from '../../src/telephony/webhooks.js';
import {
  FAKE_AUTH_TOKEN,
  FAKE_OPENAI_API_KEY,
  FakeGeminiLiveServer,
  FakeOpenAIRealtimeServer,
  FakeTwilioMediaClient,
} from '../../src/testing/index.js';

const T0 = 1_700_000_000_000;
const COOLDOWN_MS = 30_000;
const sid = (prefix: string, n: number) => `${prefix}${n.toString(16).padStart(32, '0')}`;
const silence = () => new Uint8Array(1600).fill(0x7f);

const telephony: TelephonyProvider = {
  createCall: async () => ({ callSid: sid('CA', 999), status: 'queued' }),
  hangUp: async () => {},
  redirect: async () => {},
  sendSms: async () => ({ messageSid: 'SM1', status: 'queued' }),
  fetchAccount: async () => ({ accountSid: 'AC1', status: 'active' }),
};

describe('AI provider breakers driven by the calls themselves', () => {
  let openai: FakeOpenAIRealtimeServer;
  let gemini: FakeGeminiLiveServer;
  let server: Server;
  let sessions: WarmSessions;
  let orchestrator: CallOrchestrator;
  let media: MediaStreamServer;
  let clock: FakeClock;
  let streamUrl: string;
  let transitions: string[];
  let clients: FakeTwilioMediaClient[];

  beforeEach(async () => {
    openai = await FakeOpenAIRealtimeServer.start({ apiKey: FAKE_OPENAI_API_KEY, recordAudio: false });
    gemini = await FakeGeminiLiveServer.start({ recordAudio: false });
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    streamUrl = `${base.replace('http', 'ws')}/media-stream`;
    // The sessions' handshake timers run on real time; only the breakers' clock is controlled.
    sessions = new WarmSessions({
      factory: realtimeSessionFactory({
        socketFactory: wsSocketFactory(),
        openai: { apiKey: FAKE_OPENAI_API_KEY, api: 'realtime', url: openai.url },
        gemini: { apiKey: 'fake-gemini-key-0123456789', baseUrl: gemini.baseUrl },
      }),
    });
    clock = new FakeClock(T0);
    orchestrator = new CallOrchestrator({
      stores: createMemoryStores(),
      publicBaseUrl: base,
      streamTokenSecret: 'stream-secret-0123456789abcdef',
      twilio: { telephony, authTokens: FAKE_AUTH_TOKEN },
      warmSessions: sessions,
      clock,
      // Two failures open the circuit; no jitter, so cooldowns are exact multiples of the base.
      breakerPolicy: {
        consecutiveFailures: 2,
        failureRateThreshold: 0,
        baseCooldownMs: COOLDOWN_MS,
        jitter: 0,
      },
    });
    await orchestrator.flags.set('ai.provider.preferred', 'openai');
    transitions = [];
    orchestrator.breaker('openai').onStateChange((e) => transitions.push(`${e.from} -> ${e.to}`));
    media = attachMediaStreams(server, { orchestrator, sessions });
    clients = [];
  });

  afterEach(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await media.close();
    await sessions.closeAll();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await openai.close();
    await gemini.close();
  });

  /** An inbound call: the voice webhook chooses (and prewarms), then Twilio's media stream starts. */
  async function call(n: number, streamAs?: AiProvider) {
    const voice = await orchestrator.handleVoiceWebhook(
      voiceWebhookSchema.parse({
        CallSid: sid('CA', n),
        AccountSid: sid('AC', 1),
        From: '+14155550123',
        To: '+14155550100',
        CallStatus: 'ringing',
        Direction: 'inbound',
      }),
    );
    const parameters = Object.fromEntries(
      [...voice.twiml.matchAll(/<Parameter name="([^"]+)" value="([^"]*)"\/>/g)].map((m) => [m[1], m[2]]),
    ) as Record<string, string>;
    if (streamAs) {
      // TwiML served while the provider still looked fine (here or on another instance).
      parameters.provider = streamAs;
      parameters.token = await orchestrator.streamTokens.mint(
        { callId: voice.callId, provider: streamAs },
        orchestrator.now(),
      );
    }
    const client = await FakeTwilioMediaClient.connect({
      url: streamUrl,
      signature: { authToken: FAKE_AUTH_TOKEN, url: streamUrl },
      callSid: sid('CA', n),
      customParameters: parameters,
    });
    clients.push(client);
    await client.play(silence());
    return { voice, client, callId: voice.callId };
  }

  /** Waits until the call is on `provider` (the record says so) and the caller's audio reaches its fake model. */
  async function bridgedTo(
    placed: { callId: string; client: FakeTwilioMediaClient },
    provider: AiProvider,
  ): Promise<void> {
    await expect
      .poll(async () => (await orchestrator.stores.calls.get(placed.callId))?.aiProvider)
      .toBe(provider);
    const fake = provider === 'openai' ? openai : gemini;
    const heard = () => fake.sessions.reduce((n, s) => n + s.audioBytes, 0);
    const before = heard();
    // Speak until that model hears more (calls run one at a time: it is this caller).
    await expect
      .poll(async () => {
        await placed.client.play(silence());
        return heard();
      })
      .toBeGreaterThan(before);
  }

  const row = async (provider: AiProvider) => (await orchestrator.breaker(provider).peek()).status;

  /** One call whose two OpenAI handshakes (prewarm, reconnect) are refused: the circuit opens. */
  async function tripOpenai(n = 1): Promise<void> {
    openai.failHandshake();
    await bridgedTo(await call(n), 'gemini');
    expect(openai.rejectedUpgrades).toHaveLength(2);
    expect(await row('openai')).toMatchObject({ circuit: 'open', failureCount: 2, openCount: 1 });
  }

  it('opens on failed handshakes; while cooling, calls go to Gemini without touching OpenAI', async () => {
    await tripOpenai();
    expect(transitions).toEqual(['closed -> open']);
    expect(await orchestrator.listIncidents({ code: 'circuit_open' })).toEqual([
      expect.objectContaining({ provider: 'openai' }),
    ]);

    // The voice webhook skips the cooling provider.
    const second = await call(2);
    expect(second.voice.provider).toBe('gemini');
    await bridgedTo(second, 'gemini');

    // A stream still routed to OpenAI is refused by the breaker before any connect.
    const third = await call(3, 'openai');
    await bridgedTo(third, 'gemini');
    const failovers = await orchestrator.listIncidents({ code: 'ai_failover', callId: third.callId });
    expect(failovers.map((i) => i.message)).toEqual([
      expect.stringContaining('connect failed (circuit_open)'),
    ]);

    expect(openai.rejectedUpgrades).toHaveLength(2);
    expect(openai.sessions).toHaveLength(0);
    // Refusals are not failures; Gemini's discarded warm session was not held against it.
    expect(await row('openai')).toMatchObject({ circuit: 'open', failureCount: 2, openCount: 1 });
    expect(await row('gemini')).toMatchObject({ circuit: 'closed', failureCount: 0 });
    expect(transitions).toEqual(['closed -> open']);
  });

  it('after the cooldown the next call probes OpenAI: a good handshake closes the circuit', async () => {
    await tripOpenai();
    openai.resume();
    await clock.advance(COOLDOWN_MS);

    const probe = await call(4);
    expect(probe.voice.provider).toBe('openai');
    await bridgedTo(probe, 'openai');

    expect(transitions).toEqual(['closed -> open', 'open -> half_open', 'half_open -> closed']);
    expect(await row('openai')).toMatchObject({ circuit: 'closed', failureCount: 0, openCount: 0 });
    expect(await orchestrator.listIncidents({ code: 'circuit_closed' })).toEqual([
      expect.objectContaining({ provider: 'openai' }),
    ]);
    expect(openai.sessions).toHaveLength(1);
  });

  it('a failing probe re-opens the circuit with a longer cooldown', async () => {
    await tripOpenai();
    await clock.advance(COOLDOWN_MS);

    const probe = await call(5);
    expect(probe.voice.provider).toBe('openai');
    await bridgedTo(probe, 'gemini');

    expect(transitions).toEqual(['closed -> open', 'open -> half_open', 'half_open -> open']);
    const status = await row('openai');
    // One more failure (the probe), counted once; the second opening cools twice as long.
    expect(status).toMatchObject({ circuit: 'open', failureCount: 3, openCount: 2 });
    expect(status.cooldownUntil).toBe(clock.now() + 2 * COOLDOWN_MS);
    expect(openai.rejectedUpgrades).toHaveLength(3);
  });

  it('while the probe is out, other calls do not probe: they go to Gemini without a connect', async () => {
    await tripOpenai();
    openai.resume();
    openai.stall(); // the probe's handshake hangs
    await clock.advance(COOLDOWN_MS);

    const probe = await call(6);
    expect(probe.voice.provider).toBe('openai');
    await expect.poll(() => openai.sessions.length).toBe(1);
    expect((await row('openai')).circuit).toBe('half_open');

    // Half-open with its probe slot taken: the voice webhook already sends the call to Gemini.
    const other = await call(7);
    expect(other.voice.provider).toBe('gemini');
    await bridgedTo(other, 'gemini');
    expect(openai.sessions).toHaveLength(1);
    expect((await row('openai')).failureCount).toBe(2);

    // The probe's socket dies: the probe fails, the circuit re-opens.
    openai.drop();
    await bridgedTo(probe, 'gemini');
    expect(transitions).toEqual(['closed -> open', 'open -> half_open', 'half_open -> open']);
    expect(await row('openai')).toMatchObject({ circuit: 'open', failureCount: 3, openCount: 2 });
  });

  it('a session lost mid-call counts exactly one failure', async () => {
    const placed = await call(8);
    await bridgedTo(placed, 'openai');
    expect((await row('openai')).failureCount).toBe(0);
    // Taken out of rotation, so the call moves on instead of reconnecting (which would succeed
    // and end the failure streak).
    await orchestrator.flags.set('ai.openai.enabled', false);
    openai.drop();
    await bridgedTo(placed, 'gemini');
    expect(await row('openai')).toMatchObject({ circuit: 'closed', failureCount: 1, windowFailures: 1 });
  });

  it('a mid-call loss and a refused reconnect count once each', async () => {
    const placed = await call(9);
    await bridgedTo(placed, 'openai');
    openai.failHandshake();
    openai.drop();
    await bridgedTo(placed, 'gemini');
    expect(openai.rejectedUpgrades).toHaveLength(1);
    // The loss (failoverProvider) and the reconnect's handshake (its breaker): two, not three.
    expect(await row('openai')).toMatchObject({ circuit: 'open', failureCount: 2, openCount: 1 });
    expect(transitions).toEqual(['closed -> open']);
  });
});
