// provider_status as operators and supabase-js users meet it: the runbook's SQL, the alert query,
// named-argument (rpc) calls, timestamptz columns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/breaker/breaker.js';
import type { BreakerPolicy } from '../../src/breaker/types.js';
import { FakeClock } from '../../src/core/clock.js';
import { isCircuitOpenError, ProviderError } from '../../src/core/errors.js';
import { PostgresProviderStatusStore } from '../../src/storage/postgres/provider-status.js';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../support/pg.js';

const T0 = 1_700_000_000_000;
const policy: BreakerPolicy = {
  consecutiveFailures: 5,
  failureRateThreshold: 0,
  minimumCalls: 20,
  windowMs: 60_000,
  baseCooldownMs: 30_000,
  maxCooldownMs: 600_000,
  jitter: 0,
  halfOpenMaxProbes: 1,
  probeLeaseMs: 15_000,
};
const ok = async () => 'ok';
const fail503 = async (): Promise<never> => {
  throw new ProviderError('twilio', 'Service unavailable', { status: 503 });
};

describe.skipIf(!databaseUrl)('provider_status for operators (runbook SQL, rpc)', () => {
  let db: TestDatabase;
  let store: PostgresProviderStatusStore;
  let seq = 0;
  const nextProvider = () => `runbook-${++seq}`;

  beforeAll(async () => {
    db = await createTestDatabase('provider_status_runbook');
    store = new PostgresProviderStatusStore(db.sql);
  });
  afterAll(async () => {
    await db?.drop();
  });

  async function tripAndProbe(provider: string): Promise<void> {
    for (let i = 0; i < 5; i++) await store.recordOutcome(provider, { kind: 'failure' }, policy, T0);
    await store.claimProbe(provider, 'stuck-probe', policy, T0 + 30_000);
  }

  it("has the runbook's columns", async () => {
    const cols = await db.sql<{ column_name: string; data_type: string }[]>`
      select column_name, data_type from information_schema.columns
      where table_name = 'provider_status' order by ordinal_position`;
    expect(Object.fromEntries(cols.map((c) => [c.column_name, c.data_type]))).toMatchObject({
      provider: 'text',
      circuit: 'text',
      failure_count: 'integer',
      cooldown_until: 'timestamp with time zone',
      probe_leases: 'jsonb',
      last_health: 'jsonb',
      generation: 'bigint',
      updated_at: 'timestamp with time zone',
    });
  });

  it("the runbook's manual reset closes the circuit everywhere and restarts the backoff", async () => {
    const provider = nextProvider();
    const clock = new FakeClock(T0);
    const breaker = new CircuitBreaker({ provider, store, clock, policy, random: () => 0.5 });
    for (let i = 0; i < 5; i++) await breaker.execute(fail503).catch(() => {});
    expect(breaker.state).toBe('open');
    await clock.advance(30_000);
    await store.claimProbe(provider, 'stuck-probe', policy, clock.now()); // a probe that never reports
    const before = await store.get(provider);

    // Verbatim from the runbook.
    await db.sql.unsafe(
      `UPDATE provider_status SET circuit = 'closed', failure_count = 0 WHERE provider = '${provider}'`,
    );

    const after = await store.get(provider);
    expect(after).toMatchObject({
      circuit: 'closed',
      failureCount: 0,
      openCount: 0,
      cooldownUntil: null,
      probeLeases: [],
      openedAt: null,
      windowCalls: 0,
      windowFailures: 0,
      generation: (before?.generation ?? 0) + 1,
    });
    // The breaker's cached open row lapses and calls flow again.
    await clock.advance(1_001);
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    // Tripping again starts from the base cooldown, not the escalated one.
    for (let i = 0; i < 5; i++) await breaker.execute(fail503).catch(() => {});
    expect(await store.get(provider)).toMatchObject({
      circuit: 'open',
      openCount: 1,
      cooldownUntil: clock.now() + 30_000,
    });
  });

  it('a hand edit past the trigger (generation set by hand) leaves a working closed circuit', async () => {
    const provider = nextProvider();
    await tripAndProbe(provider);
    await db.sql`update provider_status set circuit = 'closed', failure_count = 0, generation = generation + 1
      where provider = ${provider}`;
    const row = await store.get(provider);
    // Stale cooldown, lease and open count survive, but the row is closed:
    expect(row).toMatchObject({ circuit: 'closed', openCount: 1, probeLeases: [{ token: 'stuck-probe' }] });
    expect(row?.cooldownUntil).not.toBeNull();
    expect((await store.claimProbe(provider, 'p', policy, T0 + 30_001)).granted).toBe(false);
    const success = await store.recordOutcome(provider, { kind: 'success' }, policy, T0 + 30_002);
    expect(success.current.circuit).toBe('closed');
    expect(success.transition).toBeUndefined();
    const clock = new FakeClock(T0 + 30_003);
    const breaker = new CircuitBreaker({ provider, store, clock, policy });
    await expect(breaker.execute(ok)).resolves.toBe('ok');
  });

  it('opening by hand drops the leases and rejects calls until cooldown_until', async () => {
    const provider = nextProvider();
    await tripAndProbe(provider); // half_open with a lease
    await db.sql`update provider_status set circuit = 'open',
      cooldown_until = steadycall_ms_to_ts(${T0 + 600_000}) where provider = ${provider}`;
    const row = await store.get(provider);
    expect(row).toMatchObject({ circuit: 'open', cooldownUntil: T0 + 600_000, probeLeases: [] });
    const clock = new FakeClock(T0 + 60_000);
    const breaker = new CircuitBreaker({ provider, store, clock, policy });
    const error = await breaker.execute(ok).catch((e: unknown) => e);
    expect(isCircuitOpenError(error) && error.retryAfterMs).toBe(540_000);
  });

  it("answers the runbook's alert query and stores real timestamps", async () => {
    const open = nextProvider();
    const flaky = nextProvider();
    const fine = nextProvider();
    await store.forceOpen(open, T0 + 5_000, T0);
    for (let i = 0; i < 10; i++)
      await store.recordOutcome(fine, { kind: 'failure' }, { ...policy, consecutiveFailures: 0 }, T0);
    const flakyPolicy = { ...policy, consecutiveFailures: 0 };
    for (let i = 0; i < 11; i++) await store.recordOutcome(flaky, { kind: 'failure' }, flakyPolicy, T0);
    const alerting = await db.sql<{ provider: string }[]>`
      select provider from provider_status
      where (circuit = 'open' or failure_count > 10) and provider in (${open}, ${flaky}, ${fine})`;
    expect(alerting.map((r) => r.provider).sort()).toEqual([open, flaky].sort());
    const [row] = await db.sql<{ cooldown: string; opened: string }[]>`
      select to_char(cooldown_until at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS') as cooldown,
             to_char(opened_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS') as opened
      from provider_status where provider = ${open}`;
    expect(row).toEqual({
      cooldown: new Date(T0 + 5_000).toISOString().slice(0, -1),
      opened: new Date(T0).toISOString().slice(0, -1),
    });
  });

  it('takes named arguments, as supabase-js rpc() sends them, and refuses an incomplete policy', async () => {
    const provider = nextProvider();
    const [row] = await db.sql<{ result: { current: { failureCount: number }; transition: null } }[]>`
      select steadycall_breaker_record_outcome(
        provider => ${provider}, outcome => ${db.sql.json({ kind: 'failure' })}::jsonb,
        policy => ${db.sql.json({ ...policy })}::jsonb, now_ms => ${T0}) as result`;
    expect(row?.result).toMatchObject({ current: { failureCount: 1 }, transition: null });
    const [health] = await db.sql<{ result: { current: { lastHealth: unknown } } }[]>`
      select steadycall_breaker_record_health(provider => ${provider},
        health => '{"status":"healthy","latencyMs":3,"checkedAt":1}'::jsonb, now_ms => ${T0}) as result`;
    expect(health?.result.current.lastHealth).toEqual({ status: 'healthy', latencyMs: 3, checkedAt: 1 });

    const { consecutiveFailures: _, ...partial } = policy;
    const error = await db.sql`
      select steadycall_breaker_claim_probe(${provider}, 't', ${db.sql.json(partial)}::jsonb, ${T0})`.catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: '22023' });
  });

  it('keeps every steadycall table behind row-level security (no policies: only owners and service roles)', async () => {
    const rows = await db.sql<{ relname: string; rls: boolean }[]>`
      select relname, relrowsecurity as rls from pg_class
      where relname in ('provider_status', 'feature_flags', 'idempotency_keys', 'incident_log', 'calls')
      order by relname`;
    expect(rows.map((r) => [r.relname, r.rls])).toEqual([
      ['calls', true],
      ['feature_flags', true],
      ['idempotency_keys', true],
      ['incident_log', true],
      ['provider_status', true],
    ]);
  });
});
