// GeminiLiveSession with a scripted `connect` (no socket): SDK-version differences, late audio,
// split samples, malformed input, tool cancellation, redaction; and the pure wire helpers.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { isProviderError, type ProviderError } from '../../src/core/errors.js';
import { sequentialIds } from '../../src/core/ids.js';
import { createPcm24kToMulaw } from '../../src/realtime/audio/transcode.js';
import { encodeBase64 } from '../../src/realtime/base64.js';
import { GeminiLiveSession } from '../../src/realtime/providers/gemini-live.js';
import type {
  GeminiLiveCallbacks,
  GeminiLiveConnect,
  GeminiLiveConnection,
  GeminiLiveConnectParams,
} from '../../src/realtime/providers/gemini-live-connect.js';
import { durationMs, handshakeError } from '../../src/realtime/providers/gemini-live-wire.js';
import type { RealtimeEventName, RealtimeSessionEvents } from '../../src/realtime/session.js';

const KEY = 'AIzaSyTestKey0123456789abcdefghijklm';

/** A `connect` whose server is the test: `push` delivers server messages to the latest connection. */
function scripted(options: { resolveAt: 'open' | 'setup' } = { resolveAt: 'open' }) {
  const params: GeminiLiveConnectParams[] = [];
  const conns: { sent: Record<string, unknown>[]; callbacks: GeminiLiveCallbacks; closes: number }[] = [];
  let resolveSetup: (() => void) | undefined;
  const connect: GeminiLiveConnect = async (p) => {
    params.push(p);
    const conn = { sent: [] as Record<string, unknown>[], callbacks: p.callbacks, closes: 0 };
    conns.push(conn);
    const connection: GeminiLiveConnection = {
      sendRealtimeInput: (m) => conn.sent.push({ realtimeInput: m }),
      sendClientContent: (m) => conn.sent.push({ clientContent: m }),
      sendToolResponse: (m) => conn.sent.push({ toolResponse: m }),
      close: () => {
        conn.closes++;
        p.callbacks.onclose?.({ code: 1000, reason: '' });
      },
    };
    // SDK 2.x resolves at open; 3.x only after setupComplete (messages before that are queued).
    if (options.resolveAt === 'setup') await new Promise<void>((r) => (resolveSetup = r));
    return connection;
  };
  return {
    connect,
    params,
    conns,
    get sent() {
      return conns.at(-1)!.sent;
    },
    push: (message: unknown) => conns.at(-1)!.callbacks.onmessage(message),
    setupDone: () => resolveSetup?.(),
  };
}

function record(session: GeminiLiveSession) {
  const log: { name: RealtimeEventName; payload: unknown }[] = [];
  const names: RealtimeEventName[] = [
    'audio',
    'interrupted',
    'transcript',
    'responseDone',
    'toolCall',
    'speechStarted',
  ];
  for (const name of names) session.on(name, (payload) => log.push({ name, payload }));
  const only = <E extends RealtimeEventName>(name: E) =>
    log.filter((e) => e.name === name).map((e) => e.payload as RealtimeSessionEvents[E]);
  return { log, only };
}

const flush = () => new FakeClock(0).advance(0);

function pcmChunk(samples: number, value = 3000): Uint8Array {
  const bytes = new Uint8Array(samples * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples; i++) view.setInt16(i * 2, Math.round(value * Math.sin(i / 5)), true);
  return bytes;
}
const audioMessage = (bytes: Uint8Array, mimeType = 'audio/pcm;rate=24000') => ({
  serverContent: { modelTurn: { parts: [{ inlineData: { mimeType, data: encodeBase64(bytes) } }] } },
});

async function ready(resolveAt: 'open' | 'setup' = 'open') {
  const server = scripted({ resolveAt });
  const clock = new FakeClock(0);
  const session = new GeminiLiveSession({
    apiKey: KEY,
    connect: server.connect,
    clock,
    ids: sequentialIds('s'),
  });
  const events = record(session);
  const connected = session.connect();
  await flush();
  server.push({ setupComplete: {} });
  server.setupDone();
  await connected;
  return { server, session, clock, ...events };
}

