// Pure parts of the OpenAI Live provider: the wire parser and builders, the delegation rule, the
// pre-handshake audio backlog, and session paths driven through an in-memory socket.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AudioBacklog } from '../../src/realtime/providers/audio-backlog.js';
import { OpenAiLiveSession } from '../../src/realtime/providers/openai-live.js';
import { LiveDelegations } from '../../src/realtime/providers/openai-live-delegations.js';
import {
  liveHandshakeCloseError,
  liveServerError,
  liveSessionConfig,
  parseLiveServerEvent,
} from '../../src/realtime/providers/openai-live-wire.js';
import { wsSocketFactory } from '../../src/realtime/providers/ws-socket.js';
import { type SocketLike, SocketState } from '../../src/realtime/socket.js';
import { collect, until } from './openai-live.helpers.js';

const call = (callId: string, status = 'completed') => ({
  type: 'function_call',
  status,
  call_id: callId,
  name: 'lookup',
  arguments: '{}',
});

describe('LiveDelegations (LiveKit rule)', () => {
  it('parallel calls: one continue, after response.completed and every output', () => {
    const d = new LiveDelegations();
    d.onResponseEvent('dlg', 'response.created');
    expect(d.onResponseEvent('dlg', 'response.output_item.done', call('a'))).toMatchObject({
      type: 'call',
      callId: 'a',
    });
    expect(d.onResponseEvent('dlg', 'response.output_item.done', call('b'))).toMatchObject({
      type: 'call',
      callId: 'b',
    });
    expect(d.onResponseEvent('dlg', 'response.output_item.done', call('b'))).toBeNull(); // duplicate
    expect(d.onOutput('a')).toBe('wait');
    expect(d.onResponseEvent('dlg', 'response.completed')).toBeNull(); // b still owed
    expect(d.pendingCalls).toBe(1);
    expect(d.onOutput('b')).toBe('continue');
    expect(d.onOutput('b')).toBe('unknown');
    expect(d.pendingCalls).toBe(0);
  });

  it('outputs before response.completed: the completion continues', () => {
    const d = new LiveDelegations();
    d.onResponseEvent('', 'response.created');
    d.onResponseEvent('', 'response.output_item.done', call('a'));
    expect(d.onOutput('a')).toBe('wait');
    expect(d.onResponseEvent('', 'response.completed')).toEqual({ type: 'continue' });
  });

  it('ignores interrupted calls and other items; failed responses abandon their calls', () => {
    const d = new LiveDelegations();
    d.onResponseEvent('x', 'response.created');
    expect(d.onResponseEvent('x', 'response.output_item.done', call('a', 'incomplete'))).toBeNull();
    expect(d.onResponseEvent('x', 'response.output_item.done', { type: 'message', content: [] })).toBeNull();
    expect(d.onResponseEvent('x', 'response.output_item.done', call('b'))).not.toBeNull();
    expect(d.onResponseEvent('x', 'response.failed')).toBeNull();
    expect(d.onOutput('b')).toBe('unknown');
    expect(d.onResponseEvent('x', 'response.some_future_event')).toBeNull();
    // A delegation with no function calls needs no response.create.
    d.onResponseEvent('y', 'response.created');
    expect(d.onResponseEvent('y', 'response.completed')).toBeNull();
  });
});

describe('Live wire', () => {
  it('parseLiveServerEvent never throws, whatever arrives', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.constant(null)), (text) => {
        expect(parseLiveServerEvent(text).type).toBeTypeOf('string');
      }),
    );
    expect(parseLiveServerEvent('{"type":"info","code":"x","message":"y"}')).toEqual({ type: 'ignored' });
    expect(parseLiveServerEvent('{"type":"session.output_transcript.delta","delta":"hi"}')).toEqual({
      type: 'transcript',
      role: 'assistant',
      text: 'hi',
    });
  });

  it('session.start config: defaults, no tools key without tools, history capped at the latest 128', () => {
    const history = Array.from({ length: 130 }, (_, i) => ({ role: 'user' as const, text: `t${i}` }));
    const config = liveSessionConfig({ history });
    expect(config).toMatchObject({
      model: 'gpt-live-1',
      audio: { format: { type: 'audio/pcmu', rate: 8000 } },
      delegation: { type: 'responses', responses: { model: 'gpt-5.6-luna' } },
      store: false,
    });
    expect(config.delegation).toEqual({ type: 'responses', responses: { model: 'gpt-5.6-luna' } });
    const input = config.input as { content: { text: string }[] }[];
    expect(input).toHaveLength(128);
    expect(input[0]!.content[0]!.text).toBe('t2');
    expect(liveSessionConfig({ model: 'gpt-live-2' }).model).toBe('gpt-live-2');
    expect('instructions' in liveSessionConfig({})).toBe(false);
  });

  it('errors: codes, fatality, status, redaction', () => {
    const key = 'sk-proj-ABCDEF0123456789secretvalue';
    const { error, fatal } = liveServerError({ code: 'invalid_api_key', message: `bad ${key}` }, (v) =>
      String(v).replace(key, '[REDACTED]'),
    );
    expect(fatal).toBe(true);
    expect(error).toMatchObject({ status: 401, providerCode: 'invalid_api_key', retryable: false });
    expect(error.message).not.toContain(key);
    expect(liveServerError({ code: null, type: 'server_error' }, String)).toMatchObject({
      fatal: false,
      error: { providerCode: 'server_error', retryable: true },
    });
    expect(liveHandshakeCloseError(403, 1006)).toMatchObject({
      providerCode: 'invalid_api_key',
      retryable: false,
    });
    expect(liveHandshakeCloseError(503, 1006)).toMatchObject({ status: 503, retryable: true });
    expect(liveHandshakeCloseError(undefined, 1006)).toMatchObject({ retryable: true });
  });
});

