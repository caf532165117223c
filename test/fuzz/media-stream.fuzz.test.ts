// Fuzzes the Twilio media-stream WebSocket served by attachMediaStreams: hostile frames over a real
// socket. The server survives, closes only with sensible codes, leaks no bridge, and a valid call
// afterwards still reaches the model.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { attachMediaStreams, type MediaStreamServer } from '../../src/adapters/node.js';
import { CallOrchestrator } from '../../src/orchestrator/orchestrator.js';
import { WarmSessions } from '../../src/realtime/sessions.js';
import { createMemoryStores } from '../../src/storage/memory/index.js';
import { TwilioSigner } from '../../src/telephony/signature.js';
import { FakeTwilioMediaClient, ScriptedRealtimeSession } from '../../src/testing/index.js';
import { PROTO_KEYS } from './arbitraries.js';
import { fuzzRuns, STREAM_SECRET, stubTelephony, TWILIO_AUTH_TOKEN, trackUnhandled } from './service.js';

const RUNS = fuzzRuns(500, 0.4);
const signer = new TwilioSigner(TWILIO_AUTH_TOKEN);
let server: Server;
let media: MediaStreamServer;
let orchestrator: CallOrchestrator;
let url: string;
let validToken: string;
const opened: ScriptedRealtimeSession[] = [];
const closeCodes: Record<number, number> = {};
let frames = 0;
let connections = 0;
let unhandled: ReturnType<typeof trackUnhandled>;

beforeAll(async () => {
  unhandled = trackUnhandled();
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  url = `${base.replace('http', 'ws')}/media-stream`;
  const factory = Object.assign(
    () => {
      const session = new ScriptedRealtimeSession('openai-realtime');
      opened.push(session);
      return session;
    },
    { providers: ['openai' as const] },
  );
  const sessions = new WarmSessions({ factory });
  orchestrator = new CallOrchestrator({
    stores: createMemoryStores(),
    publicBaseUrl: base,
    streamTokenSecret: STREAM_SECRET,
    twilio: { telephony: stubTelephony(), authTokens: TWILIO_AUTH_TOKEN },
    warmSessions: sessions,
  });
  media = attachMediaStreams(server, { orchestrator, sessions });
  validToken = await orchestrator.streamTokens.mint({ callId: 'fuzz-call', provider: 'openai' }, Date.now());
});

afterAll(async () => {
  await media?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  unhandled.stop();
  console.log(
    `[fuzz] media stream: ${connections} connections, ${frames} frames; server close codes ${JSON.stringify(closeCodes)}`,
  );
});

const digits = fc.oneof(
  fc.nat({ max: 99_999 }).map(String),
  fc.constantFrom('', '-1', '1e3', '99999999999999999999'),
);
const streamSid = fc.option(fc.oneof(fc.constant(`MZ${'0'.repeat(32)}`), fc.string({ maxLength: 300 })), {
  nil: undefined,
});
const payload = fc.oneof(
  fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b).toString('base64')),
  fc.constantFrom('!!!not base64!!!', '====', 'A', 'QUJD\u0000', ''),
  fc.integer({ min: 1000, max: 40_000 }).map((n) => 'A'.repeat(n)),
);
const customParameters = fc.oneof(
  fc.constant({ callId: 'fuzz-call', provider: 'openai', token: 'VALID' }),
  fc.record({
    callId: fc.string({ maxLength: 20 }),
    provider: fc.constantFrom('openai', 'gemini', 'x'),
    token: fc.string(),
  }),
  fc.dictionary(
    fc.oneof(fc.constantFrom(...PROTO_KEYS), fc.string({ maxLength: 8 })),
    fc.jsonValue({ maxDepth: 1 }),
  ),
  fc.constant(undefined),
);

/** A Twilio-shaped message with any field wrong, missing or extra. */
const twilioish = fc
  .record(
    {
      event: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom('connected', 'start', 'media', 'mark', 'dtmf', 'stop') },
        fc.constantFrom('clear', 'unknown', ...PROTO_KEYS),
      ),
      sequenceNumber: digits,
      streamSid,
      media: fc.record(
        { track: fc.constantFrom('inbound', 'outbound', 'both'), chunk: digits, timestamp: digits, payload },
        { requiredKeys: [] },
      ),
      start: fc.record(
        {
          streamSid: fc.constant(`MZ${'0'.repeat(32)}`),
          accountSid: fc.constant(`AC${'0'.repeat(32)}`),
          callSid: fc.constant(`CA${'0'.repeat(32)}`),
          tracks: fc.constant(['inbound']),
          customParameters,
          mediaFormat: fc.record({
            encoding: fc.constant('audio/x-mulaw'),
            sampleRate: fc.oneof(fc.constant(8000), fc.double()),
            channels: fc.constantFrom(1, 0, -1),
          }),
        },
        { requiredKeys: [] },
      ),
      mark: fc.record({ name: fc.oneof(fc.string(), fc.constant(42)) }, { requiredKeys: [] }),
      dtmf: fc.record({
        track: fc.constant('inbound_track'),
        digit: fc.oneof(fc.constantFrom('1', '#'), fc.string({ maxLength: 3 })),
      }),
      stop: fc.record({ accountSid: fc.string(), callSid: fc.string() }, { requiredKeys: [] }),
    },
    { requiredKeys: ['event'] },
  )
  .map((m) => JSON.stringify(m).replace('"VALID"', JSON.stringify(validToken)));

