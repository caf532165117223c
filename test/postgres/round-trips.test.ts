// Store round trips on PostgreSQL, counted at the ports: every port method of the PostgreSQL
// stores is one SQL statement, so `countingStore` counts round trips. (postgres.js with
// `prepare: false`, as Supabase's transaction pooler needs, sends each parameterised statement in
// two network exchanges, Parse/Describe then Bind/Execute, so one port round trip is two there.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/breaker/breaker.js';
import type { CallStore } from '../../src/calls/store.js';
import { FakeClock } from '../../src/core/clock.js';
import { FlagResolver } from '../../src/flags/resolver.js';
import { CallOrchestrator } from '../../src/orchestrator/orchestrator.js';
import { MemoryProviderStatusStore } from '../../src/storage/memory/provider-status.js';
import { PostgresCallStore } from '../../src/storage/postgres/calls.js';
import { PostgresFlagStore } from '../../src/storage/postgres/flags.js';
import { PostgresIdempotencyStore } from '../../src/storage/postgres/idempotency.js';
import { PostgresIncidentLog } from '../../src/storage/postgres/incidents.js';
import { PostgresProviderStatusStore } from '../../src/storage/postgres/provider-status.js';
import { type StatusWebhook, statusWebhookSchema } from '../../src/telephony/webhooks.js';
import { type CallCounter, countingStore } from '../../src/testing/store-probes.js';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../support/pg.js';

const T0 = 1_795_000_000_000;

