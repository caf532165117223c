// OpenAiLiveSession against FakeOpenAILiveServer on loopback, through the real `ws` factory.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import type { OpenAiLiveSession } from '../../src/realtime/providers/openai-live.js';
import { type FakeOpenAILiveOptions, FakeOpenAILiveServer } from '../../src/testing/fake-openai-live.js';
import { framesOf, speechLike } from '../../src/testing/speech-audio.js';
import { callerTurn, collect, concat, newSession, trackingFactory, until } from './openai-live.helpers.js';

const fakes: FakeOpenAILiveServer[] = [];
const sessions: OpenAiLiveSession[] = [];

async function setup(options: FakeOpenAILiveOptions = {}) {
  const fake = await FakeOpenAILiveServer.start({ accelerated: true, ...options });
  fakes.push(fake);
  return fake;
}

function track(session: OpenAiLiveSession): OpenAiLiveSession {
  sessions.push(session);
  return session;
}

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

describe('OpenAiLiveSession: handshake', () => {
  it('starts with session.start (pcmu 8000, voice, instructions, history) and speaks the greeting first', async () => {
    const fake = await setup();
    const session = track(
      newSession(fake, {
        config: {
          instructions: 'Be brief.',
          voice: 'marin',
          greeting: 'Hello from steadycall!',
          history: [
            { role: 'user', text: 'My order is late.' },
            { role: 'assistant', text: 'Let me check.' },
          ],
        },
      }),
    );
    const seen = collect(session);
    await session.connect();
    expect(session.sessionId).toBe('live_fake_1');
    expect(session.expiresAt).toBeGreaterThan(Date.now());

    const record = fake.lastSession!;
    expect(record.events[0]?.type).toBe('session.start');
    expect(record.start).toMatchObject({
      model: 'gpt-live-1',
      instructions: 'Be brief.',
      audio: { format: { type: 'audio/pcmu', rate: 8000 }, output: { voice: 'marin' } },
      delegation: { type: 'responses' },
      input: [
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'My order is late.' }] },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Let me check.' }] },
      ],
    });
    // The greeting is an instruction, not bare text (GPT-Live would not speak first otherwise).
    await until(() => expect(record.commentary).toHaveLength(1));
    expect(record.commentary[0]).toMatch(/^Greet the caller immediately[\s\S]*\n\nHello from steadycall!$/);
    expect(record.events.find((e) => e.type === 'session.commentary.append')?.event.delegation_id).toBeNull();

    await until(() => expect(record.responses[0]?.status).toBe('done'));
    await until(() => expect(seen.audioBytes()).toBe(record.responses[0]!.audioBytes));
    expect(seen.text('assistant')).toBe('Hello from steadycall!');
    expect(seen.error).toEqual([]);
  });

  it('a server that never answers session.start times out on the injected clock, leaving nothing behind', async () => {
    const fake = await setup();
    fake.failHandshake();
    const clock = new FakeClock(0);
    const tracking = trackingFactory();
    const session = track(newSession(fake, { clock, socketFactory: tracking.factory }));
    const connecting = session.connect();
    const outcome = connecting.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await until(() => expect(fake.lastSession?.events.map((e) => e.type)).toEqual(['session.start']));
    await clock.advance(4999);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(1);
    const error = await outcome;
    expect(error).toMatchObject({ name: 'TimeoutError', code: 'timeout', retryable: true, timeoutMs: 5000 });
    expect(clock.pendingTimers).toBe(0);
    expect(tracking.listenerCount()).toBe(0);
    await until(() => expect(fake.connectionCount).toBe(0));
  });

  it('an error answer to session.start rejects with a ProviderError carrying the server code', async () => {
    const fake = await setup();
    fake.failHandshake('insufficient_quota');
    const tracking = trackingFactory();
    const session = track(newSession(fake, { socketFactory: tracking.factory }));
    await expect(session.connect()).rejects.toMatchObject({
      name: 'ProviderError',
      providerCode: 'insufficient_quota',
      retryable: false,
    });
    expect(tracking.listenerCount()).toBe(0);
  });

  it('a wrong key is refused on upgrade: typed 401 error, key nowhere in errors or logs', async () => {
    const fake = await setup();
    const { captureLogger } = await import('./openai-live.helpers.js');
    const { logger, lines } = captureLogger();
    const wrongKey = 'sk-proj-WRONGKEY0123456789abcdefSECRET';
    const session = track(newSession(fake, { apiKey: wrongKey, logger }));
    const error = await session.connect().then(
      () => null,
      (e: unknown) => e as Error & { toJSON(): unknown },
    );
    expect(error).toMatchObject({
      name: 'ProviderError',
      code: 'provider_error',
      status: 401,
      providerCode: 'invalid_api_key',
      retryable: false,
    });
    expect(fake.rejectedUpgrades).toEqual([{ status: 401, path: '/v1/live/sessions' }]);
    const everything = [error!.message, JSON.stringify(error!.toJSON()), String(error!.stack), ...lines].join(
      '\n',
    );
    expect(everything).not.toContain(wrongKey);
    expect(everything).not.toContain('WRONGKEY');
  });

  it('connect() with an aborted signal rejects with its reason and releases the socket', async () => {
    const fake = await setup();
    fake.failHandshake();
    const tracking = trackingFactory();
    const session = track(newSession(fake, { socketFactory: tracking.factory }));
    const controller = new AbortController();
    const connecting = session.connect({ signal: controller.signal });
    controller.abort(new Error('call hung up'));
    await expect(connecting).rejects.toThrow('call hung up');
    expect(tracking.listenerCount()).toBe(0);
    await expect(session.connect()).rejects.toMatchObject({ code: 'provider_error' }); // single use
    expect(tracking.sockets).toHaveLength(1);
  });
});

