/**
 * The breaker's pure state machine. Every store implementation applies exactly these rules inside
 * one atomic operation, so the reducer has no I/O, no clock and no randomness: the caller passes
 * `now` and the jitter draw. Inputs are never mutated; every change returns a new row with
 * `generation + 1` and `updatedAt = now`.
 */
import type { ProviderName } from '../core/types.js';
import type { BreakerPolicy, CircuitState, HealthSnapshot, OutcomeInput, ProviderStatus } from './types.js';

/**
 * A circuit change caused by one operation.
 *
 * @example
 * ```ts
 * const { transition } = applyOutcome(row, { kind: 'failure' }, defaultBreakerPolicy, Date.now());
 * if (transition) console.log(`${transition.from} -> ${transition.to}`);
 * ```
 */
export interface Transition {
  /** The state before. */
  from: CircuitState;
  /** The state after. */
  to: CircuitState;
}

/**
 * The reducer's result: the new row, and the transition when `circuit` changed.
 *
 * @example
 * ```ts
 * const change: StateChange = resetStatus(row, Date.now());
 * await save(change.status);
 * ```
 */
export interface StateChange {
  /** The new row (`generation + 1`, `updatedAt = now`), or the input itself when nothing changed. */
  status: ProviderStatus;
  /** Set when `circuit` changed. */
  transition?: Transition;
}

/**
 * {@link claimProbe}'s result.
 *
 * @example
 * ```ts
 * const claim: ProbeClaim = claimProbe(row, 'probe-1', defaultBreakerPolicy, Date.now());
 * if (claim.granted) await save(claim.status);
 * ```
 */
export interface ProbeClaim extends StateChange {
  /** True when the lease was granted. */
  granted: boolean;
}

/**
 * A fresh closed row, as if the provider had never been seen.
 *
 * @example
 * ```ts
 * import { initialProviderStatus } from 'steadycall';
 *
 * const row = initialProviderStatus('twilio', Date.now()); // circuit 'closed', counters 0, generation 0
 * ```
 */
export function initialProviderStatus(provider: ProviderName, now: number): ProviderStatus {
  return {
    provider,
    circuit: 'closed',
    failureCount: 0,
    cooldownUntil: null,
    openCount: 0,
    windowStartedAt: now,
    windowCalls: 0,
    windowFailures: 0,
    probeLeases: [],
    openedAt: null,
    lastFailureAt: null,
    lastHealth: null,
    generation: 0,
    updatedAt: now,
  };
}

/**
 * Cooldown before the `openCount`-th consecutive opening may admit probes:
 * `base * 2^(openCount-1)`, capped at `maxCooldownMs`, spread by `jitter` using `random` in [0, 1)
 * (0.5 means no jitter). Never above `maxCooldownMs`.
 *
 * @example
 * ```ts
 * cooldownMs(1, defaultBreakerPolicy); // 30_000
 * cooldownMs(3, defaultBreakerPolicy); // 120_000
 * ```
 */
export function cooldownMs(openCount: number, policy: BreakerPolicy, random = 0.5): number {
  const exponent = Math.max(0, openCount - 1);
  const raw = Math.min(policy.baseCooldownMs * 2 ** exponent, policy.maxCooldownMs);
  const spread = 1 + policy.jitter * (2 * random - 1);
  return Math.max(0, Math.min(policy.maxCooldownMs, Math.round(raw * spread)));
}

/**
 * True when a probe lease may be claimed now: half-open, or open with the cooldown passed.
 *
 * @example
 * ```ts
 * import { canClaimProbe } from 'steadycall';
 *
 * if (row.circuit === 'open' && canClaimProbe(row, Date.now())) console.log('cooldown over: next call probes');
 * ```
 */
export function canClaimProbe(status: ProviderStatus, now: number): boolean {
  if (status.circuit === 'half_open') return true;
  return status.circuit === 'open' && (status.cooldownUntil === null || now >= status.cooldownUntil);
}

