// bench/failover: the gap a caller hears when the model's socket dies mid-call, over many
// simulated failures. Real loopback sockets: the Node media-stream server, a fake Twilio media
// stream and a fake OpenAI Realtime server whose connections are terminated mid-call.
//   npx tsx bench/failover.ts [failures=50] [--to gemini]
// Default: the provider is still up, so the call reconnects to it. With --to gemini, OpenAI also
// refuses new sockets, so the call moves to Gemini (real @google/genai client, loopback fake).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { attachMediaStreams } from '../src/adapters/node.js';
import { CallOrchestrator } from '../src/orchestrator/orchestrator.js';
import type { FailoverEvent } from '../src/realtime/bridge.js';
import { wsSocketFactory } from '../src/realtime/providers/ws-socket.js';
import { realtimeSessionFactory, WarmSessions } from '../src/realtime/sessions.js';
import { createMemoryStores } from '../src/storage/memory/index.js';
import type { TelephonyProvider } from '../src/telephony/provider.js';
import {
  FAKE_AUTH_TOKEN,
  FAKE_OPENAI_API_KEY,
  FakeGeminiLiveServer,
  FakeOpenAIRealtimeServer,
  FakeTwilioMediaClient,
  speechLike,
} from '../src/testing/index.js';

const FAILURES = Number(process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 50);
const toGemini = process.argv.includes('--to') && process.argv[process.argv.indexOf('--to') + 1] === 'gemini';
const telephony: TelephonyProvider = {
  createCall: async () => ({ callSid: `CA${'1'.repeat(32)}`, status: 'queued' }),
  hangUp: async () => {},
  sendSms: async () => ({ messageSid: 'SM1', status: 'queued' }),
  fetchAccount: async () => ({ accountSid: 'AC1', status: 'active' }),
};

const model = await FakeOpenAIRealtimeServer.start({ apiKey: FAKE_OPENAI_API_KEY, recordAudio: false });
const endReasons: string[] = [];
const gemini = toGemini ? await FakeGeminiLiveServer.start({ recordAudio: false }) : null;
const server = createServer();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const sessions = new WarmSessions({
  factory: realtimeSessionFactory({
    socketFactory: wsSocketFactory(),
    openai: { apiKey: FAKE_OPENAI_API_KEY, api: 'realtime', url: model.url },
    ...(gemini ? { gemini: { apiKey: 'fake-gemini-key-0123456789', baseUrl: gemini.baseUrl } } : {}),
  }),
});
const orchestrator = new CallOrchestrator({
  stores: createMemoryStores(),
  publicBaseUrl: base,
  streamTokenSecret: 'bench-stream-secret-0123456789',
  twilio: { telephony, authTokens: FAKE_AUTH_TOKEN },
  warmSessions: sessions,
  // A fresh breaker budget per call: this bench measures the gap, not the breaker opening.
  breakerPolicy: { consecutiveFailures: 10_000, failureRateThreshold: 0 },
});
const failovers: FailoverEvent[] = [];
const media = attachMediaStreams(server, {
  orchestrator,
  sessions,
  onBridge: (bridge) => {
    bridge.onFailover((f) => failovers.push(f));
    bridge.onEnd((e) => endReasons.push(e.reason));
  },
});
const url = `${base.replace('http', 'ws')}/media-stream`;

let framesSent = 0;
let lostCalls = 0;
for (let i = 0; i < FAILURES; i++) {
  const callId = `call-${i}`;
  const token = await orchestrator.streamTokens.mint({ callId, provider: 'openai' }, Date.now());
  const client = await FakeTwilioMediaClient.connect({
    url,
    signature: { authToken: FAKE_AUTH_TOKEN, url },
    customParameters: { callId, provider: 'openai', token },
    realtime: true,
  });
  const before = failovers.length;
  const speech = speechLike({ durationMs: 400 + ((i * 37) % 400), seed: i + 1 });
  framesSent += await client.play(speech);
  if (toGemini) model.failHandshake(); // OpenAI is down for good: no reconnect possible
  model.drop(); // the model's socket dies mid-call, at a varying point
  framesSent += await client.play(speechLike({ durationMs: 600, seed: 1000 + i }));
  const deadline = Date.now() + 5000;
  while (failovers.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  if (failovers.length === before) lostCalls++;
  await client.stop();
  await client.close();
  model.resume();
}
await new Promise((r) => setTimeout(r, 200));

const gaps = failovers.map((f) => f.gapMs).sort((a, b) => a - b);
const pct = (p: number) => gaps[Math.min(gaps.length - 1, Math.floor(p * gaps.length))] ?? Number.NaN;
console.log(
  `bench/failover: ${FAILURES} calls, the model socket terminated once in each (loopback fake OpenAI Realtime)${toGemini ? '; OpenAI refuses new sockets, so each call moves to Gemini' : '; each call reconnects to OpenAI'}`,
);
console.log(
  `switches: ${[...new Set(failovers.map((f) => `${f.from.provider} -> ${f.to.provider}`))].join(', ')}`,
);
console.log(`failovers completed: ${failovers.length}/${FAILURES}; calls left without a model: ${lostCalls}`);
console.log(
  `gap (loss -> replacement connected and wired): p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${gaps.at(-1)} ms`,
);
// In 20 ms frames: OpenAI gets 160 bytes of mu-law per frame, Gemini 640 bytes of 16 kHz PCM16.
const received =
  model.sessions.reduce((n, session) => n + session.audioBytes, 0) / 160 +
  (gemini?.sessions.reduce((n, session) => n + session.audioBytes, 0) ?? 0) / 640;
const reasonCounts = new Map<string, number>();
for (const r of endReasons) reasonCounts.set(r, (reasonCounts.get(r) ?? 0) + 1);
const byReason = [...reasonCounts];
console.log(
  `caller frames played ${framesSent}, received by the model sessions ${Math.round(received)}: ${received >= framesSent ? 'none lost' : `${framesSent - Math.round(received)} LOST`} (the last 200 ms before a loss are replayed to the replacement; idle silence frames also count as received)`,
);
console.log(
  `bridges ended: ${byReason.map(([r, n]) => `${r} x${n}`).join(', ')} (twilio_stop = the caller hung up; the leg was never dropped)`,
);
await media.close();
await sessions.closeAll();
await model.close();
await gemini?.close();
server.closeAllConnections();
await new Promise<void>((resolve) => server.close(() => resolve()));
