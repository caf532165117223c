// GeminiLiveSession with the real `@google/genai` client against the loopback FakeGeminiLiveServer:
// handshake, audio round trip, barge-in, tools.
import { afterEach, describe, expect, it } from 'vitest';
import { decodeMulaw } from '../../src/realtime/audio/mulaw.js';
import {
  GeminiLiveSession,
  type GeminiLiveSessionOptions,
} from '../../src/realtime/providers/gemini-live.js';
import type { RealtimeEventName, RealtimeSessionEvents } from '../../src/realtime/session.js';
import { type FakeGeminiLiveOptions, FakeGeminiLiveServer } from '../../src/testing/fake-gemini-live.js';
import { frames, tone, turn, until } from './openai-realtime.helpers.js';

const KEY = 'gemini-test-key-5b7c9d1e3f';

type Logged = { [E in RealtimeEventName]: { name: E; payload: RealtimeSessionEvents[E] } }[RealtimeEventName];
const NAMES: RealtimeEventName[] = [
  'audio',
  'speechStarted',
  'speechStopped',
  'interrupted',
  'transcript',
  'toolCall',
  'responseDone',
  'error',
  'closed',
];

function record(session: GeminiLiveSession): Logged[] {
  const log: Logged[] = [];
  for (const name of NAMES) session.on(name, (payload) => log.push({ name, payload } as Logged));
  return log;
}

function only<E extends RealtimeEventName>(log: Logged[], name: E): RealtimeSessionEvents[E][] {
  return log.filter((e) => e.name === name).map((e) => e.payload as RealtimeSessionEvents[E]);
}

let fake: FakeGeminiLiveServer | undefined;
const sessions: GeminiLiveSession[] = [];

afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
  await fake?.close();
  fake = undefined;
});

async function setup(
  fakeOptions: FakeGeminiLiveOptions = {},
  options: Partial<GeminiLiveSessionOptions> = {},
) {
  fake = await FakeGeminiLiveServer.start({ apiKey: KEY, ...fakeOptions });
  const session = new GeminiLiveSession({ apiKey: KEY, baseUrl: fake.baseUrl, ...options });
  sessions.push(session);
  return { fake, session, log: record(session) };
}

const send = (session: GeminiLiveSession, chunks: Uint8Array[]) => {
  for (const chunk of chunks) session.appendAudio(chunk);
};

/** Sign changes of decoded mu-law: twice the frequency per second of a tone. */
function zeroCrossings(mulaw: Uint8Array): number {
  const pcm = decodeMulaw(mulaw);
  let n = 0;
  for (let i = 1; i < pcm.length; i++) if (pcm[i - 1]! < 0 !== pcm[i]! < 0) n++;
  return n;
}

