import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClaimRequest, IdempotencyRecord, IdempotencyStore } from '../../src/idempotency/store.js';

// A realistic epoch-ms base time: a store that confuses seconds and milliseconds shows it here.
const T = 1_700_000_000_000;
const LEASE = 5_000;
const DAY = 24 * 60 * 60 * 1000;
const FP = 'a'.repeat(64);
const OTHER_FP = 'b'.repeat(64);

/**
 * The behaviour every {@link IdempotencyStore} must have. Uses only the port and explicit `now`
 * values, so it runs unchanged against the memory store and PostgreSQL.
 *
 * `makeStore` must return an empty store (truncate the table); `cleanup` runs after each test.
 *
 * @example
 * ```ts
 * idempotencyStoreContract('memory', () => new MemoryIdempotencyStore());
 * ```
 */
export function idempotencyStoreContract(
  name: string,
  makeStore: () => Promise<IdempotencyStore> | IdempotencyStore,
  cleanup?: () => Promise<void>,
): void {
  describe(`IdempotencyStore contract: ${name}`, () => {
    let store: IdempotencyStore;
    let key: string;
    let n = 0;

    beforeEach(async () => {
      store = await makeStore();
      // Unique per test, so leftovers in a shared table can never satisfy an assertion by accident.
      key = `contract:${crypto.randomUUID()}`;
    });
    afterEach(async () => {
      await cleanup?.();
    });

    const claim = (over: Partial<ClaimRequest> = {}) =>
      store.claim({
        key,
        fingerprint: FP,
        ownerToken: `owner-${++n}`,
        leaseMs: LEASE,
        ttlMs: DAY,
        now: T,
        ...over,
      });

    it('claims a new key with a fresh in_progress record', async () => {
      const result = await claim({ ownerToken: 'first' });
      expect(result.status).toBe('claimed');
      if (result.status !== 'claimed') return;
      expect(result.takeover).toBe(false);
      expect(result.record).toEqual<IdempotencyRecord>({
        key,
        fingerprint: FP,
        state: 'in_progress',
        ownerToken: 'first',
        leaseExpiresAt: T + LEASE,
        response: null,
        createdAt: T,
        updatedAt: T,
        expiresAt: T + DAY,
        attempts: 1,
      });
      expect(await store.get(key)).toEqual(result.record);
    });

    it('gives exactly one of 50 concurrent claims of one key', async () => {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => claim({ ownerToken: `racer-${i}` })),
      );
      const claimed = results.filter((r) => r.status === 'claimed');
      expect(claimed).toHaveLength(1);
      expect(results.filter((r) => r.status === 'in_progress')).toHaveLength(49);
      const winner = claimed[0]!.record.ownerToken;
      for (const r of results) expect(r.record.ownerToken).toBe(winner);
      expect((await store.get(key))?.attempts).toBe(1);
    });

    it('replays a completed response', async () => {
      await claim({ ownerToken: 'a' });
      const response = { status: 200, body: { ok: true, list: [1, 2] } };
      expect(await store.complete(key, 'a', response, T + 10, DAY)).toBe(true);
      const again = await claim({ ownerToken: 'b', now: T + 20 });
      expect(again.status).toBe('completed');
      expect(again.record).toMatchObject({
        state: 'completed',
        response,
        ownerToken: null,
        leaseExpiresAt: null,
        updatedAt: T + 10,
        expiresAt: T + 10 + DAY,
        attempts: 1,
      });
    });

    it('reports a mismatch for another fingerprint, in progress or completed', async () => {
      await claim({ ownerToken: 'a' });
      expect((await claim({ fingerprint: OTHER_FP, now: T + 1 })).status).toBe('mismatch');
      await store.complete(key, 'a', 'done', T + 2, DAY);
      const mismatch = await claim({ fingerprint: OTHER_FP, now: T + 3 });
      expect(mismatch.status).toBe('mismatch');
      expect((await store.get(key))?.fingerprint).toBe(FP);
    });

    it('release deletes the owned claim so the next claim runs', async () => {
      await claim({ ownerToken: 'a' });
      expect(await store.release(key, 'not-the-owner')).toBe(false);
      expect(await store.release(key, 'a')).toBe(true);
      expect(await store.get(key)).toBeNull();
      const next = await claim({ ownerToken: 'b', now: T + 1 });
      expect(next).toMatchObject({ status: 'claimed', takeover: false });
      expect(next.record).toMatchObject({ ownerToken: 'b', attempts: 1 });
      expect(await store.release(key, 'a')).toBe(false);
    });

    it('does not release or extend a completed row, nor complete it twice', async () => {
      await claim({ ownerToken: 'a' });
      await store.complete(key, 'a', 'first', T + 1, DAY);
      const before = await store.get(key);
      expect(await store.release(key, 'a')).toBe(false);
      expect(await store.extendLease(key, 'a', LEASE, T + 2)).toBe(false);
      expect(await store.complete(key, 'a', 'second', T + 3, DAY)).toBe(false);
      expect(await store.get(key)).toEqual(before);
    });

    it('returns false for operations on a missing key', async () => {
      expect(await store.get(key)).toBeNull();
      expect(await store.complete(key, 'x', 1, T, DAY)).toBe(false);
      expect(await store.release(key, 'x')).toBe(false);
      expect(await store.extendLease(key, 'x', LEASE, T)).toBe(false);
      expect(await store.get(key)).toBeNull();
    });

    it('lets a dead owner be taken over exactly when its lease (milliseconds) ends', async () => {
      await claim({ ownerToken: 'dead' });
      const early = await claim({ ownerToken: 'early', now: T + LEASE - 1 });
      expect(early.status).toBe('in_progress');
      expect(early.record.ownerToken).toBe('dead');
      const late = await claim({ ownerToken: 'heir', now: T + LEASE });
      expect(late).toMatchObject({ status: 'claimed', takeover: true });
      expect(late.record).toMatchObject({
        state: 'in_progress',
        ownerToken: 'heir',
        leaseExpiresAt: T + 2 * LEASE,
        createdAt: T,
        updatedAt: T + LEASE,
        expiresAt: T + LEASE + DAY,
        attempts: 2,
      });
      expect(await store.get(key)).toEqual(late.record);
    });

    it('takes over a claim made with leaseMs 0 at the same instant', async () => {
      await claim({ ownerToken: 'zero', leaseMs: 0 });
      const next = await claim({ ownerToken: 'next' });
      expect(next).toMatchObject({ status: 'claimed', takeover: true });
      expect(next.record.attempts).toBe(2);
    });

    it('ignores a stale owner after a takeover', async () => {
      await claim({ ownerToken: 'stale' });
      await claim({ ownerToken: 'heir', now: T + LEASE });
      const before = await store.get(key);
      expect(await store.complete(key, 'stale', 'old result', T + LEASE + 1, DAY)).toBe(false);
      expect(await store.extendLease(key, 'stale', LEASE, T + LEASE + 2)).toBe(false);
      expect(await store.release(key, 'stale')).toBe(false);
      expect(await store.get(key)).toEqual(before);
      expect(await store.complete(key, 'heir', 'new result', T + LEASE + 3, DAY)).toBe(true);
      expect((await store.get(key))?.response).toBe('new result');
    });

    it('lets the owner complete after its lease passed if nobody took over', async () => {
      await claim({ ownerToken: 'slow' });
      expect(await store.complete(key, 'slow', { late: true }, T + 3 * LEASE, DAY)).toBe(true);
      expect((await store.get(key))?.state).toBe('completed');
    });

    it('extendLease moves the owned lease and keeps the row from expiring under its owner', async () => {
      await claim({ ownerToken: 'a', ttlMs: 60_000 });
      expect(await store.extendLease(key, 'a', LEASE, T + 4_000)).toBe(true);
      const record = await store.get(key);
      expect(record).toMatchObject({ leaseExpiresAt: T + 9_000, updatedAt: T + 4_000, ownerToken: 'a' });
      expect((await claim({ now: T + LEASE })).status).toBe('in_progress');
      expect((await claim({ ownerToken: 'heir', now: T + 9_000 })).status).toBe('claimed');

      // Heartbeats past the retention push expiresAt along with the lease.
      await store.release(key, 'heir');
      await claim({ ownerToken: 'b', ttlMs: 60_000, now: T + 10_000 });
      expect(await store.extendLease(key, 'b', LEASE, T + 68_000)).toBe(true);
      expect((await store.get(key))?.expiresAt).toBeGreaterThanOrEqual(T + 73_000);
      expect((await claim({ ownerToken: 'c', now: T + 71_000 })).status).toBe('in_progress');
    });

    it('replays a completed response until now+ttlMs-1, then re-claims it; purge removes it after 24 h', async () => {
      await claim({ ownerToken: 'a' });
      await store.complete(key, 'a', 'ok', T, DAY);
      expect((await claim({ now: T + DAY - 1 })).status).toBe('completed');
      expect(await store.purgeExpired(T + DAY - 1)).toBe(0);
      expect(await store.get(key)).not.toBeNull();
      expect(await store.purgeExpired(T + DAY)).toBe(1);
      expect(await store.get(key)).toBeNull();
    });

    it('re-claims an expired row afresh, whatever its state or fingerprint', async () => {
      await claim({ ownerToken: 'a', ttlMs: 60_000 });
      await store.complete(key, 'a', 'old', T, 60_000);
      const fresh = await claim({ ownerToken: 'b', fingerprint: OTHER_FP, now: T + 60_000 });
      expect(fresh).toMatchObject({ status: 'claimed', takeover: false });
      expect(fresh.record).toMatchObject({
        fingerprint: OTHER_FP,
        state: 'in_progress',
        response: null,
        createdAt: T + 60_000,
        attempts: 1,
      });

      // An abandoned in_progress row past its retention is also claimed afresh.
      const abandoned = await claim({ ownerToken: 'c', fingerprint: FP, now: T + 60_000 + DAY });
      expect(abandoned).toMatchObject({ status: 'claimed', takeover: false });
      expect(abandoned.record).toMatchObject({ fingerprint: FP, ownerToken: 'c', attempts: 1 });
    });

    it('purgeExpired deletes exactly the rows with expiresAt <= now and returns the count', async () => {
      expect(await store.purgeExpired(T)).toBe(0);
      const keys = [`${key}:1`, `${key}:2`, `${key}:3`];
      const ttls = [60_000, 120_000, 180_000];
      for (const [i, k] of keys.entries()) {
        await store.claim({
          key: k,
          fingerprint: FP,
          ownerToken: `o${i}`,
          leaseMs: LEASE,
          ttlMs: ttls[i]!,
          now: T,
        });
      }
      await store.complete(keys[2]!, 'o2', 'r', T, 180_000);
      expect(await store.purgeExpired(T + 59_999)).toBe(0);
      expect(await store.purgeExpired(T + 120_000)).toBe(2);
      expect(await store.get(keys[0]!)).toBeNull();
      expect(await store.get(keys[1]!)).toBeNull();
      expect(await store.get(keys[2]!)).not.toBeNull();
      expect(await store.purgeExpired(T + 120_000)).toBe(0);
      expect(await store.purgeExpired(T + 180_000)).toBe(1);
    });

    it('returns copies: mutating a returned record or a completed response changes nothing stored', async () => {
      const first = await claim({ ownerToken: 'a' });
      first.record.ownerToken = 'hacked';
      first.record.attempts = 99;
      const response = { nested: { value: 1 } };
      expect(await store.complete(key, 'a', response, T + 1, DAY)).toBe(true);
      response.nested.value = 2;
      const got = await store.get<{ nested: { value: number } }>(key);
      expect(got?.response).toEqual({ nested: { value: 1 } });
      got!.response!.nested.value = 3;
      const replay = await claim({ now: T + 2 });
      expect(replay.record.response).toEqual({ nested: { value: 1 } });
      expect(replay.record.attempts).toBe(1);
    });
  });
}
