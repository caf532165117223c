// FakeOpenAIRealtimeServer on its own, with a raw `ws` client: it must behave like the real server,
// including refusing what the real server refuses (so the session can't pass by accident).
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { encodeBase64 } from '../../src/realtime/base64.js';
import { FakeOpenAIRealtimeServer } from '../../src/testing/fake-openai-realtime.js';
import { KEY, turn, until } from './openai-realtime.helpers.js';

type Json = Record<string, unknown>;
let fake: FakeOpenAIRealtimeServer | undefined;
const clients: WebSocket[] = [];

afterEach(async () => {
  for (const ws of clients.splice(0)) ws.terminate();
  await fake?.close();
  fake = undefined;
});

const PCMU = { type: 'audio/pcmu' };
const GOOD_UPDATE = {
  type: 'session.update',
  session: { type: 'realtime', audio: { input: { format: PCMU }, output: { format: PCMU } } },
};

async function connect(server: FakeOpenAIRealtimeServer, key = KEY) {
  const ws = new WebSocket(server.url, { headers: { Authorization: `Bearer ${key}` } });
  clients.push(ws);
  const messages: Json[] = [];
  ws.on('message', (data) => {
    const text = String(data);
    try {
      messages.push(JSON.parse(text) as Json);
    } catch {
      messages.push({ type: '(raw)', text });
    }
  });
  await once(ws, 'open');
  const ofType = (type: string) => messages.filter((m) => m.type === type);
  return {
    ws,
    messages,
    ofType,
    send: (event: Json) => ws.send(JSON.stringify(event)),
    /** Waits until `count` messages of `type` arrived; returns the last. */
    waitFor: async (type: string, count = 1) => {
      await until(() => expect(ofType(type).length).toBeGreaterThanOrEqual(count));
      return ofType(type)[count - 1]!;
    },
  };
}

