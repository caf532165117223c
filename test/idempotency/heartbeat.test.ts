import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { IdempotencyConflictError } from '../../src/core/errors.js';
import { sequentialIds } from '../../src/core/ids.js';
import type { Logger } from '../../src/core/logger.js';
import { Idempotency, type IdempotentContext } from '../../src/idempotency/index.js';
import type { IdempotencyStore } from '../../src/idempotency/store.js';
import { MemoryIdempotencyStore } from '../../src/storage/memory/idempotency.js';
import { countingStore, faultyStore } from '../../src/testing/store-probes.js';
import { allSettled, deferred, drive, track, until } from './helpers.js';

const KEY = 'tenant-1:start-call-42';
const PAYLOAD = { to: 'client:alice' };
const LEASE = 30_000;

function spyLogger() {
  const noop = () => {};
  const warn = vi.fn<(obj: Record<string, unknown> | string, msg?: string) => void>();
  const logger: Logger = { debug: noop, info: noop, warn, error: noop };
  return Object.assign(logger, { warn });
}

describe('Idempotency lease heartbeat', () => {
  it('keeps a long handler’s claim across many leases: no takeover happens', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const [store, counter] = countingStore<IdempotencyStore>(new MemoryIdempotencyStore());
    const idempotency = new Idempotency({ store, clock, ids: sequentialIds('a'), leaseMs: LEASE });
    const other = new Idempotency({ store, clock, ids: sequentialIds('b'), leaseMs: LEASE });
    const gate = deferred();
    let ctx: IdempotentContext | undefined;
    const handler = vi.fn(async (c: IdempotentContext) => {
      ctx = c;
      await gate.promise;
      return 'long job done';
    });

    const owner = track(idempotency.execute(KEY, PAYLOAD, handler));
    await until(() => handler.mock.calls.length === 1);
    await clock.advance(5 * LEASE);

    const record = await store.get(KEY);
    expect(record).toMatchObject({ state: 'in_progress', ownerToken: 'a-1', attempts: 1 });
    expect(record!.leaseExpiresAt).toBeGreaterThan(clock.now());
    expect(counter.byMethod.extendLease).toBeGreaterThanOrEqual(14);

    // A duplicate (another process) finds the claim alive and does not take over.
    const duplicate = track(other.execute(KEY, PAYLOAD, handler, { waitTimeoutMs: 0 }));
    await until(() => duplicate.settled);
    expect(duplicate.error).toBeInstanceOf(IdempotencyConflictError);

    gate.resolve();
    await drive(clock, allSettled([owner]));
    await expect(owner.promise).resolves.toEqual({ response: 'long job done', replayed: false });
    expect(ctx?.signal.aborted).toBe(false);
    expect(handler).toHaveBeenCalledTimes(1);

    // The heartbeat stops with the handler.
    const beats = counter.byMethod.extendLease;
    await clock.advance(5 * LEASE);
    expect(counter.byMethod.extendLease).toBe(beats);
    expect(clock.pendingTimers).toBe(0);
  });

  it('aborts the handler’s signal when the claim is lost, and never overwrites the new owner’s result', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const inner = new MemoryIdempotencyStore();
    const [flaky, fault] = faultyStore<IdempotencyStore>(inner);
    const logger = spyLogger();
    const owner = new Idempotency({ store: flaky, clock, ids: sequentialIds('a'), leaseMs: LEASE, logger });
    const other = new Idempotency({ store: inner, clock, ids: sequentialIds('b'), leaseMs: LEASE });
    const gate = deferred();
    let signal: AbortSignal | undefined;
    const first = track(
      owner.execute(KEY, PAYLOAD, async (ctx) => {
        signal = ctx.signal;
        await gate.promise;
        return 'stale result';
      }),
    );
    await until(() => signal !== undefined);

    // The owner's store connection drops: heartbeats fail and the lease runs out.
    fault.down = true;
    await clock.advance(LEASE);
    expect(logger.warn).toHaveBeenCalled();
    const heir = await other.execute(KEY, PAYLOAD, async (ctx) => `heir result (takeover ${ctx.takeover})`);
    expect(heir).toEqual({ response: 'heir result (takeover true)', replayed: false });

    // Connection back: the next heartbeat learns the claim is gone and aborts the handler.
    fault.down = false;
    await clock.advance(LEASE / 3);
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(IdempotencyConflictError);

    gate.resolve();
    await drive(clock, allSettled([first]));
    await expect(first.promise).resolves.toEqual({ response: 'stale result', replayed: false });
    expect(await inner.get(KEY)).toMatchObject({
      state: 'completed',
      response: 'heir result (takeover true)',
    });
    const messages = logger.warn.mock.calls.map((c) => String(c[1]));
    expect(messages.some((m) => /heartbeat failed/.test(m))).toBe(true);
    expect(messages.some((m) => /claim lost/.test(m))).toBe(true);
    expect(messages.some((m) => /taken over before completion/.test(m))).toBe(true);
  });
});
