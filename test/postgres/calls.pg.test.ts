// PostgreSQL-specific behaviour of PostgresCallStore, beyond the shared contract: races between
// separate pools (instances), input the integer and check-constrained columns cannot hold, the
// operator-facing columns, and connection failures.
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CallStatus } from '../../src/calls/store.js';
import { isStorageUnavailableError, isValidationError } from '../../src/core/errors.js';
import { PostgresCallStore } from '../../src/storage/postgres/calls.js';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../support/pg.js';

const T0 = 1_700_000_000_000;
const call = (id: string, callSid?: string) => ({
  id,
  to: '+14155550123',
  from: '+14155550000',
  ...(callSid ? { callSid } : {}),
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe.skipIf(!databaseUrl)('PostgresCallStore on PostgreSQL', () => {
  let db: TestDatabase;
  let instances: PostgresCallStore[];
  let store: PostgresCallStore;

  beforeAll(async () => {
    db = await createTestDatabase('calls_pg');
    instances = Array.from({ length: 4 }, () => new PostgresCallStore(db.pool(8)));
    store = new PostgresCallStore(db.sql);
  });
  afterAll(async () => {
    await db?.drop();
  });
  beforeEach(async () => {
    await db.sql`truncate calls`;
  });

  it('lets exactly one of several concurrent terminal statuses win, across instances', async () => {
    const terminal: CallStatus[] = ['completed', 'busy', 'failed', 'no-answer', 'canceled'];
    for (let round = 0; round < 10; round++) {
      await store.create(call(`c${round}`, `CA${round}`), T0);
      const results = await Promise.all(
        terminal.flatMap((status, i) =>
          instances.map((instance) =>
            instance.applyStatus({ callSid: `CA${round}`, status, sequenceNumber: 5, at: T0 + i + 1 }),
          ),
        ),
      );
      const applied = results.filter((r) => r.applied);
      expect(applied).toHaveLength(1);
      for (const r of results) {
        if (!r.applied) expect(['terminal', 'stale_sequence']).toContain(r.reason);
      }
      expect(await store.get(`c${round}`)).toEqual(applied[0]!.record);
    }
  });

  it('creating one id or CallSid from many instances at once: one wins, the rest get ValidationError', async () => {
    const attempts = await Promise.allSettled(
      instances.flatMap((instance, i) => [
        instance.create(call('same-id', `CA-a${i}`), T0),
        instance.create(call(`other-${i}`, 'CA-same'), T0),
      ]),
    );
    const rejected = attempts.filter((a) => a.status === 'rejected');
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(2);
    expect(rejected).toHaveLength(6);
    for (const r of rejected) expect(isValidationError(r.reason)).toBe(true);
  });

  it('treats a NaN SequenceNumber as missing and refuses one the integer column cannot hold', async () => {
    await store.create(call('c1', 'CA1'), T0);
    const nan = await store.applyStatus({
      callSid: 'CA1',
      status: 'ringing',
      sequenceNumber: Number.NaN,
      at: T0,
    });
    expect(nan).toMatchObject({ applied: true, record: { lastSequenceNumber: null } });
    for (const sequenceNumber of [1.5, 2 ** 31]) {
      const error = await rejection(
        store.applyStatus({ callSid: 'CA1', status: 'in-progress', sequenceNumber, at: T0 }),
      );
      expect(isValidationError(error)).toBe(true);
    }
    const bogus = await rejection(
      store.applyStatus({ callSid: 'CA1', status: 'bogus' as CallStatus, at: T0 }),
    );
    expect(isValidationError(bogus)).toBe(true);
    const badCreate = await rejection(store.create({ ...call('c2'), status: 'bogus' as CallStatus }, T0));
    expect(isValidationError(badCreate)).toBe(true);
    expect(await store.get('c1')).toMatchObject({ status: 'ringing', lastSequenceNumber: null });
  });

  it('marks a call created in a terminal status as ended, and lists with an empty status filter', async () => {
    expect(await store.create({ ...call('done'), status: 'failed' }, T0)).toMatchObject({ endedAt: T0 });
    expect(await store.list({ status: [] })).toEqual([]);
    expect(await store.list({ limit: 0 })).toEqual([]);
  });

  it('keeps the runbook columns queryable by an operator', async () => {
    await store.create({ ...call('c1', 'CA1'), tenantId: 't1', metadata: { a: 1 } }, T0);
    await store.applyStatus({ callSid: 'CA1', status: 'completed', sequenceNumber: 3, at: T0 + 60_000 });
    const [row] = await db.sql<
      { to: string; status: string; seq: number; duration: string; tenant: string; a: number }[]
    >`select "to", status, last_sequence_number as seq, (ended_at - created_at)::text as duration,
        tenant_id as tenant, (metadata->>'a')::int as a
      from calls where call_sid = 'CA1'`;
    expect(row).toEqual({
      to: '+14155550123',
      status: 'completed',
      seq: 3,
      duration: '00:01:00',
      tenant: 't1',
      a: 1,
    });
  });

  it('hides calls from a role without an RLS policy (Supabase anon), even through the functions', async () => {
    await store.create(call('c1', 'CA1'), T0);
    const role = `sc_anon_${Math.random().toString(36).slice(2, 8)}`;
    const seen = await db.sql
      .begin(async (tx) => {
        await tx.unsafe(`create role ${role}; grant select, insert, update, delete on calls to ${role}`);
        await tx.unsafe(`set local role ${role}`);
        const [count] = await tx<{ n: number }[]>`select count(*)::int as n from calls`;
        const [apply] = await tx<{ result: unknown }[]>`
          select steadycall_calls_apply_status('CA1', 'c1', 'ringing', 1, ${T0}::float8) as result`;
        // Roll back, so the role never outlives the test.
        throw Object.assign(new Error('rollback'), { seen: { count: count?.n, apply: apply?.result } });
      })
      .catch((error: { seen?: unknown }) => error.seen);
    expect(seen).toEqual({ count: 0, apply: { applied: false, record: null, reason: 'not_found' } });
    expect(await store.get('c1')).toMatchObject({ status: 'queued' });
  });

  it('turns connection failures into StorageUnavailableError without quoting the URL', async () => {
    const dead = postgres('postgres://steadycall:secret@127.0.0.1:1/none', {
      max: 10,
      connect_timeout: 2,
      onnotice: () => {},
    });
    try {
      const unreachable = new PostgresCallStore(dead);
      const operations = [
        unreachable.create(call('c1'), T0),
        unreachable.get('c1'),
        unreachable.getBySid('CA1'),
        unreachable.attachSid('c1', 'CA1', T0),
        unreachable.setAiProvider('c1', 'openai', T0),
        unreachable.applyStatus({ callSid: 'CA1', status: 'ringing', at: T0 }),
        unreachable.list(),
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
