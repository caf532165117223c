import type { ProviderName } from '../core/types.js';

/**
 * Health of one provider, as the runbook's System Health page shows it. `not_configured` means its
 * credentials are missing (the runbook's "Provider Not Configured"): nothing is wrong with the
 * provider, so it never makes the overall status `down`.
 */
export type HealthStatus = 'healthy' | 'degraded' | 'down' | 'not_configured';

const STATUSES: ReadonlySet<unknown> = new Set<HealthStatus>([
  'healthy',
  'degraded',
  'down',
  'not_configured',
]);

/** True for the four {@link HealthStatus} values (user-written checks are validated with it). */
export function isHealthStatus(value: unknown): value is HealthStatus {
  return STATUSES.has(value);
}

/** One provider's result in a health run; what `provider_status.last_health` stores. */
export interface HealthCheckResult {
  provider: string;
  status: HealthStatus;
  /** Time to the provider's answer; null when nothing was measured (not configured, timed out). */
  latencyMs: number | null;
  /** Short, redacted reason for non-healthy states. Never a secret or a full phone number. */
  message?: string;
  /** Epoch ms when the check finished. */
  checkedAt: number;
}

/** What a check reports; the runner adds `provider` and `checkedAt`. */
export type HealthCheckOutcome = Omit<HealthCheckResult, 'provider' | 'checkedAt'>;

/**
 * One provider's health check. `check` should honour `signal` (the runner aborts it on timeout);
 * it may also throw, which the runner reports as `down`.
 *
 * @example
 * ```ts
 * const redis: HealthCheck = {
 *   provider: 'redis',
 *   async check() {
 *     await client.ping();
 *     return { status: 'healthy', latencyMs: null };
 *   },
 * };
 * ```
 */
export interface HealthCheck {
  provider: ProviderName;
  check(signal: AbortSignal): Promise<HealthCheckOutcome>;
}

/** The outcome of one health run. */
export interface HealthReport {
  /** down if any provider is down, else degraded if any is; not_configured ones are ignored. */
  overall: HealthStatus;
  results: HealthCheckResult[];
  /** Expired idempotency keys deleted; null when no store was given or the purge failed. */
  purgedIdempotencyKeys: number | null;
  startedAt: number;
  finishedAt: number;
  /** One short line per store operation that failed (the run itself still completed). */
  storeErrors: string[];
}
