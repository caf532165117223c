import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attachMediaStreams, type MediaStreamServer } from '../../src/adapters/node.js';
import { CallOrchestrator } from '../../src/orchestrator/orchestrator.js';
import { type SessionContext, WarmSessions } from '../../src/realtime/sessions.js';
import { createMemoryStores } from '../../src/storage/memory/index.js';
import type { TelephonyProvider } from '../../src/telephony/provider.js';
import { FAKE_AUTH_TOKEN, FakeTwilioMediaClient, ScriptedRealtimeSession } from '../../src/testing/index.js';

const redirects: string[] = [];
const telephony: TelephonyProvider = {
  createCall: async () => ({ callSid: `CA${'1'.repeat(32)}`, status: 'queued' }),
  hangUp: async () => {},
  redirect: async (callSid) => {
    redirects.push(callSid);
  },
  sendSms: async () => ({ messageSid: 'SM1', status: 'queued' }),
  fetchAccount: async () => ({ accountSid: 'AC1', status: 'active' }),
};

describe('failover tiers: OpenAI Live, then OpenAI Realtime as the last resort', () => {
  let server: Server;
  let media: MediaStreamServer;
  let orchestrator: CallOrchestrator;
  let opened: ScriptedRealtimeSession[];
  let url: string;

  beforeEach(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    url = `${base.replace('http', 'ws')}/media-stream`;
    opened = [];
    const factory = Object.assign(
      (_provider: string, context: SessionContext) => {
        const s = new ScriptedRealtimeSession(
          context.openaiApi === 'realtime' ? 'openai-realtime' : 'openai-live',
        );
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
    media = attachMediaStreams(server, { orchestrator, sessions });
  });
  afterEach(async () => {
    await media.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('reconnects once, then moves a failing Live session to the Realtime API instead of hanging up', async () => {
    const token = await orchestrator.streamTokens.mint({ callId: 'c1', provider: 'openai' }, Date.now());
    const client = await FakeTwilioMediaClient.connect({
      url,
      signature: { authToken: FAKE_AUTH_TOKEN, url },
      customParameters: { callId: 'c1', provider: 'openai', token },
    });
    await client.play(new Uint8Array(800).fill(0x7f));
    await expect.poll(() => opened.length).toBe(1);
    opened[0]!.emit('closed', { reason: 'connection_lost', expected: false });
    await expect.poll(() => opened.length).toBe(2); // reconnect, same API
    expect(opened[1]!.api).toBe('openai-live');
    opened[1]!.emit('closed', { reason: 'connection_lost', expected: false });
    await expect.poll(() => opened.length).toBe(3); // Gemini is not configured: the older API
    expect(opened[2]!.api).toBe('openai-realtime');
    await client.play(new Uint8Array(800).fill(0x7f));
    await expect.poll(() => opened[2]!.received.length).toBeGreaterThan(0);
    expect(redirects).toEqual([]);
    const messages = (await orchestrator.listIncidents({ code: 'ai_failover' })).map((i) => i.message);
    expect(messages.some((m) => m.includes('OpenAI Realtime API'))).toBe(true);
    await client.stop();
    await client.close();
  });
});
