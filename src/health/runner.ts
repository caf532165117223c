import type { ProviderStatusStore } from '../breaker/store.js';
import type { HealthSnapshot } from '../breaker/types.js';
import { type Clock, systemClock } from '../core/clock.js';
import { ValidationError } from '../core/errors.js';
import { type Logger, redactingLogger, silentLogger } from '../core/logger.js';
import { createRedactor } from '../core/redact.js';
import type { ProviderName, Severity } from '../core/types.js';
import type { IdempotencyStore } from '../idempotency/store.js';
import type { NewIncident } from '../incidents/store.js';
import { errorCodeOf, messageScrubber, msOption, runWithTimeout } from './internal.js';
import {
  type HealthCheck,
  type HealthCheckResult,
  type HealthReport,
  type HealthStatus,
  isHealthStatus,
} from './types.js';

/**
 * Where incidents go: an {@link IncidentRecorder} fits. A `null` result counts as "not stored".
 *
 * @example
 * ```ts
 * const incidents: HealthIncidentSink = new IncidentRecorder({ log: stores.incidents });
 * const runner = new HealthRunner({ checks, incidents });
 * ```
 */
export interface HealthIncidentSink {
  /** Stores one incident; a rejection (or a `null` result) is reported in `HealthReport.storeErrors`. */
  record(incident: NewIncident): Promise<unknown>;
}

/**
 * Options of {@link HealthRunner}.
 *
 * @example
 * ```ts
 * const options: HealthRunnerOptions = {
 *   checks: [twilioHealthCheck({ telephony }), openAiHealthCheck({ apiKey: process.env.OPENAI_API_KEY })],
 *   providerStatus: stores.providerStatus,
 *   timeoutMs: 3_000,
 * };
 * const runner = new HealthRunner(options);
 * ```
 */
export interface HealthRunnerOptions {
  /** The checks to run; each provider name at most once. */
  checks: readonly HealthCheck[];
  /** Receives each result as `provider_status.lastHealth`, and holds the previous one to compare. */
  providerStatus?: ProviderStatusStore;
  /** Receives an incident whenever a provider's status changes. */
  incidents?: HealthIncidentSink;
  /** Expired keys are purged as part of each run, as the runbook's `ops-health-run` does. */
  idempotency?: Pick<IdempotencyStore, 'purgeExpired'>;
  /** Timers and timestamps. Default: the system clock. */
  clock?: Clock;
  /** Receives a summary line per run and store errors, redacted. Default: silent. */
  logger?: Logger;
  /** Per check; a check still running after this is `down` with message "timed out". Default 5000. */
  timeoutMs?: number;
  /** Secret values (API keys, auth tokens) scrubbed from every message, incident and log line. */
  secrets?: readonly string[];
}

const TRANSITIONS: Record<HealthStatus, { severity: Severity; code: string }> = {
  down: { severity: 'critical', code: 'provider_down' },
  degraded: { severity: 'warning', code: 'provider_degraded' },
  healthy: { severity: 'info', code: 'provider_recovered' },
  not_configured: { severity: 'warning', code: 'provider_not_configured' },
};

/**
 * The runbook's `ops-health-run`: checks every provider concurrently (each with its own timeout
 * and AbortSignal), stores each result in `provider_status`, writes an incident when a provider's
 * status changed, and purges expired idempotency keys. Store failures are reported in
 * {@link HealthReport.storeErrors}; `run()` never throws because of them.
 *
 * Incidents are written on change only: the previous status is the row's `lastHealth`; without a
 * store (or when it cannot be read) it is the last status this runner saw. With no previous status,
 * anything but healthy is worth an incident.
 *
 * @example
 * ```ts
 * const runner = new HealthRunner({
 *   checks: [twilioHealthCheck({ telephony }), openAiHealthCheck({ apiKey }), geminiHealthCheck({ apiKey: gKey })],
 *   providerStatus,
 *   incidents: new IncidentRecorder({ log: incidentLog }),
 *   idempotency: idempotencyStore,
 * });
 * const report = await runner.run();
 * return Response.json(report, { status: report.overall === 'down' ? 503 : 200 });
 * ```
 */
export class HealthRunner {
  readonly #checks: readonly HealthCheck[];
  readonly #providerStatus: ProviderStatusStore | undefined;
  readonly #incidents: HealthIncidentSink | undefined;
  readonly #idempotency: Pick<IdempotencyStore, 'purgeExpired'> | undefined;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  readonly #scrub: (text: string) => string;
  /** Fallback memory of the last status per provider (see the class doc). */
  readonly #lastSeen = new Map<ProviderName, HealthStatus>();

