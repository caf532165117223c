import { describe, expect, it, vi } from 'vitest';
import type { BreakerStoreErrorEvent } from '../../src/breaker/events.js';
import type { ProviderStatusStore } from '../../src/breaker/store.js';
import {
  isCircuitOpenError,
  isStorageUnavailableError,
  StorageUnavailableError,
} from '../../src/core/errors.js';
import type { Alert } from '../../src/incidents/alerts.js';
import { MemoryProviderStatusStore } from '../../src/storage/memory/provider-status.js';
import { faultyStore } from '../../src/testing/store-probes.js';
import { fail503, ok, settle, setup, T0, trip } from './helpers.js';

describe('CircuitBreaker: store round trips', () => {
  it('costs 0 store calls per success on a fresh cache and 1 per cache period', async () => {
    const { breaker, counter, clock, memory } = setup();
    expect(await breaker.execute(ok)).toBe('ok');
    expect(counter.byMethod).toEqual({ get: 1 });
    counter.reset();
    for (let i = 0; i < 50; i++) await breaker.execute(ok);
    expect(counter.total).toBe(0);
    await clock.advance(1000);
    await breaker.execute(ok);
    // The 51 successes seen so far are batched into the refresh (failure-rate strategy is on).
    expect(counter.byMethod).toEqual({ recordOutcome: 1 });
    expect((await memory.get('twilio'))?.windowCalls).toBe(51);
    counter.reset();
    await clock.advance(1000);
    await breaker.execute(ok);
    expect(counter.total).toBe(1);
  });

  it('refreshes with a plain get when the failure-rate strategy is off', async () => {
    const { breaker, counter, clock } = setup({ policy: { failureRateThreshold: 0, jitter: 0 } });
    await breaker.execute(ok);
    for (let i = 0; i < 10; i++) await breaker.execute(ok);
    await clock.advance(1000);
    counter.reset();
    await breaker.execute(ok);
    expect(counter.byMethod).toEqual({ get: 1 });
  });

  it('writes every failure once, and the success that ends a failure streak right away', async () => {
    const { breaker, counter, memory } = setup();
    await breaker.refresh();
    counter.reset();
    await settle(breaker.execute(fail503));
    expect(counter.byMethod).toEqual({ recordOutcome: 1 });
    await breaker.execute(ok);
    expect(counter.byMethod).toEqual({ recordOutcome: 2 });
    expect((await memory.get('twilio'))?.failureCount).toBe(0);
    await breaker.execute(ok);
    expect(counter.total).toBe(2);
  });

  it('fails fast from the cache with no store call, then one claim per probe attempt', async () => {
    const { breaker, counter, clock } = setup();
    await trip(breaker);
    counter.reset();
    for (let i = 0; i < 20; i++)
      expect(isCircuitOpenError((await settle(breaker.execute(ok))).error)).toBe(true);
    expect(counter.total).toBe(0);
    await clock.advance(30_000);
    await breaker.execute(ok);
    expect(counter.byMethod).toEqual({ claimProbe: 1, recordOutcome: 1 });
  });

  it('shares one in-flight refresh between concurrent callers', async () => {
    const { breaker, counter } = setup();
    await Promise.all(Array.from({ length: 10 }, () => breaker.execute(ok)));
    expect(counter.byMethod).toEqual({ get: 1 });
  });
});

