// GeminiLiveSession lifecycle against FakeGeminiLiveServer with the real `@google/genai` client:
// goAway + resumption, drops, refused keys and upgrades, handshake timeouts, close.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { isProviderError, isTimeoutError, type ProviderError } from '../../src/core/errors.js';
import {
  GeminiLiveSession,
  type GeminiLiveSessionOptions,
} from '../../src/realtime/providers/gemini-live.js';
import {
  type GeminiLiveConnect,
  googleGenAiConnect,
} from '../../src/realtime/providers/gemini-live-connect.js';
import type { RealtimeEventName, RealtimeSessionEvents } from '../../src/realtime/session.js';
import { type FakeGeminiLiveOptions, FakeGeminiLiveServer } from '../../src/testing/fake-gemini-live.js';
import { capturingLogger, turn, until } from './openai-realtime.helpers.js';

const KEY = 'gemini-test-key-8a6b4c2d0e';

type Logged = { name: RealtimeEventName; payload: unknown };
const NAMES: RealtimeEventName[] = [
  'audio',
  'interrupted',
  'transcript',
  'toolCall',
  'responseDone',
  'error',
  'closed',
];

function record(session: GeminiLiveSession): Logged[] {
  const log: Logged[] = [];
  for (const name of NAMES) session.on(name, (payload) => log.push({ name, payload }));
  return log;
}

function only<E extends RealtimeEventName>(log: Logged[], name: E): RealtimeSessionEvents[E][] {
  return log.filter((e) => e.name === name).map((e) => e.payload as RealtimeSessionEvents[E]);
}

let fake: FakeGeminiLiveServer | undefined;
const sessions: GeminiLiveSession[] = [];

afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
  await fake?.close();
  fake = undefined;
});

async function start(options: FakeGeminiLiveOptions = {}) {
  fake = await FakeGeminiLiveServer.start({ apiKey: KEY, ...options });
  return fake;
}

function newSession(server: FakeGeminiLiveServer, options: Partial<GeminiLiveSessionOptions> = {}) {
  const session = new GeminiLiveSession({ apiKey: KEY, baseUrl: server.baseUrl, ...options });
  sessions.push(session);
  return session;
}

/** The real SDK connector, counting connections and their closes, with a gate to hold new ones. */
function instrumented(server: FakeGeminiLiveServer, apiKey = KEY) {
  const inner = googleGenAiConnect({ apiKey, baseUrl: server.baseUrl });
  let release: (() => void) | undefined;
  let gate: Promise<void> | undefined;
  const state = {
    calls: 0,
    opened: 0,
    closed: 0,
    hold() {
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
    },
    release() {
      release?.();
      gate = undefined;
    },
  };
  const connect: GeminiLiveConnect = async (params) => {
    state.calls++;
    await gate;
    const connection = await inner(params);
    state.opened++;
    return {
      sendRealtimeInput: (p) => connection.sendRealtimeInput(p),
      sendClientContent: (p) => connection.sendClientContent(p),
      sendToolResponse: (p) => connection.sendToolResponse(p),
      close: () => {
        state.closed++;
        connection.close();
      },
    };
  };
  return { connect, state };
}

const send = (session: GeminiLiveSession, chunks: Uint8Array[]) => {
  for (const chunk of chunks) session.appendAudio(chunk);
};

describe('GeminiLiveSession: goAway and session resumption', () => {
  it('resumes on a new connection with the latest handle; caller audio is buffered, the call never closes', async () => {
    const fake = await start({ accelerated: true, responseAudioMs: 200 });
    const { connect, state } = instrumented(fake);
    const session = newSession(fake, { connect });
    const log = record(session);
    await session.connect();
    send(session, turn());
    await until(() => expect(only(log, 'responseDone')).toHaveLength(1));
    const first = fake.sessions[0]!;
    const handle = first.handles.at(-1)!;
    const bytesBefore = first.audioBytes;

    state.hold(); // the replacement connection waits until we let it through
    fake.goAway(50);
    await until(() => expect(state.calls).toBe(2));
    const spoken = turn(300, 700);
    send(session, spoken); // during the switch: kept for the new connection
    await until(() => expect(first.closed).toBe(true)); // the old connection is gone ...
    expect(session.state).toBe('ready'); // ... and the call is not
    state.release();

    await until(() => expect(session.stats.resumptions).toBe(1));
    const second = fake.sessions[1]!;
    expect(second.resumedFrom).toBe(handle);
    expect(second.setup?.sessionResumption).toEqual({ handle });
    expect(fake.resumptions).toEqual([{ handle, accepted: true, sessionId: 'conn_2' }]);
    expect(first.audioBytes).toBe(bytesBefore); // nothing went to the dying connection
    const mulaw = spoken.reduce((n, f) => n + f.length, 0);
    await until(() => expect(second.audioBytes).toBe(mulaw * 4));
    // The conversation goes on where it was: the fake counts this as turn 2, and it is answered.
    await until(() => expect(only(log, 'responseDone')).toHaveLength(2));
    expect(second.answers).toEqual([{ turn: 2, status: 'completed', audioBytes: 9600 }]);
    expect(second.clientContents).toEqual([]); // no greeting or history replay on a resumption
    expect(only(log, 'closed')).toEqual([]);
    expect(session.stats).toMatchObject({ goAways: 1, resumptions: 1, failedResumptions: 0 });
  });

  it('ends the call with closed { expected: false } when the resumption is refused', async () => {
    const fake = await start({ accelerated: true });
    const session = newSession(fake);
    const log = record(session);
    await session.connect();
    fake.rejectResumption();
    fake.goAway(50);
    await until(() => expect(only(log, 'closed')).toHaveLength(1));
    expect(only(log, 'closed')[0]).toMatchObject({ expected: false, reason: 'resumption failed' });
    const [failure] = only(log, 'error');
    expect(failure?.fatal).toBe(true);
    expect(isProviderError(failure?.error) && failure.error.status).toBe(400); // 1007
    expect(fake.resumptions).toEqual([{ handle: 'fake-handle-1', accepted: false, sessionId: 'conn_2' }]);
    expect(session.stats).toMatchObject({ resumptions: 0, failedResumptions: 1 });
    expect(session.state).toBe('closed');
    await until(() => expect(fake.connectionCount).toBe(0));
  });
});

