// Shared helpers of the OpenAI Realtime session tests (loopback fake, real `ws` client).
import { vi } from 'vitest';
import type { Logger } from '../../src/core/logger.js';
import { encodeMulaw } from '../../src/realtime/audio/mulaw.js';
import {
  OpenAiRealtimeSession,
  type OpenAiRealtimeSessionOptions,
} from '../../src/realtime/providers/openai-realtime.js';
import { wsSocketFactory } from '../../src/realtime/providers/ws-socket.js';
import type { RealtimeEventName, RealtimeSessionEvents } from '../../src/realtime/session.js';
import type { SocketFactory, SocketLike } from '../../src/realtime/socket.js';
import type { FakeOpenAIRealtimeServer } from '../../src/testing/fake-openai-realtime.js';

export const KEY = 'sk-test-realtime-4f8a2b9c1d7e';

/** Loud enough for the fake's energy VAD: a 300 Hz tone as mu-law. */
export function tone(ms: number, amplitude = 8000): Uint8Array {
  const pcm = new Int16Array(ms * 8);
  for (let i = 0; i < pcm.length; i++)
    pcm[i] = Math.round(amplitude * Math.sin((2 * Math.PI * 300 * i) / 8000));
  return encodeMulaw(pcm);
}

export function quiet(ms: number): Uint8Array {
  return new Uint8Array(ms * 8).fill(0xff);
}

/** A caller turn: speech then enough silence for the VAD to end it. */
export function turn(speechMs = 300, silenceMs = 700): Uint8Array[] {
  return frames(concat(tone(speechMs), quiet(silenceMs)));
}

export function frames(bytes: Uint8Array, size = 160): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.slice(i, i + size));
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Every event a session emitted, in order. */
export type Logged = {
  [E in RealtimeEventName]: { name: E; payload: RealtimeSessionEvents[E] };
}[RealtimeEventName];

export function record(session: OpenAiRealtimeSession): Logged[] {
  const log: Logged[] = [];
  const names: RealtimeEventName[] = [
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
  for (const name of names) session.on(name, (payload) => log.push({ name, payload } as Logged));
  return log;
}

export function only<E extends RealtimeEventName>(log: Logged[], name: E): RealtimeSessionEvents[E][] {
  return log.filter((e) => e.name === name).map((e) => e.payload as RealtimeSessionEvents[E]);
}

/** Waits (polling, no timing assertion) until `check` stops throwing. */
export function until(check: () => void, timeout = 8000): Promise<void> {
  return vi.waitFor(check, { timeout, interval: 5 });
}

/** A logger that keeps every line, to prove the key never reaches it. */
export function capturingLogger(lines: string[]): Logger {
  const fn = (a: unknown, b?: unknown) => {
    lines.push(JSON.stringify([a, b]));
  };
  return { debug: fn, info: fn, warn: fn, error: fn };
}

/** Wraps a factory so tests can count the listeners left on the socket. */
export function countingFactory(inner: SocketFactory = wsSocketFactory()) {
  const state = { listeners: 0, sockets: [] as SocketLike[] };
  const factory: SocketFactory = (url, options) => {
    const socket = inner(url, options);
    state.sockets.push(socket);
    const wrapped: SocketLike = {
      get readyState() {
        return socket.readyState;
      },
      send: (data) => socket.send(data),
      close: (code, reason) => socket.close(code, reason),
      addEventListener: ((type: 'message', listener: (event: { data: unknown }) => void) => {
        state.listeners++;
        socket.addEventListener(type, listener);
      }) as SocketLike['addEventListener'],
      removeEventListener: (type, listener) => {
        state.listeners--;
        socket.removeEventListener(type, listener);
      },
    };
    return wrapped;
  };
  return { factory, state };
}

export function newSession(
  fake: FakeOpenAIRealtimeServer,
  options: Partial<OpenAiRealtimeSessionOptions> = {},
): OpenAiRealtimeSession {
  return new OpenAiRealtimeSession({
    apiKey: KEY,
    url: fake.url,
    socketFactory: wsSocketFactory(),
    ...options,
  });
}
