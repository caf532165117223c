import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import {
  isStorageUnavailableError,
  StorageUnavailableError,
  ValidationError,
} from '../../src/core/errors.js';
import { Idempotency } from '../../src/idempotency/index.js';
import type { IdempotencyStore } from '../../src/idempotency/store.js';
import { MemoryIdempotencyStore } from '../../src/storage/memory/idempotency.js';
import { faultyStore } from '../../src/testing/store-probes.js';

const KEY = 'twilio:token:abc';
const PAYLOAD = { CallSid: 'CA1', CallStatus: 'in-progress' };

describe('Idempotency with a failing store', () => {
  it('store down: StorageUnavailableError and the handler is not run', async () => {
    const [store, fault] = faultyStore<IdempotencyStore>(new MemoryIdempotencyStore());
    const idempotency = new Idempotency({ store, clock: new FakeClock(0) });
    fault.down = true;
    const handler = vi.fn(async () => 'applied');
    await expect(idempotency.execute(KEY, PAYLOAD, handler)).rejects.toBeInstanceOf(StorageUnavailableError);
    expect(handler).not.toHaveBeenCalled();
    await expect(idempotency.purgeExpired()).rejects.toBeInstanceOf(StorageUnavailableError);

    fault.down = false;
    await expect(idempotency.execute(KEY, PAYLOAD, handler)).resolves.toEqual({
      response: 'applied',
      replayed: false,
    });
  });

  it('wraps a driver error in StorageUnavailableError (503, retryable) with the cause', async () => {
    const store = new MemoryIdempotencyStore();
    const driverError = new Error('ECONNRESET');
    vi.spyOn(store, 'claim').mockRejectedValue(driverError);
    const idempotency = new Idempotency({ store, clock: new FakeClock(0) });
    const handler = vi.fn(async () => 'applied');
    const err = await idempotency.execute(KEY, PAYLOAD, handler).catch((e: unknown) => e);
    expect(isStorageUnavailableError(err)).toBe(true);
    expect(err).toMatchObject({ httpStatus: 503, retryable: true, cause: driverError });
    expect(handler).not.toHaveBeenCalled();
  });

  it('passes other steadycall errors from the store through unchanged', async () => {
    const store = new MemoryIdempotencyStore();
    const invalid = new ValidationError('bad key for this store');
    vi.spyOn(store, 'claim').mockRejectedValue(invalid);
    const idempotency = new Idempotency({ store, clock: new FakeClock(0) });
    await expect(idempotency.execute(KEY, PAYLOAD, async () => 1)).rejects.toBe(invalid);
  });

  it('does not report success when the response cannot be stored; a later duplicate re-runs after the lease', async () => {
    const clock = new FakeClock(0);
    const inner = new MemoryIdempotencyStore();
    const [store, fault] = faultyStore<IdempotencyStore>(inner);
    const idempotency = new Idempotency({ store, clock, leaseMs: 1_000, waitTimeoutMs: 0 });
    const handler = vi.fn(async () => {
      fault.down = true; // the store drops between the handler and complete()
      return 'applied';
    });
    await expect(idempotency.execute(KEY, PAYLOAD, handler)).rejects.toBeInstanceOf(StorageUnavailableError);
    fault.down = false;
    expect(await inner.get(KEY)).toMatchObject({ state: 'in_progress', response: null });

    await clock.advance(1_000);
    const retry = await idempotency.execute(
      KEY,
      PAYLOAD,
      async (ctx) => `re-applied (takeover ${ctx.takeover})`,
    );
    expect(retry).toEqual({ response: 're-applied (takeover true)', replayed: false });
  });

  it('rethrows the handler’s error even when release fails', async () => {
    const [store, fault] = faultyStore<IdempotencyStore>(new MemoryIdempotencyStore());
    const idempotency = new Idempotency({ store, clock: new FakeClock(0) });
    const boom = new Error('handler failed');
    const result = idempotency.execute(KEY, PAYLOAD, async () => {
      fault.down = true;
      throw boom;
    });
    await expect(result).rejects.toBe(boom);
  });
});
