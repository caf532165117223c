import type postgres from 'postgres';
import { CALL_STATUS_RANK, isTerminalStatus } from '../../calls/status.js';
import type {
  CallQuery,
  CallRecord,
  CallStore,
  NewCall,
  StatusApplyResult,
  StatusOnce,
  StatusOnceResult,
  StatusUpdate,
} from '../../calls/store.js';
import { ValidationError } from '../../core/errors.js';
import type { AiProvider } from '../../core/types.js';
import { storeOp } from './errors.js';
import type { Sql } from './sql.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
const INT4_MAX = 2_147_483_647;

function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIMIT;
  return Math.min(MAX_LIMIT, Math.max(0, Math.floor(limit)));
}

/** PostgreSQL's SQLSTATE of a failed statement, if `error` is one. */
function sqlState(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

// Unique violations become the ValidationError the memory store throws; the constraint name says
// which column collided. A check violation (an unknown status or direction) is a ValidationError too.
function constraintError(error: unknown, sidMessage: string): ValidationError | undefined {
  const state = sqlState(error);
  if (state === '23514') {
    return new ValidationError('Invalid call: status or direction is not a known value', [
      { path: 'status', message: 'must be a known call status (and direction inbound or outbound)' },
    ]);
  }
  if (state !== '23505') return undefined;
  const constraint = String((error as { constraint_name?: unknown }).constraint_name ?? '');
  return constraint.includes('call_sid')
    ? new ValidationError(sidMessage, [{ path: 'callSid', message: 'duplicate' }])
    : new ValidationError('A call with this id already exists', [{ path: 'id', message: 'duplicate' }]);
}

// Mirrors `seq()` of calls/status.ts: a missing, null or NaN SequenceNumber does not take part.
// The column is an integer (Twilio's are 0..999999999), so anything else is refused, not rounded.
function sequenceParam(n: number | null | undefined): number | null {
  if (typeof n !== 'number' || !Number.isFinite(n)) return null;
  if (!Number.isInteger(n) || n < -INT4_MAX - 1 || n > INT4_MAX) {
    throw new ValidationError('sequenceNumber must be a 32-bit integer', [
      { path: 'sequenceNumber', message: 'must be a 32-bit integer' },
    ]);
  }
  return n;
}

/**
 * {@link CallStore} on PostgreSQL, over the `calls` table of migration `0005_calls`. Every method is
 * one round trip; `applyStatus` calls `steadycall_calls_apply_status`, one conditional `UPDATE`
 * implementing the monotonic rules of `decideStatusUpdate`, so status callbacks delivered to any
 * number of instances, in any order, never move a call backwards. Times are the epoch milliseconds
 * the caller passes. Phone numbers are stored in full; never log a record unmasked.
 *
 * Connection failures surface as `StorageUnavailableError`; a duplicate id or CallSid as
 * `ValidationError`.
 *
 * @example
 * ```ts
 * import postgres from 'postgres';
 * const calls = new PostgresCallStore(postgres(process.env.DATABASE_URL!, { prepare: false }));
 * await calls.create({ id: 'c1', to: '+14155550123', from: '+14155550000' }, Date.now());
 * await calls.applyStatus({ callSid: 'CA123', id: 'c1', status: 'ringing', sequenceNumber: 1, at: Date.now() });
 * ```
 */
export class PostgresCallStore implements CallStore {
  readonly #sql: Sql;

  /** @param sql - A postgres.js client (or transaction) on a database migrated with `migrate()`. */
  constructor(sql: Sql) {
    this.#sql = sql;
  }

  create(call: NewCall, now: number): Promise<CallRecord> {
    return storeOp('calls.create', async () => {
      const status = call.status ?? 'queued';
      // Serialised by postgres.js with JSON.stringify: the memory store's JSON round trip exactly.
      const metadata = this.#sql.json((call.metadata ?? {}) as postgres.JSONValue);
      try {
        const [row] = await this.#sql<{ record: CallRecord }[]>`
          insert into calls as c (
            id, call_sid, tenant_id, direction, "to", "from", status, last_sequence_number,
            ai_provider, metadata, created_at, updated_at, ended_at
          ) values (
            ${call.id}::text, ${call.callSid ?? null}::text, ${call.tenantId ?? null}::text,
            ${call.direction ?? 'outbound'}::text, ${call.to}::text, ${call.from}::text, ${status}::text, null,
            ${call.aiProvider ?? null}::text, ${metadata}::jsonb,
            steadycall_ms_to_ts(${now}::float8), steadycall_ms_to_ts(${now}::float8),
            steadycall_ms_to_ts(${isTerminalStatus(status) ? now : null}::float8)
          )
          returning steadycall_call_record(c) as record`;
        return expectRow(row, 'create').record;
      } catch (error) {
        throw constraintError(error, 'A call with this CallSid already exists') ?? error;
      }
    });
  }

  get(id: string): Promise<CallRecord | null> {
    return storeOp('calls.get', async () => {
      const [row] = await this.#sql<{ record: CallRecord }[]>`
        select steadycall_call_record(c) as record from calls c where c.id = ${id}::text`;
      return row ? row.record : null;
    });
  }

  getBySid(callSid: string): Promise<CallRecord | null> {
    return storeOp('calls.getBySid', async () => {
      const [row] = await this.#sql<{ record: CallRecord }[]>`
        select steadycall_call_record(c) as record from calls c where c.call_sid = ${callSid}::text`;
      return row ? row.record : null;
    });
  }

  attachSid(id: string, callSid: string, now: number): Promise<CallRecord | null> {
    return storeOp('calls.attachSid', async () => {
      try {
        const [row] = await this.#sql<{ record: CallRecord }[]>`
          update calls c set call_sid = ${callSid}::text, updated_at = steadycall_ms_to_ts(${now}::float8)
          where c.id = ${id}::text
          returning steadycall_call_record(c) as record`;
        return row ? row.record : null;
      } catch (error) {
        throw constraintError(error, 'This CallSid belongs to another call') ?? error;
      }
    });
  }

  setAiProvider(
    id: string,
    provider: AiProvider | null,
    now: number,
    reason = 'chosen',
  ): Promise<CallRecord | null> {
    return storeOp('calls.setAiProvider', async () => {
      // One statement: the current provider and the appended history change together.
      const [row] = await this.#sql<{ record: CallRecord }[]>`
        update calls c set
          ai_provider = ${provider}::text,
          updated_at = steadycall_ms_to_ts(${now}::float8),
          metadata = case when ${provider}::text is null then c.metadata else jsonb_set(
            c.metadata,
            '{aiProviders}',
            (case when jsonb_typeof(c.metadata -> 'aiProviders') = 'array' then c.metadata -> 'aiProviders'
                  else '[]'::jsonb end)
              || jsonb_build_array(jsonb_build_object('provider', ${provider}::text, 'at', ${now}::float8, 'reason', ${reason}::text))
          ) end
        where c.id = ${id}::text
        returning steadycall_call_record(c) as record`;
      return row ? row.record : null;
    });
  }

  applyStatus(update: StatusUpdate): Promise<StatusApplyResult> {
    return storeOp('calls.applyStatus', async () => {
      if (!Object.hasOwn(CALL_STATUS_RANK, update.status)) {
        throw new ValidationError('Unknown call status', [
          { path: 'status', message: 'unknown call status' },
        ]);
      }
      const sequenceNumber = sequenceParam(update.sequenceNumber);
      const [row] = await this.#sql<{ result: StatusApplyResult }[]>`
        select steadycall_calls_apply_status(
          ${update.callSid ?? null}::text, ${update.id ?? null}::text, ${update.status}::text,
          ${sequenceNumber}::integer, ${update.at}::float8
        ) as result`;
      return expectRow(row, 'applyStatus').result;
    });
  }

  /** Applies a status callback and records its idempotency key in one function call (one round trip). */
  applyStatusOnce(update: StatusUpdate, once: StatusOnce): Promise<StatusOnceResult> {
    return storeOp('calls.applyStatusOnce', async () => {
      if (!Object.hasOwn(CALL_STATUS_RANK, update.status)) {
        throw new ValidationError('Unknown call status', [
          { path: 'status', message: 'unknown call status' },
        ]);
      }
      const sequenceNumber = sequenceParam(update.sequenceNumber);
      const [row] = await this.#sql<{ result: StatusOnceResult }[]>`
        select steadycall_calls_apply_status_once(
          ${once.key}::text, ${once.fingerprint}::text, ${once.ttlMs}::float8,
          ${update.callSid ?? null}::text, ${update.id ?? null}::text, ${update.status}::text,
          ${sequenceNumber}::integer, ${update.at}::float8
        ) as result`;
      return expectRow(row, 'applyStatusOnce').result;
    });
  }

  list(query: CallQuery = {}): Promise<CallRecord[]> {
    return storeOp('calls.list', async () => {
      const sql = this.#sql;
      const statuses =
        query.status === undefined ? null : typeof query.status === 'string' ? [query.status] : query.status;
      // Only the filters given, so each query can use its index.
      const tenant = query.tenantId === undefined ? sql`true` : sql`c.tenant_id = ${query.tenantId}::text`;
      const status =
        statuses === null
          ? sql`true`
          : statuses.length === 0
            ? sql`false`
            : sql`c.status in ${sql(statuses)}`;
      const rows = await sql<{ record: CallRecord }[]>`
        select steadycall_call_record(c) as record from calls c
        where ${tenant} and ${status}
        order by c.created_at desc, c.insert_order desc
        limit ${clampLimit(query.limit)}::integer`;
      return rows.map((r) => r.record);
    });
  }
}

function expectRow<T>(row: T | undefined, operation: string): T {
  // These statements always return exactly one row; anything else is a schema problem, not a miss.
  if (row === undefined) throw new Error(`steadycall calls ${operation} returned no row`);
  return row;
}
