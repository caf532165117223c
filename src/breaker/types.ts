import type { ProviderName } from '../core/types.js';

/** Circuit states, as stored in `provider_status.circuit`. */
export type CircuitState = 'closed' | 'open' | 'half_open';

/** Result of the last health check of a provider (written by health runs). */
export interface HealthSnapshot {
  status: 'healthy' | 'degraded' | 'down' | 'not_configured';
  latencyMs: number | null;
  checkedAt: number;
  /** Short, redacted reason for non-healthy states. */
  message?: string;
}

/** A half-open probe's lease: whoever holds the token may send one trial request. */
export interface ProbeLease {
  token: string;
  expiresAt: number;
}

/**
 * One row of `provider_status`. Times are epoch milliseconds.
 * Serializable as JSON; this is what every instance shares through the store.
 */
export interface ProviderStatus {
  provider: ProviderName;
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
  lastFailureAt: number | null;
  lastHealth: HealthSnapshot | null;
  /** Incremented on every change: lets caches and tests see that something happened. */
  generation: number;
  updatedAt: number;
}

/**
 * The thresholds and timings a transition is computed with. Passed with every store operation so
 * a stateless store (a SQL function) can apply the same rules as the in-memory one.
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

/** Outcome of one guarded call, as recorded in the store. */
export interface OutcomeInput {
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

/** What changed in one atomic store operation. */
export interface BreakerUpdate {
  previous: ProviderStatus;
  current: ProviderStatus;
  /** Set when this very operation changed `circuit`: exactly one caller sees each transition. */
  transition?: { from: CircuitState; to: CircuitState };
}

export interface ProbeClaimResult {
  granted: boolean;
  status: ProviderStatus;
  /** Set when this claim moved the circuit from open to half_open. */
  transition?: { from: CircuitState; to: CircuitState };
}