describe('GeminiLiveSession: failures', () => {
  it('reports a dropped connection as closed { expected: false }', async () => {
    const fake = await start();
    const session = newSession(fake);
    const log = record(session);
    await session.connect();
    fake.drop();
    await until(() => expect(only(log, 'closed')).toHaveLength(1));
    expect(only(log, 'closed')[0]).toMatchObject({ expected: false, code: 1006 });
    expect(session.state).toBe('closed');
  });

  it('rejects a wrong key with a typed 401 that never contains the key', async () => {
    const fake = await start();
    const wrongKey = 'gemini-wrong-key-0f1e2d3c4b';
    const lines: string[] = [];
    const session = newSession(fake, { apiKey: wrongKey, logger: capturingLogger(lines) });
    const log = record(session);
    const error = (await session.connect().catch((e: unknown) => e)) as ProviderError;
    expect(isProviderError(error)).toBe(true);
    expect(error.status).toBe(401);
    expect(error.retryable).toBe(false);
    expect(error.providerCode).toBe(1008);
    expect(fake.sessions[0]!.closeCode).toBe(1008);
    const everything = JSON.stringify([
      error.message,
      error.toJSON(),
      error.details,
      error.cause,
      lines,
      log,
    ]);
    expect(everything).not.toContain(wrongKey);
    expect(everything).not.toContain(KEY);
    expect(session.state).toBe('closed');
  });

  it('maps a refused upgrade to a retryable provider error with its status', async () => {
    const fake = await start();
    fake.failHandshake({ status: 503, times: 1 });
    const error = (await newSession(fake)
      .connect()
      .catch((e: unknown) => e)) as ProviderError;
    expect(isProviderError(error) && error.status).toBe(503);
    expect(error.retryable).toBe(true);
    expect(fake.rejectedUpgrades).toHaveLength(1);
  });

  it('times out on the injected clock, and closes the late connection once the SDK hands it over', async () => {
    const fake = await start();
    fake.stall();
    const clock = new FakeClock(0);
    const { connect, state } = instrumented(fake);
    const session = newSession(fake, { clock, connect });
    const outcome = session.connect().catch((e: unknown) => e);
    await until(() => expect(fake.lastSession?.setup).toBeDefined()); // setup sent, setupComplete held
    await clock.advance(4999);
    expect(session.state).toBe('connecting');
    await clock.advance(1);
    expect(isTimeoutError(await outcome)).toBe(true);
    expect(session.state).toBe('closed');
    expect(clock.pendingTimers).toBe(0);
    fake.resume(); // the held setupComplete goes out; the SDK resolves; the session closes it
    await until(() => expect(state.closed).toBe(1));
    await until(() => expect(fake.connectionCount).toBe(0));
  });

  it('rejects with the abort reason, and when closed while connecting', async () => {
    const fake = await start();
    fake.stall();
    const controller = new AbortController();
    const aborted = newSession(fake).connect({ signal: controller.signal });
    controller.abort(new Error('caller hung up'));
    await expect(aborted).rejects.toThrow('caller hung up');

    const session = newSession(fake, { clock: new FakeClock(0) });
    const connecting = session.connect().catch((e: unknown) => e);
    await session.close();
    expect(isProviderError(await connecting)).toBe(true);
    await expect(session.connect()).rejects.toThrow(/closed/);
  });
});

describe('GeminiLiveSession: close', () => {
  it('closes the connection and leaves no timer, no subscriber and no open socket (FakeClock)', async () => {
    const fake = await start({ accelerated: true });
    const clock = new FakeClock(0);
    const { connect, state } = instrumented(fake);
    const session = newSession(fake, { clock, connect });
    const log = record(session);
    await session.connect();
    send(session, turn());
    await until(() => expect(fake.lastSession!.answers).toHaveLength(1));
    await session.close('caller hung up');
    expect(session.state).toBe('closed');
    expect(clock.pendingTimers).toBe(0);
    expect(state).toMatchObject({ opened: 1, closed: 1 });
    expect(only(log, 'closed')).toEqual([{ reason: 'caller hung up', expected: true }]);
    await until(() => expect(fake.connectionCount).toBe(0));
    const before = log.length;
    session.appendAudio(new Uint8Array(160));
    session.sendToolResult('fc_1', 'late');
    await session.close(); // idempotent
    expect(log.length).toBe(before);
    expect(fake.lastSession!.toolResponses).toEqual([]);
  });
});
