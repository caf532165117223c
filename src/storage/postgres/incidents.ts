import type { Severity } from '../../core/types.js';
import { incidentQueryLimit, SEVERITY_RANK } from '../../incidents/query.js';
import type { Incident, IncidentLog, IncidentQuery } from '../../incidents/store.js';
import { storeOp } from './errors.js';
import type { Sql } from './sql.js';

// One row as selected by `#columns()`, read by position.
type IncidentRow = [
  id: string,
  severity: Severity,
  provider: string | null,
  code: string,
  message: string,
  context: string,
  callId: string | null,
  at: number,
];

const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical'];

/**
 * `incident_log` on PostgreSQL. Every method is one statement; `query` pushes every filter of
 * {@link IncidentQuery} into SQL (built from postgres.js fragments, values always as parameters)
 * and orders by `(at desc, seq desc)`, so ties in `at` come back newest-inserted first, like the
 * memory log. Ids are UUIDs from `gen_random_uuid()`.
 *
 * @example
 * ```ts
 * const log = new PostgresIncidentLog(sql);
 * const recorder = new IncidentRecorder({ log });
 * const critical = await log.query({ severity: 'critical', since: Date.now() - 3_600_000 });
 * ```
 */
export class PostgresIncidentLog implements IncidentLog {
  readonly #sql: Sql;

  /** @param sql - A postgres.js client (or transaction) on a database migrated with `migrate()`. */
  constructor(sql: Sql) {
    this.#sql = sql;
  }

  append(incident: Omit<Incident, 'id'>): Promise<Incident> {
    return storeOp('incidents.append', async () => {
      const [row] = incidentRows(
        await this.#sql`
          insert into incident_log as i (severity, provider, code, message, context, call_id, at)
          values (
            ${incident.severity},
            ${incident.provider ?? null}::text,
            ${incident.code},
            ${incident.message},
            ${JSON.stringify(incident.context ?? {})}::text::jsonb,
            ${incident.callId ?? null}::text,
            steadycall_ms_to_ts(${incident.at})
          )
          returning ${this.#columns()}`.values(),
      );
      return toIncident(row!);
    });
  }

  query(query: IncidentQuery = {}): Promise<Incident[]> {
    const sql = this.#sql;
    const where = this.#conditions(query).reduce((all, condition) => sql`${all} and ${condition}`);
    return storeOp('incidents.query', async () => {
      const rows = await sql`
        select ${this.#columns()} from incident_log i
        where ${where}
        order by i.at desc, i.seq desc
        limit ${incidentQueryLimit(query)}`.values();
      return incidentRows(rows).map(toIncident);
    });
  }

  purgeBefore(before: number): Promise<number> {
    return storeOp('incidents.purgeBefore', async () => {
      const result = await this.#sql`delete from incident_log where at < steadycall_ms_to_ts(${before})`;
      return result.count;
    });
  }

  /** The SQL mirror of `matchesIncidentQuery`: one fragment per filter, `true` when there is none. */
  #conditions(query: IncidentQuery) {
    const sql = this.#sql;
    const conditions = [sql`true`];
    // NaN bounds filter nothing in the memory log (every comparison with NaN is false).
    if (query.since !== undefined && !Number.isNaN(query.since)) {
      conditions.push(sql`i.at >= steadycall_ms_to_ts(${query.since})`);
    }
    if (query.until !== undefined && !Number.isNaN(query.until)) {
      conditions.push(sql`i.at < steadycall_ms_to_ts(${query.until})`);
    }
    const severities = wantedSeverities(query);
    if (severities) {
      if (severities.length === 0) conditions.push(sql`false`);
      // A single value keeps the (severity, at, seq) index usable for an ordered, limited scan.
      else if (severities.length === 1) conditions.push(sql`i.severity = ${severities[0]!}`);
      else conditions.push(sql`i.severity = any(${severities}::text[])`);
    }
    for (const [column, value] of [
      [sql`i.provider`, query.provider],
      [sql`i.code`, query.code],
      [sql`i.call_id`, query.callId],
    ] as const) {
      if (value === undefined) continue;
      // Untyped callers may pass null; the memory log then matches rows whose field is null.
      conditions.push(value === null ? sql`${column} is null` : sql`${column} = ${value}`);
    }
    return conditions;
  }

  // jsonb travels as text and rows are read by position, so a client created with a transform
  // (e.g. `postgres.camel`, which also rewrites JSON keys) changes neither contexts nor field names.
  #columns() {
    return this.#sql`i.id::text, i.severity, i.provider, i.code, i.message, i.context::text, i.call_id,
      steadycall_ts_to_ms(i.at)`;
  }
}

/**
 * The severities a query admits (`severity` intersected with `minSeverity`), or null for "any".
 * Mirrors `matchesIncidentQuery`, including its treatment of unknown severity names.
 */
function wantedSeverities(query: IncidentQuery): Severity[] | null {
  if (query.severity === undefined && query.minSeverity === undefined) return null;
  const listed: readonly Severity[] | undefined =
    typeof query.severity === 'string' ? [query.severity] : query.severity;
  const min = query.minSeverity;
  return SEVERITIES.filter(
    (s) =>
      (listed === undefined || listed.includes(s)) &&
      (min === undefined || !(SEVERITY_RANK[s] < SEVERITY_RANK[min])),
  );
}

function incidentRows(rows: readonly unknown[][]): IncidentRow[] {
  return rows as IncidentRow[];
}

function toIncident([id, severity, provider, code, message, context, callId, at]: IncidentRow): Incident {
  return {
    id,
    severity,
    provider,
    code,
    message,
    context: JSON.parse(context) as Record<string, unknown>,
    callId,
    at,
  };
}
