import type { ProviderName, Severity } from '../core/types.js';

/** One row of `incident_log`. `context` is redacted before it is stored. */
export interface Incident {
  id: string;
  severity: Severity;
  provider: ProviderName | null;
  /** Stable code, e.g. `circuit_open`, `call_failed`, `ai_unavailable`. */
  code: string;
  message: string;
  context: Record<string, unknown>;
  callId: string | null;
  at: number;
}

export type NewIncident = Omit<Incident, 'id' | 'at' | 'provider' | 'callId' | 'context'> & {
  provider?: ProviderName | null;
  callId?: string | null;
  context?: Record<string, unknown>;
  at?: number;
};

export interface IncidentQuery {
  /** Inclusive lower bound on `at`. */
  since?: number;
  /** Exclusive upper bound on `at`. */
  until?: number;
  /** Only these severities. */
  severity?: Severity | readonly Severity[];
  /** At least this severity (info < warning < critical). */
  minSeverity?: Severity;
  provider?: ProviderName;
  code?: string;
  callId?: string;
  /** Newest first; default 100, max 1000. */
  limit?: number;
}

/**
 * Port for the `incident_log` table: append-only, queried newest first.
 * Contract: `test/contracts/incidents.contract.ts`.
 */
export interface IncidentLog {
  /** Stores the incident as given (already redacted) and returns it with its id. */
  append(incident: Omit<Incident, 'id'>): Promise<Incident>;
  query(query?: IncidentQuery): Promise<Incident[]>;
  /** Deletes incidents older than `before`; returns how many. */
  purgeBefore(before: number): Promise<number>;
}
