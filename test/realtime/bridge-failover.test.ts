import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { BridgeSession, type FailoverEvent, type ModelLost } from '../../src/realtime/bridge.js';
import type { RealtimeSession } from '../../src/realtime/session.js';
import { memorySocketPair } from '../../src/testing/memory-socket.js';
import { ScriptedRealtimeSession } from '../../src/testing/scripted-session.js';

const STREAM_SID = `MZ${'b'.repeat(32)}`;
const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

function setup(
  onModelLost?: (lost: ModelLost) => Promise<RealtimeSession | null>,
  extra: { filler?: Uint8Array; expiresAt?: number } = {},
) {
  const clock = new FakeClock(0);
  const [twilio, bridgeEnd] = memorySocketPair();
  const first = new ScriptedRealtimeSession('openai-live');
  first.expiresAt = extra.expiresAt;
  const bridge = new BridgeSession({
    twilio: bridgeEnd,
    clock,
    onStart: async () => first,
    onModelLost,
    filler: extra.filler,
  });
  let seq = 0;
  const send = (event: Record<string, unknown>) =>
    twilio.send(JSON.stringify({ sequenceNumber: String(++seq), streamSid: STREAM_SID, ...event }));
  send({
    event: 'start',
    start: {
      streamSid: STREAM_SID,
      accountSid: `AC${'c'.repeat(32)}`,
      callSid: `CA${'a'.repeat(32)}`,
      tracks: ['inbound'],
      customParameters: { callId: 'call-1', provider: 'openai', token: 't' },
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
    },
  });
  let chunk = 0;
  const media = (fill: number) =>
    send({
      event: 'media',
      media: {
        track: 'inbound',
        chunk: String(++chunk),
        timestamp: String(chunk * 20),
        payload: b64(new Uint8Array(160).fill(fill)),
      },
    });
  return { clock, bridge, first, media, bridgeEnd, twilio };
}

describe('BridgeSession failover', () => {
  it('replaces a model that drops mid-call, replays the conversation, keeps the caller audio', async () => {
    const second = new ScriptedRealtimeSession('gemini-live');
    let release!: (s: RealtimeSession) => void;
    const losses: ModelLost[] = [];
    const t = setup(
      (lost) =>
        new Promise((resolve) => {
          losses.push(lost);
          release = resolve;
        }),
    );
    const failovers: FailoverEvent[] = [];
    t.bridge.onFailover((f) => failovers.push(f));
    await flush();
    t.first.emit('transcript', { role: 'user', text: 'I need to ', final: false });
    t.first.emit('transcript', { role: 'user', text: 'change my order', final: true });
    t.first.emit('transcript', { role: 'assistant', text: 'Sure, which one?', final: false });
    t.media(1);
    t.first.emit('closed', { reason: 'connection_lost', expected: false });
    await flush();
    // While the replacement connects, the caller keeps talking: nothing is lost.
    t.media(2);
    t.media(3);
    await t.clock.advance(700);
    release(second);
    await flush();
    expect(losses).toEqual([
      {
        provider: 'openai',
        api: 'openai-live',
        reason: 'closed: connection_lost',
        planned: false,
        attempt: 1,
        history: [
          { role: 'user', text: 'I need to change my order' },
          { role: 'assistant', text: 'Sure, which one?' },
        ],
      },
    ]);
    expect(t.first.received.map((f) => f[0])).toEqual([1]);
    // Frame 1 may have died with the socket: it is replayed first, then what came during the gap.
    expect(second.received.map((f) => f[0])).toEqual([1, 2, 3]);
    expect(failovers).toEqual([
      {
        from: { provider: 'openai', api: 'openai-live' },
        to: { provider: 'gemini', api: 'gemini-live' },
        reason: 'closed: connection_lost',
        gapMs: 700,
      },
    ]);
    expect(t.first.listenerCount).toBe(0);
    expect(t.bridge.stats.failovers).toBe(1);
    t.media(4);
    expect(second.received.map((f) => f[0])).toEqual([1, 2, 3, 4]);
    expect(t.bridgeEnd.readyState).toBe(1); // the caller's leg stayed up
  });

  it('treats a model that goes silent after the caller spoke as lost', async () => {
    const second = new ScriptedRealtimeSession('openai-realtime');
    const reasons: string[] = [];
    const t = setup(async (lost) => {
      reasons.push(lost.reason);
      return second;
    });
    await flush();
    t.first.emit('speechStopped', {});
    await t.clock.advance(7_999);
    expect(reasons).toEqual([]);
    await t.clock.advance(1);
    await flush();
    expect(reasons).toEqual(['stalled']);
    expect(t.first.closed).toBe('stalled');
    // Audio arriving in time disarms the stall check.
    second.emit('speechStopped', {});
    second.emit('audio', { mulaw: new Uint8Array(160) });
    await t.clock.advance(10_000);
    expect(reasons).toEqual(['stalled']);
  });

  it('ends cleanly when no provider is left', async () => {
    const t = setup(async () => null);
    await flush();
    t.first.emit('closed', { reason: 'expired', expected: false });
    expect(await t.bridge.done).toBe('model_lost');
    expect(t.clock.pendingTimers).toBe(0);
  });

  it('plays the filler to the caller while the replacement connects', async () => {
    const t = setup(() => new Promise(() => {}), { filler: new Uint8Array(800).fill(0x55) });
    await flush();
    t.first.emit('closed', { reason: 'connection_lost', expected: false });
    await flush();
    const media = t.bridgeEnd.sent
      .map((m) => JSON.parse(m) as { event: string })
      .filter((m) => m.event === 'media');
    expect(media).toHaveLength(5); // 100 ms of filler in 20 ms frames
  });

  it('renews a session before it expires, between replies, without counting a failure', async () => {
    const second = new ScriptedRealtimeSession('openai-live');
    const losses: ModelLost[] = [];
    const t = setup(
      async (lost) => {
        losses.push(lost);
        return second;
      },
      { expiresAt: 30 * 60_000 },
    );
    await flush();
    t.first.emit('transcript', { role: 'user', text: 'hi', final: true });
    await t.clock.advance(29 * 60_000 - 1);
    expect(losses).toEqual([]);
    // A reply is streaming at the renewal time: the swap waits for it to end.
    t.first.emit('audio', { mulaw: new Uint8Array(160) });
    await t.clock.advance(1);
    expect(losses).toEqual([]);
    t.first.emit('responseDone', {});
    await t.clock.advance(600);
    await flush();
    expect(losses).toMatchObject([
      { reason: 'renewal', planned: true, history: [{ role: 'user', text: 'hi' }] },
    ]);
    expect(t.bridge.stats.failovers).toBe(1);
  });
});
