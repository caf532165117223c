// The SQL functions of migration 0001 against the pure reducer (src/breaker/state.ts): random
// policies and random operation sequences must give identical rows, transitions and grants after
// every step, float for float (cooldown jitter, failure rates, rounding).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyOutcome,
  claimProbe,
  cooldownMs,
  forceOpenStatus,
  initialProviderStatus,
  resetStatus,
  type StateChange,
  withHealth,
} from '../../src/breaker/state.js';
import type {
  BreakerPolicy,
  BreakerUpdate,
  HealthSnapshot,
  OutcomeInput,
  ProviderStatus,
} from '../../src/breaker/types.js';
import { PostgresProviderStatusStore } from '../../src/storage/postgres/provider-status.js';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../support/pg.js';

const T0 = 1_700_000_000_000;

type Step =
  | {
      op: 'outcome';
      kind: 'success' | 'failure';
      pending: number | undefined;
      /** Index into the tokens claimed so far (past the end: a token never issued). */
      probe: number | undefined;
      random: number | undefined;
    }
  /** Instances may run with different policies: this claimer's own probe limit, if set. */
  | { op: 'claim'; maxProbes: number | undefined }
  /** n failures in a row at the same instant (trips most policies). */
  | { op: 'burst'; n: number; random: number | undefined }
  | { op: 'reset' }
  | { op: 'forceOpen'; forMs: number }
  | { op: 'health'; health: Omit<HealthSnapshot, 'checkedAt'> }
  | { op: 'advance'; ms: number }
  /** Moves the clock to a boundary of the current row (cooldown end, a lease's expiry, window end). */
  | { op: 'advanceTo'; to: 'cooldown' | 'lease' | 'window'; lease: number; offset: -1 | 0 | 1 };

const unit = fc.double({ min: 0, max: 1, noNaN: true });
const below1 = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

const policyArb: fc.Arbitrary<BreakerPolicy> = fc
  .record({
    consecutiveFailures: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 4 }) }, fc.constant(0)),
    failureRateThreshold: fc.oneof(fc.constant(0), fc.constantFrom(1 / 3, 0.5, 0.6, 1), unit),
    minimumCalls: fc.integer({ min: 1, max: 6 }),
    windowMs: fc.integer({ min: 1, max: 5_000 }),
    cooldowns: fc.tuple(fc.integer({ min: 0, max: 3_000 }), fc.integer({ min: 0, max: 20_000 })),
    jitter: fc.oneof(fc.constant(0), fc.constant(0.2), unit),
    halfOpenMaxProbes: fc.integer({ min: 1, max: 3 }),
    probeLeaseMs: fc.integer({ min: 1, max: 3_000 }),
  })
  .map(({ cooldowns: [a, b], ...rest }) => ({
    ...rest,
    baseCooldownMs: Math.min(a, b),
    maxCooldownMs: Math.max(a, b),
  }));

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('outcome' as const),
      kind: fc.constantFrom('failure' as const, 'success' as const, 'failure' as const),
      pending: fc.option(fc.integer({ min: -2, max: 6 }), { nil: undefined }),
      // Mostly the newest lease (a real probe), else an older or unknown one, or none.
      probe: fc.oneof(
        { weight: 3, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.nat(3) },
        { weight: 2, arbitrary: fc.constant(undefined) },
      ),
      random: fc.option(below1, { nil: undefined }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('burst' as const),
      n: fc.integer({ min: 1, max: 5 }),
      random: fc.option(below1, { nil: undefined }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('claim' as const),
      maxProbes: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'reset' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('forceOpen' as const),
      forMs: fc.integer({ min: 0, max: 5_000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('health' as const),
      health: fc.record(
        {
          status: fc.constantFrom(
            'healthy' as const,
            'degraded' as const,
            'down' as const,
            'not_configured' as const,
          ),
          latencyMs: fc.option(fc.double({ min: 0, max: 10_000, noNaN: true }), { nil: null }),
          message: fc.string({ maxLength: 12 }),
        },
        { requiredKeys: ['status', 'latencyMs'] },
      ),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('advance' as const),
      ms: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4_000 }), fc.integer({ min: 1, max: 40_000 })),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('advanceTo' as const),
      to: fc.constantFrom('cooldown' as const, 'lease' as const, 'lease' as const, 'window' as const),
      lease: fc.nat(2),
      offset: fc.constantFrom(-1 as const, 0 as const, 0 as const, 1 as const),
    }),
  },
);

/** The time `step` moves the clock to; never backwards. */
function boundary(
  row: ProviderStatus,
  policy: BreakerPolicy,
  step: Step & { op: 'advanceTo' },
): number | null {
  const leases = row.probeLeases;
  const at =
    step.to === 'cooldown'
      ? row.cooldownUntil
      : step.to === 'window'
        ? row.windowStartedAt + policy.windowMs
        : (leases[step.lease % Math.max(1, leases.length)]?.expiresAt ?? row.cooldownUntil);
  return at === null ? null : at + step.offset;
}

