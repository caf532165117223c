import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { ProviderName } from '../core/types.js';
import type { Alert, AlertHook } from '../incidents/alerts.js';
import type { Incident, NewIncident } from '../incidents/store.js';
import type { StoreFailurePolicy } from './events.js';
import type { CircuitState, ProviderStatus } from './types.js';

const STORE_WARN_INTERVAL_MS = 30_000;

/**
 * Anything with `record(incident)`, e.g. an `IncidentLog` facade.
 *
 * @example
 * ```ts
 * const incidents: IncidentSink = new IncidentRecorder({ log: stores.incidents });
 * const breaker = new CircuitBreaker({ provider: 'twilio', store: stores.providerStatus, incidents });
 * ```
 */
export interface IncidentSink {
  /** Stores one incident. Its result is ignored, and a rejection is logged, never thrown. */
  record(incident: NewIncident): Promise<unknown>;
}

function isIncident(value: unknown): value is Incident {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.id === 'string' && typeof v.code === 'string' && typeof v.severity === 'string';
}

/**
 * Writes the incidents and fires the alerts of breaker transitions. Called only by the instance
 * whose store operation made the transition, so each fires once across instances. Errors from the
 * incident log or the hook are logged and swallowed: alerting must never break a call.
 * @internal
 */
export class Notifier {
  #lastStoreWarnAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly provider: ProviderName,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly incidents: IncidentSink | undefined,
    private readonly onAlert: AlertHook | undefined,
  ) {}

  async transition(from: CircuitState, to: CircuitState, status: ProviderStatus): Promise<void> {
    const { provider } = this;
    if (to === 'open') {
      const context = {
        failureCount: status.failureCount,
        cooldownUntil: status.cooldownUntil,
        openCount: status.openCount,
      };
      this.logger.warn({ provider, from, to, ...context }, 'circuit opened');
      const message = `Circuit for provider "${provider}" opened after ${status.failureCount} failures`;
      const incident = await this.#incident({
        severity: 'warning',
        code: 'circuit_open',
        provider,
        message,
        context,
      });
      await this.#alert({ condition: 'circuit_open', severity: 'warning', message, context }, incident);
    } else if (to === 'closed') {
      this.logger.info({ provider, from, to }, 'circuit closed');
      const message = `Circuit for provider "${provider}" closed`;
      await this.#incident({
        severity: 'info',
        code: 'circuit_closed',
        provider,
        message,
        context: { from },
      });
    } else {
      this.logger.info({ provider, from, to }, 'circuit half-open: probing');
    }
  }

  /** Warns at most once per 30 s, with nothing from the error (it may hold a connection string). */
  storeUnavailable(operation: string, policy: StoreFailurePolicy): void {
    const now = this.clock.now();
    if (now - this.#lastStoreWarnAt < STORE_WARN_INTERVAL_MS) return;
    this.#lastStoreWarnAt = now;
    this.logger.warn(
      { provider: this.provider, operation, storeFailurePolicy: policy },
      policy === 'fail-open'
        ? 'breaker store unavailable; running calls unguarded'
        : 'breaker store unavailable; refusing calls',
    );
  }

  async failureCountExceeded(status: ProviderStatus): Promise<void> {
    const context = { failureCount: status.failureCount, circuit: status.circuit };
    this.logger.warn({ provider: this.provider, ...context }, 'failure count exceeded 10');
    const message = `Provider "${this.provider}" has ${status.failureCount} consecutive failures`;
    await this.#alert({ condition: 'failure_count_exceeded', severity: 'warning', message, context });
  }

  async #incident(incident: NewIncident): Promise<Incident | undefined> {
    if (!this.incidents) return undefined;
    try {
      const stored = await this.incidents.record({ ...incident, at: this.clock.now() });
      return isIncident(stored) ? stored : undefined;
    } catch {
      this.logger.error({ provider: this.provider, code: incident.code }, 'could not write breaker incident');
      return undefined;
    }
  }

  async #alert(
    alert: Pick<Alert, 'condition' | 'severity' | 'message' | 'context'>,
    incident?: Incident,
  ): Promise<void> {
    if (!this.onAlert) return;
    const full: Alert = { ...alert, provider: this.provider, at: this.clock.now() };
    if (incident) full.incident = incident;
    try {
      await this.onAlert(full);
    } catch {
      this.logger.error({ provider: this.provider, condition: alert.condition }, 'alert hook failed');
    }
  }
}