async function refusedStatus(
  server: FakeOpenAIRealtimeServer,
  headers: Record<string, string>,
  path = '/v1/realtime',
) {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`, { headers });
  clients.push(ws);
  const [error] = (await once(ws, 'error')) as [Error];
  return Number(/(\d{3})/.exec(error.message)?.[1]);
}

describe('FakeOpenAIRealtimeServer', () => {
  it('refuses upgrades without the right bearer key or on another path', async () => {
    fake = await FakeOpenAIRealtimeServer.start({ apiKey: KEY });
    expect(await refusedStatus(fake, {})).toBe(401);
    expect(await refusedStatus(fake, { Authorization: 'Bearer sk-nope-000000' })).toBe(401);
    expect(await refusedStatus(fake, { Authorization: `Bearer ${KEY}` }, '/v1/live')).toBe(404);
    fake.failHandshake({ status: 500, times: 1 });
    expect(await refusedStatus(fake, { Authorization: `Bearer ${KEY}` })).toBe(500);
    expect(fake.rejectedUpgrades.map((r) => r.status)).toEqual([401, 401, 404, 500]);
    expect(fake.sessions).toEqual([]);
  });

  it('validates session.update like the real server and only speaks audio/pcmu', async () => {
    fake = await FakeOpenAIRealtimeServer.start({ apiKey: KEY });
    const c = await connect(fake);
    const created = await c.waitFor('session.created');
    expect(created).toMatchObject({ session: { id: 'sess_1', model: 'gpt-realtime-2' } });
    c.send({ type: 'input_audio_buffer.append', audio: encodeBase64(new Uint8Array(160)) });
    c.send({ type: 'session.update', session: { instructions: 'x' } });
    c.send({ type: 'session.update', session: { type: 'realtime' } }); // still the default pcm
    c.send({
      type: 'session.update',
      session: { type: 'realtime', audio: { input: { format: { ...PCMU, rate: 8000 } } } },
    });
    c.send(GOOD_UPDATE);
    const updated = await c.waitFor('session.updated');
    expect(updated).toMatchObject({
      session: { audio: { input: { format: PCMU }, output: { format: PCMU } } },
    });
    expect(c.ofType('error').map((e) => (e.error as Json).code)).toEqual([
      'missing_required_parameter',
      'invalid_value',
      'unknown_parameter',
    ]);
    expect(fake.lastSession!.appendsBeforeUpdate).toBe(1);
  });

  it('answers a turn, then rejects a truncate beyond the audio it generated for the item', async () => {
    fake = await FakeOpenAIRealtimeServer.start({ apiKey: KEY, accelerated: true, responseAudioMs: 600 });
    const c = await connect(fake);
    c.send(GOOD_UPDATE);
    await c.waitFor('session.updated');
    for (const frame of turn()) c.send({ type: 'input_audio_buffer.append', audio: encodeBase64(frame) });
    const done = await c.waitFor('response.done');
    expect(done).toMatchObject({ response: { status: 'completed' } });
    expect(c.ofType('input_audio_buffer.speech_started')[0]).toMatchObject({ item_id: expect.any(String) });
    expect(c.ofType('input_audio_buffer.committed')).toHaveLength(1);
    expect(c.ofType('response.output_audio.delta')).toHaveLength(30);
    const itemId = c.ofType('response.output_audio.delta')[0]!.item_id as string;

    c.send({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: 601 });
    c.send({
      type: 'conversation.item.truncate',
      item_id: 'item_unknown',
      content_index: 0,
      audio_end_ms: 1,
    });
    c.send({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: 600 });
    const truncated = await c.waitFor('conversation.item.truncated');
    expect(truncated).toMatchObject({ item_id: itemId, audio_end_ms: 600 });
    const errors = c.ofType('error').map((e) => e.error as Json);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({ code: 'invalid_value', param: 'audio_end_ms' });
    expect(fake.lastSession!.truncations.map((t) => [t.audioEndMs, t.accepted])).toEqual([
      [601, false],
      [1, false],
      [600, true],
    ]);
  });

  it('answers response.cancel with nothing active with response_cancel_not_active', async () => {
    fake = await FakeOpenAIRealtimeServer.start({ apiKey: KEY });
    const c = await connect(fake);
    c.send(GOOD_UPDATE);
    c.send({ type: 'response.cancel' });
    const error = await c.waitFor('error');
    expect(error).toMatchObject({ error: { code: 'response_cancel_not_active' } });
    expect(fake.lastSession!.cancels).toEqual([{ responseId: undefined, accepted: false }]);
  });

  it('cancels its own response when the caller speaks over it (interrupt_response)', async () => {
    fake = await FakeOpenAIRealtimeServer.start({ apiKey: KEY, responseAudioMs: 5000 });
    const c = await connect(fake);
    c.send(GOOD_UPDATE);
    for (const frame of turn()) c.send({ type: 'input_audio_buffer.append', audio: encodeBase64(frame) });
    await c.waitFor('response.output_audio.delta', 3);
    for (const frame of turn(200, 0))
      c.send({ type: 'input_audio_buffer.append', audio: encodeBase64(frame) });
    const done = await c.waitFor('response.done');
    expect(done).toMatchObject({
      response: { status: 'cancelled', status_details: { type: 'cancelled', reason: 'turn_detected' } },
    });
    expect(c.ofType('input_audio_buffer.speech_started')).toHaveLength(2);
    const deltasAtDone = c.messages.indexOf(done);
    expect(c.messages.slice(deltasAtDone).some((m) => m.type === 'response.output_audio.delta')).toBe(false);
  });

  it('stalls (sends nothing), injects raw messages, and close() ends every connection', async () => {
    fake = await FakeOpenAIRealtimeServer.start({ apiKey: KEY, responseAudioMs: 10_000 });
    fake.stall();
    const c = await connect(fake);
    await until(() => expect(fake!.connectionCount).toBe(1));
    fake.resume();
    fake.inject('raw text');
    fake.inject({ type: 'custom.event' });
    await until(() => expect(c.messages).toHaveLength(2));
    // session.created was swallowed by the stall.
    expect(c.messages).toMatchObject([{ type: '(raw)', text: 'raw text' }, { type: 'custom.event' }]);
    c.send(GOOD_UPDATE);
    for (const frame of turn()) c.send({ type: 'input_audio_buffer.append', audio: encodeBase64(frame) });
    await c.waitFor('response.output_audio.delta'); // a real-time response is running
    const closed = once(c.ws, 'close');
    await fake.close();
    await closed;
    expect(fake.connectionCount).toBe(0);
    expect(fake.lastSession!.closed).toBe(true);
    const late = new WebSocket(fake.url, { headers: { Authorization: `Bearer ${KEY}` } });
    clients.push(late);
    const [error] = (await once(late, 'error')) as [Error & { code?: string }];
    expect(error.code).toBe('ECONNREFUSED');
  });
});