  constructor(options: HealthRunnerOptions) {
    const seen = new Set<ProviderName>();
    for (const check of options.checks) {
      if (seen.has(check.provider)) {
        throw new ValidationError('Invalid HealthRunner options', [
          { path: 'checks', message: `duplicate provider "${check.provider}"` },
        ]);
      }
      seen.add(check.provider);
    }
    this.#checks = [...options.checks];
    this.#providerStatus = options.providerStatus;
    this.#incidents = options.incidents;
    this.#idempotency = options.idempotency;
    this.#clock = options.clock ?? systemClock;
    this.#timeoutMs = msOption(options.timeoutMs, 5000, 'timeoutMs', 1);
    this.#scrub = messageScrubber(options.secrets);
    const redactor = createRedactor({ secrets: options.secrets ?? [] });
    const scrubValue = (value: unknown): unknown =>
      typeof value === 'string' ? this.#scrub(value) : redactor(value);
    this.#logger = redactingLogger(options.logger ?? silentLogger, scrubValue);
  }

  /** Runs every check and the bookkeeping around them. Never rejects because a store failed. */
  async run(): Promise<HealthReport> {
    const startedAt = this.#clock.now();
    const storeErrors: string[] = [];
    const results = await Promise.all(this.#checks.map((check) => this.#runCheck(check)));
    await Promise.all(results.map((result) => this.#persist(result, storeErrors)));
    const purgedIdempotencyKeys = await this.#purge(storeErrors);
    const report: HealthReport = {
      overall: overallStatus(results),
      results,
      purgedIdempotencyKeys,
      startedAt,
      finishedAt: this.#clock.now(),
      storeErrors,
    };
    this.#log(
      report.overall === 'down' ? 'warn' : 'info',
      { health: report },
      `health run: ${report.overall}`,
    );
    return report;
  }

  async #runCheck(check: HealthCheck): Promise<HealthCheckResult> {
    const provider = String(check.provider);
    const started = this.#clock.now();
    const outcome = await runWithTimeout(this.#clock, this.#timeoutMs, (signal) => check.check(signal));
    const checkedAt = this.#clock.now();
    if ('timedOut' in outcome) {
      return { provider, status: 'down', latencyMs: null, message: 'timed out', checkedAt };
    }
    if (!outcome.ok) {
      const message = this.#scrub(`check failed: ${describeError(outcome.error, true)}`);
      return { provider, status: 'down', latencyMs: checkedAt - started, message, checkedAt };
    }
    const value: unknown = outcome.value;
    const status = (value as { status?: unknown } | null)?.status;
    if (!isHealthStatus(status)) {
      return { provider, status: 'down', latencyMs: null, message: 'invalid check result', checkedAt };
    }
    const { latencyMs, message } = value as { latencyMs?: unknown; message?: unknown };
    const result: HealthCheckResult = {
      provider,
      status,
      latencyMs: typeof latencyMs === 'number' && Number.isFinite(latencyMs) ? Math.max(0, latencyMs) : null,
      checkedAt,
    };
    // Checks are user code too: their messages go through the same scrubber as ours.
    if (typeof message === 'string' && message.trim() !== '') result.message = this.#scrub(message);
    return result;
  }

  async #persist(result: HealthCheckResult, errors: string[]): Promise<void> {
    const { provider, status } = result;
    const now = this.#clock.now();
    // undefined: unknown (no store, or unreadable); null: never checked before.
    let previous: HealthStatus | null | undefined;
    const store = this.#providerStatus;
    if (store) {
      const snapshot: HealthSnapshot = { status, latencyMs: result.latencyMs, checkedAt: result.checkedAt };
      if (result.message !== undefined) snapshot.message = result.message;
      // One atomic operation writes the result and returns the previous one: of several instances
      // running checks at once, exactly one sees each change (and writes its incident).
      previous = await this.#attempt(errors, `providerStatus.recordHealth(${provider})`, async () => {
        const update = await store.recordHealth(provider, snapshot, now);
        return update.previous.lastHealth?.status ?? null;
      });
    }
    if (previous === undefined) previous = this.#lastSeen.get(provider) ?? null;
    this.#lastSeen.set(provider, status);

