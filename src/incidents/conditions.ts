import type { ProviderStatus } from '../breaker/types.js';
import type { AlertCondition } from './alerts.js';
import type { Incident } from './store.js';

/**
 * The runbook's `provider_status.failure_count > 10`.
 *
 * @example
 * ```ts
 * import { FAILURE_COUNT_ALERT_THRESHOLD } from 'steadycall';
 *
 * const noisy = rows.filter((row) => row.failureCount > FAILURE_COUNT_ALERT_THRESHOLD);
 * ```
 */
export const FAILURE_COUNT_ALERT_THRESHOLD = 10;

/**
 * One alert condition that holds right now.
 *
 * @example
 * ```ts
 * for (const active of activeAlertConditions({ statuses, recentIncidents }) as ActiveAlertCondition[]) {
 *   console.log(active.condition, active.provider, active.detail); // 'circuit_open' 'twilio' 'circuit open until ...'
 * }
 * ```
 */
export interface ActiveAlertCondition {
  /** Which runbook condition holds. */
  condition: AlertCondition;
  /** The provider concerned, or null for an incident not tied to one. */
  provider: string | null;
  /** Short human-readable explanation (already redacted: built from stored, redacted data). */
  detail: string;
}

/**
 * Input of {@link activeAlertConditions}: the rows to judge.
 *
 * @example
 * ```ts
 * const input: AlertConditionInput = { statuses: await stores.providerStatus.list(), recentIncidents: [], failureCountThreshold: 5 };
 * const active = activeAlertConditions(input);
 * ```
 */
export interface AlertConditionInput {
  /** Current `provider_status` rows. */
  statuses: readonly ProviderStatus[];
  /** Incidents to consider, e.g. the last hour's `log.query({ since })`. */
  recentIncidents: readonly Incident[];
  /** Alert when failure_count is strictly above this. Default 10, as in the runbook. */
  failureCountThreshold?: number;
}

/**
 * Evaluates the runbook's alert conditions over current state, for dashboards and health runs:
 * `circuit = 'open'`, `failure_count > 10`, and any `severity = 'critical'` incident given.
 * Pure: the caller fetches the rows. Results come per status (in the order given), then per incident.
 *
 * @example
 * ```ts
 * const active = activeAlertConditions({
 *   statuses: await providerStatus.list(),
 *   recentIncidents: await incidents.query({ since: Date.now() - 3_600_000, severity: 'critical' }),
 * });
 * if (active.length > 0) showBanner(active);
 * ```
 */
export function activeAlertConditions(input: AlertConditionInput): ActiveAlertCondition[] {
  const threshold = input.failureCountThreshold ?? FAILURE_COUNT_ALERT_THRESHOLD;
  const out: ActiveAlertCondition[] = [];
  for (const status of input.statuses) {
    if (status.circuit === 'open') {
      const until =
        status.cooldownUntil === null ? '' : ` until ${new Date(status.cooldownUntil).toISOString()}`;
      out.push({ condition: 'circuit_open', provider: status.provider, detail: `circuit open${until}` });
    }
    if (status.failureCount > threshold) {
      out.push({
        condition: 'failure_count_exceeded',
        provider: status.provider,
        detail: `failure_count ${status.failureCount} > ${threshold}`,
      });
    }
  }
  for (const incident of input.recentIncidents) {
    if (incident.severity !== 'critical') continue;
    out.push({
      condition: 'critical_incident',
      provider: incident.provider,
      detail: `${incident.code}: ${incident.message}`,
    });
  }
  return out;
}
