import { describe, expect, it } from 'vitest';
import { defaultBreakerPolicy, resolveBreakerPolicy } from '../../src/breaker/policy.js';
import {
  applyOutcome,
  claimProbe,
  cooldownMs,
  forceOpenStatus,
  initialProviderStatus,
  resetStatus,
  retryAfterMs,
  withHealth,
} from '../../src/breaker/state.js';
import type { BreakerPolicy, ProviderStatus } from '../../src/breaker/types.js';
import { isValidationError, type ValidationError } from '../../src/core/errors.js';

const policy: BreakerPolicy = { ...defaultBreakerPolicy, jitter: 0 };

function failTimes(status: ProviderStatus, n: number, now: number, p = policy): ProviderStatus {
  let s = status;
  for (let i = 0; i < n; i++) s = applyOutcome(s, { kind: 'failure' }, p, now).status;
  return s;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

describe('resolveBreakerPolicy', () => {
  it('returns the defaults', () => {
    expect(resolveBreakerPolicy()).toEqual({
      consecutiveFailures: 5,
      failureRateThreshold: 0.5,
      minimumCalls: 20,
      windowMs: 60_000,
      baseCooldownMs: 30_000,
      maxCooldownMs: 600_000,
      jitter: 0.2,
      halfOpenMaxProbes: 1,
      probeLeaseMs: 15_000,
    });
  });

  it('merges overrides and skips undefined keys', () => {
    const p = resolveBreakerPolicy({ consecutiveFailures: 3, jitter: undefined });
    expect(p.consecutiveFailures).toBe(3);
    expect(p.jitter).toBe(0.2);
  });

  it('lists every invalid field', () => {
    let error: ValidationError | undefined;
    try {
      resolveBreakerPolicy({
        consecutiveFailures: -1,
        failureRateThreshold: 1.5,
        minimumCalls: 0,
        windowMs: 0,
        baseCooldownMs: 1.5,
        halfOpenMaxProbes: 0,
        probeLeaseMs: 0,
        jitter: Number.NaN,
      });
    } catch (e) {
      if (isValidationError(e)) error = e;
    }
    expect(error?.issues.map((i) => i.path).sort()).toEqual(
      [
        'baseCooldownMs',
        'consecutiveFailures',
        'failureRateThreshold',
        'halfOpenMaxProbes',
        'jitter',
        'minimumCalls',
        'probeLeaseMs',
        'windowMs',
      ].sort(),
    );
  });

  it('rejects a base cooldown above the cap', () => {
    expect(() => resolveBreakerPolicy({ baseCooldownMs: 10, maxCooldownMs: 5 })).toThrow(/maxCooldownMs/);
  });
});

describe('cooldownMs', () => {
  it('grows exponentially and is capped', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => cooldownMs(n, policy))).toEqual([
      30_000, 60_000, 120_000, 240_000, 480_000, 600_000, 600_000,
    ]);
    expect(cooldownMs(2000, policy)).toBe(600_000);
  });

  it('keeps jitter within +-jitter and under the cap', () => {
    const p = { ...policy, jitter: 0.2 };
    expect(cooldownMs(1, p, 0)).toBe(24_000);
    expect(cooldownMs(1, p, 0.5)).toBe(30_000);
    expect(cooldownMs(1, p, 0.999_999)).toBeLessThanOrEqual(36_000);
    for (let r = 0; r < 1; r += 0.01) {
      const c = cooldownMs(2, p, r);
      expect(c).toBeGreaterThanOrEqual(48_000);
      expect(c).toBeLessThanOrEqual(72_000);
      expect(cooldownMs(10, p, r)).toBeLessThanOrEqual(600_000);
    }
    expect(cooldownMs(10, p, 0)).toBe(480_000);
  });

  it('uses no jitter by default', () => {
    expect(cooldownMs(1, { ...policy, jitter: 0.5 })).toBe(30_000);
  });
});

