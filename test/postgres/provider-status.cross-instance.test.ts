// Four independent connection pools act as four serverless instances sharing one provider_status
// row: every transition (and so every alert) must be seen by exactly one of them.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CircuitBreaker } from '../../src/breaker/breaker.js';
import type { BreakerPolicy, BreakerUpdate } from '../../src/breaker/types.js';
import { FakeClock } from '../../src/core/clock.js';
import { isCircuitOpenError, ProviderError } from '../../src/core/errors.js';
import { sequentialIds } from '../../src/core/ids.js';
import type { Alert } from '../../src/incidents/alerts.js';
import { PostgresProviderStatusStore } from '../../src/storage/postgres/provider-status.js';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../support/pg.js';

const T0 = 1_700_000_000_000;
const INSTANCES = 4;

const policy: BreakerPolicy = {
  consecutiveFailures: 5,
  failureRateThreshold: 0,
  minimumCalls: 20,
  windowMs: 60_000,
  baseCooldownMs: 30_000,
  maxCooldownMs: 600_000,
  jitter: 0.2,
  halfOpenMaxProbes: 1,
  probeLeaseMs: 15_000,
};

const fail503 = async (): Promise<never> => {
  throw new ProviderError('twilio', 'Service unavailable', { status: 503 });
};

describe.skipIf(!databaseUrl)('provider_status across instances (separate pools)', () => {
  let db: TestDatabase;
  let stores: PostgresProviderStatusStore[];
  let seq = 0;
  const nextProvider = () => `xi-${++seq}`;

  beforeAll(async () => {
    db = await createTestDatabase('provider_status_xi');
    stores = Array.from({ length: INSTANCES }, () => new PostgresProviderStatusStore(db.pool(8)));
  });
  afterAll(async () => {
    await db?.drop();
  });

  const storeOf = (i: number): PostgresProviderStatusStore =>
    stores[i % INSTANCES] as PostgresProviderStatusStore;

  for (const max of [1, 3]) {
    it(`grants exactly ${max} of 20 concurrent probe claims made through 4 pools`, async () => {
      const provider = nextProvider();
      const p = { ...policy, jitter: 0, halfOpenMaxProbes: max };
      for (let i = 0; i < 5; i++) await storeOf(i).recordOutcome(provider, { kind: 'failure' }, p, T0);
      const claims = await Promise.all(
        Array.from({ length: 20 }, (_, i) => storeOf(i).claimProbe(provider, `lease-${i}`, p, T0 + 30_000)),
      );
      expect(claims.filter((c) => c.granted)).toHaveLength(max);
      expect(claims.filter((c) => c.transition)).toEqual([
        expect.objectContaining({ transition: { from: 'open', to: 'half_open' } }),
      ]);
      const row = await storeOf(0).get(provider);
      expect(row?.circuit).toBe('half_open');
      const granted = claims.flatMap((c, i) => (c.granted ? [`lease-${i}`] : []));
      expect(row?.probeLeases.map((l) => l.token).sort()).toEqual(granted.sort());
    });
  }

  it('counts 200 concurrent failures from 4 pools exactly, with ONE closed->open transition', async () => {
    const provider = nextProvider();
    const updates: BreakerUpdate[] = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        storeOf(i).recordOutcome(provider, { kind: 'failure', random: (i % 10) / 10 }, policy, T0 + i),
      ),
    );
    const row = await storeOf(1).get(provider);
    expect(row?.failureCount).toBe(200);
    expect(row?.windowFailures).toBe(200);
    expect(row?.generation).toBe(200);
    const transitions = updates.filter((u) => u.transition);
    expect(transitions.map((u) => u.transition)).toEqual([{ from: 'closed', to: 'open' }]);
    // The runbook's failure_count > 10 alert: exactly one update crossed the line.
    expect(updates.filter((u) => u.previous.failureCount <= 10 && u.current.failureCount > 10)).toHaveLength(
      1,
    );
    // Each update saw a distinct previous row: the operations were serialised, none lost.
    expect(new Set(updates.map((u) => u.previous.generation)).size).toBe(200);
  });

  it('counts 200 concurrent CircuitBreaker.failure() reports from 4 instances, alerting once', async () => {
    const provider = nextProvider();
    const alerts: Alert[] = [];
    const clock = new FakeClock(T0);
    const breakers = stores.map(
      (store) => new CircuitBreaker({ provider, store, clock, policy, onAlert: (a) => void alerts.push(a) }),
    );
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => breakers[i % INSTANCES]?.failure(new Error('boom'))),
    );
    expect((await stores[3]?.get(provider))?.failureCount).toBe(200);
    expect(alerts.map((a) => a.condition).sort()).toEqual(['circuit_open', 'failure_count_exceeded']);
  });

  it('fires ONE circuit_open alert across 4 CircuitBreaker instances and admits N probes', async () => {
    for (const max of [1, 3]) {
      const provider = nextProvider();
      const clock = new FakeClock(T0);
      const alerts: Alert[] = [];
      const changes: string[] = [];
      const breakers = stores.map((store, i) => {
        const breaker = new CircuitBreaker({
          provider,
          store,
          clock,
          policy: { ...policy, halfOpenMaxProbes: max },
          random: () => 0.5,
          ids: sequentialIds(`instance-${i}-`),
          onAlert: (alert) => {
            alerts.push(alert);
          },
        });
        breaker.onStateChange((e) => changes.push(`${e.from}>${e.to}`));
        return breaker;
      });
      const instance = (i: number): CircuitBreaker => breakers[i % INSTANCES] as CircuitBreaker;

      // 200 failing calls started at once. An instance whose first read lands after the circuit
      // opened refuses its calls without running them; every call that ran must be counted.
      const failing = vi.fn(fail503);
      const failed = await Promise.allSettled(
        Array.from({ length: 200 }, (_, i) => instance(i).execute(failing)),
      );
      expect(failed.every((r) => r.status === 'rejected')).toBe(true);
      const ran = failing.mock.calls.length;
      expect(ran).toBeGreaterThanOrEqual(200 / INSTANCES);
      expect((await stores[0]?.get(provider))?.failureCount).toBe(ran);
      expect(alerts.filter((a) => a.condition === 'circuit_open')).toHaveLength(1);
      expect(alerts.filter((a) => a.condition === 'failure_count_exceeded')).toHaveLength(1);
      expect(changes).toEqual(['closed>open']);

      // After the cooldown, 20 calls across the instances: exactly `max` probes reach the provider.
      await clock.advance(30_000);
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const probe = vi.fn(async () => {
        await gate;
        return 'ok';
      });
      let refused = 0;
      const calls = Array.from({ length: 20 }, (_, i) =>
        instance(i)
          .execute(probe)
          .catch((error: unknown) => {
            if (isCircuitOpenError(error)) refused++;
            else throw error;
          }),
      );
      await vi.waitFor(() => expect(probe.mock.calls.length + refused).toBe(20));
      expect(probe).toHaveBeenCalledTimes(max);
      release();
      await Promise.all(calls);
      expect(changes).toEqual(['closed>open', 'open>half_open', 'half_open>closed']);
      expect((await stores[2]?.get(provider))?.circuit).toBe('closed');
      expect(alerts.filter((a) => a.condition === 'circuit_open')).toHaveLength(1);
    }
  });
});
