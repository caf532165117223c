import type { ProviderName } from '../core/types.js';

/**
 * Health of one provider, as the runbook's System Health page shows it. `not_configured` means its
 * credentials are missing (the runbook's "Provider Not Configured"): nothing is wrong with the
 * provider, so it never makes the overall status `down`.
 *
 * @example
 * ```ts
 * import type { HealthStatus } from 'steadycall';
 *
 * const report = await runner.run();
 * const status: HealthStatus = report.overall;
 * if (status === 'down') await pager.send('a provider is down');
 * ```
 */
export type HealthStatus = 'healthy' | 'degraded' | 'down' | 'not_configured';

const STATUSES: ReadonlySet<unknown> = new Set<HealthStatus>([
  'healthy',
  'degraded',
  'down',
  'not_configured',
]);

/**
 * True for the four {@link HealthStatus} values (user-written checks are validated with it).
 *
 * @example
 * ```ts
 * import { isHealthStatus } from 'steadycall';
 *
 * isHealthStatus('degraded'); // true
 * isHealthStatus('ok'); // false
 * ```
 */
export function isHealthStatus(value: unknown): value is HealthStatus {
  return STATUSES.has(value);
}

/**
 * One provider's result in a health run; what `provider_status.last_health` stores.
 *
 * @example
 * ```ts
 * const report = await runner.run();
 * const twilio: HealthCheckResult | undefined = report.results.find((r) => r.provider === 'twilio');
 * console.log(twilio?.status, twilio?.latencyMs, twilio?.message);
 * ```
 */
export interface HealthCheckResult {
  /** The checked provider's name. */
  provider: string;
  /** The provider's health. */
  status: HealthStatus;
  /** Time to the provider's answer; null when nothing was measured (not configured, timed out). */
  latencyMs: number | null;
  /** Short, redacted reason for non-healthy states. Never a secret or a full phone number. */
  message?: string;
  /** Epoch ms when the check finished. */
  checkedAt: number;
}

/**
 * What a check reports; the runner adds `provider` and `checkedAt`.
 *
 * @example
 * ```ts
 * const outcome: HealthCheckOutcome = { status: 'degraded', latencyMs: 3_100, message: 'slow answer' };
 * ```
 */
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
  /** Name the result is reported (and stored in `provider_status`) under; unique per runner. */
  provider: ProviderName;
  /** Checks the provider once; `signal` is aborted when the runner's timeout passes. */
  check(signal: AbortSignal): Promise<HealthCheckOutcome>;
}

/**
 * The outcome of one health run.
 *
 * @example
 * ```ts
 * const report: HealthReport = await runner.run();
 * if (report.storeErrors.length > 0) logger.warn({ errors: report.storeErrors }, 'health run store errors');
 * return Response.json(report, { status: report.overall === 'down' ? 503 : 200 });
 * ```
 */
export interface HealthReport {
  /** down if any provider is down, else degraded if any is; not_configured ones are ignored. */
  overall: HealthStatus;
  /** One result per check, in the order the checks were given. */
  results: HealthCheckResult[];
  /** Expired idempotency keys deleted; null when no store was given or the purge failed. */
  purgedIdempotencyKeys: number | null;
  /** When the run started, epoch ms. */
  startedAt: number;
  /** When the run finished, epoch ms. */
  finishedAt: number;
  /** One short line per store operation that failed (the run itself still completed). */
  storeErrors: string[];
}