describe('applyOutcome', () => {
  const start = deepFreeze(initialProviderStatus('twilio', 1000));

  it('never mutates its input and bumps the generation', () => {
    const { status } = applyOutcome(start, { kind: 'failure' }, policy, 2000);
    expect(start.failureCount).toBe(0);
    expect(status).toMatchObject({ failureCount: 1, windowCalls: 1, windowFailures: 1, lastFailureAt: 2000 });
    expect(status.generation).toBe(1);
    expect(status.updatedAt).toBe(2000);
  });

  it('resets the consecutive count on a closed success and adds batched successes', () => {
    const failed = failTimes(start, 3, 1000);
    const { status } = applyOutcome(failed, { kind: 'success', pendingSuccesses: 4 }, policy, 1000);
    expect(status).toMatchObject({ failureCount: 0, windowCalls: 8, windowFailures: 3 });
  });

  it('trips after consecutiveFailures with the first cooldown', () => {
    const four = failTimes(start, 4, 1000);
    expect(four.circuit).toBe('closed');
    const r = applyOutcome(four, { kind: 'failure' }, policy, 5000);
    expect(r.transition).toEqual({ from: 'closed', to: 'open' });
    expect(r.status).toMatchObject({
      circuit: 'open',
      openCount: 1,
      cooldownUntil: 35_000,
      openedAt: 5000,
      failureCount: 5,
    });
  });

  it('applies jitter from the outcome random', () => {
    const four = failTimes(start, 4, 1000, { ...policy, jitter: 0.2 });
    const r = applyOutcome(four, { kind: 'failure', random: 0 }, { ...policy, jitter: 0.2 }, 0);
    expect(r.status.cooldownUntil).toBe(24_000);
  });

  it('trips on the failure rate only with enough calls', () => {
    const p = { ...policy, consecutiveFailures: 0, minimumCalls: 10, failureRateThreshold: 0.5 };
    let s = applyOutcome(start, { kind: 'success', pendingSuccesses: 4 }, p, 1000).status;
    s = failTimes(s, 4, 1000, p);
    expect(s.circuit).toBe('closed'); // 9 calls < 10
    const r = applyOutcome(s, { kind: 'failure' }, p, 1000);
    expect(r.transition).toEqual({ from: 'closed', to: 'open' }); // 5/10
  });

  it('disables strategies set to 0', () => {
    const p = { ...policy, consecutiveFailures: 0, failureRateThreshold: 0 };
    expect(failTimes(start, 100, 1000, p).circuit).toBe('closed');
  });

  it('rolls the window before counting', () => {
    const s = failTimes(start, 2, 1000);
    const { status } = applyOutcome(s, { kind: 'success', pendingSuccesses: 2 }, policy, 61_000);
    expect(status).toMatchObject({ windowStartedAt: 61_000, windowCalls: 3, windowFailures: 0 });
  });

  it('only counts outcomes while open', () => {
    const open = failTimes(start, 5, 1000);
    const r = applyOutcome(open, { kind: 'success' }, policy, 2000);
    expect(r.transition).toBeUndefined();
    expect(r.status).toMatchObject({ circuit: 'open', failureCount: 5, windowCalls: 6 });
    const f = applyOutcome(open, { kind: 'failure', probeToken: 'nope' }, policy, 2000);
    expect(f.status).toMatchObject({ circuit: 'open', failureCount: 6, openCount: 1 });
  });

  it('closes on a probe success and re-opens longer on a probe failure', () => {
    const open = failTimes(start, 5, 1000);
    const half = claimProbe(open, 'p1', policy, 31_000).status;
    const closed = applyOutcome(half, { kind: 'success', probeToken: 'p1' }, policy, 31_500);
    expect(closed.transition).toEqual({ from: 'half_open', to: 'closed' });
    expect(closed.status).toMatchObject({
      circuit: 'closed',
      failureCount: 0,
      openCount: 0,
      cooldownUntil: null,
      probeLeases: [],
      windowStartedAt: 31_500,
      windowCalls: 0,
      windowFailures: 0,
      openedAt: null,
    });
    const reopened = applyOutcome(half, { kind: 'failure', probeToken: 'p1' }, policy, 31_500);
    expect(reopened.transition).toEqual({ from: 'half_open', to: 'open' });
    expect(reopened.status).toMatchObject({ openCount: 2, cooldownUntil: 31_500 + 60_000, probeLeases: [] });
  });

  it('ignores outcomes without the held token while half-open', () => {
    const half = claimProbe(failTimes(start, 5, 1000), 'p1', policy, 31_000).status;
    expect(applyOutcome(half, { kind: 'success' }, policy, 31_100).status.circuit).toBe('half_open');
    expect(applyOutcome(half, { kind: 'failure', probeToken: 'other' }, policy, 31_100).status.circuit).toBe(
      'half_open',
    );
  });
});

