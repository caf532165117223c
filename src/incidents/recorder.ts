import { type Clock, systemClock } from '../core/clock.js';
import { type Logger, redactingLogger, silentLogger } from '../core/logger.js';
import { createRedactor } from '../core/redact.js';
import type { Severity } from '../core/types.js';
import type { Alert, AlertHook } from './alerts.js';
import type { Incident, IncidentLog, IncidentQuery, NewIncident } from './store.js';

/**
 * Options of {@link IncidentRecorder}.
 *
 * @example
 * ```ts
 * const options: IncidentRecorderOptions = { log: stores.incidents, logger, secrets: [process.env.OPENAI_API_KEY!] };
 * const incidents = new IncidentRecorder(options);
 * ```
 */
export interface IncidentRecorderOptions {
  /** Where incidents are stored (the `incident_log` port). */
  log: IncidentLog;
  /** Fills `at` when the incident has none. Default: the system clock. */
  clock?: Clock;
  /** Receives each incident (redacted) at a level matching its severity. Default: silent. */
  logger?: Logger;
  /** Known secret values (API keys, auth tokens) scrubbed wherever they appear. */
  secrets?: readonly string[];
  /** Called for every critical incident. Its errors are logged, never propagated. */
  onAlert?: AlertHook;
}

const LEVEL: Record<Severity, 'info' | 'warn' | 'error'> = {
  info: 'info',
  warning: 'warn',
  critical: 'error',
};

/**
 * Writes incidents to the `incident_log`, redacted, and raises the runbook's
 * `incident_log.severity = 'critical'` alert. Recording never throws: an incident is written on
 * paths that are already failing, and a broken log must not break the call on top of that.
 *
 * The log assigns incident ids (as a PostgreSQL column default would), so the recorder needs none.
 *
 * @example
 * ```ts
 * const incidents = new IncidentRecorder({
 *   log: new MemoryIncidentLog(),
 *   secrets: [process.env.TWILIO_AUTH_TOKEN!],
 *   onAlert: (alert) => pager.send(alert.message),
 * });
 * await incidents.record({ severity: 'warning', provider: 'twilio', code: 'call_failed', message: 'busy' });
 * ```
 */
export class IncidentRecorder {
  readonly #log: IncidentLog;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #redact: (value: unknown) => unknown;
  readonly #onAlert: AlertHook | undefined;

  constructor(options: IncidentRecorderOptions) {
    this.#log = options.log;
    this.#clock = options.clock ?? systemClock;
    this.#redact = createRedactor({ secrets: options.secrets ?? [] });
    // Everything this class logs (including store errors, which may quote connection strings or
    // payloads) goes through the same redactor as the incident itself.
    this.#logger = redactingLogger(options.logger ?? silentLogger, this.#redact);
    this.#onAlert = options.onAlert;
  }

  /**
   * Redacts, stores and logs an incident; alerts when it is critical. Resolves to the stored
   * incident, or null when the log could not be written (the failure is logged). A critical
   * incident alerts even when the write failed: the store being down is no reason to stay quiet.
   */
  async record(incident: NewIncident): Promise<Incident | null> {
    let draft: Omit<Incident, 'id'>;
    try {
      draft = this.#prepare(incident);
    } catch (err) {
      this.#logger.error({ err }, 'steadycall: could not prepare incident');
      return null;
    }
    let stored: Incident | null = null;
    try {
      stored = await this.#log.append(draft);
    } catch (err) {
      this.#logger.error({ err, incident: draft }, 'steadycall: failed to write incident');
    }
    const entry = stored ?? draft;
    this.#logger[LEVEL[entry.severity] ?? 'error'](
      { incident: { ...entry, stored: stored !== null } },
      `incident ${entry.code}: ${entry.message}`,
    );
    if (entry.severity === 'critical') await this.#alert(entry, stored);
    return stored;
  }

  /** Reads the log (newest first); see {@link IncidentQuery}. */
  query(query?: IncidentQuery): Promise<Incident[]> {
    return this.#log.query(query);
  }

  #prepare(incident: NewIncident): Omit<Incident, 'id'> {
    const context = this.#redact(incident.context ?? {});
    return {
      severity: incident.severity,
      provider: incident.provider ?? null,
      code: incident.code,
      message: String(this.#redact(String(incident.message ?? ''))),
      context: toJsonRecord(context),
      callId: incident.callId ?? null,
      at: incident.at ?? this.#clock.now(),
    };
  }

  async #alert(entry: Omit<Incident, 'id'>, stored: Incident | null): Promise<void> {
    if (!this.#onAlert) return;
    const alert: Alert = {
      condition: 'critical_incident',
      severity: 'critical',
      provider: entry.provider,
      message: entry.message,
      at: entry.at,
      context: { code: entry.code, callId: entry.callId, stored: stored !== null, details: entry.context },
      ...(stored ? { incident: stored } : {}),
    };
    try {
      await this.#onAlert(alert);
    } catch (err) {
      this.#logger.error({ err, condition: alert.condition }, 'steadycall: alert hook failed');
    }
  }
}

// Contexts are stored as JSON (a jsonb column), so make them JSON now: bigints become strings,
// functions and undefined disappear, and a non-object context is wrapped.
function toJsonRecord(value: unknown): Record<string, unknown> {
  const json = JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v));
  const parsed: unknown = json === undefined ? {} : JSON.parse(json);
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
    return parsed as Record<string, unknown>;
  }
  return { value: parsed };
}