describe('GeminiLiveSession (scripted connect)', () => {
  it('is ready only on setupComplete, even when connect resolves at socket open (SDK 2.x)', async () => {
    const server = scripted({ resolveAt: 'open' });
    const session = new GeminiLiveSession({ apiKey: KEY, connect: server.connect, clock: new FakeClock(0) });
    let done = false;
    const connected = session.connect().then(() => {
      done = true;
    });
    session.appendAudio(new Uint8Array(160).fill(0xff));
    await flush();
    expect([done, session.state]).toEqual([false, 'connecting']);
    expect(server.sent).toEqual([]); // nothing before setup completes
    expect(server.params[0]).toMatchObject({ model: 'gemini-3.8-live' });
    server.push({ setupComplete: {} });
    await connected;
    expect(session.state).toBe('ready');
    expect(server.sent).toHaveLength(1); // the buffered frame, transcoded
    const audio = (server.sent[0]!.realtimeInput as { audio: { mimeType: string; data: string } }).audio;
    expect(audio.mimeType).toBe('audio/pcm;rate=16000');
    await session.close();
  });

  it('delivers messages the SDK queued before resolving (SDK 3.x) after ready', async () => {
    const server = scripted({ resolveAt: 'setup' });
    const session = new GeminiLiveSession({ apiKey: KEY, connect: server.connect, clock: new FakeClock(0) });
    const { only } = record(session);
    const connected = session.connect();
    await flush();
    server.push({ setupComplete: {} });
    server.push({ serverContent: { outputTranscription: { text: 'early' } } });
    expect(only('transcript')).toEqual([]);
    server.setupDone();
    await connected;
    expect(only('transcript')).toEqual([{ role: 'assistant', text: 'early', final: false }]);
    await session.close();
  });

  it('drops audio that arrives after interrupted until the turn completes, then starts a new turn', async () => {
    const { server, session, only } = await ready();
    server.push(audioMessage(pcmChunk(960)));
    server.push({ serverContent: { interrupted: true } });
    server.push(audioMessage(pcmChunk(960)));
    server.push(audioMessage(pcmChunk(960)));
    server.push({ serverContent: { turnComplete: true } });
    server.push(audioMessage(pcmChunk(960)));
    expect(only('audio').map((a) => a.responseId)).toEqual(['s-1:1', 's-1:2']);
    expect(only('interrupted')).toHaveLength(1);
    expect(only('responseDone')).toEqual([{ responseId: 's-1:1' }]);
    expect(session.stats.lateAudioChunks).toBe(2);
    await session.close();
  });

  it('an interrupted with no turn under way does not swallow the next answer', async () => {
    const { server, session, only } = await ready();
    server.push({ serverContent: { interrupted: true } });
    server.push(audioMessage(pcmChunk(960)));
    expect(only('audio')).toHaveLength(1);
    expect(session.stats.lateAudioChunks).toBe(0);
    await session.close();
  });

  it('carries a sample split across chunks, so chunking never changes the audio', async () => {
    const { server, session, only } = await ready();
    const whole = pcmChunk(1201);
    for (const [a, b] of [
      [0, 7],
      [7, 1001],
      [1001, 2402],
    ] as const)
      server.push(audioMessage(whole.subarray(a, b)));
    server.push({ serverContent: { turnComplete: true } });
    const got = only('audio').flatMap((a) => [...a.mulaw]);
    const reference = createPcm24kToMulaw();
    const samples = new Int16Array(whole.buffer.slice(0));
    const expected = [...reference.process(samples), ...reference.flush()];
    expect(got).toEqual(expected);
    await session.close();
  });

  it('counts malformed and unknown messages, ignores them, and keeps working', async () => {
    const { server, session, only } = await ready();
    server.push('not an object');
    server.push([]);
    server.push({ serverContent: { turnComplete: 'yes' } });
    server.push(audioMessage(pcmChunk(10), 'audio/pcm;rate=16000')); // not what the model sends
    server.push({ serverContent: { modelTurn: { parts: [{ inlineData: { data: '%%%' } }] } } });
    server.push({ somethingNew: { x: 1 } });
    server.push({ usageMetadata: { totalTokenCount: 5 } }); // known, unused
    server.push({ voiceActivityDetectionSignal: { vadSignalType: 'VAD_SIGNAL_TYPE_SOS' } });
    server.push({ serverContent: { outputTranscription: { text: 'still here' } } });
    expect(session.stats).toMatchObject({ malformedMessages: 5, unknownMessages: 1 });
    expect(only('speechStarted')).toHaveLength(1);
    expect(only('transcript')).toEqual([{ role: 'assistant', text: 'still here', final: false }]);
    expect(session.state).toBe('ready');
    await session.close();
  });

  it('ignores the result of a cancelled tool call', async () => {
    const { server, session, only } = await ready();
    server.push({
      toolCall: { functionCalls: [{ id: 'fc_9', name: 'lookup', args: { q: 1 } }, { name: 'noid' }] },
    });
    expect(only('toolCall')).toEqual([
      { callId: 'fc_9', name: 'lookup', arguments: { q: 1 } },
      { callId: 's-1:call-1', name: 'noid', arguments: {} },
    ]);
    server.push({ toolCallCancellation: { ids: ['fc_9'] } });
    session.sendToolResult('fc_9', 'too late');
    session.sendToolResult('s-1:call-1', [1, 2]);
    expect(server.sent.filter((m) => 'toolResponse' in m)).toEqual([
      {
        toolResponse: {
          functionResponses: [{ id: 's-1:call-1', name: 'noid', response: { output: [1, 2] } }],
        },
      },
    ]);
    expect(session.stats.cancelledToolCalls).toBe(1);
    await session.close();
  });

  it('switches to the resumed connection only when the old one has finished its answer', async () => {
    const { server, session, only } = await ready();
    const [first] = server.conns;
    server.push({ sessionResumptionUpdate: { newHandle: 'h1', resumable: true } });
    server.push({ sessionResumptionUpdate: { resumable: false } }); // no handle mid-generation: keep h1
    server.push(audioMessage(pcmChunk(960)));
    server.push({ goAway: { timeLeft: '30s' } });
    await flush();
    expect(server.params[1]!.config.sessionResumption).toEqual({ handle: 'h1' });
    const sentBefore = first!.sent.length;
    session.appendAudio(new Uint8Array(160).fill(0xff)); // switching: buffered
    server.conns[1]!.callbacks.onmessage({ setupComplete: {} });
    expect(session.stats.resumptions).toBe(0); // the old connection is still speaking
    first!.callbacks.onmessage(audioMessage(pcmChunk(960)));
    first!.callbacks.onmessage({ serverContent: { turnComplete: true } });
    expect(session.stats.resumptions).toBe(1);
    expect(first!.sent).toHaveLength(sentBefore);
    expect(first!.closes).toBe(1);
    expect(server.conns[1]!.sent.map((m) => Object.keys(m)[0])).toEqual(['realtimeInput']);
    expect(only('audio').map((a) => a.responseId)).toEqual(['s-1:1', 's-1:1', 's-1:1']);
    first!.callbacks.onmessage(audioMessage(pcmChunk(960))); // a retired connection is not heard
    expect(only('audio')).toHaveLength(3);
    await session.close();
  });

  it('switches as soon as the new connection is ready when the old one died mid-answer', async () => {
    const { server, session, log, only } = await ready();
    const [first] = server.conns;
    server.push({ sessionResumptionUpdate: { newHandle: 'h1', resumable: true } });
    server.push(audioMessage(pcmChunk(960)));
    server.push({ goAway: {} });
    await flush();
    first!.callbacks.onclose?.({ code: 1011, reason: 'aborted' });
    server.conns[1]!.callbacks.onmessage({ setupComplete: {} });
    expect(session.stats.resumptions).toBe(1);
    expect(only('responseDone')).toEqual([{ responseId: 's-1:1' }]); // the cut answer is over
    expect(log.some((e) => e.name === 'closed')).toBe(false);
    server.push(audioMessage(pcmChunk(960)));
    expect(only('audio').at(-1)?.responseId).toBe('s-1:2');
    await session.close();
  });

  it('never puts the key in an error, whatever connect throws', async () => {
    const connect: GeminiLiveConnect = () => {
      throw new Error(`Invalid URL: ws://h/ws/x.BidiGenerateContent?key=${KEY}`);
    };
    const session = new GeminiLiveSession({ apiKey: KEY, connect, clock: new FakeClock(0) });
    const error = (await session.connect().catch((e: unknown) => e)) as ProviderError;
    expect(isProviderError(error)).toBe(true);
    expect(error.message).toContain('?key=[REDACTED]');
    expect(JSON.stringify([error.message, error.toJSON()])).not.toContain(KEY);
  });
});

