import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/breaker/breaker.js';
import type { BreakerPolicy } from '../../src/breaker/types.js';
import { FakeClock } from '../../src/core/clock.js';
import { isCircuitOpenError, isTimeoutError, ProviderError } from '../../src/core/errors.js';
import { sequentialIds } from '../../src/core/ids.js';
import { MemoryProviderStatusStore } from '../../src/storage/memory/provider-status.js';
import { flush, settle } from './helpers.js';

type Op = { type: 'success' | 'failure' | 'timeout' | 'ignored' } | { type: 'advance'; ms: number };

/**
 * An independent reference model of the documented breaker semantics, for one instance calling
 * sequentially. Successes seen while the circuit is healthy are counted lazily, at the next call,
 * exactly as the breaker batches them (only when the failure-rate strategy is on).
 */
class Model {
  circuit: 'closed' | 'open' | 'half_open' = 'closed';
  failures = 0;
  openCount = 0;
  cooldownUntil = 0;
  /** The row (and its window) is created by the first write. */
  windowStart: number | null = null;
  windowCalls = 0;
  windowFailures = 0;
  deferred = 0;
  leases: number[] = [];

  constructor(
    readonly p: BreakerPolicy,
    readonly random: number,
  ) {}

  get rateOn(): boolean {
    return this.p.failureRateThreshold > 0;
  }

  /** What the breaker must do with a call made at `now`. */
  decide(now: number): { attempt: false; retryAfterMs: number } | { attempt: true; probe: boolean } {
    if (this.deferred > 0) {
      this.count(now, this.deferred, 0);
      this.deferred = 0;
    }
    if (this.circuit === 'closed') return { attempt: true, probe: false };
    if (this.circuit === 'open' && now < this.cooldownUntil) {
      return { attempt: false, retryAfterMs: this.cooldownUntil - now };
    }
    this.leases = this.leases.filter((expiresAt) => expiresAt > now);
    if (this.leases.length >= this.p.halfOpenMaxProbes) {
      return { attempt: false, retryAfterMs: Math.min(...this.leases) - now };
    }
    this.leases.push(now + this.p.probeLeaseMs);
    this.circuit = 'half_open';
    return { attempt: true, probe: true };
  }

  succeed(now: number, probe: boolean): void {
    if (probe) {
      this.circuit = 'closed';
      this.failures = 0;
      this.openCount = 0;
      this.leases = [];
      this.windowStart = now;
      this.windowCalls = 0;
      this.windowFailures = 0;
    } else if (this.failures > 0) {
      this.count(now, 1, 0);
      this.failures = 0;
    } else if (this.rateOn) {
      this.deferred++;
    }
  }

  fail(now: number, probe: boolean): void {
    this.count(now, 1, 1);
    this.failures++;
    const { consecutiveFailures: n, failureRateThreshold: rate, minimumCalls } = this.p;
    const trips =
      (n > 0 && this.failures >= n) ||
      (rate > 0 && this.windowCalls >= minimumCalls && this.windowFailures / this.windowCalls >= rate);
    if (probe || (this.circuit === 'closed' && trips)) {
      this.circuit = 'open';
      this.openCount++;
      let cooldown = this.p.baseCooldownMs;
      for (let i = 1; i < this.openCount; i++) cooldown = Math.min(cooldown * 2, this.p.maxCooldownMs);
      cooldown = Math.round(cooldown * (1 + this.p.jitter * (2 * this.random - 1)));
      this.cooldownUntil = now + Math.min(cooldown, this.p.maxCooldownMs);
      this.leases = [];
    }
  }

  private count(now: number, calls: number, failures: number): void {
    if (this.windowStart === null || now - this.windowStart >= this.p.windowMs) {
      this.windowStart = now;
      this.windowCalls = 0;
      this.windowFailures = 0;
    }
    this.windowCalls += calls;
    this.windowFailures += failures;
  }
}

