import type { ProviderName, Severity } from '../core/types.js';
import type { Incident } from './store.js';

/**
 * The runbook's alert conditions.
 *
 * @example
 * ```ts
 * const onAlert: AlertHook = (alert) => {
 *   const condition: AlertCondition = alert.condition;
 *   if (condition === 'critical_incident') return pager.page(alert.message);
 *   return slack.post(`#voice-ops: ${alert.message}`);
 * };
 * ```
 */
export type AlertCondition =
  /** `provider_status.circuit = 'open'`: an integration is failing. */
  | 'circuit_open'
  /** `provider_status.failure_count > 10`: repeated failures. */
  | 'failure_count_exceeded'
  /** `incident_log.severity = 'critical'`: immediate attention needed. */
  | 'critical_incident';

/**
 * What the user-supplied alert hook receives. Fired once per transition across all instances:
 * only the caller whose atomic store operation made the transition fires it.
 *
 * @example
 * ```ts
 * const onAlert = async (alert: Alert) => {
 *   await slack.post(`[${alert.severity}] ${alert.condition} ${alert.provider ?? ''}: ${alert.message}`);
 * };
 * ```
 */
export interface Alert {
  /** Which runbook condition fired. */
  condition: AlertCondition;
  /** How urgent it is. */
  severity: Severity;
  /** The provider concerned, or null for an incident not tied to one. */
  provider: ProviderName | null;
  /** Human-readable, redacted summary. */
  message: string;
  /** When the condition fired, epoch ms. */
  at: number;
  /** Redacted details (failure_count, cooldown_until, the incident). */
  context: Record<string, unknown>;
  /** The stored incident behind the alert, when one was written. */
  incident?: Incident;
}

/**
 * User hook for alerts: page someone, post to Slack. Errors it throws are logged, never propagated.
 *
 * @example
 * ```ts
 * import { CallOrchestrator, type AlertHook } from 'steadycall';
 *
 * const onAlert: AlertHook = (alert) => pager.send(`${alert.condition}: ${alert.message}`);
 * const orchestrator = new CallOrchestrator({ ...options, onAlert });
 * ```
 */
export type AlertHook = (alert: Alert) => void | Promise<void>;
