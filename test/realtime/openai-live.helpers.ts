// Shared helpers for the OpenAI Live session tests: a socket factory that counts listeners, an
// event collector, a capturing logger and speech/silence frames.
import { vi } from 'vitest';
import type { LogFn, Logger } from '../../src/core/logger.js';
import {
  OpenAiLiveSession,
  type OpenAiLiveSessionOptions,
} from '../../src/realtime/providers/openai-live.js';
import { wsSocketFactory } from '../../src/realtime/providers/ws-socket.js';
import type { RealtimeSessionEvents } from '../../src/realtime/session.js';
import type { SocketFactory, SocketLike } from '../../src/realtime/socket.js';
import { FAKE_OPENAI_API_KEY, type FakeOpenAILiveServer } from '../../src/testing/fake-openai-live.js';
import { framesOf, silence, speechLike } from '../../src/testing/speech-audio.js';

export const KEY = FAKE_OPENAI_API_KEY;

/** Wraps a factory so tests can see how many listeners a session left on its sockets. */
export function trackingFactory(inner: SocketFactory = wsSocketFactory()) {
  const sockets: { socket: SocketLike; listeners: Set<string> }[] = [];
  const ids = new WeakMap<object, number>();
  let next = 0;
  const keyOf = (type: string, listener: object) => {
    if (!ids.has(listener)) ids.set(listener, ++next);
    return `${type}#${ids.get(listener)}`;
  };
  const factory: SocketFactory = (url, options) => {
    const socket = inner(url, options);
    const listeners = new Set<string>();
    sockets.push({ socket, listeners });
    const wrapped: SocketLike = {
      get readyState() {
        return socket.readyState;
      },
      send: (data) => socket.send(data),
      close: (code, reason) => socket.close(code, reason),
      addEventListener: (type: string, listener: (...args: never[]) => void) => {
        listeners.add(keyOf(type, listener));
        (socket.addEventListener as (t: string, l: unknown) => void)(type, listener);
      },
      removeEventListener: (type: string, listener: (...args: never[]) => void) => {
        listeners.delete(keyOf(type, listener));
        socket.removeEventListener(type, listener);
      },
    };
    return wrapped;
  };
  return {
    factory,
    sockets,
    /** Listeners still registered on every socket opened so far. */
    listenerCount: () => sockets.reduce((n, s) => n + s.listeners.size, 0),
  };
}

/** Everything a session emitted, per event. */
export function collect(session: OpenAiLiveSession) {
  const events = {
    audio: [] as RealtimeSessionEvents['audio'][],
    transcript: [] as RealtimeSessionEvents['transcript'][],
    toolCall: [] as RealtimeSessionEvents['toolCall'][],
    error: [] as RealtimeSessionEvents['error'][],
    closed: [] as RealtimeSessionEvents['closed'][],
  };
  session.on('audio', (e) => events.audio.push(e));
  session.on('transcript', (e) => events.transcript.push(e));
  session.on('toolCall', (e) => events.toolCall.push(e));
  session.on('error', (e) => events.error.push(e));
  session.on('closed', (e) => events.closed.push(e));
  return {
    ...events,
    audioBytes: () => events.audio.reduce((n, e) => n + e.mulaw.length, 0),
    text: (role: 'user' | 'assistant') =>
      events.transcript
        .filter((t) => t.role === role)
        .map((t) => t.text)
        .join(''),
  };
}

/** A logger that keeps every line as JSON, to prove what never gets logged. */
export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const fn = ((a: unknown, b?: unknown) => {
    lines.push(JSON.stringify([a, b]));
  }) as LogFn;
  return { logger: { debug: fn, info: fn, warn: fn, error: fn }, lines };
}

export function newSession(fake: FakeOpenAILiveServer, options: Partial<OpenAiLiveSessionOptions> = {}) {
  // keepAliveMs 0: tests count the appends they make; the keep-alive has its own test.
  return new OpenAiLiveSession({
    apiKey: KEY,
    url: fake.url,
    socketFactory: wsSocketFactory(),
    keepAliveMs: 0,
    ...options,
  });
}

/** One caller turn: speech, then enough silence for the fake's VAD to end the turn. */
export function callerTurn(session: OpenAiLiveSession, speechMs = 800, seed = 3): void {
  for (const frame of framesOf(speechLike({ durationMs: speechMs, seed }))) session.appendAudio(frame);
  for (const frame of framesOf(silence(700))) session.appendAudio(frame);
}

/** Polls until `check` stops throwing (no timing assertion: the timeout only bounds a hang). */
export function until(check: () => void): Promise<void> {
  return vi.waitFor(check, { timeout: 8000, interval: 5 });
}

export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}