describe.skipIf(!databaseUrl)('store round trips on PostgreSQL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('round_trips');
  });
  afterAll(async () => {
    await db?.drop();
  });

  describe('flag reads through FlagResolver', () => {
    it('cost one list() per TTL: 100 reads = 1 round trip, the first read after the TTL = 1 more', async () => {
      const [store, counter] = countingStore(new PostgresFlagStore(db.sql));
      await new PostgresFlagStore(db.sql).set({ key: 'ai.provider.preferred', value: 'openai' }, T0);
      const clock = new FakeClock(T0);
      const flags = new FlagResolver({ store, clock, cacheTtlMs: 5_000 });

      // 50 concurrent first reads share one load; 50 more are served from memory.
      const first = await Promise.all(
        Array.from({ length: 50 }, () => flags.getValue('ai.provider.preferred')),
      );
      for (let i = 0; i < 50; i++) await flags.isEnabled('ai.enabled', { tenantId: `t${i}` });
      expect(new Set(first)).toEqual(new Set(['openai']));
      expect(counter.byMethod).toEqual({ list: 1 });

      await clock.advance(4_999);
      await flags.getValue('sms.enabled');
      expect(counter.total).toBe(1);
      await clock.advance(1);
      for (let i = 0; i < 100; i++) await flags.getValue('ai.provider.preferred');
      expect(counter.byMethod).toEqual({ list: 2 });
    });
  });

  describe('a guarded provider call through CircuitBreaker on PostgresProviderStatusStore', () => {
    // Round trips of each of `n` successful calls made `gapMs` apart.
    async function perCall(
      breaker: CircuitBreaker,
      clock: FakeClock,
      counter: CallCounter,
      n: number,
      gapMs: number,
    ) {
      const costs: number[] = [];
      for (let i = 0; i < n; i++) {
        const before = counter.total;
        expect(await breaker.execute(async () => 'ok')).toBe('ok');
        costs.push(counter.total - before);
        await clock.advance(gapMs);
      }
      return costs;
    }

    it.each([
      ['failure-rate strategy on (successes batched)', {}, 'recordOutcome'],
      ['consecutive failures only', { failureRateThreshold: 0 }, 'get'],
    ] as const)(
      'steady state (%s): at most 1 round trip per call, 0 on a cache hit',
      async (_label, policy, refreshMethod) => {
        await db.sql`truncate provider_status`;
        const [store, counter] = countingStore(new PostgresProviderStatusStore(db.sql));
        const clock = new FakeClock(T0);
        const breaker = new CircuitBreaker({ provider: 'twilio', store, clock, cacheTtlMs: 1_000, policy });

        // 10 calls per TTL for 5 TTLs: the first call of each period reads (or flushes) once.
        const costs = await perCall(breaker, clock, counter, 50, 100);
        expect(Math.max(...costs)).toBe(1);
        expect(costs.filter((c) => c === 1)).toHaveLength(5);
        expect(costs.filter((c) => c === 0)).toHaveLength(45);
        // The first read of the row is a get; later periods refresh with `refreshMethod`.
        expect(counter.byMethod).toEqual(refreshMethod === 'get' ? { get: 5 } : { get: 1, recordOutcome: 4 });
        expect(breaker.state).toBe('closed');
      },
    );
  });

  describe('a status webhook through the orchestrator on PostgreSQL stores', () => {
    const callSid = `CA${'a'.repeat(32)}`;
    let counters: Record<'calls' | 'idempotency' | 'incidents' | 'flags', CallCounter>;
    let seq = 0;

    const total = () => Object.values(counters).reduce((sum, c) => sum + c.total, 0);
    const byStore = () =>
      Object.fromEntries(
        Object.entries(counters)
          .filter(([, c]) => c.total > 0)
          .map(([k, c]) => [k, { ...c.byMethod }]),
      );
    // Parsed like the real endpoint does (SequenceNumber arrives as a string).
    const webhook = (status: StatusWebhook['CallStatus'], sequenceNumber: number): StatusWebhook =>
      statusWebhookSchema.parse({
        CallSid: callSid,
        AccountSid: `AC${'b'.repeat(32)}`,
        CallStatus: status,
        SequenceNumber: String(sequenceNumber),
      });

    /** An orchestrator on counted PostgreSQL stores; `generic` hides the optional `applyStatusOnce`. */
    async function setup(generic: boolean): Promise<CallOrchestrator> {
      await db.sql`truncate calls, idempotency_keys, incident_log`;
      const pgCalls = new PostgresCallStore(db.sql);
      const [calls, callsCounter] = countingStore<CallStore>(generic ? withoutStatusOnce(pgCalls) : pgCalls);
      const [idempotency, idempotencyCounter] = countingStore(new PostgresIdempotencyStore(db.sql));
      const [incidents, incidentsCounter] = countingStore(new PostgresIncidentLog(db.sql));
      const [flags, flagsCounter] = countingStore(new PostgresFlagStore(db.sql));
      counters = {
        calls: callsCounter,
        idempotency: idempotencyCounter,
        incidents: incidentsCounter,
        flags: flagsCounter,
      };
      seq += 1;
      await pgCalls.create(
        { id: `call-${seq}`, callSid, to: '+14155550100', from: '+14155550101', status: 'initiated' },
        T0,
      );
      return new CallOrchestrator({
        stores: { calls, idempotency, incidents, flags, providerStatus: new MemoryProviderStatusStore() },
        publicBaseUrl: 'https://voice.example.com',
        streamTokenSecret: 'x'.repeat(32),
        clock: new FakeClock(T0),
      });
    }

    describe('generic path: Idempotency (claim / complete) around CallStore.applyStatus', () => {
      it('first delivery: claim + applyStatus + complete = 3 round trips (budget 2: not met)', async () => {
        const orchestrator = await setup(true);
        const result = await orchestrator.handleStatusWebhook(webhook('ringing', 1), new Headers());
        expect(result).toMatchObject({ applied: true, status: 'ringing', replayed: false });
        expect(byStore()).toEqual({ idempotency: { claim: 1, complete: 1 }, calls: { applyStatus: 1 } });
        expect(total()).toBe(3);
      });

      it('a duplicate delivery: one claim that replays the stored response = 1 round trip', async () => {
        const orchestrator = await setup(true);
        await orchestrator.handleStatusWebhook(webhook('ringing', 1), new Headers());
        for (const c of Object.values(counters)) c.reset();
        const again = await orchestrator.handleStatusWebhook(webhook('ringing', 1), new Headers());
        expect(again).toMatchObject({ applied: true, status: 'ringing', replayed: true });
        expect(byStore()).toEqual({ idempotency: { claim: 1 } });
      });

      it('a failed call also writes its incident: 4 round trips', async () => {
        const orchestrator = await setup(true);
        const result = await orchestrator.handleStatusWebhook(webhook('failed', 1), new Headers());
        expect(result).toMatchObject({ applied: true, status: 'failed' });
        expect(byStore()).toEqual({
          idempotency: { claim: 1, complete: 1 },
          calls: { applyStatus: 1 },
          incidents: { append: 1 },
        });
      });
    });

    describe('shipped path: PostgresCallStore.applyStatusOnce (ledger + update in one function)', () => {
      it('first delivery = 1 round trip, a duplicate = 1, a failed call + its incident = 2', async () => {
        const orchestrator = await setup(false);
        const first = await orchestrator.handleStatusWebhook(webhook('ringing', 1), new Headers());
        expect(first).toMatchObject({ applied: true, status: 'ringing', replayed: false });
        expect(byStore()).toEqual({ calls: { applyStatusOnce: 1 } });

        const again = await orchestrator.handleStatusWebhook(webhook('ringing', 1), new Headers());
        expect(again).toMatchObject({ applied: true, status: 'ringing', replayed: true });
        expect(byStore()).toEqual({ calls: { applyStatusOnce: 2 } });

        const failed = await orchestrator.handleStatusWebhook(webhook('failed', 2), new Headers());
        expect(failed).toMatchObject({ applied: true, status: 'failed', replayed: false });
        expect(byStore()).toEqual({ calls: { applyStatusOnce: 3 }, incidents: { append: 1 } });
        expect(total()).toBe(4);
      });
    });
  });
});

/** The store without its optional one-call status path, so the orchestrator takes the generic one. */
function withoutStatusOnce(store: PostgresCallStore): CallStore {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'applyStatusOnce') return undefined;
      const value: unknown = Reflect.get(target, prop, target);
      // Bound: the methods use private fields, which a proxy receiver cannot reach.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