describe('OpenAiLiveSession: audio', () => {
  it('round trip: caller speech then silence -> model audio (passthrough) and both transcripts', async () => {
    const fake = await setup({ voiceText: 'Sure, I can help with that.' });
    const session = track(newSession(fake));
    const seen = collect(session);
    await session.connect();
    const speech = speechLike({ durationMs: 800, seed: 3 });
    callerTurn(session, 800, 3);
    const record = fake.lastSession!;
    await until(() => expect(record.turns).toBe(1));
    await until(() => expect(record.responses[0]?.status).toBe('done'));
    await until(() => expect(seen.audioBytes()).toBe(record.responses[0]!.audioBytes));
    // Caller audio arrives untouched (mu-law passthrough, no transcoding).
    expect(concat(record.audioChunks).subarray(0, speech.length)).toEqual(speech);
    expect(record.audioBytes).toBe(speech.length + 700 * 8);
    expect(seen.text('assistant')).toBe('Sure, I can help with that.');
    expect(seen.text('user').length).toBeGreaterThan(0);
    expect(seen.transcript.every((t) => t.final === false)).toBe(true);
    expect(record.events.filter((e) => e.type === 'session.input_audio.append').length).toBe(
      framesOf(speech).length + 35,
    );
  });

  it('the model stops its own audio when the caller talks over it (no truncate, no cancel sent)', async () => {
    const fake = await setup({ accelerated: false, responseAudioMs: 5000 });
    const session = track(newSession(fake));
    const seen = collect(session);
    await session.connect();
    callerTurn(session);
    await until(() => expect(seen.audio.length).toBeGreaterThan(0));
    session.truncate('item', 100); // no-ops on the Live API
    session.cancelResponse();
    for (const frame of framesOf(speechLike({ durationMs: 400, seed: 9 }))) session.appendAudio(frame);
    const record = fake.lastSession!;
    await until(() => expect(record.interruptions).toBe(1));
    expect(record.responses[0]?.status).toBe('interrupted');
    expect(record.responses[0]!.audioBytes).toBeLessThan(5000 * 8);
    const sent = new Set(record.events.map((e) => e.type));
    expect(sent).toEqual(new Set(['session.start', 'session.input_audio.append']));
  });

  it('keeps the input flowing: a gap in caller audio is filled with silence on the injected clock', async () => {
    const fake = await setup();
    const clock = new FakeClock(0);
    const session = track(newSession(fake, { clock, keepAliveMs: 200 }));
    await session.connect();
    expect(clock.pendingTimers).toBe(1); // the keep-alive tick
    const record = fake.lastSession!;
    await clock.advance(200); // nothing appended: 200 ms of silence goes out
    await until(() => expect(record.audioChunks).toHaveLength(1));
    expect(record.audioChunks[0]).toEqual(new Uint8Array(1600).fill(0xff));
    session.appendAudio(new Uint8Array(160).fill(0x11));
    await clock.advance(200); // caller audio flowed in this tick: no filler
    await until(() => expect(record.audioChunks).toHaveLength(2));
    await clock.advance(200);
    await until(() => expect(record.audioChunks).toHaveLength(3));
    expect(record.audioChunks.map((c) => [c.length, c[0]])).toEqual([
      [1600, 0xff],
      [160, 0x11],
      [1600, 0xff],
    ]);
    const closing = session.close();
    expect(clock.pendingTimers).toBe(1); // only the close wait: no silence after session.close
    await closing;
    expect(clock.pendingTimers).toBe(0);
  });

  it('audio appended before session.started is buffered and flushed first, in order', async () => {
    const fake = await setup();
    const session = track(newSession(fake));
    const frames = Array.from({ length: 10 }, (_, i) => new Uint8Array(160).fill(0x70 + i));
    for (const frame of frames.slice(0, 4)) session.appendAudio(frame); // before connect()
    const connecting = session.connect();
    for (const frame of frames.slice(4)) session.appendAudio(frame); // while connecting
    frames[9]!.fill(0); // the session copied it: later changes by the caller do not leak in
    await connecting;
    const record = fake.lastSession!;
    await until(() => expect(record.audioChunks).toHaveLength(10));
    expect(record.appendsBeforeStart).toBe(0);
    expect(record.events[0]?.type).toBe('session.start');
    expect(record.audioChunks.map((c) => c[0])).toEqual([...Array(10).keys()].map((i) => 0x70 + i));
    expect(session.stats.droppedAudioChunks).toBe(0);
  });

  it('the pre-handshake buffer is bounded: the oldest audio is dropped and counted', async () => {
    const fake = await setup();
    const session = track(newSession(fake, { maxBufferedAudioMs: 100 })); // 5 frames
    for (let i = 0; i < 8; i++) session.appendAudio(new Uint8Array(160).fill(i));
    expect(session.stats).toMatchObject({ droppedAudioChunks: 3, droppedAudioBytes: 480 });
    await session.connect();
    const record = fake.lastSession!;
    await until(() => expect(record.audioChunks).toHaveLength(5));
    expect(record.audioChunks.map((c) => c[0])).toEqual([3, 4, 5, 6, 7]);
  });

  it('a stalled server sends no audio, and close() then gives up after closeTimeoutMs on the clock', async () => {
    const fake = await setup();
    const clock = new FakeClock(0);
    const tracking = trackingFactory();
    const session = track(newSession(fake, { clock, socketFactory: tracking.factory }));
    const seen = collect(session);
    await session.connect();
    fake.stall();
    callerTurn(session);
    const record = fake.lastSession!;
    await until(() => expect(record.responses[0]?.status).toBe('done')); // it "spoke" into the void
    expect(seen.audio).toEqual([]);
    expect(seen.transcript).toEqual([]);
    const closing = session.close();
    await until(() => expect(record.events.at(-1)?.type).toBe('session.close'));
    expect(seen.closed).toEqual([]);
    await clock.advance(2000);
    await closing;
    expect(seen.closed).toEqual([{ reason: 'close_timeout', expected: true }]);
    expect(clock.pendingTimers).toBe(0);
    expect(tracking.listenerCount()).toBe(0);
  });
});
