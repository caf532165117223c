import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { attachMediaStreams, type MediaStreamServer } from '../../src/adapters/node.js';
import { CallOrchestrator } from '../../src/orchestrator/orchestrator.js';
import { WarmSessions } from '../../src/realtime/sessions.js';
import { createMemoryStores } from '../../src/storage/memory/index.js';
import type { TelephonyProvider } from '../../src/telephony/provider.js';
import { FAKE_AUTH_TOKEN, FakeTwilioMediaClient, ScriptedRealtimeSession } from '../../src/testing/index.js';

const redirects: { callSid: string; twiml: string }[] = [];
const telephony: TelephonyProvider = {
  createCall: async () => ({ callSid: `CA${'1'.repeat(32)}`, status: 'queued' }),
  hangUp: async () => {},
  redirect: async (callSid, twiml) => {
    redirects.push({ callSid, twiml });
  },
  sendSms: async () => ({ messageSid: 'SM1', status: 'queued' }),
  fetchAccount: async () => ({ accountSid: 'AC1', status: 'active' }),
};

describe('steadycall/node media streams', () => {
  let server: Server;
  let media: MediaStreamServer;
  let base: string;
  let orchestrator: CallOrchestrator;
  let opened: ScriptedRealtimeSession[];

  const start = async (maxConnections = 200) => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    opened = [];
    const factory = Object.assign(
      () => {
        const s = new ScriptedRealtimeSession('openai-realtime');
        opened.push(s);
        return s;
      },
      { providers: ['openai' as const] },
    );
    const sessions = new WarmSessions({ factory });
    orchestrator = new CallOrchestrator({
      stores: createMemoryStores(),
      publicBaseUrl: base,
      streamTokenSecret: 'stream-secret-0123456789abcdef',
      twilio: { telephony, authTokens: FAKE_AUTH_TOKEN },
      warmSessions: sessions,
    });
    media = attachMediaStreams(server, { orchestrator, sessions, maxConnections });
  };
  beforeEach(async () => {
    await start();
  });
  afterEach(async () => {
    await media.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const streamUrl = () => `${base.replace('http', 'ws')}/media-stream`;
  const tokenFor = async (callId: string) =>
    orchestrator.streamTokens.mint({ callId, provider: 'openai' }, Date.now());

  it('bridges a stream with a valid signature and per-call token, then releases it on stop', async () => {
    const token = await tokenFor('call-1');
    const client = await FakeTwilioMediaClient.connect({
      url: streamUrl(),
      signature: { authToken: FAKE_AUTH_TOKEN, url: streamUrl() },
      customParameters: { callId: 'call-1', provider: 'openai', token },
    });
    await client.play(new Uint8Array(1600).fill(0x7f));
    // The model's side is outside the client: poll it (the client's waitFor only wakes on its own events).
    await expect.poll(() => opened[0]?.received.length ?? 0, { timeout: 5000 }).toBeGreaterThanOrEqual(10);
    expect(media.active).toBe(1);
    await client.stop();
    await client.close();
    await expect.poll(() => media.active).toBe(0);
    expect(opened[0]?.closed).not.toBeNull();
    expect(opened[0]?.listenerCount).toBe(0);
  });

  it('fails over mid-call: the lost session counts on its breaker, a new one continues the call', async () => {
    const token = await tokenFor('call-9');
    const client = await FakeTwilioMediaClient.connect({
      url: streamUrl(),
      signature: { authToken: FAKE_AUTH_TOKEN, url: streamUrl() },
      customParameters: { callId: 'call-9', provider: 'openai', token },
    });
    await client.play(new Uint8Array(800).fill(0x7f));
    await expect.poll(() => opened[0]?.received.length ?? 0).toBeGreaterThan(0);
    opened[0]!.emit('transcript', { role: 'user', text: 'hello', final: true });
    opened[0]!.emit('closed', { reason: 'connection_lost', expected: false });
    await expect.poll(() => opened.length).toBe(2);
    await client.play(new Uint8Array(800).fill(0x7f));
    await expect.poll(() => opened[1]?.received.length ?? 0).toBeGreaterThan(0);
    expect(opened[0]!.listenerCount).toBe(0);
    const incidents = await orchestrator.listIncidents({ code: 'ai_failover' });
    expect(incidents).toHaveLength(1);
    expect(incidents[0]?.message).toContain('reconnecting');
    // Counted once; the reconnect's handshake, guarded by the same breaker, then ended the streak.
    const { status } = await orchestrator.breaker('openai').peek();
    expect(status.windowFailures).toBe(1);
    expect(status.failureCount).toBe(0);
    expect(media.active).toBe(1);
    await client.stop();
    await client.close();
  });

  it('plays the fallback and ends the bridge when no provider is left', async () => {
    await orchestrator.flags.set('ai.gemini.enabled', false);
    const token = await tokenFor('call-10');
    const client = await FakeTwilioMediaClient.connect({
      url: streamUrl(),
      signature: { authToken: FAKE_AUTH_TOKEN, url: streamUrl() },
      callSid: `CA${'5'.repeat(32)}`,
      customParameters: { callId: 'call-10', provider: 'openai', token },
    });
    await client.play(new Uint8Array(800).fill(0x7f));
    await expect.poll(() => opened.length).toBe(1);
    // Two losses: the reconnect, then nothing left (OpenAI lost again, Gemini disabled).
    opened[0]!.emit('closed', { reason: 'connection_lost', expected: false });
    await expect.poll(() => opened.length).toBe(2);
    opened[1]!.emit('closed', { reason: 'connection_lost', expected: false });
    await expect.poll(() => redirects.length).toBe(1);
    expect(redirects[0]).toMatchObject({ callSid: `CA${'5'.repeat(32)}` });
    expect(redirects[0]?.twiml).toContain('<Say>');
    await expect.poll(() => media.active).toBe(0);
    expect(await orchestrator.listIncidents({ code: 'ai_unavailable' })).toHaveLength(1);
    await client.close();
  });

  it('refuses a forged or missing signature with 403 before any WebSocket is opened', async () => {
    const forged = await FakeTwilioMediaClient.connect({
      url: streamUrl(),
      signature: { authToken: 'not-the-auth-token-000000000000', url: streamUrl() },
    }).catch((e: unknown) => e);
    expect(String(forged)).toMatch(/403/);
    const unsigned = await FakeTwilioMediaClient.connect({ url: streamUrl() }).catch((e: unknown) => e);
    expect(String(unsigned)).toMatch(/403/);
    expect(opened).toHaveLength(0);
  });

  it('closes a stream whose token is wrong or for another call, without opening a model session', async () => {
    const token = await tokenFor('call-2');
    const ws = new WebSocket(streamUrl(), {
      headers: {
        'x-twilio-signature': (await import('twilio')).default.getExpectedTwilioSignature(
          FAKE_AUTH_TOKEN,
          streamUrl(),
          {},
        ),
      },
    });
    await new Promise((resolve) => ws.once('open', resolve));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
    ws.send(
      JSON.stringify({
        event: 'start',
        sequenceNumber: '1',
        streamSid: `MZ${'2'.repeat(32)}`,
        start: {
          streamSid: `MZ${'2'.repeat(32)}`,
          accountSid: `AC${'3'.repeat(32)}`,
          callSid: `CA${'4'.repeat(32)}`,
          tracks: ['inbound'],
          customParameters: { callId: 'someone-else', provider: 'openai', token },
          mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
        },
      }),
    );
    expect(await closed).toBe(1000);
    expect(opened).toHaveLength(0);
  });

  it('answers 503 past the connection limit', async () => {
    await media.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await start(1);
    const token = await tokenFor('call-3');
    const first = await FakeTwilioMediaClient.connect({
      url: streamUrl(),
      signature: { authToken: FAKE_AUTH_TOKEN, url: streamUrl() },
      customParameters: { callId: 'call-3', provider: 'openai', token },
    });
    const second = await FakeTwilioMediaClient.connect({
      url: streamUrl(),
      signature: { authToken: FAKE_AUTH_TOKEN, url: streamUrl() },
    }).catch((e: unknown) => e);
    expect(String(second)).toMatch(/503/);
    await first.close();
  });
});
