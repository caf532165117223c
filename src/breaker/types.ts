import type { ProviderName } from '../core/types.js';

/**
 * Circuit states, as stored in `provider_status.circuit`.
 *
 * `closed`: calls run; `open`: calls are refused until the cooldown passes; `half_open`: probe calls
 * decide whether it closes again.
 *
 * @example
 * ```ts
 * import type { CircuitState } from 'steadycall';
 *
 * const state: CircuitState = (await breaker.peek()).state;
 * if (state !== 'closed') console.warn(`twilio circuit is ${state}`);
 * ```
 */
export type CircuitState = 'closed' | 'open' | 'half_open';

/**
 * Result of the last health check of a provider (written by health runs).
 *
 * @example
 * ```ts
 * import type { HealthSnapshot } from 'steadycall';
 *
 * const health: HealthSnapshot = { status: 'degraded', latencyMs: 2_400, checkedAt: Date.now(), message: 'slow' };
 * await store.recordHealth('openai', health, Date.now());
 * ```
 */
export interface HealthSnapshot {
  /** The checked provider's health (see `HealthStatus`). */
  status: 'healthy' | 'degraded' | 'down' | 'not_configured';
  /** Time to the provider's answer; null when nothing was measured. */
  latencyMs: number | null;
  /** When the check finished, epoch ms. */
  checkedAt: number;
  /** Short, redacted reason for non-healthy states. */
  message?: string;
}

/**
 * A half-open probe's lease: whoever holds the token may send one trial request.
 *
 * @example
 * ```ts
 * const { status } = await store.claimProbe('twilio', 'probe-1', policy, Date.now());
 * const lease: ProbeLease | undefined = status.probeLeases.find((l) => l.token === 'probe-1');
 * ```
 */
export interface ProbeLease {
  /** The claimant's token; it reports the probe's outcome with it (`OutcomeInput.probeToken`). */
  token: string;
  /** When the lease lapses if the probe never reports back, epoch ms. */
  expiresAt: number;
}

/**
 * One row of `provider_status`. Times are epoch milliseconds.
 * Serializable as JSON; this is what every instance shares through the store.
 *
 * @example
 * ```ts
 * import type { ProviderStatus } from 'steadycall';
 *
 * const rows: ProviderStatus[] = await stores.providerStatus.list();
 * for (const row of rows) console.log(row.provider, row.circuit, row.failureCount, row.cooldownUntil);
 * ```
 */
export interface ProviderStatus {
  /** The provider this row is about (the table's key). */
  provider: ProviderName;
  /** The circuit's state. */
  circuit: CircuitState;
  /** Consecutive failures (reset by a success while closed and on close). Never reset while open. */
  failureCount: number;
  /** When an open circuit may admit probes; null when closed. */
  cooldownUntil: number | null;
  /** Consecutive openings since the circuit was last closed: the exponent of the cooldown backoff. */
  openCount: number;
  /** Start of the current failure-rate window. */
  windowStartedAt: number;
  /** Calls (successes + failures) counted in the current window. */
  windowCalls: number;
  /** Failures counted in the current window. */
  windowFailures: number;
  /** Active probe leases while half-open. */
  probeLeases: ProbeLease[];
  /** When the circuit last changed state. */
  openedAt: number | null;
  /** When the last counted failure happened; null if none yet. */
  lastFailureAt: number | null;
  /** The last health check's result; null before the first health run. */
  lastHealth: HealthSnapshot | null;
  /** Incremented on every change: lets caches and tests see that something happened. */
  generation: number;
  /** When the row was last written, epoch ms. */
  updatedAt: number;
}

/**
 * The thresholds and timings a transition is computed with. Passed with every store operation so
 * a stateless store (a SQL function) can apply the same rules as the in-memory one.
 *
 * Defaults: {@link defaultBreakerPolicy}.
 *
 * @example
 * ```ts
 * import { CircuitBreaker, type BreakerPolicy } from 'steadycall';
 *
 * const policy: Partial<BreakerPolicy> = { consecutiveFailures: 3, baseCooldownMs: 10_000 };
 * const breaker = new CircuitBreaker({ provider: 'gemini', store, policy });
 * ```
 */
export interface BreakerPolicy {
  /** Open after this many consecutive failures. 0 disables the strategy. */
  consecutiveFailures: number;
  /** Open when failures / calls in the window reach this ratio (0..1). 0 disables the strategy. */
  failureRateThreshold: number;
  /** Only judge the failure rate once the window holds at least this many calls. */
  minimumCalls: number;
  /** Length of the tumbling failure-rate window. */
  windowMs: number;
  /** First cooldown; each consecutive re-open doubles it. */
  baseCooldownMs: number;
  /** Cooldown cap. */
  maxCooldownMs: number;
  /** Jitter as a fraction of the cooldown: 0.2 spreads it over +-20%. */
  jitter: number;
  /** Probes admitted at once while half-open. */
  halfOpenMaxProbes: number;
  /** A probe that never reports back loses its lease after this long. */
  probeLeaseMs: number;
}

/**
 * Outcome of one guarded call, as recorded in the store.
 *
 * @example
 * ```ts
 * const outcome: OutcomeInput = { kind: 'failure', random: Math.random() };
 * const { transition } = await store.recordOutcome('twilio', outcome, defaultBreakerPolicy, Date.now());
 * if (transition?.to === 'open') page('twilio circuit opened');
 * ```
 */
export interface OutcomeInput {
  /** Whether the call succeeded or failed (a counted failure, after classification). */
  kind: 'success' | 'failure';
  /**
   * Successes this instance saw since it last wrote (batched so a healthy closed circuit costs no
   * store round trip per call). Added to the window before this outcome; may be 0.
   */
  pendingSuccesses?: number;
  /** The lease token when this outcome is a half-open probe's. */
  probeToken?: string;
  /** A number in [0, 1) drawn by the caller, used for cooldown jitter (keeps the reducer pure). */
  random?: number;
}

/**
 * What changed in one atomic store operation.
 *
 * @example
 * ```ts
 * const update: BreakerUpdate = await store.reset('twilio', Date.now());
 * if (update.transition) console.log(`${update.transition.from} -> ${update.transition.to}`);
 * ```
 */
export interface BreakerUpdate {
  /** The row before the operation (a fresh closed row if there was none). */
  previous: ProviderStatus;
  /** The row after the operation. */
  current: ProviderStatus;
  /** Set when this very operation changed `circuit`: exactly one caller sees each transition. */
  transition?: {
    /** The state before. */
    from: CircuitState;
    /** The state after. */
    to: CircuitState;
  };
}

/**
 * What {@link ProviderStatusStore.claimProbe} answers.
 *
 * @example
 * ```ts
 * const claim: ProbeClaimResult = await store.claimProbe('openai', token, policy, Date.now());
 * if (claim.granted) await runProbe(token);
 * ```
 */
export interface ProbeClaimResult {
  /** True when the caller now holds a probe lease and may send one trial call. */
  granted: boolean;
  /** The row after the claim. */
  status: ProviderStatus;
  /** Set when this claim moved the circuit from open to half_open. */
  transition?: {
    /** The state before (`open`). */
    from: CircuitState;
    /** The state after (`half_open`). */
    to: CircuitState;
  };
}
