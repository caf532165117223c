// OpenAiLiveSession on loopback: tools through delegation, every way a session ends, server
// errors, and malformed server messages from a raw `ws` server.
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { FakeClock } from '../../src/core/clock.js';
import { OpenAiLiveSession } from '../../src/realtime/providers/openai-live.js';
import { webSocketFactory, wsSocketFactory } from '../../src/realtime/providers/ws-socket.js';
import { type FakeOpenAILiveOptions, FakeOpenAILiveServer } from '../../src/testing/fake-openai-live.js';
import {
  callerTurn,
  captureLogger,
  collect,
  KEY,
  newSession,
  trackingFactory,
  until,
} from './openai-live.helpers.js';

const cleanups: (() => Promise<void>)[] = [];

async function setup(options: FakeOpenAILiveOptions = {}) {
  const fake = await FakeOpenAILiveServer.start({ accelerated: true, ...options });
  cleanups.push(() => fake.close());
  return fake;
}

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const lookupTool = {
  name: 'lookup_order',
  description: 'Look up an order by id',
  parameters: { type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'] },
};

describe('OpenAiLiveSession: tools through Responses delegation', () => {
  it('declares function tools, surfaces the call, returns the output, and continues once', async () => {
    const fake = await setup({ tools: { name: 'lookup_order', arguments: { orderId: 'A17' } } });
    const session = newSession(fake, {
      config: { tools: [lookupTool] },
      delegation: { instructions: 'Rules.' },
    });
    cleanups.push(() => session.close());
    const seen = collect(session);
    session.on('toolCall', ({ callId }) => session.sendToolResult(callId, { status: 'shipped' }));
    await session.connect();
    const record = fake.lastSession!;
    expect(record.start?.delegation).toEqual({
      type: 'responses',
      responses: {
        model: 'gpt-5.6-luna',
        instructions: 'Rules.',
        tools: [{ type: 'function', ...lookupTool }],
        tool_choice: 'auto',
      },
    });
    callerTurn(session);
    await until(() => expect(record.responses.find((r) => r.kind === 'tool_result')?.status).toBe('done'));
    expect(seen.toolCall).toEqual([
      { callId: 'call_1', name: 'lookup_order', arguments: { orderId: 'A17' } },
    ]);
    expect(record.toolOutputs).toEqual([{ callId: 'call_1', output: '{"status":"shipped"}' }]);
    expect(record.responseCreates).toBe(1);
    const types = record.events.map((e) => e.type).filter((t) => t.startsWith('response.'));
    expect(types).toEqual(['response.item.create', 'response.create']);
    await until(() => expect(seen.text('assistant')).toContain('shipped'));
    // A second result for the same call is dropped: the delegation already continued.
    session.sendToolResult('call_1', 'again');
    session.sendToolResult('call_unknown', 'nobody asked');
    expect(record.events.filter((e) => e.type === 'response.item.create')).toHaveLength(1);
  });

  it('arguments that are not JSON become an error event and an error output, never a crash', async () => {
    const fake = await setup({ tools: { name: 'lookup_order', arguments: '{"orderId": A17' } });
    const session = newSession(fake, { config: { tools: [lookupTool] } });
    cleanups.push(() => session.close());
    const seen = collect(session);
    await session.connect();
    callerTurn(session);
    const record = fake.lastSession!;
    await until(() => expect(record.responseCreates).toBe(1));
    expect(seen.toolCall).toEqual([]);
    expect(seen.error).toHaveLength(1);
    expect(seen.error[0]).toMatchObject({ fatal: false, error: { code: 'provider_error' } });
    expect(JSON.parse(record.toolOutputs[0]!.output)).toEqual({ error: 'arguments were not valid JSON' });
  });
});

describe('OpenAiLiveSession: how sessions end', () => {
  it('close() sends session.close, waits for session.closed, and leaves no timer or listener', async () => {
    const fake = await setup();
    const clock = new FakeClock(0);
    const tracking = trackingFactory();
    const session = newSession(fake, { clock, socketFactory: tracking.factory });
    const seen = collect(session);
    await session.connect();
    expect(clock.pendingTimers).toBe(0); // the handshake timer is gone once started
    session.appendAudio(new Uint8Array(160).fill(0xff));
    const closing = session.close();
    expect(clock.pendingTimers).toBe(1); // the close wait, on the injected clock
    expect(session.close()).toBe(closing);
    await closing;
    expect(seen.closed).toEqual([{ reason: 'close_requested', expected: true }]);
    expect(clock.pendingTimers).toBe(0);
    expect(tracking.listenerCount()).toBe(0);
    expect(fake.lastSession!.closedReason).toBe('close_requested');
    expect(fake.lastSession!.events.at(-1)?.type).toBe('session.close');
    await until(() => expect(fake.connectionCount).toBe(0));
    // After close everything is inert.
    session.appendAudio(new Uint8Array(160));
    session.sendToolResult('call_1', {});
    await expect(session.connect()).rejects.toMatchObject({ code: 'provider_error' });
    expect(seen.closed).toHaveLength(1);
  });

  it('a dropped socket is an unexpected close', async () => {
    const fake = await setup();
    const tracking = trackingFactory();
    const session = newSession(fake, { socketFactory: tracking.factory });
    const seen = collect(session);
    await session.connect();
    fake.drop();
    await until(() => expect(seen.closed).toHaveLength(1));
    expect(seen.closed[0]).toMatchObject({ reason: 'connection_lost', expected: false, code: 1006 });
    expect(tracking.listenerCount()).toBe(0);
    await session.close(); // already closed: resolves at once
    expect(seen.closed).toHaveLength(1);
  });

  it('session.closed from the server (expired) is an unexpected close with its reason', async () => {
    const fake = await setup();
    const session = newSession(fake);
    const seen = collect(session);
    await session.connect();
    fake.expire();
    await until(() => expect(seen.closed).toEqual([{ reason: 'expired', expected: false }]));
  });

  it('a fatal server error ends the session; a recoverable one does not; the key is redacted', async () => {
    const fake = await setup();
    const { logger, lines } = captureLogger();
    const session = newSession(fake, { logger });
    cleanups.push(() => session.close());
    const seen = collect(session);
    await session.connect();
    fake.inject({
      type: 'error',
      event_id: 'e1',
      error: { code: 'rate_limit', message: `slow down ${KEY}` },
    });
    await until(() => expect(seen.error).toHaveLength(1));
    expect(seen.error[0]).toMatchObject({
      fatal: false,
      error: { providerCode: 'rate_limit', retryable: true },
    });
    expect(seen.closed).toEqual([]);
    fake.inject({
      type: 'error',
      event_id: 'e2',
      error: { code: 'insufficient_quota', message: 'no credit' },
    });
    await until(() => expect(seen.closed).toHaveLength(1));
    expect(seen.error[1]).toMatchObject({
      fatal: true,
      error: { providerCode: 'insufficient_quota', retryable: false },
    });
    expect(seen.closed[0]).toMatchObject({ reason: 'error:insufficient_quota', expected: false });
    const everything = JSON.stringify([seen.error.map((e) => [e.error.message, e.error.toJSON()]), lines]);
    expect(everything).toContain('[REDACTED]');
    expect(everything).not.toContain(KEY);
  });
});

describe('OpenAiLiveSession: malformed server messages', () => {
  it('are counted and ignored, before and after session.started; unknown types are counted apart', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    cleanups.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
    const garbage: (string | Uint8Array)[] = [
      'not json',
      '[]',
      'null',
      '{"type":42}',
      '{"type":"session.started"}',
      '{"type":"session.output_audio.delta"}',
      '{"type":"session.output_audio.delta","delta":"%%%"}',
      '{"type":"response.event","event":"x"}',
      '{"type":"error","error":"boom"}',
      '{"type":"session.closed"}',
      new Uint8Array([1, 2, 3]),
      '{"type":"brand.new.event","x":1}',
    ];
    wss.on('connection', (ws) => {
      ws.once('message', () => {
        for (const g of garbage) ws.send(g);
        ws.send(JSON.stringify({ type: 'session.started', session: { id: 'live_raw', expires_at: 1 } }));
        for (const g of garbage) ws.send(g);
        ws.send(JSON.stringify({ type: 'session.usage.updated', usage: { seconds: 1 } }));
        ws.send(JSON.stringify({ type: 'session.output_audio.delta', delta: '//8=' }));
        ws.on('message', () => {
          ws.send(JSON.stringify({ type: 'session.closed', reason: 'close_requested' }));
          ws.close();
        });
      });
    });
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/v1/live/sessions`;
    const session = new OpenAiLiveSession({ apiKey: KEY, url, socketFactory: wsSocketFactory() });
    cleanups.push(() => session.close());
    const seen = collect(session);
    await session.connect();
    expect(session.sessionId).toBe('live_raw');
    await until(() => expect(seen.audio).toHaveLength(1));
    expect([...seen.audio[0]!.mulaw]).toEqual([0xff, 0xff]);
    // 10 malformed per round (binary included); undecodable audio ("%%%") only counts once audio
    // is accepted, after session.started; "brand.new.event" is unknown, not malformed.
    expect(session.stats).toMatchObject({ unknownMessages: 2, malformedMessages: 21 });
    expect(seen.error).toEqual([]);
    expect(seen.closed).toEqual([]);
  });
});

describe('webSocketFactory', () => {
  it("works on Node's global WebSocket, which takes headers", async () => {
    const fake = await setup();
    const session = newSession(fake, { socketFactory: webSocketFactory() });
    const seen = collect(session);
    await session.connect();
    callerTurn(session);
    await until(() => expect(fake.lastSession!.responses[0]?.status).toBe('done'));
    await until(() => expect(seen.audioBytes()).toBe(fake.lastSession!.responses[0]!.audioBytes));
    await session.close();
    expect(seen.closed).toEqual([{ reason: 'close_requested', expected: true }]);
  });
});

describe('FakeOpenAILiveServer protocol checks', () => {
  function rawClient(url: string) {
    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${KEY}` } });
    const received: Record<string, unknown>[] = [];
    let closeCode: number | undefined;
    ws.on('message', (data) => received.push(JSON.parse(String(data))));
    ws.on('close', (code) => {
      closeCode = code;
    });
    return { ws, received, closeCode: () => closeCode };
  }

  it('refuses a query string on the upgrade (the model belongs in session.start)', async () => {
    const fake = await setup();
    const session = newSession(fake, { url: `${fake.url}?model=gpt-live-1` });
    await expect(session.connect()).rejects.toMatchObject({ status: 400, retryable: false });
    expect(fake.rejectedUpgrades).toEqual([{ status: 400, path: '/v1/live/sessions' }]);
  });

  it('requires session.start first, with audio/pcmu at 8000: else error + close', async () => {
    const fake = await setup();
    for (const first of [
      { type: 'session.input_audio.append', audio: '//8=' },
      { type: 'session.commentary.append', delegation_id: null, content: 'hi' },
      {
        type: 'session.start',
        session: { model: 'gpt-live-1', audio: { format: { type: 'audio/pcma', rate: 8000 } } },
      },
    ]) {
      const client = rawClient(fake.url);
      await new Promise((resolve) => client.ws.once('open', resolve));
      client.ws.send(JSON.stringify(first));
      if (first.type === 'session.input_audio.append') {
        // Audio before the start is ignored, as by the real server; the next command is refused.
        await until(() => expect(fake.lastSession?.appendsBeforeStart).toBe(1));
        client.ws.send(JSON.stringify({ type: 'session.close' }));
      }
      await until(() => expect(client.closeCode()).toBe(1008));
      expect(client.received).toMatchObject([{ type: 'error', error: { code: 'invalid_session_start' } }]);
    }
  });

  it('records the audio it received and stays quiet without caller speech', async () => {
    const fake = await setup();
    const session = newSession(fake);
    cleanups.push(() => session.close());
    await session.connect();
    for (let i = 0; i < 100; i++) session.appendAudio(new Uint8Array(160).fill(0xff));
    const record = fake.lastSession!;
    await until(() => expect(record.audioBytes).toBe(16_000));
    expect(record.turns).toBe(0);
    expect(record.responses).toEqual([]);
    expect(record.headers.authorization).toBeUndefined();
  });
});