describe('GeminiLiveSession: handshake', () => {
  it('sends a full setup through the real SDK and is ready on setupComplete', async () => {
    const tools = [{ name: 'lookup_order', description: 'Find an order', parameters: { type: 'object' } }];
    const { fake, session } = await setup(
      {},
      {
        config: { instructions: 'Be brief.', voice: 'Kore', tools },
        vad: { silenceDurationMs: 400, startOfSpeechSensitivity: 'START_SENSITIVITY_HIGH' },
      },
    );
    expect([session.provider, session.api, session.state]).toEqual(['gemini', 'gemini-live', 'idle']);
    await session.connect();
    expect(session.state).toBe('ready');
    const conn = fake.lastSession!;
    // SDK 3.x: default API version v1 (2.x: v1beta), a `//` path, and the key as `?key=`.
    expect(conn.path).toMatch(
      /^\/\/ws\/google\.ai\.generativelanguage\.v1\w*\.GenerativeService\.BidiGenerateContent$/,
    );
    expect(conn.keySource).toBe('query');
    expect(JSON.stringify(conn.headers)).not.toContain(KEY);
    expect(conn.setup).toEqual({
      model: 'models/gemini-3.8-live',
      generationConfig: {
        responseModalities: ['AUDIO'],
        speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: 'Kore' } } },
      },
      systemInstruction: { parts: [{ text: 'Be brief.' }], role: 'user' },
      tools: [
        {
          functionDeclarations: [
            { name: 'lookup_order', description: 'Find an order', parametersJsonSchema: { type: 'object' } },
          ],
        },
      ],
      realtimeInputConfig: {
        automaticActivityDetection: {
          disabled: false,
          silenceDurationMs: 400,
          startOfSpeechSensitivity: 'START_SENSITIVITY_HIGH',
        },
      },
      inputAudioTranscription: {},
      outputAudioTranscription: {},
      sessionResumption: {},
      contextWindowCompression: { slidingWindow: {} },
    });
  });

  it('replays the history as context, then asks for the greeting, which is spoken', async () => {
    const { fake, session, log } = await setup(
      { accelerated: true, responseAudioMs: 200 },
      {
        config: {
          model: 'gemini-3.8-live-extended-thinking',
          greeting: 'Hello, Acme here!',
          history: [
            { role: 'user', text: 'My order is late.' },
            { role: 'assistant', text: 'Let me check.' },
          ],
        },
      },
    );
    await session.connect();
    await until(() => expect(only(log, 'responseDone')).toHaveLength(1));
    const conn = fake.lastSession!;
    expect(conn.setup?.model).toBe('models/gemini-3.8-live-extended-thinking');
    expect(conn.clientContents).toEqual([
      {
        turns: [
          { role: 'user', parts: [{ text: 'My order is late.' }] },
          { role: 'model', parts: [{ text: 'Let me check.' }] },
        ],
        turnComplete: false,
      },
      {
        turns: [
          { role: 'user', parts: [{ text: 'Greet the caller now by saying exactly: Hello, Acme here!' }] },
        ],
        turnComplete: true,
      },
    ]);
    expect(only(log, 'audio').length).toBeGreaterThan(0);
  });
});

describe('GeminiLiveSession: a conversation', () => {
  it('transcodes a caller turn to 16 kHz PCM and the answer back to 8 kHz mu-law, with transcripts', async () => {
    const { fake, session, log } = await setup({
      accelerated: true,
      responseAudioMs: 1000,
      voiceText: 'Hi there.',
    });
    await session.connect();
    const callerFrames = turn(300, 700);
    send(session, callerFrames);
    await until(() => expect(only(log, 'responseDone')).toHaveLength(1));
    const conn = fake.lastSession!;
    const mulawIn = callerFrames.reduce((n, f) => n + f.length, 0);
    expect(conn.audioBytes).toBe(mulawIn * 4); // twice the samples, two bytes each
    expect(conn.otherAudioChunks).toBe(0);
    expect(conn.answers).toEqual([{ turn: 1, status: 'completed', audioBytes: 48_000 }]);

    const names = log.map((e) => e.name);
    expect(names.indexOf('speechStarted')).toBeLessThan(names.indexOf('speechStopped'));
    expect(names.indexOf('speechStopped')).toBeLessThan(names.indexOf('audio'));
    const audio = only(log, 'audio');
    const [responseId] = new Set(audio.map((a) => a.responseId));
    expect(new Set(audio.map((a) => a.responseId)).size).toBe(1);
    expect(only(log, 'responseDone')).toEqual([{ responseId }]);
    const bytes = new Uint8Array(audio.reduce((n, a) => n + a.mulaw.length, 0));
    let at = 0;
    for (const a of audio) {
      bytes.set(a.mulaw, at);
      at += a.mulaw.length;
    }
    // 1 s of 24 kHz audio is 8000 mu-law bytes at 8 kHz (plus the resampler's short tail) ...
    expect(bytes.length).toBeGreaterThanOrEqual(8000);
    expect(bytes.length).toBeLessThan(8000 + 200);
    // ... and still a 220 Hz tone: about 440 zero crossings in that second.
    expect(zeroCrossings(bytes)).toBeGreaterThan(400);
    expect(zeroCrossings(bytes)).toBeLessThan(480);

    expect(only(log, 'transcript')).toEqual([
      { role: 'user', text: 'caller turn 1', final: false },
      { role: 'user', text: '', final: true },
      { role: 'assistant', text: 'Hi', final: false },
      { role: 'assistant', text: ' there.', final: false },
      { role: 'assistant', text: '', final: true },
    ]);
    expect(session.stats).toMatchObject({ malformedMessages: 0, unknownMessages: 0, lateAudioChunks: 0 });
  });

  it('maps a barge-in during the answer to `interrupted`, then answers the new turn under a new id', async () => {
    // Real-time pacing, so the caller can talk over a 3 s answer.
    const { fake, session, log } = await setup({ responseAudioMs: 3000 });
    await session.connect();
    send(session, turn(300, 700));
    await until(() => expect(only(log, 'audio').length).toBeGreaterThan(0));
    send(session, turn(300, 700));
    await until(() => expect(only(log, 'interrupted')).toHaveLength(1));
    await until(() => expect(fake.lastSession!.answers).toHaveLength(2));
    expect(fake.lastSession!.answers[0]!.status).toBe('interrupted');
    const names = log.map((e) => e.name);
    const interruptedAt = names.indexOf('interrupted');
    const firstId = only(log, 'audio')[0]!.responseId;
    // The interrupted turn ends: its transcript closes and its responseDone follows.
    expect(log.slice(interruptedAt).find((e) => e.name === 'responseDone')?.payload).toEqual({
      responseId: firstId,
    });
    await until(() => expect(only(log, 'audio').some((a) => a.responseId !== firstId)).toBe(true));
    const ids = [...new Set(only(log, 'audio').map((a) => a.responseId))];
    expect(ids).toHaveLength(2);
  });
});

