import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PostgresCallStore } from '../../src/storage/postgres/calls.js';
import { PostgresIdempotencyStore } from '../../src/storage/postgres/idempotency.js';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../support/pg.js';

const T0 = 1_795_000_000_000;
const TTL = 24 * 3600_000;
const SID = `CA${'1'.repeat(32)}`;

describe.skipIf(!databaseUrl)('applyStatusOnce on PostgreSQL (ledger + status in one call)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('status_once');
  });
  afterAll(async () => {
    await db?.drop();
  });
  beforeEach(async () => {
    await db.sql`truncate calls, idempotency_keys`;
    await new PostgresCallStore(db.sql).create(
      { id: 'c1', callSid: SID, to: '+14155550123', from: '+1500' },
      T0,
    );
  });

  it('50 concurrent duplicates across 4 instances: applied once, 49 replays of the same summary', async () => {
    const stores = [1, 2, 3, 4].map(() => new PostgresCallStore(db.pool(8)));
    const once = { key: 'twilio:token:abc', fingerprint: 'f1', ttlMs: TTL };
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        stores[i % 4]!.applyStatusOnce(
          { callSid: SID, status: 'ringing', sequenceNumber: 1, at: T0 + 1 },
          once,
        ),
      ),
    );
    const outcomes = results.map((r) => r.outcome);
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'replayed')).toHaveLength(49);
    for (const r of results) {
      expect(r).toMatchObject({ summary: { applied: true, status: 'ringing', callId: 'c1' } });
    }
    const ledger = await new PostgresIdempotencyStore(db.sql).get('twilio:token:abc');
    expect(ledger).toMatchObject({
      state: 'completed',
      fingerprint: 'f1',
      ownerToken: null,
      expiresAt: T0 + 1 + TTL,
    });
  });

  it('reports key reuse, records non-applied outcomes, and re-runs an expired key', async () => {
    const calls = new PostgresCallStore(db.sql);
    const at = T0 + 5;
    await calls.applyStatus({ callSid: SID, status: 'in-progress', sequenceNumber: 2, at });
    const stale = await calls.applyStatusOnce(
      { callSid: SID, status: 'ringing', sequenceNumber: 1, at },
      { key: 'k2', fingerprint: 'f', ttlMs: TTL },
    );
    expect(stale).toEqual({
      outcome: 'applied',
      summary: { applied: false, status: 'in-progress', reason: 'stale_sequence', callId: 'c1' },
    });
    const reuse = await calls.applyStatusOnce(
      { callSid: SID, status: 'ringing', sequenceNumber: 1, at },
      { key: 'k2', fingerprint: 'other', ttlMs: TTL },
    );
    expect(reuse).toEqual({ outcome: 'mismatch' });
    const later = await calls.applyStatusOnce(
      { callSid: SID, status: 'completed', sequenceNumber: 3, at: at + TTL },
      { key: 'k2', fingerprint: 'other', ttlMs: TTL },
    );
    expect(later).toMatchObject({ outcome: 'applied', summary: { applied: true, status: 'completed' } });
  });

  it('a claim held by the generic path is reported in_progress, not applied twice', async () => {
    await new PostgresIdempotencyStore(db.sql).claim({
      key: 'k3',
      fingerprint: 'f',
      ownerToken: 'o',
      leaseMs: 30_000,
      ttlMs: TTL,
      now: T0,
    });
    const r = await new PostgresCallStore(db.sql).applyStatusOnce(
      { callSid: SID, status: 'ringing', sequenceNumber: 1, at: T0 + 1 },
      { key: 'k3', fingerprint: 'f', ttlMs: TTL },
    );
    expect(r).toEqual({ outcome: 'in_progress' });
    expect((await new PostgresCallStore(db.sql).get('c1'))?.status).toBe('queued');
  });
});