describe('gemini-live wire helpers', () => {
  it('parses goAway durations', () => {
    expect(durationMs('50s')).toBe(50_000);
    expect(durationMs('0.25s')).toBe(250);
    expect(durationMs(3)).toBe(3000);
    expect(durationMs('soon')).toBeUndefined();
    expect(durationMs(undefined)).toBeUndefined();
  });

  it('maps handshake failures to typed provider errors', () => {
    const redact = (s: string) => s.replace(KEY, '[REDACTED]');
    const cases: [Parameters<typeof handshakeError>[0], number | undefined, boolean][] = [
      [{ error: 'Unexpected server response: 403' }, 403, false],
      [{ error: 'Unexpected server response: 429' }, 429, true],
      [{ code: 1008, reason: 'API key not valid. Please pass a valid API key.' }, 401, false],
      [{ code: 1008, reason: 'User location is not supported' }, 403, false],
      [{ code: 1007, reason: 'Request contains an invalid argument.' }, 400, false],
      [{ code: 1011, reason: 'Internal error' }, undefined, true],
      [{ thrown: new Error('boom') }, undefined, true],
    ];
    for (const [detail, status, retryable] of cases) {
      const error = handshakeError(detail, redact);
      expect([error.status, error.retryable]).toEqual([status, retryable]);
    }
    expect(handshakeError({ code: 1008, reason: `bad key ${KEY}` }, redact).message).not.toContain(KEY);
  });
});