/** cooldownMs() reads only the cooldown fields; the rest are placeholders. */
function policyOf(c: Pick<BreakerPolicy, 'baseCooldownMs' | 'maxCooldownMs' | 'jitter'>): BreakerPolicy {
  return {
    consecutiveFailures: 1,
    failureRateThreshold: 0,
    minimumCalls: 1,
    windowMs: 1,
    halfOpenMaxProbes: 1,
    probeLeaseMs: 1,
    baseCooldownMs: c.baseCooldownMs,
    maxCooldownMs: c.maxCooldownMs,
    jitter: c.jitter,
  };
}

function asUpdate(previous: ProviderStatus, change: StateChange): BreakerUpdate {
  const update: BreakerUpdate = { previous, current: change.status };
  if (change.transition) update.transition = change.transition;
  return update;
}

describe.skipIf(!databaseUrl)('provider_status SQL functions = the pure reducer', () => {
  let db: TestDatabase;
  let store: PostgresProviderStatusStore;
  let runs = 0;
  beforeAll(async () => {
    db = await createTestDatabase('provider_status_parity');
    store = new PostgresProviderStatusStore(db.sql);
  });
  afterAll(async () => {
    await db?.drop();
  });

  /** One outcome through both; returns the reducer's new row. */
  async function record(
    provider: string,
    row: ProviderStatus,
    outcome: OutcomeInput,
    policy: BreakerPolicy,
    now: number,
  ): Promise<ProviderStatus> {
    const change = applyOutcome(row, outcome, policy, now);
    expect(await store.recordOutcome(provider, outcome, policy, now)).toStrictEqual(asUpdate(row, change));
    return change.status;
  }

  /** Drives one sequence through both, comparing every result and the stored row after each step. */
  async function replay(policy: BreakerPolicy, steps: Step[]): Promise<void> {
    const provider = `parity-${++runs}`;
    let now = T0 + runs;
    let model: ProviderStatus | null = null;
    const tokens: string[] = [];
    for (const step of steps) {
      const row: ProviderStatus = model ?? initialProviderStatus(provider, now);
      switch (step.op) {
        case 'advance':
          now += step.ms;
          continue;
        case 'advanceTo':
          now = Math.max(now, boundary(row, policy, step) ?? now);
          continue;
        case 'outcome': {
          const outcome: OutcomeInput = { kind: step.kind };
          if (step.pending !== undefined) outcome.pendingSuccesses = step.pending;
          if (step.probe !== undefined) outcome.probeToken = tokens[step.probe] ?? 'never-issued';
          if (step.random !== undefined) outcome.random = step.random;
          model = await record(provider, row, outcome, policy, now);
          break;
        }
        case 'burst': {
          let last = row;
          for (let i = 0; i < step.n; i++) {
            const outcome: OutcomeInput = { kind: 'failure' };
            if (step.random !== undefined) outcome.random = step.random;
            last = await record(provider, last, outcome, policy, now);
          }
          model = last;
          break;
        }
        case 'claim': {
          const token = `t${tokens.length + 1}`;
          tokens.unshift(token); // index 0 is the newest lease
          const mine = { ...policy, halfOpenMaxProbes: step.maxProbes ?? policy.halfOpenMaxProbes };
          const claim = claimProbe(row, token, mine, now);
          // Like the memory store: an unchanged claim writes nothing (and creates no row).
          if (claim.status !== row) model = claim.status;
          const { granted, status, transition } = claim;
          expect(await store.claimProbe(provider, token, mine, now)).toStrictEqual(
            transition ? { granted, status, transition } : { granted, status },
          );
          break;
        }
        case 'reset': {
          const change = resetStatus(row, now);
          model = change.status;
          expect(await store.reset(provider, now)).toStrictEqual(asUpdate(row, change));
          break;
        }
        case 'forceOpen': {
          const change = forceOpenStatus(row, now + step.forMs, now);
          model = change.status;
          expect(await store.forceOpen(provider, now + step.forMs, now)).toStrictEqual(asUpdate(row, change));
          break;
        }
        case 'health': {
          const health: HealthSnapshot = { ...step.health, checkedAt: now };
          model = withHealth(row, health, now);
          expect(await store.recordHealth(provider, health, now)).toStrictEqual(
            asUpdate(row, { status: model }),
          );
          break;
        }
      }
      expect(await store.get(provider)).toStrictEqual(model);
    }
  }

  it('applies random sequences exactly like applyOutcome / claimProbe / reset / forceOpen', async () => {
    await fc.assert(
      fc.asyncProperty(policyArb, fc.array(stepArb, { minLength: 1, maxLength: 30, size: 'max' }), replay),
      { numRuns: 100 },
    );
  }, 60_000);

  it('agrees on scripted sequences through every boundary', async () => {
    const policy: BreakerPolicy = {
      consecutiveFailures: 2,
      failureRateThreshold: 0,
      minimumCalls: 1,
      windowMs: 1_000,
      baseCooldownMs: 1_000,
      maxCooldownMs: 5_000,
      jitter: 0.37,
      halfOpenMaxProbes: 3,
      probeLeaseMs: 500,
    };
    const fail = (probe: number | undefined, random?: number): Step => ({
      op: 'outcome',
      kind: 'failure',
      pending: undefined,
      probe,
      random,
    });
    const succeed = (probe: number | undefined, pending?: number): Step => ({
      op: 'outcome',
      kind: 'success',
      pending,
      probe,
      random: undefined,
    });
    const claim = (maxProbes?: number): Step => ({ op: 'claim', maxProbes });
    const to = (target: 'cooldown' | 'lease' | 'window', offset: -1 | 0 | 1, lease = 0): Step => ({
      op: 'advanceTo',
      to: target,
      lease,
      offset,
    });
    const trip: Step = { op: 'burst', n: 2, random: 0.9 };
    const scripts: Step[][] = [
      // Cooldown edge; probe leases expiring exactly at expiresAt; a blocked claim dropping a lapsed
      // lease (possible when instances run with different probe limits).
      [trip, to('cooldown', -1), claim(), to('cooldown', 0), claim(), claim(), to('lease', -1), claim(1)],
      [trip, to('cooldown', 0), claim(), { op: 'advance', ms: 100 }, claim(), to('lease', 0, 0), claim(1)],
      [trip, to('cooldown', 0), claim(), claim(), to('lease', 0, 0), claim(), claim(), claim(), claim()],
      // Re-opening backoff with jitter up to the cap, then a probe success with batched successes.
      [trip, ...[0, 0.2, 0.5, 0.99, 0.01].flatMap((r) => [to('cooldown', 0), claim(), fail(0, r)])],
      [trip, to('cooldown', 1), claim(), succeed(0, 3), fail(undefined), succeed(undefined, 2)],
      // A stale token (expired lease still listed) still counts as the probe; an unknown one does not.
      [trip, to('cooldown', 0), claim(), { op: 'advance', ms: 600 }, succeed(1), fail(0), fail(undefined)],
      // Window roll exactly at windowStartedAt + windowMs, and one millisecond early.
      [fail(undefined), to('window', -1), fail(undefined), to('window', 0), succeed(undefined, -3)],
      // Operator actions in every state.
      [{ op: 'forceOpen', forMs: 0 }, claim(), { op: 'reset' }, trip, { op: 'forceOpen', forMs: 10 }],
      [trip, to('cooldown', 0), claim(), { op: 'reset' }, claim(), succeed(0)],
    ];
    for (const script of scripts) await replay(policy, script);
  });

  it('computes steadycall_breaker_cooldown_ms as cooldownMs() does, caps and x.5 ties included', async () => {
    type Case = Pick<BreakerPolicy, 'baseCooldownMs' | 'maxCooldownMs' | 'jitter'> & {
      openCount: number;
      random: number;
    };
    const caseArb: fc.Arbitrary<Case> = fc.record({
      openCount: fc.oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 1_200 })),
      baseCooldownMs: fc.oneof(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 2 ** 53 })),
      maxCooldownMs: fc.oneof(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 2 ** 53 })),
      jitter: fc.oneof(unit, fc.constantFrom(0, 0.2, 1, 5e-324, 1e-310)),
      random: fc.oneof(below1, fc.constantFrom(0, 0.25, 0.5, 0.75)),
    });
    const check = async (cases: Case[]) => {
      const rows = await db.sql<{ ms: number }[]>`
        select steadycall_breaker_cooldown_ms((c->>'openCount')::integer, c, (c->>'random')::float8) as ms
        from jsonb_array_elements(${db.sql.json(cases)}::jsonb) with ordinality t(c, i) order by i`;
      const expected = cases.map((c) => cooldownMs(c.openCount, policyOf(c), c.random));
      expect(rows.map((r) => r.ms)).toEqual(expected);
    };
    // Ties that JS rounds up and a half-even rint() would round down: 3 * 1.5 = 4.5 -> 5.
    await check([
      { openCount: 1, baseCooldownMs: 3, maxCooldownMs: 100, jitter: 1, random: 0.75 },
      { openCount: 1, baseCooldownMs: 1, maxCooldownMs: 100, jitter: 1, random: 0.25 },
      { openCount: 1024, baseCooldownMs: 1, maxCooldownMs: 7, jitter: 0, random: 0.5 },
      { openCount: 1100, baseCooldownMs: 2 ** 52, maxCooldownMs: 2 ** 53, jitter: 0.5, random: 0.1 },
      { openCount: 1000, baseCooldownMs: 2 ** 40, maxCooldownMs: 600_000, jitter: 0.2, random: 0.9 },
    ]);
    await fc.assert(fc.asyncProperty(fc.array(caseArb, { minLength: 1, maxLength: 40 }), check), {
      numRuns: 150,
    });
  });
});
