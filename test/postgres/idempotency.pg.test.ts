// PostgreSQL-specific behaviour of PostgresIdempotencyStore, beyond the shared contract: races
// between separate pools (instances), JSON round trips, the operator-facing columns, a lease
// takeover and a released claim through Idempotency across instances, and connection failures.
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isStorageUnavailableError } from '../../src/core/errors.js';
import { fingerprintPayload } from '../../src/idempotency/fingerprint.js';
import { Idempotency } from '../../src/idempotency/idempotency.js';
import type { ClaimRequest } from '../../src/idempotency/store.js';
import { PostgresIdempotencyStore } from '../../src/storage/postgres/idempotency.js';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../support/pg.js';

const T = 1_700_000_000_000;
const DAY = 24 * 60 * 60 * 1000;
const FP = 'f'.repeat(64);

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe.skipIf(!databaseUrl)('PostgresIdempotencyStore on PostgreSQL', () => {
  let db: TestDatabase;
  let pools: PostgresIdempotencyStore[];
  let store: PostgresIdempotencyStore;

  beforeAll(async () => {
    db = await createTestDatabase('idempotency_pg');
    pools = Array.from({ length: 4 }, () => new PostgresIdempotencyStore(db.pool(8)));
    store = new PostgresIdempotencyStore(db.sql);
  });
  afterAll(async () => {
    await db?.drop();
  });
  beforeEach(async () => {
    await db.sql`truncate idempotency_keys`;
  });

  const request = (over: Partial<ClaimRequest> = {}): ClaimRequest => ({
    key: 'k',
    fingerprint: FP,
    ownerToken: 'o',
    leaseMs: 5_000,
    ttlMs: DAY,
    now: T,
    ...over,
  });

  it('gives exactly one claim to 50 concurrent claimants spread over 4 pools, and one takeover', async () => {
    const race = (now: number, prefix: string) =>
      Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          pools[i % pools.length]!.claim(request({ ownerToken: `${prefix}-${i}`, now })),
        ),
      );
    const first = await race(T, 'a');
    expect(first.filter((r) => r.status === 'claimed')).toHaveLength(1);
    expect(first.filter((r) => r.status === 'in_progress')).toHaveLength(49);

    // The lease passed: exactly one of 50 new racers takes the dead owner's claim over.
    const second = await race(T + 5_000, 'b');
    const takeovers = second.filter((r) => r.status === 'claimed');
    expect(takeovers).toHaveLength(1);
    expect(takeovers[0]).toMatchObject({ takeover: true, record: { attempts: 2 } });
    expect(await store.get('k')).toEqual(takeovers[0]!.record);
  });

  it('races claim, complete and release of many keys without losing or duplicating a row', async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);
    await Promise.all(
      keys.map(async (key, i) => {
        const owner = pools[i % 4]!;
        const claimed = await owner.claim(request({ key, ownerToken: `owner-${i}` }));
        expect(claimed.status).toBe('claimed');
        const twins = await Promise.all(
          [1, 2, 3].map((j) => pools[(i + j) % 4]!.claim(request({ key, ownerToken: `twin-${i}-${j}` }))),
        );
        expect(twins.every((t) => t.status === 'in_progress')).toBe(true);
        if (i % 2 === 0) expect(await owner.complete(key, `owner-${i}`, { i }, T + 1, DAY)).toBe(true);
        else expect(await owner.release(key, `owner-${i}`)).toBe(true);
      }),
    );
    const [counts] = await db.sql<{ total: number; completed: number }[]>`
      select count(*)::int as total, count(*) filter (where state = 'completed')::int as completed
      from idempotency_keys`;
    expect(counts).toEqual({ total: 20, completed: 20 });
  });

  it('round-trips every JSON response shape; undefined is stored as null', async () => {
    const responses: unknown[] = [
      null,
      'text with "quotes" and ünïcode ✓',
      0,
      -1.5,
      true,
      [1, 'two', { three: [3] }],
      { status: 200, headers: { 'content-type': 'text/xml' }, body: '<Response/>', none: null },
    ];
    for (const [i, response] of responses.entries()) {
      const key = `shape-${i}`;
      await store.claim(request({ key }));
      expect(await store.complete(key, 'o', response, T + 1, DAY)).toBe(true);
      const replay = await store.claim(request({ key, ownerToken: 'x', now: T + 2 }));
      expect(replay).toMatchObject({ status: 'completed' });
      expect(replay.record.response).toEqual(response);
    }
    await store.claim(request({ key: 'undefined' }));
    expect(await store.complete('undefined', 'o', undefined, T + 1, DAY)).toBe(true);
    expect((await store.get('undefined'))?.response).toBeNull();
  });

  it('keeps operator-readable timestamptz columns, converted exactly from epoch milliseconds', async () => {
    await store.claim(request({ key: 'cols', now: T + 123 }));
    const [row] = await db.sql<{ exact: boolean; lease: boolean }[]>`
      select created_at = to_timestamp(${(T + 123) / 1000}::float8) as exact,
        lease_expires_at - created_at = interval '5 seconds' as lease
      from idempotency_keys where key = 'cols'`;
    expect(row).toEqual({ exact: true, lease: true });
    // An operator can run the runbook's cleanup in SQL with the database clock.
    const purged = await db.sql`delete from idempotency_keys where expires_at <= now() returning key`;
    expect(purged.map((r) => r.key)).toEqual(['cols']);
  });

  it('lets another instance take over a dead owner through Idempotency (real clock)', async () => {
    // A claim whose owner died: nobody heartbeats it, so its 150 ms lease runs out.
    const fingerprint = await fingerprintPayload({ body: 1 });
    await pools[0]!.claim(
      request({ key: 'dead', fingerprint, ownerToken: 'ghost', leaseMs: 150, now: Date.now() }),
    );
    const other = new Idempotency({
      store: pools[1]!,
      leaseMs: 150,
      pollIntervalMs: 10,
      waitTimeoutMs: 5_000,
    });
    const result = await other.execute('dead', { body: 1 }, async (ctx) => ({ ...ctx, signal: undefined }));
    expect(result).toEqual({ response: { attempt: 2, takeover: true }, replayed: false });
  });

  it('hands a claim released after a failure to a duplicate waiting on another instance', async () => {
    const a = new Idempotency({ store: pools[0]!, pollIntervalMs: 10 });
    const b = new Idempotency({ store: pools[1]!, pollIntervalMs: 10 });
    let failNow!: () => void;
    const failing = a.execute('released', { n: 1 }, async () => {
      await new Promise<void>((resolve) => {
        failNow = resolve;
      });
      throw new Error('handler failed');
    });
    // Wait until A holds the claim, then start B's duplicate and fail A.
    await expect.poll(async () => (await store.get('released'))?.state).toBe('in_progress');
    const waiting = b.execute('released', { n: 1 }, async (ctx) => `ran attempt ${ctx.attempt}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    failNow();
    await expect(failing).rejects.toThrow('handler failed');
    expect(await waiting).toEqual({ response: 'ran attempt 1', replayed: false });
    expect(await store.get('released')).toMatchObject({ state: 'completed', attempts: 1 });
  });

  it('turns connection failures into StorageUnavailableError without quoting the URL', async () => {
    const dead = postgres('postgres://steadycall:secret@127.0.0.1:1/none', {
      max: 10,
      connect_timeout: 2,
      onnotice: () => {},
    });
    try {
      const unreachable = new PostgresIdempotencyStore(dead);
      const operations = [
        unreachable.claim(request()),
        unreachable.complete('k', 'o', 1, T, DAY),
        unreachable.release('k', 'o'),
        unreachable.extendLease('k', 'o', 5_000, T),
        unreachable.get('k'),
        unreachable.purgeExpired(T),
      ];
      for (const error of await Promise.all(operations.map(rejection))) {
        expect(isStorageUnavailableError(error)).toBe(true);
        expect(String((error as Error).message)).not.toContain('secret');
      }
    } finally {
      await dead.end({ timeout: 1 });
    }
  });
});
