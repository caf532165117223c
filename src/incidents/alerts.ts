import type { ProviderName, Severity } from '../core/types.js';
import type { Incident } from './store.js';

/** The runbook's alert conditions. */
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
 */
export interface Alert {
  condition: AlertCondition;
  severity: Severity;
  provider: ProviderName | null;
  message: string;
  at: number;
  /** Redacted details (failure_count, cooldown_until, the incident). */
  context: Record<string, unknown>;
  incident?: Incident;
}

/** User hook for alerts: page someone, post to Slack. Errors it throws are logged, never propagated. */
export type AlertHook = (alert: Alert) => void | Promise<void>;