describe('GeminiLiveSession: tools', () => {
  it('surfaces toolCall with object args, answers with toolResponse, and the model then speaks', async () => {
    const tools = [{ name: 'lookup_order', description: 'Find an order', parameters: { type: 'object' } }];
    const { fake, session, log } = await setup(
      {
        accelerated: true,
        responseAudioMs: 200,
        tools: [{ turn: 1, name: 'lookup_order', args: { orderId: '42' } }],
      },
      { config: { tools } },
    );
    await session.connect();
    send(session, turn());
    await until(() => expect(only(log, 'toolCall')).toHaveLength(1));
    const call = only(log, 'toolCall')[0]!;
    expect(call).toEqual({ callId: 'fc_1', name: 'lookup_order', arguments: { orderId: '42' } });
    expect(only(log, 'audio')).toEqual([]);

    session.sendToolResult(call.callId, { status: 'shipped' });
    session.sendToolResult(call.callId, 'twice'); // already answered: ignored
    await until(() => expect(only(log, 'audio').length).toBeGreaterThan(0));
    expect(fake.lastSession!.toolResponses).toEqual([
      { id: 'fc_1', name: 'lookup_order', response: { status: 'shipped' }, matched: true },
    ]);
  });

  it('wraps a non-object tool output as { output }', async () => {
    const tools = [{ name: 'hang_up', description: 'End the call', parameters: { type: 'object' } }];
    const { fake, session, log } = await setup(
      { accelerated: true, responseAudioMs: 100, tools: [{ turn: 1, name: 'hang_up' }] },
      { config: { tools } },
    );
    await session.connect();
    send(session, frames(tone(300)));
    send(session, turn(0, 700));
    await until(() => expect(only(log, 'toolCall')).toHaveLength(1));
    session.sendToolResult('fc_1', 'done');
    await until(() => expect(fake.lastSession!.toolResponses).toHaveLength(1));
    expect(fake.lastSession!.toolResponses[0]).toMatchObject({ response: { output: 'done' }, matched: true });
  });
});
