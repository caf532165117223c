import type { Severity } from '../core/types.js';
import type { Incident, IncidentQuery } from './store.js';

/**
 * Default number of incidents a query returns.
 *
 * @example
 * ```ts
 * import { DEFAULT_INCIDENT_LIMIT } from 'steadycall';
 *
 * const page = await incidents.query({ limit: DEFAULT_INCIDENT_LIMIT }); // same as leaving `limit` out
 * ```
 */
export const DEFAULT_INCIDENT_LIMIT = 100;
/**
 * Upper bound on `IncidentQuery.limit`.
 *
 * @example
 * ```ts
 * import { MAX_INCIDENT_LIMIT } from 'steadycall';
 *
 * const all = await incidents.query({ since, limit: MAX_INCIDENT_LIMIT }); // larger limits are clamped
 * ```
 */
export const MAX_INCIDENT_LIMIT = 1000;

/**
 * Severity order used by `minSeverity`: info < warning < critical.
 *
 * @example
 * ```ts
 * SEVERITY_RANK.critical > SEVERITY_RANK.warning; // true
 * ```
 */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, critical: 2 };

/**
 * The effective limit of a query: default 100, clamped to 0..1000.
 *
 * @example
 * ```ts
 * incidentQueryLimit({ limit: 5000 }); // 1000
 * ```
 */
export function incidentQueryLimit(query: IncidentQuery = {}): number {
  const limit = query.limit;
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_INCIDENT_LIMIT;
  return Math.min(MAX_INCIDENT_LIMIT, Math.max(0, Math.floor(limit)));
}

/**
 * True when the incident passes every filter of the query (the limit is not applied here).
 * Implementations that cannot push filters down to their store use it; SQL ones mirror it.
 *
 * @example
 * ```ts
 * incidents.filter((i) => matchesIncidentQuery(i, { minSeverity: 'warning', provider: 'twilio' }));
 * ```
 */
export function matchesIncidentQuery(incident: Incident, query: IncidentQuery = {}): boolean {
  if (query.since !== undefined && incident.at < query.since) return false;
  if (query.until !== undefined && incident.at >= query.until) return false;
  if (query.severity !== undefined) {
    const wanted: readonly Severity[] =
      typeof query.severity === 'string' ? [query.severity] : query.severity;
    if (!wanted.includes(incident.severity)) return false;
  }
  if (
    query.minSeverity !== undefined &&
    SEVERITY_RANK[incident.severity] < SEVERITY_RANK[query.minSeverity]
  ) {
    return false;
  }
  if (query.provider !== undefined && incident.provider !== query.provider) return false;
  if (query.code !== undefined && incident.code !== query.code) return false;
  if (query.callId !== undefined && incident.callId !== query.callId) return false;
  return true;
}