const policyArb: fc.Arbitrary<BreakerPolicy> = fc
  .record({
    consecutiveFailures: fc.integer({ min: 0, max: 6 }),
    failureRateThreshold: fc.constantFrom(0, 0.3, 0.5, 1),
    minimumCalls: fc.integer({ min: 1, max: 8 }),
    windowMs: fc.integer({ min: 1000, max: 60_000 }),
    baseCooldownMs: fc.integer({ min: 100, max: 5000 }),
    doublings: fc.integer({ min: 0, max: 4 }),
    jitter: fc.constantFrom(0, 0.1, 0.5),
    halfOpenMaxProbes: fc.integer({ min: 1, max: 2 }),
    probeLeaseMs: fc.integer({ min: 100, max: 20_000 }),
  })
  .map(({ doublings, ...p }) => ({ ...p, maxCooldownMs: p.baseCooldownMs * 2 ** doublings }));

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.constantFrom<Op>({ type: 'success' }, { type: 'failure' }), weight: 6 },
  { arbitrary: fc.constantFrom<Op>({ type: 'timeout' }, { type: 'ignored' }), weight: 2 },
  { arbitrary: fc.integer({ min: 0, max: 90_000 }).map((ms): Op => ({ type: 'advance', ms })), weight: 3 },
);

describe('CircuitBreaker agrees with a reference model', () => {
  it('on states and fail-fast decisions at every step', async () => {
    await fc.assert(
      fc.asyncProperty(
        policyArb,
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 5000 }),
        fc.array(opArb, { minLength: 1, maxLength: 60 }),
        async (policy, random, timeoutMs, ops) => {
          const clock = new FakeClock(1_000_000);
          const store = new MemoryProviderStatusStore();
          const breaker = new CircuitBreaker({
            provider: 'openai',
            store,
            clock,
            policy,
            timeoutMs,
            cacheTtlMs: 0,
            random: () => random,
            ids: sequentialIds('probe'),
          });
          const model = new Model(policy, random);

          for (const [step, op] of ops.entries()) {
            const where = `step ${step} (${op.type})`;
            if (op.type === 'advance') {
              await clock.advance(op.ms);
            } else {
              const decision = model.decide(clock.now());
              let attempted = false;
              const run = settle(
                breaker.execute(async () => {
                  attempted = true;
                  if (op.type === 'success') return 'ok';
                  if (op.type === 'timeout') return new Promise<string>(() => {});
                  throw new ProviderError('openai', 'boom', { status: op.type === 'ignored' ? 400 : 500 });
                }),
              );
              if (op.type === 'timeout') {
                await flush();
                await clock.advance(timeoutMs);
              }
              const { value, error } = await run;
              const now = clock.now();
              expect(attempted, where).toBe(decision.attempt);
              if (!decision.attempt) {
                expect(isCircuitOpenError(error), where).toBe(true);
                expect((error as { retryAfterMs: number }).retryAfterMs, where).toBe(decision.retryAfterMs);
              } else if (op.type === 'success') {
                expect(value, where).toBe('ok');
                model.succeed(now, decision.probe);
              } else if (op.type === 'timeout') {
                expect(isTimeoutError(error), where).toBe(true);
                model.fail(now, decision.probe);
              } else if (op.type === 'failure') {
                expect(error, where).toMatchObject({ status: 500 });
                model.fail(now, decision.probe);
              }
            }

            expect(breaker.state, where).toBe(model.circuit);
            const row = await store.get('openai');
            const expected = {
              circuit: model.circuit,
              failureCount: model.failures,
              openCount: model.openCount,
              windowCalls: model.windowCalls,
              windowFailures: model.windowFailures,
            };
            const fresh = {
              circuit: 'closed',
              failureCount: 0,
              openCount: 0,
              windowCalls: 0,
              windowFailures: 0,
            };
            expect(row ?? fresh, where).toMatchObject(expected);
            if (model.circuit === 'open') expect(row?.cooldownUntil, where).toBe(model.cooldownUntil);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
