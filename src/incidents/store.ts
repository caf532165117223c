import type { ProviderName, Severity } from '../core/types.js';

/**
 * One row of `incident_log`. `context` is redacted before it is stored.
 *
 * @example
 * ```ts
 * const [latest]: Incident[] = await stores.incidents.query({ provider: 'twilio', limit: 1 });
 * if (latest) console.log(new Date(latest.at).toISOString(), latest.severity, latest.code, latest.message);
 * ```
 */
export interface Incident {
  /** Assigned by the log when the incident is appended. */
  id: string;
  /** How serious it is; `critical` raises an alert. */
  severity: Severity;
  /** The provider concerned, or null. */
  provider: ProviderName | null;
  /** Stable code, e.g. `circuit_open`, `call_failed`, `ai_unavailable`. */
  code: string;
  /** Human-readable, redacted description. */
  message: string;
  /** Redacted JSON details (failure count, previous status, ...). */
  context: Record<string, unknown>;
  /** The call concerned, or null. */
  callId: string | null;
  /** When it happened, epoch ms. */
  at: number;
}

/**
 * An incident to record: `severity`, `code` and `message` are required; the log assigns the `id`.
 *
 * @example
 * ```ts
 * const incident: NewIncident = { severity: 'warning', provider: 'twilio', code: 'call_failed', message: 'busy', callId };
 * await recorder.record(incident);
 * ```
 */
export type NewIncident = Omit<Incident, 'id' | 'at' | 'provider' | 'callId' | 'context'> & {
  /** The provider concerned. Default null. */
  provider?: ProviderName | null;
  /** The call concerned. Default null. */
  callId?: string | null;
  /** Details; redacted before they are stored. Default `{}`. */
  context?: Record<string, unknown>;
  /** When it happened, epoch ms. Default: now. */
  at?: number;
};

/**
 * Filters of {@link IncidentLog.query}; every filter given must match.
 *
 * @example
 * ```ts
 * const query: IncidentQuery = { since: Date.now() - 3_600_000, minSeverity: 'warning', provider: 'openai' };
 * const lastHour = await stores.incidents.query(query);
 * ```
 */
export interface IncidentQuery {
  /** Inclusive lower bound on `at`. */
  since?: number;
  /** Exclusive upper bound on `at`. */
  until?: number;
  /** Only these severities. */
  severity?: Severity | readonly Severity[];
  /** At least this severity (info < warning < critical). */
  minSeverity?: Severity;
  /** Only this provider's incidents. */
  provider?: ProviderName;
  /** Only incidents with this code. */
  code?: string;
  /** Only this call's incidents. */
  callId?: string;
  /** Newest first; default 100, max 1000. */
  limit?: number;
}

/**
 * Port for the `incident_log` table: append-only, queried newest first.
 * Contract: `test/contracts/incidents.contract.ts`.
 *
 * @example
 * ```ts
 * import { IncidentRecorder, MemoryIncidentLog, type IncidentLog } from 'steadycall';
 *
 * const log: IncidentLog = new MemoryIncidentLog(); // or createPostgresStores(...).incidents
 * const recorder = new IncidentRecorder({ log }); // redacts before appending
 * const critical = await log.query({ severity: 'critical', limit: 10 });
 * ```
 */
export interface IncidentLog {
  /** Stores the incident as given (already redacted) and returns it with its id. */
  append(incident: Omit<Incident, 'id'>): Promise<Incident>;
  /** Incidents matching `query`, newest first. */
  query(query?: IncidentQuery): Promise<Incident[]>;
  /** Deletes incidents older than `before`; returns how many. */
  purgeBefore(before: number): Promise<number>;
}
