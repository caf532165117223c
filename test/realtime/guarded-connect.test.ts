// guardedConnect and WarmSessions' breaker option, on a controllable session and a FakeClock: the
// handshake runs through CircuitBreaker.execute with the session's own deadline, our own aborts
// are not counted, and an open circuit refuses without calling connect().
import { beforeEach, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/breaker/breaker.js';
import { FakeClock } from '../../src/core/clock.js';
import { ProviderError } from '../../src/core/errors.js';
import type { AiProvider } from '../../src/core/types.js';
import type { RealtimeApi } from '../../src/realtime/session.js';
import { guardedConnect, WarmSessions } from '../../src/realtime/sessions.js';
import { MemoryProviderStatusStore } from '../../src/storage/memory/provider-status.js';
import { ScriptedRealtimeSession } from '../../src/testing/index.js';

/** A session whose handshake settles when the test says; an abort fails it with its own error. */
class PendingSession extends ScriptedRealtimeSession {
  connects = 0;
  resolve: () => void = () => {};
  reject: (error: unknown) => void = () => {};

  override connect(options: { signal?: AbortSignal } = {}): Promise<void> {
    this.connects++;
    return new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      // Like a real session closed mid-handshake: its own error, not the abort reason.
      const cut = () => reject(new ProviderError(this.provider, 'closed before ready'));
      if (options.signal?.aborted) cut();
      options.signal?.addEventListener('abort', cut, { once: true });
    });
  }
}

const API: Record<AiProvider, RealtimeApi> = { openai: 'openai-realtime', gemini: 'gemini-live' };

describe('guardedConnect', () => {
  let clock: FakeClock;
  let store: MemoryProviderStatusStore;
  const breaker = (provider: AiProvider) =>
    new CircuitBreaker({
      provider,
      store,
      clock,
      // A breaker time budget far below the session's handshake timeout.
      timeoutMs: 1000,
      policy: { consecutiveFailures: 1, failureRateThreshold: 0, baseCooldownMs: 30_000, jitter: 0 },
    });
  const row = async (b: CircuitBreaker) => (await b.peek()).status;

  beforeEach(() => {
    clock = new FakeClock(1_700_000_000_000);
    store = new MemoryProviderStatusStore();
  });

  it("leaves the deadline to the session: the breaker's timeoutMs does not cut a handshake", async () => {
    const openai = breaker('openai');
    const session = new PendingSession();
    const ready = guardedConnect(session, openai);
    await clock.advance(5000);
    session.resolve();
    await expect(ready).resolves.toBeUndefined();
    expect(await row(openai)).toMatchObject({ circuit: 'closed', failureCount: 0 });
    // Not vacuous: the same breaker cuts an ordinary call at its budget.
    const plain = openai.execute(() => new Promise<never>(() => {}));
    await clock.advance(1000);
    await expect(plain).rejects.toMatchObject({ code: 'timeout' });
  });

  it('counts a failed handshake once; the open circuit then refuses without calling connect()', async () => {
    const openai = breaker('openai');
    const first = new PendingSession();
    const ready = guardedConnect(first, openai);
    await clock.advance(0); // the breaker reads its row before it calls connect()
    expect(first.connects).toBe(1);
    first.reject(new ProviderError('openai', 'upgrade refused', { status: 503 }));
    await expect(ready).rejects.toMatchObject({ status: 503 });
    expect(await row(openai)).toMatchObject({ circuit: 'open', failureCount: 1, openCount: 1 });

    const second = new PendingSession();
    await expect(guardedConnect(second, openai)).rejects.toMatchObject({ code: 'circuit_open' });
    expect(second.connects).toBe(0);
    expect((await row(openai)).failureCount).toBe(1);
  });

  it("does not count a handshake cut by the caller's own abort", async () => {
    const openai = breaker('openai');
    const session = new PendingSession();
    const controller = new AbortController();
    const ready = guardedConnect(session, openai, { signal: controller.signal });
    await clock.advance(0);
    expect(session.connects).toBe(1);
    controller.abort();
    await expect(ready).rejects.toMatchObject({ name: 'AbortError' });
    expect(await row(openai)).toMatchObject({ circuit: 'closed', failureCount: 0 });
  });

  it('rejects an invalid per-call timeout without running the call', async () => {
    const session = new PendingSession();
    await expect(breaker('openai').execute(() => session.connect(), { timeoutMs: -1 })).rejects.toMatchObject(
      { code: 'validation_failed' },
    );
    expect(session.connects).toBe(0);
  });
});

