import { describe, expect, it, vi } from 'vitest';
import { CircuitBreaker } from '../../src/breaker/breaker.js';
import type {
  BreakerFailureEvent,
  BreakerRejectEvent,
  BreakerStateChangeEvent,
} from '../../src/breaker/events.js';
import {
  type CircuitOpenError,
  isCircuitOpenError,
  isTimeoutError,
  isValidationError,
  type TimeoutError,
} from '../../src/core/errors.js';
import { MemoryProviderStatusStore } from '../../src/storage/memory/provider-status.js';
import { fail400, fail503, hang, ok, settle, setup, T0, trip } from './helpers.js';

describe('CircuitBreaker: closed and open', () => {
  it('passes results and errors through while closed', async () => {
    const { breaker } = setup();
    expect(await breaker.execute(ok)).toBe('ok');
    const { error } = await settle(breaker.execute(fail503));
    expect(error).toMatchObject({ code: 'provider_error', status: 503 });
    expect(breaker.state).toBe('closed');
  });

  it('opens after 5 consecutive failures and then fails fast without calling fn', async () => {
    const { breaker, clock } = setup();
    await trip(breaker);
    expect(breaker.state).toBe('open');
    const fn = vi.fn(ok);
    await clock.advance(100);
    const { error } = await settle(breaker.execute(fn));
    expect(fn).not.toHaveBeenCalled();
    expect(isCircuitOpenError(error)).toBe(true);
    expect(error).toMatchObject({ provider: 'twilio', retryAfterMs: 29_900, httpStatus: 503 });
  });

  it('reports a shrinking retryAfterMs as the cooldown passes', async () => {
    const { breaker, clock } = setup();
    await trip(breaker);
    await clock.advance(20_000);
    const { error } = await settle(breaker.execute(ok));
    expect((error as CircuitOpenError).retryAfterMs).toBe(10_000);
    expect(await breaker.peek()).toMatchObject({ state: 'open', retryAfterMs: 10_000 });
  });

  it('does not count errors the classifier ignores (Twilio 400 / 21211)', async () => {
    const { breaker, counter, memory } = setup();
    await breaker.refresh();
    counter.reset();
    for (let i = 0; i < 10; i++) await settle(breaker.execute(fail400));
    expect(breaker.state).toBe('closed');
    expect(counter.byMethod.recordOutcome).toBeUndefined();
    expect((await memory.get('twilio'))?.failureCount ?? 0).toBe(0);
  });

  it('uses a custom classifier', async () => {
    const { breaker } = setup({ classify: () => 'ignore' });
    await trip(breaker, 10);
    expect(breaker.state).toBe('closed');
  });

  it("does not count calls aborted by the caller's own signal", async () => {
    const { breaker, memory } = setup();
    await breaker.refresh();
    for (let i = 0; i < 6; i++) {
      const controller = new AbortController();
      const p = settle(breaker.execute(hang, { signal: controller.signal }));
      controller.abort();
      expect((await p).error).toMatchObject({ name: 'AbortError' });
    }
    expect(breaker.state).toBe('closed');
    expect(await memory.get('twilio')).toBeNull();
    const aborted = AbortSignal.abort(new Error('already'));
    expect((await settle(breaker.execute(ok, { signal: aborted }))).error).toMatchObject({
      message: 'already',
    });
  });

  it('counts a timeout as a failure and aborts the signal given to fn', async () => {
    const { breaker, clock, memory } = setup({ timeoutMs: 1000 });
    await breaker.refresh();
    let seen: AbortSignal | undefined;
    const p = settle(
      breaker.execute((signal) => {
        seen = signal;
        return new Promise(() => {}); // ignores its signal: the timeout still wins
      }),
    );
    await clock.advance(1000);
    const { error } = await p;
    expect(isTimeoutError(error)).toBe(true);
    expect((error as TimeoutError).timeoutMs).toBe(1000);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBe(error);
    expect((await memory.get('twilio'))?.failureCount).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('clears the timeout timer when the call settles first', async () => {
    const { breaker, clock } = setup({ timeoutMs: 1000 });
    await breaker.refresh();
    expect(await breaker.execute(ok)).toBe('ok');
    expect(clock.pendingTimers).toBe(0);
  });

  it('turns a synchronous throw in fn into a counted rejection', async () => {
    const { breaker, memory } = setup();
    await breaker.refresh();
    const { error } = await settle(
      breaker.execute(() => {
        throw new Error('sync');
      }),
    );
    expect(error).toMatchObject({ message: 'sync' });
    expect((await memory.get('twilio'))?.failureCount).toBe(1);
  });

  it('validates its options', () => {
    const store = new MemoryProviderStatusStore();
    expect(() => new CircuitBreaker({ provider: '', store })).toThrow(/options/);
    let err: unknown;
    try {
      new CircuitBreaker({ provider: 'x', store, policy: { minimumCalls: 0 } });
    } catch (e) {
      err = e;
    }
    expect(isValidationError(err)).toBe(true);
  });
});

describe('CircuitBreaker: half-open probes', () => {
  it('admits one probe after the cooldown; its success closes the circuit', async () => {
    const { breaker, clock, counter } = setup();
    await trip(breaker);
    await clock.advance(30_000);
    counter.reset();
    let release: (v: string) => void = () => {};
    const probe = breaker.execute(() => new Promise<string>((r) => (release = r)));
    await clock.advance(0);
    expect(breaker.state).toBe('half_open');
    const other = await settle(breaker.execute(ok));
    expect(isCircuitOpenError(other.error)).toBe(true);
    expect((other.error as CircuitOpenError).retryAfterMs).toBe(15_000);
    release('probed');
    expect(await probe).toBe('probed');
    expect(breaker.state).toBe('closed');
    expect(counter.byMethod).toEqual({ claimProbe: 2, recordOutcome: 1 });
    expect(await breaker.execute(ok)).toBe('ok');
  });

  it('re-opens with a doubled cooldown when the probe fails', async () => {
    const { breaker, clock } = setup();
    await trip(breaker);
    await clock.advance(30_000);
    await settle(breaker.execute(fail503));
    expect(breaker.state).toBe('open');
    const { error } = await settle(breaker.execute(ok));
    expect((error as CircuitOpenError).retryAfterMs).toBe(60_000);
    await clock.advance(60_000);
    await settle(breaker.execute(fail503));
    await clock.advance(1);
    expect(((await settle(breaker.execute(ok))).error as CircuitOpenError).retryAfterMs).toBe(119_999);
  });

  it('lets another probe go once the lease of a probe that never reports expires', async () => {
    const { breaker, clock } = setup();
    await trip(breaker);
    await clock.advance(30_000);
    void breaker.execute(() => new Promise(() => {})); // the probe hangs forever
    await clock.advance(0);
    await clock.advance(14_999);
    expect(isCircuitOpenError((await settle(breaker.execute(ok))).error)).toBe(true);
    await clock.advance(1);
    expect(await breaker.execute(ok)).toBe('ok');
    expect(breaker.state).toBe('closed');
  });

  it('leaves the lease to expire when the probe error is ignored', async () => {
    const { breaker, clock } = setup();
    await trip(breaker);
    await clock.advance(30_000);
    await settle(breaker.execute(fail400));
    expect(breaker.state).toBe('half_open');
    expect(isCircuitOpenError((await settle(breaker.execute(ok))).error)).toBe(true);
    await clock.advance(15_000);
    expect(await breaker.execute(ok)).toBe('ok');
  });
});

describe('CircuitBreaker: events, incidents and alerts', () => {
  it('emits state changes, successes, failures and rejections; dispose stops them', async () => {
    const { breaker, clock } = setup();
    const changes: BreakerStateChangeEvent[] = [];
    let successes = 0;
    const failures: BreakerFailureEvent[] = [];
    const rejects: BreakerRejectEvent[] = [];
    const sub = breaker.onStateChange((e) => changes.push(e));
    breaker.onSuccess(() => successes++);
    breaker.onFailure((e) => failures.push(e));
    breaker.onReject((e) => rejects.push(e));
    await breaker.execute(ok);
    await trip(breaker);
    await settle(breaker.execute(ok));
    await clock.advance(30_000);
    await breaker.execute(ok);
    expect(changes.map((c) => `${c.from}->${c.to}`)).toEqual([
      'closed->open',
      'open->half_open',
      'half_open->closed',
    ]);
    expect(changes[0]).toMatchObject({ provider: 'twilio', at: T0, status: { circuit: 'open' } });
    expect(successes).toBe(2);
    expect(failures).toHaveLength(5);
    expect(failures[0]).toMatchObject({ provider: 'twilio', probe: false, error: { status: 503 } });
    expect(rejects).toEqual([{ provider: 'twilio', state: 'open', retryAfterMs: 30_000 }]);
    sub.dispose();
    await trip(breaker);
    expect(changes).toHaveLength(3);
  });

  it('writes one incident and fires one alert per transition', async () => {
    const { breaker, clock, incidents, alerts } = setup();
    await trip(breaker, 8);
    expect(incidents).toEqual([
      expect.objectContaining({
        severity: 'warning',
        code: 'circuit_open',
        provider: 'twilio',
        context: { failureCount: 5, cooldownUntil: T0 + 30_000, openCount: 1 },
      }),
    ]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      condition: 'circuit_open',
      severity: 'warning',
      provider: 'twilio',
      context: { failureCount: 5 },
      incident: { id: 'inc-1', code: 'circuit_open' },
    });
    await clock.advance(30_000);
    await breaker.execute(ok);
    expect(incidents[1]).toMatchObject({ severity: 'info', code: 'circuit_closed', provider: 'twilio' });
    expect(alerts).toHaveLength(1);
  });

  it('alerts failure_count_exceeded once, when the count crosses 10', async () => {
    const { breaker, alerts } = setup();
    for (let i = 0; i < 15; i++) await breaker.failure(new Error('manual'));
    expect(alerts.map((a) => a.condition)).toEqual(['circuit_open', 'failure_count_exceeded']);
    expect(alerts[1]?.context).toMatchObject({ failureCount: 11 });
  });

  it('swallows and logs errors from the alert hook and the incident log', async () => {
    const { breaker, logger } = setup({
      onAlert: () => {
        throw new Error('slack down');
      },
      incidents: { record: () => Promise.reject(new Error('db down')) },
    });
    await trip(breaker, 4);
    const { error } = await settle(breaker.execute(fail503));
    expect(error).toMatchObject({ status: 503 });
    expect(breaker.state).toBe('open');
    const errors = logger.lines.filter((l) => l[0] === 'error').map((l) => l[2]);
    expect(errors).toEqual(['could not write breaker incident', 'alert hook failed']);
  });

  it('manual success() ends a failure streak; reset() and forceOpen() work and emit', async () => {
    const { breaker, clock, memory, incidents } = setup();
    await breaker.failure();
    await breaker.failure();
    await breaker.success();
    expect((await memory.get('twilio'))?.failureCount).toBe(0);
    await breaker.forceOpen(T0 + 5_000);
    expect(breaker.state).toBe('open');
    expect(((await settle(breaker.execute(ok))).error as CircuitOpenError).retryAfterMs).toBe(5_000);
    const reset = await breaker.reset();
    expect(reset.circuit).toBe('closed');
    expect(await breaker.execute(ok)).toBe('ok');
    expect(incidents.map((i) => i.code)).toEqual(['circuit_open', 'circuit_closed']);
    await clock.advance(1);
    expect(breaker.toJSON()).toMatchObject({
      provider: 'twilio',
      state: 'closed',
      policy: { consecutiveFailures: 5 },
    });
  });

  it('peek() respects the cache and returns copies', async () => {
    const { breaker, counter, clock } = setup();
    const first = await breaker.peek();
    expect(first).toMatchObject({ state: 'closed', retryAfterMs: 0, status: { provider: 'twilio' } });
    counter.reset();
    first.status.circuit = 'open';
    expect((await breaker.peek()).state).toBe('closed');
    expect(counter.total).toBe(0);
    await clock.advance(1000);
    await breaker.peek();
    expect(counter.total).toBe(1);
  });
});
