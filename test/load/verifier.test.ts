// The load check must catch what it claims to: here the app is broken on purpose (its idempotency
// ledger forgets, or answers without applying) and the run has to report doubled or lost events.
import { describe, expect, it } from 'vitest';
import { NO_FAULTS } from '../../bench/load/plan.js';
import { runLoad } from '../../bench/load/run.js';
import type { IdempotencyStore } from '../../src/idempotency/store.js';
import { createMemoryStores, MemoryIdempotencyStore } from '../../src/storage/memory/index.js';

const CALLS = 12;

function withIdempotency(idempotency: IdempotencyStore) {
  return { ...createMemoryStores(), idempotency };
}

describe('the load check', () => {
  it('reports doubled events when duplicates are applied again', async () => {
    const real = new MemoryIdempotencyStore();
    // Every claim is granted, as if no delivery had been seen before.
    const forgetful: IdempotencyStore = {
      claim: (request) => new MemoryIdempotencyStore().claim(request),
      complete: async () => true,
      release: async () => true,
      extendLease: async () => true,
      get: (key) => real.get(key),
      purgeExpired: (now) => real.purgeExpired(now),
    };
    const r = await runLoad({
      label: 'forgetful',
      stores: withIdempotency(forgetful),
      calls: CALLS,
      concurrency: 4,
      seed: 5,
      rates: NO_FAULTS,
    });
    expect(r.status.doubled).toBeGreaterThan(0);
    expect(r.status.lost).toBe(0);
  }, 60_000);

  it('reports lost events and wrong final statuses when events are answered but never applied', async () => {
    const real = new MemoryIdempotencyStore();
    // Status callbacks find a stored answer for a key never seen: acknowledged, never applied.
    const forging: IdempotencyStore = {
      claim: async (request) => {
        if (!request.key.startsWith('twilio:')) return real.claim(request);
        await real.claim(request);
        await real.complete(
          request.key,
          request.ownerToken,
          { applied: false, status: null },
          request.now,
          1000,
        );
        return real.claim({ ...request, ownerToken: 'someone-else' });
      },
      complete: (...args) => real.complete(...args),
      release: (key, owner) => real.release(key, owner),
      extendLease: (...args) => real.extendLease(...args),
      get: (key) => real.get(key),
      purgeExpired: (now) => real.purgeExpired(now),
    };
    const r = await runLoad({
      label: 'forging',
      stores: withIdempotency(forging),
      calls: CALLS,
      concurrency: 4,
      seed: 5,
      rates: NO_FAULTS,
    });
    expect(r.status.lost).toBe(r.status.acked);
    expect(r.status.lost).toBeGreaterThan(0);
    expect(r.status.wrongStatus).toBeGreaterThan(0);
  }, 60_000);
});