describe('CircuitBreaker: unreachable store', () => {
  function down(policy: 'fail-open' | 'fail-closed') {
    const [store, fault] = faultyStore<ProviderStatusStore>(new MemoryProviderStatusStore());
    const ctx = setup({ store, storeFailurePolicy: policy });
    const events: BreakerStoreErrorEvent[] = [];
    ctx.breaker.onStoreError((e) => events.push(e));
    fault.down = true;
    return { ...ctx, fault, events };
  }

  it('fail-open runs calls unguarded, emits onStoreError and warns at most every 30 s', async () => {
    const { breaker, clock, events, logger } = down('fail-open');
    for (let i = 0; i < 3; i++) expect(await breaker.execute(ok)).toBe('ok');
    expect(events).toHaveLength(3);
    expect(events[0]).toMatchObject({ provider: 'twilio', operation: 'get', policy: 'fail-open' });
    expect(logger.lines.filter((l) => l[0] === 'warn')).toHaveLength(1);
    await clock.advance(30_000);
    await breaker.execute(ok);
    expect(logger.lines.filter((l) => l[0] === 'warn')).toHaveLength(2);
    expect(await breaker.peek()).toMatchObject({ state: 'closed', retryAfterMs: 0 });
  });

  it('fail-closed refuses calls with StorageUnavailableError', async () => {
    const { breaker, events } = down('fail-closed');
    const fn = vi.fn(ok);
    const { error } = await settle(breaker.execute(fn));
    expect(isStorageUnavailableError(error)).toBe(true);
    expect(fn).not.toHaveBeenCalled();
    expect(events).toHaveLength(1);
    expect(isStorageUnavailableError((await settle(breaker.peek())).error)).toBe(true);
  });

  it('keeps the call result when recording fails, and re-sends batched successes later', async () => {
    const [store, fault] = faultyStore<ProviderStatusStore>(new MemoryProviderStatusStore());
    const { breaker, clock } = setup({ store });
    await breaker.execute(ok);
    await breaker.execute(ok);
    fault.down = true;
    const { error } = await settle(breaker.execute(fail503));
    expect(error).toMatchObject({ status: 503 });
    fault.down = false;
    await clock.advance(1000);
    await breaker.execute(ok);
    const row = await store.get('twilio');
    expect(row?.windowCalls).toBe(2); // the 2 batched successes were kept for the next write
  });

  it('never logs the store error message (it may hold a connection string)', async () => {
    const secret = 'postgres://app:s3cr3t-pa55@db.internal:5432/prod';
    const reject = () => Promise.reject(new StorageUnavailableError(`connect failed: ${secret}`));
    const broken: ProviderStatusStore = {
      get: reject,
      list: reject,
      recordOutcome: reject,
      claimProbe: reject,
      reset: reject,
      forceOpen: reject,
      recordHealth: reject,
    };
    const { breaker, logger } = setup({ store: broken });
    await breaker.execute(ok);
    expect(logger.lines.length).toBeGreaterThan(0);
    expect(JSON.stringify(logger.lines)).not.toContain('s3cr3t');
  });
});

describe('CircuitBreaker: instances sharing one store', () => {
  it('behave as one breaker with one alert per transition', async () => {
    const store = new MemoryProviderStatusStore();
    const alerts: Alert[] = [];
    const a = setup({ store, onAlert: (x) => void alerts.push(x) });
    const b = setup({ store, onAlert: (x) => void alerts.push(x), clock: a.clock });
    await trip(a.breaker, 3);
    await trip(b.breaker, 2);
    expect(b.breaker.state).toBe('open');
    expect(alerts.map((x) => x.condition)).toEqual(['circuit_open']);
    expect([...a.incidents, ...b.incidents]).toHaveLength(1);
    await a.clock.advance(1000); // a's cache expires: it sees b's trip
    expect(isCircuitOpenError((await settle(a.breaker.execute(ok))).error)).toBe(true);

    await a.clock.advance(29_000);
    let release: (v: string) => void = () => {};
    const probe = a.breaker.execute(() => new Promise<string>((r) => (release = r)));
    await a.clock.advance(0);
    const other = await settle(b.breaker.execute(ok));
    expect(isCircuitOpenError(other.error)).toBe(true);
    release('ok');
    await probe;
    expect(a.breaker.state).toBe('closed');
    expect((await b.breaker.peek()).state).toBe('half_open'); // b's cache is still fresh
    await a.clock.advance(1000);
    expect(await b.breaker.execute(ok)).toBe('ok');
    expect(b.breaker.state).toBe('closed');
    expect(alerts).toHaveLength(1);
    expect(b.incidents.map((i) => i.code)).toEqual(['circuit_open']);
    expect(a.incidents.map((i) => i.code)).toEqual(['circuit_closed']);
    expect(a.clock.now()).toBe(T0 + 31_000);
  });
});
