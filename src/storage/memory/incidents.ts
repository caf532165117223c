import { type IdGenerator, randomId } from '../../core/ids.js';
import { incidentQueryLimit, matchesIncidentQuery } from '../../incidents/query.js';
import type { Incident, IncidentLog, IncidentQuery } from '../../incidents/store.js';

/**
 * Options of {@link MemoryIncidentLog}.
 *
 * @example
 * ```ts
 * const options: MemoryIncidentLogOptions = { maxEntries: 500, ids: sequentialIds('inc') };
 * const log = new MemoryIncidentLog(options);
 * ```
 */
export interface MemoryIncidentLogOptions {
  /** Oldest entries (by insertion) are dropped beyond this many. Default 10 000. */
  maxEntries?: number;
  /** Id generator for appended incidents. Default: random UUIDs. */
  ids?: IdGenerator;
}

interface Entry {
  incident: Incident;
  /** Insertion order, to break `at` ties (newest first). */
  seq: number;
}

// A JSON round trip: callers never share objects with the log, and `context` behaves exactly as it
// would after a trip through a jsonb column.
function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * In-memory `incident_log`: the embedded default and the reference implementation of the
 * {@link IncidentLog} contract. Bounded like a ring so a long-running process cannot grow it forever.
 *
 * @example
 * ```ts
 * const log = new MemoryIncidentLog({ maxEntries: 1000 });
 * const recorder = new IncidentRecorder({ log });
 * const critical = await log.query({ severity: 'critical', limit: 10 });
 * ```
 */
export class MemoryIncidentLog implements IncidentLog {
  readonly #maxEntries: number;
  readonly #ids: IdGenerator;
  #entries: Entry[] = [];
  #seq = 0;

  constructor(options: MemoryIncidentLogOptions = {}) {
    const max = options.maxEntries ?? 10_000;
    if (!Number.isInteger(max) || max < 1) throw new RangeError('maxEntries must be a positive integer');
    this.#maxEntries = max;
    this.#ids = options.ids ?? randomId;
  }

  /** Entries currently held. */
  get size(): number {
    return this.#entries.length;
  }

  async append(incident: Omit<Incident, 'id'>): Promise<Incident> {
    const stored = copy({ ...incident, id: this.#ids() });
    this.#entries.push({ incident: stored, seq: this.#seq++ });
    // Trim in one splice rather than one shift per append.
    const excess = this.#entries.length - this.#maxEntries;
    if (excess > 0) this.#entries.splice(0, excess);
    return copy(stored);
  }

  async query(query: IncidentQuery = {}): Promise<Incident[]> {
    const limit = incidentQueryLimit(query);
    return this.#entries
      .filter((e) => matchesIncidentQuery(e.incident, query))
      .sort((a, b) => b.incident.at - a.incident.at || b.seq - a.seq)
      .slice(0, limit)
      .map((e) => copy(e.incident));
  }

  async purgeBefore(before: number): Promise<number> {
    const kept = this.#entries.filter((e) => e.incident.at >= before);
    const purged = this.#entries.length - kept.length;
    this.#entries = kept;
    return purged;
  }
}