describe('AudioBacklog', () => {
  it('keeps copies, bounded by duration, oldest dropped first', () => {
    const backlog = new AudioBacklog(40); // 320 bytes
    const a = new Uint8Array(160).fill(1);
    backlog.push(a);
    a.fill(9);
    backlog.push(new Uint8Array(0));
    backlog.push(new Uint8Array(160).fill(2));
    backlog.push(new Uint8Array(100).fill(3));
    expect(backlog.droppedChunks).toBe(1);
    expect(backlog.droppedBytes).toBe(160);
    expect(backlog.drain().map((c) => c[0])).toEqual([2, 3]);
    expect(backlog.bytes).toBe(0);
  });
});

/** An in-memory socket: the test plays the server. */
class ScriptedSocket implements SocketLike {
  readyState: number = SocketState.CONNECTING;
  readonly sent: Record<string, unknown>[] = [];
  readonly #listeners = new Map<string, Set<(event: never) => void>>();
  send(data: string | Uint8Array): void {
    this.sent.push(JSON.parse(String(data)));
  }
  close(): void {
    this.readyState = SocketState.CLOSED;
  }
  addEventListener(type: string, listener: (...args: never[]) => void): void {
    if (!this.#listeners.has(type)) this.#listeners.set(type, new Set());
    this.#listeners.get(type)!.add(listener);
  }
  removeEventListener(type: string, listener: (...args: never[]) => void): void {
    this.#listeners.get(type)?.delete(listener);
  }
  get listenerCount(): number {
    return [...this.#listeners.values()].reduce((n, s) => n + s.size, 0);
  }
  emit(type: string, event?: unknown): void {
    if (type === 'open') this.readyState = SocketState.OPEN;
    for (const l of this.#listeners.get(type) ?? []) (l as (e: unknown) => void)(event);
  }
  serve(event: Record<string, unknown>): void {
    this.emit('message', { data: JSON.stringify(event) });
  }
}

function scripted() {
  const socket = new ScriptedSocket();
  const session = new OpenAiLiveSession({ apiKey: 'sk-test-key-1234', socketFactory: () => socket });
  return { socket, session };
}

describe('OpenAiLiveSession over an in-memory socket', () => {
  it('parallel tool calls: outputs sent at once, a single response.create at the end', async () => {
    const { socket, session } = scripted();
    const seen = collect(session);
    const connecting = session.connect();
    socket.emit('open');
    expect(socket.sent[0]?.type).toBe('session.start');
    socket.serve({ type: 'session.started', session: { id: 'live_1', expires_at: 2 } });
    await connecting;
    const event = (e: Record<string, unknown>) =>
      socket.serve({ type: 'response.event', delegation_id: 'd', event: e });
    event({ type: 'response.created' });
    event({ type: 'response.output_item.done', item: call('a') });
    event({ type: 'response.output_item.done', item: { ...call('b'), arguments: '{"n":2}' } });
    expect(seen.toolCall.map((c) => [c.callId, c.arguments])).toEqual([
      ['a', {}],
      ['b', { n: 2 }],
    ]);
    session.sendToolResult('b', 'two');
    event({ type: 'response.completed' });
    session.sendToolResult('a', 1);
    expect(
      socket.sent.slice(1).map((e) => [e.type, (e.item as { output?: string } | undefined)?.output]),
    ).toEqual([
      ['response.item.create', 'two'],
      ['response.item.create', '1'],
      ['response.create', undefined],
    ]);
    socket.serve({ type: 'session.closed', reason: 'remote_hangup' });
    expect(seen.closed).toEqual([{ reason: 'remote_hangup', expected: false }]);
    expect(socket.listenerCount).toBe(0);
  });

  it('session.closed or a close during the handshake rejects connect(); a throwing factory too', async () => {
    const first = scripted();
    const connecting = first.session.connect();
    first.socket.emit('open');
    first.socket.serve({ type: 'session.closed', reason: 'content' });
    await expect(connecting).rejects.toMatchObject({ code: 'provider_error', message: /content/ });

    const second = scripted();
    const again = second.session.connect();
    second.socket.emit('close', { code: 1006, reason: '' });
    await expect(again).rejects.toMatchObject({ retryable: true, message: /1006/ });
    expect(second.socket.listenerCount).toBe(0);

    const throwing = new OpenAiLiveSession({
      apiKey: 'sk-test-key-1234',
      socketFactory: () => {
        throw new Error('bad url sk-test-key-1234');
      },
    });
    const error = await throwing.connect().catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'provider_error' });
    expect((error as Error).message).not.toContain('sk-test-key-1234');
  });

  it('close() while connecting rejects the handshake and resolves', async () => {
    const { socket, session } = scripted();
    const connecting = session.connect();
    await session.close();
    await expect(connecting).rejects.toMatchObject({ code: 'provider_error' });
    expect(socket.listenerCount).toBe(0);
    expect(socket.readyState).toBe(SocketState.CLOSED);
  });
});

describe('wsSocketFactory', () => {
  it('a socket closed before `ws` loads reports a close and never connects', async () => {
    const socket = wsSocketFactory()('ws://127.0.0.1:9/never', { headers: {} });
    const events: string[] = [];
    socket.addEventListener('close', (e) => events.push(`close:${e.code}`));
    socket.close();
    expect(socket.readyState).toBe(SocketState.CLOSED);
    await until(() => expect(events).toEqual(['close:1006']));
    expect(() => socket.send('x')).toThrow('not open');
  });
});
