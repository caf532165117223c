import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { IdempotencyConflictError, IdempotencyKeyReuseError } from '../../src/core/errors.js';
import { sequentialIds } from '../../src/core/ids.js';
import {
  fingerprintPayload,
  Idempotency,
  type IdempotencyOptions,
  type IdempotentContext,
} from '../../src/idempotency/index.js';
import type { IdempotencyStore } from '../../src/idempotency/store.js';
import { MemoryIdempotencyStore } from '../../src/storage/memory/idempotency.js';
import { countingStore } from '../../src/testing/store-probes.js';
import { allSettled, deferred, drive, track, until } from './helpers.js';

const KEY = 'twilio:status:CA1:completed:1';
const PAYLOAD = { CallSid: 'CA1', CallStatus: 'completed', SequenceNumber: '1' };

function setup(options: Partial<IdempotencyOptions> = {}) {
  const clock = new FakeClock(1_700_000_000_000);
  const [store, counter] = countingStore<IdempotencyStore>(new MemoryIdempotencyStore());
  const idempotency = new Idempotency({ store, clock, ids: sequentialIds('owner'), ...options });
  return { clock, store, counter, idempotency };
}

describe('Idempotency.execute', () => {
  it('runs the handler once for 50 concurrent duplicates; 49 replay the same response', async () => {
    const { clock, counter, idempotency } = setup();
    const gate = deferred();
    const handler = vi.fn(async () => {
      await gate.promise;
      return { applied: true, at: 'once' };
    });
    const calls = Array.from({ length: 50 }, () => track(idempotency.execute(KEY, PAYLOAD, handler)));
    // Hold the owner until every duplicate has tried to claim, so all 50 really overlap.
    await until(() => (counter.byMethod.claim ?? 0) >= 50);
    expect(handler).toHaveBeenCalledTimes(1);
    gate.resolve();
    await drive(clock, allSettled(calls));

    const results = await Promise.all(calls.map((c) => c.promise));
    expect(handler).toHaveBeenCalledTimes(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(results.filter((r) => r.replayed)).toHaveLength(49);
    for (const r of results) expect(r.response).toEqual({ applied: true, at: 'once' });
  });

  it('waiters in another process (no in-process wake-up) poll and replay', async () => {
    const { clock, store, idempotency } = setup();
    const other = new Idempotency({ store, clock, ids: sequentialIds('other') });
    const gate = deferred();
    const handler = vi.fn(async () => {
      await gate.promise;
      return 'ok';
    });
    const calls = Array.from({ length: 10 }, (_, i) =>
      track((i % 2 === 0 ? idempotency : other).execute(KEY, PAYLOAD, handler)),
    );
    await until(() => handler.mock.calls.length === 1);
    await clock.advance(500);
    gate.resolve();
    await drive(clock, allSettled(calls));
    const results = await Promise.all(calls.map((c) => c.promise));
    expect(handler).toHaveBeenCalledTimes(1);
    expect(results.filter((r) => r.replayed)).toHaveLength(9);
    expect(new Set(results.map((r) => r.response))).toEqual(new Set(['ok']));
  });

  it('passes attempt 1, takeover false and a live signal to a first run', async () => {
    const { idempotency } = setup();
    const handler = vi.fn(async (ctx: { signal: AbortSignal; attempt: number; takeover: boolean }) => {
      expect(ctx.signal.aborted).toBe(false);
      return ctx.attempt;
    });
    await expect(idempotency.execute(KEY, PAYLOAD, handler)).resolves.toEqual({
      response: 1,
      replayed: false,
    });
    expect(handler.mock.calls[0]![0]).toMatchObject({ attempt: 1, takeover: false });
  });

  it('replays a completed response later, whatever the key order of the payload', async () => {
    const { clock, idempotency } = setup();
    const handler = vi.fn(async () => ({ twiml: '<Response/>' }));
    await idempotency.execute(KEY, { a: 1, b: { c: 2, d: 3 } }, handler);
    await clock.advance(60 * 60 * 1000);
    const replay = await idempotency.execute(KEY, { b: { d: 3, c: 2 }, a: 1 }, handler);
    expect(replay).toEqual({ response: { twiml: '<Response/>' }, replayed: true });
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('releases the claim when the owner throws; a waiting duplicate then runs and succeeds', async () => {
    const { clock, store, counter, idempotency } = setup();
    const gate = deferred();
    const boom = new Error('database write failed');
    let runs = 0;
    const handler = vi.fn(async () => {
      runs++;
      if (runs === 1) {
        await gate.promise;
        throw boom;
      }
      return 'applied';
    });
    const owner = track(idempotency.execute(KEY, PAYLOAD, handler));
    await until(() => handler.mock.calls.length === 1);
    const waiter = track(idempotency.execute(KEY, PAYLOAD, handler));
    await until(() => (counter.byMethod.claim ?? 0) >= 2);
    gate.resolve();
    await drive(clock, allSettled([owner, waiter]));

    expect(owner.error).toBe(boom);
    expect(counter.byMethod.release).toBe(1);
    await expect(waiter.promise).resolves.toEqual({ response: 'applied', replayed: false });
    expect(handler).toHaveBeenCalledTimes(2);
    expect(await store.get(KEY)).toMatchObject({ state: 'completed', response: 'applied' });
    await expect(idempotency.execute(KEY, PAYLOAD, handler)).resolves.toEqual({
      response: 'applied',
      replayed: true,
    });
    expect(handler).toHaveBeenCalledTimes(2);
  });

  it('lets a later retry run after a failure, with the original error rethrown unchanged', async () => {
    const { store, idempotency } = setup();
    const failure = Object.assign(new Error('nope'), { code: 'E_CUSTOM' });
    await expect(idempotency.execute(KEY, PAYLOAD, () => Promise.reject(failure))).rejects.toBe(failure);
    expect(await store.get(KEY)).toBeNull();
    await expect(idempotency.execute(KEY, PAYLOAD, async () => 'second')).resolves.toEqual({
      response: 'second',
      replayed: false,
    });
  });

  it('treats a handler that throws synchronously like one that rejects', async () => {
    const { store, idempotency } = setup();
    const sync = (() => {
      throw new TypeError('sync');
    }) as unknown as () => Promise<string>;
    await expect(idempotency.execute(KEY, PAYLOAD, sync)).rejects.toThrow('sync');
    expect(await store.get(KEY)).toBeNull();
  });

  it('takes over from a dead owner once its lease has passed', async () => {
    const { clock, store, idempotency } = setup({ waitTimeoutMs: 60_000 });
    const start = clock.now();
    await store.claim({
      key: KEY,
      fingerprint: await fingerprintPayload(PAYLOAD),
      ownerToken: 'crashed-process',
      leaseMs: 30_000,
      ttlMs: 24 * 60 * 60 * 1000,
      now: start,
    });
    let ranAt = 0;
    const handler = vi.fn(async (_ctx: IdempotentContext) => {
      ranAt = clock.now();
      return 'recovered';
    });
    const call = track(idempotency.execute(KEY, PAYLOAD, handler));
    await drive(clock, allSettled([call]), { step: 250 });

    await expect(call.promise).resolves.toEqual({ response: 'recovered', replayed: false });
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler.mock.calls[0]![0]).toMatchObject({ takeover: true, attempt: 2 });
    expect(ranAt).toBeGreaterThanOrEqual(start + 30_000);
    expect(await store.get(KEY)).toMatchObject({ state: 'completed', attempts: 2, response: 'recovered' });
  });

  it('gives up with a retryable 409 when the owner outlasts waitTimeoutMs', async () => {
    const { clock, store, idempotency } = setup({ waitTimeoutMs: 2_000 });
    await store.claim({
      key: KEY,
      fingerprint: await fingerprintPayload(PAYLOAD),
      ownerToken: 'busy',
      leaseMs: 30_000,
      ttlMs: 24 * 60 * 60 * 1000,
      now: clock.now(),
    });
    const handler = vi.fn(async () => 'never');
    const call = track(idempotency.execute(KEY, PAYLOAD, handler));
    await drive(clock, allSettled([call]));

    expect(call.error).toBeInstanceOf(IdempotencyConflictError);
    const err = call.error as IdempotencyConflictError;
    expect(err).toMatchObject({ httpStatus: 409, retryable: true, code: 'idempotency_in_progress' });
    expect(err.retryAfterMs).toBeGreaterThan(0);
    expect(err.retryAfterMs).toBeLessThanOrEqual(1_000);
    expect(handler).not.toHaveBeenCalled();

    // waitTimeoutMs 0 answers at once, without waiting on the clock.
    const now = track(idempotency.execute(KEY, PAYLOAD, handler, { waitTimeoutMs: 0 }));
    await until(() => now.settled);
    expect(now.error).toBeInstanceOf(IdempotencyConflictError);
  });

  it('rejects reuse of a key with another payload (422), while running or after completion', async () => {
    const { idempotency } = setup();
    const gate = deferred();
    const handler = vi.fn(async () => {
      await gate.promise;
      return 'first';
    });
    const first = track(idempotency.execute(KEY, PAYLOAD, handler));
    await until(() => handler.mock.calls.length === 1);
    const other = { ...PAYLOAD, CallStatus: 'failed' };
    const reuse = idempotency.execute(KEY, other, handler);
    await expect(reuse).rejects.toBeInstanceOf(IdempotencyKeyReuseError);
    await expect(reuse).rejects.toMatchObject({ httpStatus: 422, code: 'idempotency_key_reuse' });
    gate.resolve();
    await first.promise;
    await expect(idempotency.execute(KEY, other, handler)).rejects.toBeInstanceOf(IdempotencyKeyReuseError);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('keeps distinct keys independent', async () => {
    const { idempotency } = setup();
    const handler = vi.fn(async () => 'ok');
    await idempotency.execute('tenant-a:1', PAYLOAD, handler);
    await idempotency.execute('tenant-b:1', PAYLOAD, handler);
    expect(handler).toHaveBeenCalledTimes(2);
  });

  it('purges completed records after their retention', async () => {
    const { clock, store, idempotency } = setup({ ttlMs: 24 * 60 * 60 * 1000 });
    await idempotency.execute(KEY, PAYLOAD, async () => 'done');
    await clock.advance(24 * 60 * 60 * 1000 - 1);
    expect(await idempotency.purgeExpired()).toBe(0);
    await clock.advance(1);
    expect(await idempotency.purgeExpired()).toBe(1);
    expect(await store.get(KEY)).toBeNull();
  });
});