describe('claimProbe', () => {
  const open = deepFreeze(failTimes(initialProviderStatus('openai', 0), 5, 0));

  it('refuses while closed or cooling down, without changing the row', () => {
    const closed = initialProviderStatus('openai', 0);
    expect(claimProbe(closed, 't', policy, 0)).toEqual({ status: closed, granted: false });
    const early = claimProbe(open, 't', policy, 29_999);
    expect(early.granted).toBe(false);
    expect(early.status).toBe(open);
  });

  it('grants up to halfOpenMaxProbes leases', () => {
    const p = { ...policy, halfOpenMaxProbes: 2 };
    const a = claimProbe(open, 'a', p, 30_000);
    expect(a).toMatchObject({ granted: true, transition: { from: 'open', to: 'half_open' } });
    expect(a.status.probeLeases).toEqual([{ token: 'a', expiresAt: 45_000 }]);
    const b = claimProbe(a.status, 'b', p, 30_001);
    expect(b.granted).toBe(true);
    expect(b.transition).toBeUndefined();
    const c = claimProbe(b.status, 'c', p, 30_002);
    expect(c.granted).toBe(false);
    expect(open.circuit).toBe('open');
  });

  it('drops expired leases so a new probe can go', () => {
    const a = claimProbe(open, 'a', policy, 30_000).status;
    expect(claimProbe(a, 'b', policy, 44_999).granted).toBe(false);
    const b = claimProbe(a, 'b', policy, 45_000);
    expect(b.granted).toBe(true);
    expect(b.status.probeLeases.map((l) => l.token)).toEqual(['b']);
    expect(b.status.generation).toBe(a.generation + 1);
  });
});

describe('retryAfterMs, reset, forceOpen, health', () => {
  const open = failTimes(initialProviderStatus('gemini', 0), 5, 0);

  it('computes the wait', () => {
    expect(retryAfterMs(initialProviderStatus('gemini', 0), 0)).toBe(0);
    expect(retryAfterMs(open, 10_000)).toBe(20_000);
    expect(retryAfterMs(open, 40_000)).toBe(0);
    const half = claimProbe(open, 'a', policy, 30_000).status;
    expect(retryAfterMs(half, 35_000)).toBe(10_000);
  });

  it('resets to a fresh row keeping health', () => {
    const withH = withHealth(open, { status: 'down', latencyMs: null, checkedAt: 1 }, 1);
    expect(withH.circuit).toBe('open');
    const r = resetStatus(withH, 5);
    expect(r.transition).toEqual({ from: 'open', to: 'closed' });
    expect(r.status).toEqual({
      ...initialProviderStatus('gemini', 5),
      lastHealth: { status: 'down', latencyMs: null, checkedAt: 1 },
      generation: withH.generation + 1,
    });
    expect(resetStatus(r.status, 6).transition).toBeUndefined();
  });

  it('force-opens until a time', () => {
    const f = forceOpenStatus(initialProviderStatus('gemini', 0), 99, 7);
    expect(f.transition).toEqual({ from: 'closed', to: 'open' });
    expect(f.status).toMatchObject({ circuit: 'open', cooldownUntil: 99, openedAt: 7, probeLeases: [] });
    expect(forceOpenStatus(f.status, 200, 8).transition).toBeUndefined();
  });
});
