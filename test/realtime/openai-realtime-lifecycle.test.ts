// OpenAiRealtimeSession lifecycle: pre-ready buffering, handshake failures, drops, bad input, close.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { isProviderError, isTimeoutError, type ProviderError } from '../../src/core/errors.js';
import { OpenAiRealtimeSession } from '../../src/realtime/providers/openai-realtime.js';
import { type SocketLike, SocketState } from '../../src/realtime/socket.js';
import { FakeOpenAIRealtimeServer } from '../../src/testing/fake-openai-realtime.js';
import {
  capturingLogger,
  countingFactory,
  KEY,
  newSession,
  only,
  record,
  until,
} from './openai-realtime.helpers.js';

let fake: FakeOpenAIRealtimeServer | undefined;
const sessions: OpenAiRealtimeSession[] = [];

afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
  await fake?.close();
  fake = undefined;
});

async function start(options: Parameters<typeof FakeOpenAIRealtimeServer.start>[0] = {}) {
  fake = await FakeOpenAIRealtimeServer.start({ apiKey: KEY, ...options });
  return fake;
}

function track(session: OpenAiRealtimeSession): OpenAiRealtimeSession {
  sessions.push(session);
  return session;
}

const chunk = (value: number, length = 160) => new Uint8Array(length).fill(value);

describe('OpenAiRealtimeSession: audio before the session is ready', () => {
  it('is buffered and flushed in order once session.updated arrived', async () => {
    const fake = await start();
    const session = track(newSession(fake));
    session.appendAudio(chunk(1));
    session.appendAudio(chunk(2));
    const connected = session.connect();
    session.appendAudio(chunk(3)); // while connecting
    await connected;
    session.appendAudio(chunk(4)); // live
    await until(() => expect(fake.lastSession!.audioChunks).toHaveLength(4));
    expect(fake.lastSession!.audioChunks.map((c) => c[0])).toEqual([1, 2, 3, 4]);
    expect(fake.lastSession!.appendsBeforeUpdate).toBe(0); // never in the server's default format
    const types = fake.lastSession!.events.map((e) => e.type);
    expect(types.indexOf('session.update')).toBeLessThan(types.indexOf('input_audio_buffer.append'));
  });

  it('is bounded: the oldest is dropped and counted', async () => {
    const fake = await start();
    const session = track(newSession(fake, { maxBufferedAudioMs: 40 })); // 320 bytes
    for (let i = 1; i <= 4; i++) session.appendAudio(chunk(i));
    await session.connect();
    await until(() => expect(fake.lastSession!.audioChunks).toHaveLength(2));
    expect(fake.lastSession!.audioChunks.map((c) => c[0])).toEqual([3, 4]);
    expect(session.stats).toMatchObject({ droppedAudioChunks: 2, droppedAudioBytes: 320 });
  });
});