/**
 * How long until a call could be attempted: 0 when closed or when a probe could be claimed now.
 *
 * @example
 * ```ts
 * import { retryAfterMs } from 'steadycall';
 *
 * const wait = retryAfterMs(row, Date.now());
 * if (wait > 0) headers.set('retry-after', String(Math.ceil(wait / 1000)));
 * ```
 */
export function retryAfterMs(status: ProviderStatus, now: number): number {
  if (status.circuit === 'open') {
    return status.cooldownUntil === null ? 0 : Math.max(0, status.cooldownUntil - now);
  }
  if (status.circuit === 'half_open') {
    // Probes are all taken: the earliest a slot frees up for sure is when a lease lapses.
    let earliest = Number.POSITIVE_INFINITY;
    for (const lease of status.probeLeases)
      if (lease.expiresAt > now) earliest = Math.min(earliest, lease.expiresAt);
    return earliest === Number.POSITIVE_INFINITY ? 0 : earliest - now;
  }
  return 0;
}

function bump(status: ProviderStatus, now: number): ProviderStatus {
  return {
    ...status,
    probeLeases: status.probeLeases.map((l) => ({ ...l })),
    lastHealth: status.lastHealth === null ? null : { ...status.lastHealth },
    generation: status.generation + 1,
    updatedAt: now,
  };
}

function shouldTrip(s: ProviderStatus, policy: BreakerPolicy): boolean {
  if (policy.consecutiveFailures > 0 && s.failureCount >= policy.consecutiveFailures) return true;
  return (
    policy.failureRateThreshold > 0 &&
    s.windowCalls >= policy.minimumCalls &&
    s.windowFailures / s.windowCalls >= policy.failureRateThreshold
  );
}

function open(s: ProviderStatus, policy: BreakerPolicy, now: number, random: number | undefined): void {
  s.circuit = 'open';
  s.openCount += 1;
  s.cooldownUntil = now + cooldownMs(s.openCount, policy, random);
  s.openedAt = now;
  s.probeLeases = [];
}

/**
 * Records one call's outcome (after adding `pendingSuccesses` to the window) and applies the
 * transition it causes: a closed circuit trips on too many failures; a half-open probe holding
 * `probeToken` closes it on success or re-opens it (longer cooldown) on failure. Outcomes from
 * calls that are not the probe only count.
 *
 * @param status - The current row (not mutated).
 * @param outcome - The call's outcome, batched successes, probe token and jitter draw.
 * @param policy - Thresholds and timings.
 * @param now - The current time, epoch ms.
 * @example
 * ```ts
 * import { applyOutcome, defaultBreakerPolicy, initialProviderStatus } from 'steadycall';
 *
 * let row = initialProviderStatus('twilio', 0);
 * for (let i = 0; i < 5; i++) row = applyOutcome(row, { kind: 'failure' }, defaultBreakerPolicy, 1_000).status;
 * row.circuit; // 'open': five consecutive failures
 * ```
 */
export function applyOutcome(
  status: ProviderStatus,
  outcome: OutcomeInput,
  policy: BreakerPolicy,
  now: number,
): StateChange {
  const s = bump(status, now);
  if (now - s.windowStartedAt >= policy.windowMs) {
    s.windowStartedAt = now;
    s.windowCalls = 0;
    s.windowFailures = 0;
  }
  s.windowCalls += Math.max(0, outcome.pendingSuccesses ?? 0);
  s.windowCalls += 1;

  const from = status.circuit;
  const isProbe =
    from === 'half_open' &&
    outcome.probeToken !== undefined &&
    s.probeLeases.some((l) => l.token === outcome.probeToken);

  if (outcome.kind === 'success') {
    if (from === 'closed') {
      s.failureCount = 0;
    } else if (isProbe) {
      s.circuit = 'closed';
      s.failureCount = 0;
      s.openCount = 0;
      s.cooldownUntil = null;
      s.probeLeases = [];
      s.windowStartedAt = now;
      s.windowCalls = 0;
      s.windowFailures = 0;
      s.openedAt = null;
    }
  } else {
    s.windowFailures += 1;
    s.failureCount += 1;
    s.lastFailureAt = now;
    if ((from === 'closed' && shouldTrip(s, policy)) || isProbe) open(s, policy, now, outcome.random);
  }
  return s.circuit === from ? { status: s } : { status: s, transition: { from, to: s.circuit } };
}