const SEQ = { sequenceNumber: '1', streamSid: `MZ${'0'.repeat(32)}` };
/** Well-formed messages (start with any parameters, media with any payload, stop, mark): they reach the bridge. */
const wellFormed = fc
  .oneof(
    customParameters.map((customParameters) => ({
      event: 'start',
      ...SEQ,
      start: {
        streamSid: SEQ.streamSid,
        accountSid: `AC${'0'.repeat(32)}`,
        callSid: `CA${'0'.repeat(32)}`,
        tracks: ['inbound'],
        customParameters,
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
    })),
    payload.map((p) => ({
      event: 'media',
      ...SEQ,
      media: { track: 'inbound', chunk: '1', timestamp: '20', payload: p },
    })),
    fc.constant({
      event: 'stop',
      ...SEQ,
      stop: { accountSid: `AC${'0'.repeat(32)}`, callSid: `CA${'0'.repeat(32)}` },
    }),
    fc.string().map((name) => ({ event: 'mark', ...SEQ, mark: { name } })),
    fc
      .constantFrom('1', '#', 'x')
      .map((digit) => ({ event: 'dtmf', ...SEQ, dtmf: { track: 'inbound_track', digit } })),
  )
  .map((m) => JSON.stringify(m).replace('"VALID"', JSON.stringify(validToken)));

type Frame = { text: string } | { binary: Uint8Array };
const frame: fc.Arbitrary<Frame> = fc.oneof(
  { weight: 6, arbitrary: wellFormed.map((text) => ({ text })) },
  { weight: 4, arbitrary: twilioish.map((text) => ({ text })) },
  fc.string({ maxLength: 200 }).map((text) => ({ text })),
  fc.jsonValue({ maxDepth: 3 }).map((v) => ({ text: JSON.stringify(v) ?? 'null' })),
  fc
    .constantFrom('{"event":', '[]', 'null', '"media"', '{"event":"media","media":null}')
    .map((text) => ({ text })),
  fc.uint8Array({ maxLength: 300 }).map((binary) => ({ binary })),
  // Over the socket's 64 KiB message limit: the server must close with 1009, not crash.
  fc
    .integer({ min: 65 * 1024, max: 80 * 1024 })
    .map((n) => ({ text: `{"event":"media","x":"${'A'.repeat(n)}"}` })),
);

async function signedSocket(): Promise<WebSocket> {
  const signature = await signer.sign(url);
  const ws = new WebSocket(url, { headers: { 'x-twilio-signature': signature } });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return ws;
}

describe('fuzzing the media stream', () => {
  it('survives any sequence of frames, closing only with sensible codes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 15 }), async (sequence) => {
        const ws = await signedSocket();
        connections++;
        const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
        ws.on('error', () => {});
        let serverClosed: number | null = null;
        void closed.then((code) => {
          serverClosed = code;
        });
        for (const f of sequence) {
          if (ws.readyState !== WebSocket.OPEN) break;
          ws.send('text' in f ? f.text : f.binary);
          frames++;
        }
        // Round-trip a ping so the server has handled every frame before we look.
        if (ws.readyState === WebSocket.OPEN) {
          await new Promise<void>((resolve) => {
            ws.once('pong', () => resolve());
            ws.once('close', () => resolve());
            ws.ping();
          });
        }
        if (serverClosed !== null) {
          closeCodes[serverClosed] = (closeCodes[serverClosed] ?? 0) + 1;
          // 1000: the bridge ended (refused start, stop); 1009: a frame over the size limit.
          expect([1000, 1009]).toContain(serverClosed);
        }
        ws.close();
        await closed;
      }),
      { numRuns: RUNS },
    );
    await expect.poll(() => media.active, { timeout: 5000 }).toBe(0);
    expect(unhandled.errors).toEqual([]);
  });

  it('refuses upgrades that are unsigned, forged or signed for another URL', async () => {
    const cases = [
      {},
      { 'x-twilio-signature': 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' },
      { 'x-twilio-signature': await signer.sign('wss://elsewhere.example/media-stream') },
      { 'x-twilio-signature': await new TwilioSigner('wrong-token-000000').sign(url) },
    ];
    for (const headers of cases) {
      const ws = new WebSocket(url, { headers });
      const status = await new Promise<number>((resolve) => {
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('open', () => resolve(101));
        ws.once('error', () => resolve(-1));
      });
      ws.terminate();
      expect(status).toBe(403);
    }
  });

  it('still bridges a valid call afterwards', async () => {
    const token = await orchestrator.streamTokens.mint(
      { callId: 'after-fuzz', provider: 'openai' },
      Date.now(),
    );
    const before = opened.length;
    const client = await FakeTwilioMediaClient.connect({
      url,
      signature: { authToken: TWILIO_AUTH_TOKEN, url },
      customParameters: { callId: 'after-fuzz', provider: 'openai', token },
    });
    await client.play(new Uint8Array(1600).fill(0x7f));
    await expect
      .poll(() => opened.at(-1)?.received.length ?? 0, { timeout: 5000 })
      .toBeGreaterThanOrEqual(10);
    expect(opened.length).toBeGreaterThan(before);
    await client.stop();
    await client.close();
    await expect.poll(() => media.active, { timeout: 5000 }).toBe(0);
    expect(unhandled.errors).toEqual([]);
  });
});
