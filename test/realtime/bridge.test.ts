import { beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { BridgeSession } from '../../src/realtime/bridge.js';
import type { RealtimeApi } from '../../src/realtime/session.js';
import { type MemorySocket, memorySocketPair } from '../../src/testing/memory-socket.js';
import { ScriptedRealtimeSession } from '../../src/testing/scripted-session.js';

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const CALL_SID = `CA${'a'.repeat(32)}`;
const STREAM_SID = `MZ${'b'.repeat(32)}`;

interface Sent {
  event: string;
  media?: { payload: string };
  mark?: { name: string };
}

function setup(api: RealtimeApi = 'openai-realtime', options: { refuse?: boolean } = {}) {
  const clock = new FakeClock(1_000_000);
  const [twilio, bridgeEnd] = memorySocketPair();
  const model = new ScriptedRealtimeSession(api);
  const starts: unknown[] = [];
  const hangUps: string[] = [];
  const bridge = new BridgeSession({
    twilio: bridgeEnd,
    clock,
    maxLeadMs: 400,
    markEveryMs: 100,
    onStart: async (start) => {
      starts.push(start);
      if (options.refuse) throw new Error('bad token');
      return model;
    },
    onHangUp: async (sid) => {
      hangUps.push(sid);
    },
  });
  let seq = 0;
  const send = (event: Record<string, unknown>) =>
    twilio.send(JSON.stringify({ sequenceNumber: String(++seq), streamSid: STREAM_SID, ...event }));
  const start = () =>
    send({
      event: 'start',
      start: {
        streamSid: STREAM_SID,
        accountSid: `AC${'c'.repeat(32)}`,
        callSid: CALL_SID,
        tracks: ['inbound'],
        customParameters: { callId: 'call-1', provider: 'openai', token: 't' },
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
    });
  let chunk = 0;
  const media = (bytes: Uint8Array) =>
    send({
      event: 'media',
      media: { track: 'inbound', chunk: String(++chunk), timestamp: String(chunk * 20), payload: b64(bytes) },
    });
  const sent = (): Sent[] => bridgeEnd.sent.map((s) => JSON.parse(s) as Sent);
  const marks = () =>
    sent()
      .filter((m) => m.event === 'mark')
      .map((m) => m.mark!.name);
  const echo = (name: string) => send({ event: 'mark', mark: { name } });
  return { clock, twilio, bridgeEnd, model, bridge, starts, hangUps, send, start, media, sent, marks, echo };
}

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('BridgeSession', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup();
  });

  it('passes caller audio through untouched, keeping frames that arrive before the session is ready', async () => {
    t.send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    t.start();
    t.media(new Uint8Array(160).fill(1)); // before onStart resolved
    await flush();
    t.media(new Uint8Array(160).fill(2));
    expect(t.starts).toHaveLength(1);
    expect(t.model.received.map((f) => f[0])).toEqual([1, 2]);
    expect(t.bridge.stats.framesIn).toBe(2);
  });

  it('paces model audio to a short lead and marks it; echoes release more', async () => {
    t.start();
    await flush();
    t.model.emit('audio', { mulaw: new Uint8Array(8000), itemId: 'item_1', responseId: 'resp_1' }); // 1 s
    const media = t.sent().filter((m) => m.event === 'media');
    expect(media).toHaveLength(20); // 400 ms lead / 20 ms frames
    expect(t.marks()).toHaveLength(4);
    t.echo(t.marks()[0]!);
    expect(t.sent().filter((m) => m.event === 'media')).toHaveLength(25);
    expect(t.bridge.playback.playedMs).toBe(100);
  });

  it('barge-in on the Realtime API: clear, truncate at what was heard, cancel, drop late audio', async () => {
    t.start();
    await flush();
    t.model.emit('audio', { mulaw: new Uint8Array(4000), itemId: 'item_1', responseId: 'resp_1' });
    const [first] = t.marks();
    t.echo(first!); // the caller heard 100 ms
    t.model.emit('speechStarted', {});
    expect(t.sent().at(-1)?.event).toBe('clear');
    expect(t.model.truncations).toEqual([{ itemId: 'item_1', audioEndMs: 100 }]);
    expect(t.model.cancels).toBe(1);
    const before = t.sent().length;
    t.model.emit('audio', { mulaw: new Uint8Array(800), itemId: 'item_1', responseId: 'resp_1' });
    expect(t.sent()).toHaveLength(before);
    expect(t.bridge.stats.droppedLateFrames).toBe(1);
    // Twilio echoes the cleared marks: they do not count as played.
    for (const name of t.marks().slice(1)) t.echo(name);
    expect(t.bridge.playback.playedMs).toBe(100);
    // The next response plays normally.
    t.model.emit('audio', { mulaw: new Uint8Array(800), itemId: 'item_2', responseId: 'resp_2' });
    expect(t.sent().length).toBeGreaterThan(before);
    expect(t.bridge.stats.bargeIns).toBe(1);
  });

  it('on the Live API the model interrupts itself: no clear, no truncate', async () => {
    t = setup('openai-live');
    t.start();
    await flush();
    t.model.emit('audio', { mulaw: new Uint8Array(4000) });
    t.model.emit('speechStarted', {});
    expect(t.sent().some((m) => m.event === 'clear')).toBe(false);
    expect(t.model.truncations).toEqual([]);
  });

  it('on Gemini, interrupted clears Twilio', async () => {
    t = setup('gemini-live');
    t.start();
    await flush();
    t.model.emit('audio', { mulaw: new Uint8Array(4000), responseId: 'turn-a' });
    t.model.emit('interrupted', {});
    expect(t.sent().some((m) => m.event === 'clear')).toBe(true);
  });

  it('measures each turn: end of speech -> first model audio -> first audio played', async () => {
    t.start();
    await flush();
    const turns: unknown[] = [];
    t.bridge.onTurn((m) => turns.push(m));
    t.model.emit('speechStopped', {});
    await t.clock.advance(300);
    t.model.emit('audio', { mulaw: new Uint8Array(1600), itemId: 'item_1', responseId: 'resp_1' });
    await t.clock.advance(120);
    t.echo(t.marks()[0]!);
    expect(turns).toEqual([
      { turn: 1, speechEndToFirstAudioMs: 300, firstAudioToPlayedMs: 120, totalMs: 420 },
    ]);
  });

  it('surfaces DTMF, counts malformed frames, runs hang_up through the orchestrator', async () => {
    t.start();
    await flush();
    const digits: string[] = [];
    t.bridge.onDtmf((d) => digits.push(d.digit));
    t.send({ event: 'dtmf', dtmf: { track: 'inbound_track', digit: '5' } });
    t.twilio.send('{not json');
    t.twilio.send(JSON.stringify({ event: 'media', media: { payload: 42 } }));
    expect(digits).toEqual(['5']);
    expect(t.bridge.stats.malformed).toBe(2);
    t.model.emit('toolCall', { callId: 'c1', name: 'hang_up', arguments: {} });
    await flush();
    expect(t.hangUps).toEqual([CALL_SID]);
    expect(t.model.toolResults).toEqual([{ callId: 'c1', output: { ok: true } }]);
  });

  it('releases everything on stop: session closed, sockets closed, no listener or timer left', async () => {
    t.start();
    await flush();
    t.send({ event: 'stop', stop: { accountSid: `AC${'c'.repeat(32)}`, callSid: CALL_SID } });
    expect(await t.bridge.done).toBe('twilio_stop');
    expect(t.model.closed).toBe('twilio_stop');
    expect(t.model.listenerCount).toBe(0);
    expect((t.bridgeEnd as MemorySocket).listenerCount).toBe(0);
    expect(t.bridgeEnd.readyState).toBe(3);
    expect(t.clock.pendingTimers).toBe(0);
  });

  it('ends when Twilio never sends start, and when the stream is refused', async () => {
    await t.clock.advance(10_000);
    expect(await t.bridge.done).toBe('start_timeout');
    const refused = setup('openai-realtime', { refuse: true });
    refused.start();
    expect(await refused.bridge.done).toBe('start_refused');
    expect(refused.bridgeEnd.readyState).toBe(3);
  });

  it('ends when the model socket drops unexpectedly', async () => {
    t.start();
    await flush();
    t.model.emit('closed', { reason: 'connection lost', expected: false });
    expect(await t.bridge.done).toBe('model_closed');
  });
});
