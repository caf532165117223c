import { decideStatusUpdate, isTerminalStatus } from '../../calls/status.js';
import type {
  CallQuery,
  CallRecord,
  CallStore,
  NewCall,
  StatusApplyResult,
  StatusUpdate,
} from '../../calls/store.js';
import { ValidationError } from '../../core/errors.js';
import type { AiProvider } from '../../core/types.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

// A JSON round trip: callers never share objects with the store, and metadata behaves exactly as it
// would after a trip through a jsonb column.
function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIMIT;
  return Math.min(MAX_LIMIT, Math.max(0, Math.floor(limit)));
}

interface Row {
  record: CallRecord;
  /** Insertion order, to break `createdAt` ties. */
  seq: number;
}

/**
 * In-memory `calls` table: the embedded default and the reference implementation of the
 * {@link CallStore} contract. Every method runs its whole read-decide-write synchronously, so
 * concurrent callers in one process can never interleave inside an update.
 *
 * @example
 * ```ts
 * const calls = new MemoryCallStore();
 * await calls.create({ id: 'c1', to: '+14155550123', from: '+14155550000' }, Date.now());
 * await calls.applyStatus({ id: 'c1', status: 'ringing', sequenceNumber: 1, at: Date.now() });
 * ```
 */
export class MemoryCallStore implements CallStore {
  #rows = new Map<string, Row>();
  #bySid = new Map<string, string>();
  #seq = 0;

  async create(call: NewCall, now: number): Promise<CallRecord> {
    if (this.#rows.has(call.id)) {
      throw new ValidationError('A call with this id already exists', [{ path: 'id', message: 'duplicate' }]);
    }
    const callSid = call.callSid ?? null;
    if (callSid !== null && this.#bySid.has(callSid)) {
      throw new ValidationError('A call with this CallSid already exists', [
        { path: 'callSid', message: 'duplicate' },
      ]);
    }
    const status = call.status ?? 'queued';
    const record: CallRecord = copy({
      id: call.id,
      callSid,
      tenantId: call.tenantId ?? null,
      direction: call.direction ?? 'outbound',
      to: call.to,
      from: call.from,
      status,
      lastSequenceNumber: null,
      aiProvider: call.aiProvider ?? null,
      metadata: call.metadata ?? {},
      createdAt: now,
      updatedAt: now,
      endedAt: isTerminalStatus(status) ? now : null,
    });
    this.#rows.set(record.id, { record, seq: this.#seq++ });
    if (callSid !== null) this.#bySid.set(callSid, record.id);
    return copy(record);
  }

  async get(id: string): Promise<CallRecord | null> {
    const row = this.#rows.get(id);
    return row ? copy(row.record) : null;
  }

  async getBySid(callSid: string): Promise<CallRecord | null> {
    const id = this.#bySid.get(callSid);
    return id === undefined ? null : this.get(id);
  }

  async attachSid(id: string, callSid: string, now: number): Promise<CallRecord | null> {
    const row = this.#rows.get(id);
    if (!row) return null;
    const owner = this.#bySid.get(callSid);
    if (owner !== undefined && owner !== id) {
      throw new ValidationError('This CallSid belongs to another call', [
        { path: 'callSid', message: 'duplicate' },
      ]);
    }
    if (row.record.callSid !== null) this.#bySid.delete(row.record.callSid);
    row.record = { ...row.record, callSid, updatedAt: now };
    this.#bySid.set(callSid, id);
    return copy(row.record);
  }

  async setAiProvider(
    id: string,
    provider: AiProvider | null,
    now: number,
    reason = 'chosen',
  ): Promise<CallRecord | null> {
    const row = this.#rows.get(id);
    if (!row) return null;
    const served = Array.isArray(row.record.metadata.aiProviders) ? row.record.metadata.aiProviders : [];
    const metadata =
      provider === null
        ? row.record.metadata
        : { ...row.record.metadata, aiProviders: [...served, { provider, at: now, reason }] };
    row.record = { ...row.record, aiProvider: provider, metadata, updatedAt: now };
    return copy(row.record);
  }

  async applyStatus(update: StatusUpdate): Promise<StatusApplyResult> {
    const row = this.#find(update);
    if (!row) return { applied: false, record: null, reason: 'not_found' };
    const decision = decideStatusUpdate(row.record, update);
    if (!decision.apply) return { applied: false, record: copy(row.record), reason: decision.reason };
    row.record = copy(decision.next);
    return { applied: true, record: copy(row.record) };
  }

  async list(query: CallQuery = {}): Promise<CallRecord[]> {
    const statuses =
      query.status === undefined
        ? null
        : new Set(typeof query.status === 'string' ? [query.status] : query.status);
    const rows = [...this.#rows.values()].filter(
      ({ record }) =>
        (query.tenantId === undefined || record.tenantId === query.tenantId) &&
        (statuses === null || statuses.has(record.status)),
    );
    rows.sort((a, b) => b.record.createdAt - a.record.createdAt || b.seq - a.seq);
    return rows.slice(0, clampLimit(query.limit)).map((r) => copy(r.record));
  }

  // Twilio's callbacks carry the CallSid; our own callback URLs may also carry our id, which finds
  // the call when a status callback overtakes `attachSid` (but never a call linked to another sid).
  #find(update: StatusUpdate): Row | undefined {
    if (update.callSid !== undefined) {
      const id = this.#bySid.get(update.callSid);
      if (id !== undefined) return this.#rows.get(id);
    }
    if (update.id === undefined) return undefined;
    const row = this.#rows.get(update.id);
    const sid = row?.record.callSid ?? null;
    return sid === null || update.callSid === undefined || sid === update.callSid ? row : undefined;
  }
}