describe('WarmSessions with a breaker', () => {
  let clock: FakeClock;
  let store: MemoryProviderStatusStore;
  let opened: PendingSession[];
  let sessions: WarmSessions;
  const breakers = new Map<AiProvider, CircuitBreaker>();
  const breakerOf = (provider: AiProvider) => {
    let b = breakers.get(provider);
    if (!b) {
      b = new CircuitBreaker({ provider, store, clock, policy: { consecutiveFailures: 1 } });
      breakers.set(provider, b);
    }
    return b;
  };

  beforeEach(() => {
    clock = new FakeClock(1_700_000_000_000);
    store = new MemoryProviderStatusStore();
    breakers.clear();
    opened = [];
    const factory = Object.assign(
      (provider: AiProvider) => {
        const session = new PendingSession(API[provider], provider);
        opened.push(session);
        return session;
      },
      { providers: ['openai', 'gemini'] as const },
    );
    sessions = new WarmSessions({ factory, clock });
  });

  it('does not hold a warm session it discards mid-handshake against its provider', async () => {
    sessions.prewarm('c1', 'gemini', { breaker: breakerOf('gemini') });
    await clock.advance(0);
    expect(opened[0]?.connects).toBe(1); // its handshake is under way
    const taken = sessions.take('c1', 'openai', { breaker: breakerOf('openai') });
    expect(taken).toMatchObject({ warm: false, guarded: true });
    expect(opened[0]?.closed).toBe('provider changed');
    await clock.advance(0);
    expect(await breakerOf('gemini').peek()).toMatchObject({ state: 'closed', status: { failureCount: 0 } });
    expect(opened[1]?.connects).toBe(1);
    opened[1]?.resolve();
    await expect(taken.ready).resolves.toBeUndefined();
  });

  it('hands over a warm session with the guard it was prewarmed with', async () => {
    sessions.prewarm('c2', 'openai', { breaker: breakerOf('openai') });
    const taken = sessions.take('c2', 'openai');
    expect(taken).toMatchObject({ warm: true, guarded: true });
    await clock.advance(0);
    expect(opened[0]?.connects).toBe(1);
    opened[0]?.reject(new ProviderError('openai', 'upgrade refused', { status: 503 }));
    await expect(taken.ready).rejects.toMatchObject({ status: 503 });
    expect(await breakerOf('openai').peek()).toMatchObject({ state: 'open', status: { failureCount: 1 } });
  });

  it('refuses through an open circuit at prewarm: the session never connects', async () => {
    await breakerOf('openai').forceOpen(clock.now() + 60_000);
    sessions.prewarm('c3', 'openai', { breaker: breakerOf('openai') });
    const taken = sessions.take('c3', 'openai');
    await expect(taken.ready).rejects.toMatchObject({ code: 'circuit_open' });
    expect(opened[0]?.connects).toBe(0);
  });

  it('connects unguarded without a breaker', async () => {
    const taken = sessions.open('openai', { callId: 'c4' });
    expect(taken).toMatchObject({ warm: false, guarded: false });
    expect(opened[0]?.connects).toBe(1);
    opened[0]?.reject(new ProviderError('openai', 'upgrade refused', { status: 503 }));
    await expect(taken.ready).rejects.toMatchObject({ status: 503 });
    expect((await breakerOf('openai').peek()).status.failureCount).toBe(0);
  });
});