    if (previous === status || (previous === null && status === 'healthy')) return;
    const sink = this.#incidents;
    if (!sink) return;
    const { severity, code } = TRANSITIONS[status];
    const incident: NewIncident = {
      severity,
      provider,
      code,
      message: `${provider} is ${status.replace('_', ' ')}${result.message ? `: ${result.message}` : ''}`,
      context: { previous, status, latencyMs: result.latencyMs, checkedAt: result.checkedAt },
      at: now,
    };
    const stored = await this.#attempt(errors, `incidents.record(${provider})`, () => sink.record(incident));
    // IncidentRecorder never throws; it resolves null when its log could not be written.
    if (stored === null) errors.push(`incidents.record(${provider}): not stored`);
  }

  async #purge(errors: string[]): Promise<number | null> {
    const store = this.#idempotency;
    if (!store) return null;
    const purged = await this.#attempt(errors, 'idempotency.purgeExpired', () =>
      store.purgeExpired(this.#clock.now()),
    );
    return typeof purged === 'number' ? purged : null;
  }

  /** Runs one store operation; a failure is noted in `errors` and logged, and yields undefined. */
  async #attempt<T>(errors: string[], what: string, op: () => Promise<T>): Promise<T | undefined> {
    try {
      return await op();
    } catch (error) {
      const line = this.#scrub(`${what}: ${describeError(error, false)}`);
      errors.push(line);
      // The raw error may quote a connection string: log it only through the message scrubber.
      const err = { name: (error as Error)?.name, message: this.#scrub(describeError(error, true)) };
      this.#log('warn', { err, operation: what }, `steadycall: health run store error: ${line}`);
      return undefined;
    }
  }

  #log(level: 'info' | 'warn', obj: Record<string, unknown>, msg: string): void {
    try {
      this.#logger[level](obj, msg);
    } catch {
      // A broken logger must not fail the health run.
    }
  }
}

/**
 * down > degraded > healthy; not_configured results are left out (all of them: not_configured).
 *
 * @example
 * ```ts
 * import { overallStatus } from 'steadycall';
 *
 * overallStatus([{ status: 'healthy' }, { status: 'degraded' }, { status: 'not_configured' }]); // 'degraded'
 * ```
 */
export function overallStatus(results: readonly Pick<HealthCheckResult, 'status'>[]): HealthStatus {
  const configured = results.filter((r) => r.status !== 'not_configured');
  if (results.length > 0 && configured.length === 0) return 'not_configured';
  if (configured.some((r) => r.status === 'down')) return 'down';
  if (configured.some((r) => r.status === 'degraded')) return 'degraded';
  return 'healthy';
}

// Store errors report their code only (driver messages quote SQL and connection strings); a check's
// own error also keeps its message, scrubbed by the caller.
function describeError(error: unknown, withMessage: boolean): string {
  const code = errorCodeOf(error);
  const name = error instanceof Error ? error.name : typeof error;
  const head = code ?? name;
  if (!withMessage) return head;
  const message = error instanceof Error ? error.message : String(error);
  return message ? `${head}: ${message}` : head;
}

/**
 * Options of {@link liveness}.
 *
 * @example
 * ```ts
 * const options: LivenessOptions = { ping: () => sql`select 1`, version: VERSION, timeoutMs: 1_000 };
 * const body = await liveness(options);
 * ```
 */
export interface LivenessOptions {
  /** A cheap store round trip (e.g. `select 1`). Its error is never reported, only that it failed. */
  ping: (signal: AbortSignal) => Promise<unknown>;
  /** The deployed version, e.g. the package version or a git sha. */
  version: string;
  /** Times the ping and stamps the answer. Default: the system clock. */
  clock?: Clock;
  /** The store counts as unreachable when `ping` takes longer. Default 2000. */
  timeoutMs?: number;
}

/**
 * The public `health-check` answer: nothing in it is secret.
 *
 * @example
 * ```ts
 * const report: LivenessReport = await orchestrator.liveness();
 * // { status: 'ok', store: 'reachable', version: '0.1.0', time: '2026-01-01T12:00:00.000Z' }
 * ```
 */
export interface LivenessReport {
  /** `ok` when the store answered in time, else `degraded`. */
  status: 'ok' | 'degraded';
  /** Whether the store answered the ping in time. */
  store: 'reachable' | 'unreachable';
  /** The deployed version given in the options. */
  version: string;
  /** ISO 8601 time of the answer. */
  time: string;
}

/**
 * The runbook's unauthenticated `health-check`: is the store reachable, and which version runs.
 * It calls no provider and reveals no configuration, so it is safe to expose to anyone.
 *
 * @example
 * ```ts
 * const body = await liveness({ ping: () => sql`select 1`, version: '1.4.0' });
 * return Response.json(body, { status: body.status === 'ok' ? 200 : 503 });
 * ```
 */
export async function liveness(options: LivenessOptions): Promise<LivenessReport> {
  const clock = options.clock ?? systemClock;
  const timeoutMs = msOption(options.timeoutMs, 2000, 'timeoutMs', 1);
  const outcome = await runWithTimeout(clock, timeoutMs, options.ping);
  const reachable = 'ok' in outcome && outcome.ok;
  return {
    status: reachable ? 'ok' : 'degraded',
    store: reachable ? 'reachable' : 'unreachable',
    version: String(options.version),
    time: new Date(clock.now()).toISOString(),
  };
}