describe('OpenAiRealtimeSession: handshake failures', () => {
  it('times out on the injected clock when the server never answers, leaving nothing behind', async () => {
    const fake = await start();
    fake.stall();
    const clock = new FakeClock(0);
    const { factory, state } = countingFactory();
    const session = track(newSession(fake, { clock, socketFactory: factory }));
    const connecting = session.connect();
    const outcome = connecting.catch((e: unknown) => e);
    await until(() => expect(fake.connectionCount).toBe(1)); // socket open, no session.created
    await clock.advance(4999);
    expect(session.state).toBe('connecting');
    await clock.advance(1);
    const error = await outcome;
    expect(isTimeoutError(error)).toBe(true);
    expect(session.state).toBe('closed');
    expect(clock.pendingTimers).toBe(0);
    expect(state.listeners).toBe(0);
    await until(() => expect(fake.connectionCount).toBe(0));
  });

  it('rejects a wrong key with a typed 401 error that never contains the key', async () => {
    const fake = await start();
    const wrongKey = 'sk-wrong-key-9e8d7c6b5a4f';
    const lines: string[] = [];
    const session = track(newSession(fake, { apiKey: wrongKey, logger: capturingLogger(lines) }));
    const log = record(session);
    const error = (await session.connect().catch((e: unknown) => e)) as ProviderError;
    expect(isProviderError(error)).toBe(true);
    expect(error.status).toBe(401);
    expect(error.retryable).toBe(false);
    expect(fake.rejectedUpgrades).toEqual([{ status: 401, path: '/v1/realtime' }]);
    const everything = JSON.stringify([error.message, error.toJSON(), error.details, lines, log]);
    expect(everything).not.toContain(wrongKey);
    expect(everything).not.toContain(KEY);
    expect(session.state).toBe('closed');
  });

  it('maps a refused upgrade (503) to a retryable provider error', async () => {
    const fake = await start();
    fake.failHandshake({ status: 503, times: 1 });
    const error = (await track(newSession(fake))
      .connect()
      .catch((e: unknown) => e)) as ProviderError;
    expect(isProviderError(error) && error.status).toBe(503);
    expect(error.retryable).toBe(true);
  });

  it('rejects when aborted, and when closed while connecting', async () => {
    const fake = await start();
    fake.stall();
    const controller = new AbortController();
    const aborted = track(newSession(fake)).connect({ signal: controller.signal });
    controller.abort(new Error('caller hung up'));
    await expect(aborted).rejects.toThrow('caller hung up');

    const clock = new FakeClock(0);
    const session = track(newSession(fake, { clock }));
    const connecting = session.connect().catch((e: unknown) => e);
    await session.close();
    expect(isProviderError(await connecting)).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('OpenAiRealtimeSession: a live session', () => {
  it('reports a dropped connection as closed { expected: false }', async () => {
    const fake = await start();
    const session = track(newSession(fake));
    const log = record(session);
    await session.connect();
    fake.drop();
    await until(() => expect(only(log, 'closed')).toHaveLength(1));
    expect(only(log, 'closed')[0]).toMatchObject({ expected: false, code: 1006 });
    expect(session.state).toBe('closed');
  });

  it('ignores and counts malformed and unknown server messages, and keeps working', async () => {
    const fake = await start({ accelerated: true });
    const session = track(newSession(fake));
    const log = record(session);
    await session.connect();
    fake.inject('not json');
    fake.inject('{"type":42}');
    fake.inject('[]');
    fake.inject({ type: 'response.output_audio.delta', item_id: 'x' }); // no delta
    fake.inject({ type: 'response.output_audio.delta', delta: '%%% not base64 %%%' });
    fake.inject({ type: 'input_audio_buffer.speech_started', audio_start_ms: 'soon' });
    fake.inject({ type: 'response.some_future_event', anything: true });
    fake.inject({ type: 'response.output_audio_transcript.delta', delta: 'still here' });
    await until(() => expect(only(log, 'transcript')).toHaveLength(1));
    expect(session.stats).toMatchObject({ malformedMessages: 6, unknownMessages: 1 });
    expect(only(log, 'error')).toEqual([]);
    expect(only(log, 'speechStarted')).toEqual([]);
    expect(session.state).toBe('ready');
  });

  it('surfaces error events: recoverable ones keep the session, auth/quota ones end it', async () => {
    const fake = await start();
    const session = track(newSession(fake));
    const log = record(session);
    await session.connect();
    fake.inject({
      type: 'error',
      error: { type: 'invalid_request_error', code: 'invalid_value', message: 'bad' },
    });
    await until(() => expect(only(log, 'error')).toHaveLength(1));
    expect(only(log, 'error')[0]).toMatchObject({ fatal: false, error: { code: 'provider_error' } });
    expect(session.state).toBe('ready');

    fake.inject({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        code: 'insufficient_quota',
        message: `Quota for ${KEY} exceeded`,
      },
    });
    await until(() => expect(only(log, 'closed')).toHaveLength(1));
    const fatal = only(log, 'error')[1]!;
    expect(fatal.fatal).toBe(true);
    expect(fatal.error.message).not.toContain(KEY);
    expect(only(log, 'closed')[0]).toMatchObject({ expected: false });
    await until(() => expect(fake.connectionCount).toBe(0));
  });

  it('close() closes the socket and releases every listener and timer (FakeClock)', async () => {
    const fake = await start();
    const clock = new FakeClock(0);
    const { factory, state } = countingFactory();
    const session = track(newSession(fake, { clock, socketFactory: factory }));
    const log = record(session);
    await session.connect();
    expect(state.listeners).toBeGreaterThan(0);
    await session.close('call ended');
    expect(clock.pendingTimers).toBe(0);
    expect(state.listeners).toBe(0);
    expect(state.sockets[0]!.readyState).toBe(SocketState.CLOSED);
    expect(only(log, 'closed')).toEqual([{ reason: 'call ended', expected: true }]);
    await until(() => expect(fake.connectionCount).toBe(0));
    expect(fake.lastSession!.closed).toBe(true);
    // Nothing more happens, and a second close is a no-op.
    session.appendAudio(new Uint8Array(160));
    session.truncate('item', 10);
    session.cancelResponse();
    await session.close();
    expect(only(log, 'closed')).toHaveLength(1);
    await expect(session.connect()).rejects.toSatisfy(isProviderError);
  });

  it('close() gives up waiting for the close handshake after closeTimeoutMs on the clock', async () => {
    const clock = new FakeClock(0);
    const listeners = new Map<string, Set<(event: never) => void>>();
    let readyState: number = SocketState.CONNECTING;
    const stuck: SocketLike = {
      get readyState() {
        return readyState;
      },
      send: () => {},
      close: () => {
        readyState = SocketState.CLOSING; // and never CLOSED
      },
      addEventListener: ((type: string, fn: (event: never) => void) => {
        listeners.set(type, (listeners.get(type) ?? new Set()).add(fn));
      }) as SocketLike['addEventListener'],
      removeEventListener: (type, fn) => listeners.get(type)?.delete(fn),
    };
    const session = track(
      new OpenAiRealtimeSession({ apiKey: KEY, socketFactory: () => stuck, clock, closeTimeoutMs: 1000 }),
    );
    const connecting = session.connect().catch(() => {});
    readyState = SocketState.OPEN;
    const closing = session.close();
    await clock.advance(999);
    expect(session.state).toBe('closing');
    await clock.advance(1);
    await closing;
    await connecting;
    expect(session.state).toBe('closed');
    expect(clock.pendingTimers).toBe(0);
    expect([...listeners.values()].every((set) => set.size === 0)).toBe(true);
  });
});
