import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderStatusStore } from '../../src/breaker/store.js';
import type { BreakerPolicy, HealthSnapshot } from '../../src/breaker/types.js';

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

const T0 = 1_700_000_000_000;
let seq = 0;

/**
 * The `ProviderStatusStore` contract: every implementation (memory, PostgreSQL) must pass it.
 * Uses only the port, and a fresh provider name per test so a shared database needs no truncation.
 */
export function providerStatusStoreContract(
  name: string,
  makeStore: () => Promise<ProviderStatusStore> | ProviderStatusStore,
  cleanup?: () => Promise<void>,
): void {
  describe(`ProviderStatusStore contract: ${name}`, () => {
    let store: ProviderStatusStore;
    let provider: string;

    beforeEach(async () => {
      store = await makeStore();
      provider = `contract-${process.pid}-${Date.now().toString(36)}-${++seq}`;
    });
    afterEach(async () => {
      await cleanup?.();
    });

    const fail = (now: number, p: BreakerPolicy = policy) =>
      store.recordOutcome(provider, { kind: 'failure' }, p, now);
    const succeed = (now: number, extra: { pendingSuccesses?: number; probeToken?: string } = {}) =>
      store.recordOutcome(provider, { kind: 'success', ...extra }, policy, now);

    async function tripOpen(now = T0): Promise<void> {
      for (let i = 0; i < policy.consecutiveFailures; i++) await fail(now);
    }

    it('returns null for an unknown provider', async () => {
      expect(await store.get(provider)).toBeNull();
    });

    it('counts successes, failures and batched successes', async () => {
      const first = await fail(T0);
      expect(first.previous.failureCount).toBe(0);
      expect(first.current).toMatchObject({ provider, circuit: 'closed', failureCount: 1, windowCalls: 1 });
      expect(first.current.lastFailureAt).toBe(T0);
      const second = await succeed(T0 + 1, { pendingSuccesses: 3 });
      expect(second.current).toMatchObject({ failureCount: 0, windowCalls: 5, windowFailures: 1 });
      expect(second.current.generation).toBeGreaterThan(first.current.generation);
      expect(second.transition).toBeUndefined();
      expect(await store.get(provider)).toEqual(second.current);
    });

    it('trips exactly once after N consecutive failures', async () => {
      const updates = [];
      for (let i = 0; i < 7; i++) updates.push(await fail(T0 + i));
      const transitions = updates.filter((u) => u.transition);
      expect(transitions).toHaveLength(1);
      expect(transitions[0]?.transition).toEqual({ from: 'closed', to: 'open' });
      expect(updates[4]?.current).toMatchObject({
        circuit: 'open',
        openCount: 1,
        cooldownUntil: T0 + 4 + 30_000,
      });
      expect(updates[6]?.current).toMatchObject({
        circuit: 'open',
        failureCount: 7,
        cooldownUntil: T0 + 4 + 30_000,
      });
    });

    it('trips on the failure rate once the window holds minimumCalls', async () => {
      const rate: BreakerPolicy = {
        ...policy,
        consecutiveFailures: 0,
        failureRateThreshold: 0.5,
        minimumCalls: 4,
      };
      await store.recordOutcome(provider, { kind: 'failure' }, rate, T0);
      await store.recordOutcome(provider, { kind: 'success' }, rate, T0);
      const third = await store.recordOutcome(provider, { kind: 'failure' }, rate, T0);
      expect(third.current.circuit).toBe('closed');
      const fourth = await store.recordOutcome(provider, { kind: 'success', pendingSuccesses: 0 }, rate, T0);
      expect(fourth.current.circuit).toBe('closed');
      const fifth = await store.recordOutcome(provider, { kind: 'failure' }, rate, T0);
      expect(fifth.transition).toEqual({ from: 'closed', to: 'open' });
    });

    it('rolls the failure-rate window', async () => {
      await fail(T0);
      const later = await fail(T0 + policy.windowMs);
      expect(later.current).toMatchObject({
        windowStartedAt: T0 + policy.windowMs,
        windowCalls: 1,
        windowFailures: 1,
      });
    });

    it('refuses probes during the cooldown and grants one after it', async () => {
      await tripOpen();
      const early = await store.claimProbe(provider, 'early', policy, T0 + 29_999);
      expect(early.granted).toBe(false);
      expect(early.status.circuit).toBe('open');
      const claim = await store.claimProbe(provider, 'probe-1', policy, T0 + 30_000);
      expect(claim.granted).toBe(true);
      expect(claim.transition).toEqual({ from: 'open', to: 'half_open' });
      expect(claim.status.probeLeases).toEqual([{ token: 'probe-1', expiresAt: T0 + 30_000 + 15_000 }]);
      const closed = await succeed(T0 + 30_001, { probeToken: 'probe-1' });
      expect(closed.transition).toEqual({ from: 'half_open', to: 'closed' });
      expect(closed.current).toMatchObject({
        circuit: 'closed',
        failureCount: 0,
        openCount: 0,
        probeLeases: [],
      });
    });

    it('re-opens with a longer cooldown when the probe fails', async () => {
      await tripOpen();
      await store.claimProbe(provider, 'p', policy, T0 + 30_000);
      const reopened = await store.recordOutcome(
        provider,
        { kind: 'failure', probeToken: 'p' },
        policy,
        T0 + 30_010,
      );
      expect(reopened.transition).toEqual({ from: 'half_open', to: 'open' });
      expect(reopened.current).toMatchObject({ openCount: 2, cooldownUntil: T0 + 30_010 + 60_000 });
    });

    it('does not grant a probe on a closed circuit', async () => {
      expect((await store.claimProbe(provider, 'x', policy, T0)).granted).toBe(false);
    });

    for (const max of [1, 3]) {
      it(`grants exactly ${max} of 20 concurrent probe claims`, async () => {
        const p = { ...policy, halfOpenMaxProbes: max };
        await tripOpen();
        const now = T0 + 30_000;
        const claims = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.claimProbe(provider, `t${i}`, p, now)),
        );
        expect(claims.filter((c) => c.granted)).toHaveLength(max);
        expect(claims.filter((c) => c.transition)).toHaveLength(1);
        expect((await store.get(provider))?.probeLeases).toHaveLength(max);
      });
    }

    it('counts 100 concurrent failures exactly and trips exactly once', async () => {
      const updates = await Promise.all(Array.from({ length: 100 }, () => fail(T0)));
      expect((await store.get(provider))?.failureCount).toBe(100);
      const transitions = updates.filter((u) => u.transition);
      expect(transitions).toHaveLength(1);
      expect(transitions[0]?.transition).toEqual({ from: 'closed', to: 'open' });
    });

    it('lets a new probe claim an expired lease', async () => {
      await tripOpen();
      await store.claimProbe(provider, 'stuck', policy, T0 + 30_000);
      const blocked = await store.claimProbe(provider, 'next', policy, T0 + 30_000 + 14_999);
      expect(blocked.granted).toBe(false);
      const again = await store.claimProbe(provider, 'next', policy, T0 + 30_000 + 15_000);
      expect(again.granted).toBe(true);
      expect(again.transition).toBeUndefined();
      expect(again.status.probeLeases.map((l) => l.token)).toEqual(['next']);
    });

    it('resets to a fresh closed row that keeps the last health', async () => {
      const health: HealthSnapshot = { status: 'down', latencyMs: null, checkedAt: T0, message: 'timeout' };
      await store.recordHealth(provider, health, T0);
      await tripOpen();
      const reset = await store.reset(provider, T0 + 1);
      expect(reset.transition).toEqual({ from: 'open', to: 'closed' });
      expect(reset.current).toMatchObject({
        circuit: 'closed',
        failureCount: 0,
        openCount: 0,
        cooldownUntil: null,
        windowCalls: 0,
        probeLeases: [],
        lastHealth: health,
      });
    });

    it('force-opens until the given time', async () => {
      const forced = await store.forceOpen(provider, T0 + 5_000, T0);
      expect(forced.transition).toEqual({ from: 'closed', to: 'open' });
      expect(forced.current).toMatchObject({ circuit: 'open', cooldownUntil: T0 + 5_000, openedAt: T0 });
      expect((await store.claimProbe(provider, 'a', policy, T0 + 4_999)).granted).toBe(false);
      expect((await store.claimProbe(provider, 'a', policy, T0 + 5_000)).granted).toBe(true);
    });

    it('records health without touching the circuit', async () => {
      await tripOpen();
      const health: HealthSnapshot = { status: 'degraded', latencyMs: 900, checkedAt: T0 + 1 };
      const update = await store.recordHealth(provider, health, T0 + 1);
      expect(update.current).toMatchObject({ circuit: 'open', failureCount: 5, lastHealth: health });
      expect(update.previous.lastHealth).toBeNull();
      expect(update.transition).toBeUndefined();
      expect((await store.get(provider))?.lastHealth).toEqual(health);
      const next = await store.recordHealth(provider, { ...health, status: 'down' }, T0 + 2);
      expect(next.previous.lastHealth).toEqual(health);
      expect(next.current.lastHealth).toEqual({ ...health, status: 'down' });
    });

    it('lists rows sorted by provider', async () => {
      for (const suffix of ['c', 'a', 'b']) await store.recordHealth(`${provider}-${suffix}`, healthy(), T0);
      const mine = (await store.list())
        .filter((r) => r.provider.startsWith(`${provider}-`))
        .map((r) => r.provider);
      expect(mine).toEqual([`${provider}-a`, `${provider}-b`, `${provider}-c`]);
    });

    it('returns copies that cannot change stored state', async () => {
      const update = await fail(T0);
      update.current.failureCount = 999;
      update.current.probeLeases.push({ token: 'evil', expiresAt: Number.MAX_SAFE_INTEGER });
      const got = await store.get(provider);
      expect(got?.failureCount).toBe(1);
      if (got) got.circuit = 'open';
      const listed = (await store.list()).find((r) => r.provider === provider);
      expect(listed).toMatchObject({ circuit: 'closed', failureCount: 1, probeLeases: [] });
    });
  });
}

function healthy(): HealthSnapshot {
  return { status: 'healthy', latencyMs: 12, checkedAt: T0 };
}