/**
 * Tries to take a half-open probe lease for `token`. Granted when the circuit is open with its
 * cooldown passed, or half-open, and fewer than `halfOpenMaxProbes` unexpired leases exist.
 * Returns the input row itself (unchanged) when nothing changed.
 *
 * @example
 * ```ts
 * import { claimProbe, defaultBreakerPolicy } from 'steadycall';
 *
 * const { granted, status, transition } = claimProbe(row, 'probe-7', defaultBreakerPolicy, Date.now());
 * // transition: { from: 'open', to: 'half_open' } for the first claim after the cooldown
 * ```
 */
export function claimProbe(
  status: ProviderStatus,
  token: string,
  policy: BreakerPolicy,
  now: number,
): ProbeClaim {
  const live = status.probeLeases.filter((l) => l.expiresAt > now);
  const dropped = live.length !== status.probeLeases.length;
  const blocked =
    status.circuit === 'closed' ||
    (status.circuit === 'open' && status.cooldownUntil !== null && now < status.cooldownUntil) ||
    live.length >= policy.halfOpenMaxProbes;
  if (blocked) {
    if (!dropped) return { status, granted: false };
    const s = bump(status, now);
    s.probeLeases = live.map((l) => ({ ...l }));
    return { status: s, granted: false };
  }
  const s = bump(status, now);
  s.probeLeases = [...live.map((l) => ({ ...l })), { token, expiresAt: now + policy.probeLeaseMs }];
  s.circuit = 'half_open';
  if (status.circuit === 'open')
    return { status: s, granted: true, transition: { from: 'open', to: 'half_open' } };
  return { status: s, granted: true };
}

/**
 * Operator reset: a fresh closed row that keeps the provider and its last health check.
 *
 * @example
 * ```ts
 * import { resetStatus } from 'steadycall';
 *
 * const { status, transition } = resetStatus(row, Date.now()); // transition: { from: 'open', to: 'closed' }
 * ```
 */
export function resetStatus(status: ProviderStatus, now: number): StateChange {
  const s: ProviderStatus = {
    ...initialProviderStatus(status.provider, now),
    lastHealth: status.lastHealth === null ? null : { ...status.lastHealth },
    generation: status.generation + 1,
  };
  return status.circuit === 'closed'
    ? { status: s }
    : { status: s, transition: { from: status.circuit, to: 'closed' } };
}

/**
 * Operator force-open until `until` (epoch ms); counters are kept, leases dropped.
 *
 * @example
 * ```ts
 * import { forceOpenStatus } from 'steadycall';
 *
 * const now = Date.now();
 * const { status } = forceOpenStatus(row, now + 15 * 60_000, now); // maintenance window: 15 min
 * ```
 */
export function forceOpenStatus(status: ProviderStatus, until: number, now: number): StateChange {
  const s = bump(status, now);
  s.circuit = 'open';
  s.cooldownUntil = until;
  s.probeLeases = [];
  s.openedAt = now;
  return status.circuit === 'open'
    ? { status: s }
    : { status: s, transition: { from: status.circuit, to: 'open' } };
}

/**
 * Stores a health-check result; the circuit is untouched.
 *
 * @example
 * ```ts
 * import { withHealth } from 'steadycall';
 *
 * const now = Date.now();
 * const next = withHealth(row, { status: 'healthy', latencyMs: 120, checkedAt: now }, now);
 * ```
 */
export function withHealth(status: ProviderStatus, health: HealthSnapshot, now: number): ProviderStatus {
  const s = bump(status, now);
  s.lastHealth = { ...health };
  return s;
}
