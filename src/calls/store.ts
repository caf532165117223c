import type { AiProvider } from '../core/types.js';

/**
 * Twilio call statuses (`CallStatus`), plus our own `queued` before Twilio knows the call.
 *
 * @example
 * ```ts
 * import type { CallStatus } from 'steadycall';
 *
 * const status: CallStatus = callStatusSchema.parse(params.CallStatus);
 * if (status === 'busy' || status === 'no-answer') await scheduleRedial(params.CallSid);
 * ```
 */
export type CallStatus =
  | 'queued'
  | 'initiated'
  | 'ringing'
  | 'in-progress'
  | 'completed'
  | 'busy'
  | 'failed'
  | 'no-answer'
  | 'canceled';

/**
 * Who placed the call: `outbound` (we dialled) or `inbound` (someone called our number).
 *
 * @example
 * ```ts
 * const inbound = await calls.list({ limit: 100 }).then((rows) => rows.filter((c) => c.direction === 'inbound'));
 * ```
 */
export type CallDirection = 'outbound' | 'inbound';

/**
 * One row of `calls`. Phone numbers are stored; they are masked wherever they are logged.
 *
 * @example
 * ```ts
 * const call: CallRecord | null = await stores.calls.getBySid(params.CallSid);
 * if (call) console.log(call.id, call.status, call.aiProvider, call.metadata.aiProviders);
 * ```
 */
export interface CallRecord {
  /** Our id for the call (the `callId` in webhook URLs and stream tokens). */
  id: string;
  /** Twilio's CallSid; null until Twilio accepted the call. */
  callSid: string | null;
  /** The tenant the call belongs to, for multi-tenant apps; null otherwise. */
  tenantId: string | null;
  /** Who placed the call. */
  direction: CallDirection;
  /** The callee's number (E.164). */
  to: string;
  /** The caller's number (E.164). */
  from: string;
  /** The call's current status; only ever moves forward. */
  status: CallStatus;
  /** Highest Twilio `SequenceNumber` applied (null before any). */
  lastSequenceNumber: number | null;
  /** The AI provider currently bridged to the call; null when none (yet, or none available). */
  aiProvider: AiProvider | null;
  /**
   * Free-form JSON the host app attaches. steadycall appends to `aiProviders` every provider that
   * served the call, with when and why (`{ provider, at, reason }`), so failovers show on the record.
   */
  metadata: Record<string, unknown>;
  /** When the record was created, epoch ms. */
  createdAt: number;
  /** When the record last changed, epoch ms. */
  updatedAt: number;
  /** When a terminal status was applied. */
  endedAt: number | null;
}

/**
 * What {@link CallStore.create} takes: `id`, `to` and `from` are required; the rest default to
 * `callSid: null`, `tenantId: null`, `direction: 'outbound'`, `status: 'queued'`, `aiProvider: null`
 * and `metadata: {}`.
 *
 * @example
 * ```ts
 * const call = await stores.calls.create({ id: randomId(), to: '+14155550123', from: '+15005550006', tenantId: 't1' }, Date.now());
 * ```
 */
export type NewCall = Pick<CallRecord, 'id' | 'to' | 'from'> &
  Partial<Pick<CallRecord, 'callSid' | 'tenantId' | 'direction' | 'status' | 'aiProvider' | 'metadata'>>;

/**
 * A status callback to apply; identify the call by `callSid` (Twilio) or `id` (ours).
 *
 * @example
 * ```ts
 * const update: StatusUpdate = { callSid: 'CA123', status: 'in-progress', sequenceNumber: 2, at: Date.now() };
 * const result = await stores.calls.applyStatus(update);
 * ```
 */
export interface StatusUpdate {
  /** Twilio's CallSid of the call (checked first when both are given). */
  callSid?: string;
  /** Our id of the call: finds it even when the callback overtakes `attachSid`. */
  id?: string;
  /** The status to move to. */
  status: CallStatus;
  /** Twilio's `SequenceNumber` of the callback, when it sent one; orders callbacks of one call. */
  sequenceNumber?: number | null;
  /** When the event happened (or was received), epoch ms; becomes `updatedAt` (and `endedAt`). */
  at: number;
}

/**
 * What {@link CallStore.applyStatus} answers: the updated record, or why nothing changed
 * (`not_found`, or a {@link StatusRejectReason}) with the record as it stands.
 *
 * @example
 * ```ts
 * const result: StatusApplyResult = await stores.calls.applyStatus(update);
 * if (!result.applied && result.reason === 'not_found') logger.warn('status callback for an unknown call');
 * ```
 */
export type StatusApplyResult =
  | {
      /** The status changed. */
      applied: true;
      /** The record after the change. */
      record: CallRecord;
    }
  | {
      /** Nothing changed. */
      applied: false;
      /** The record as it stands; null when no call matched. */
      record: CallRecord | null;
      /** Why nothing changed. */
      reason: 'not_found' | 'terminal' | 'stale_sequence' | 'not_forward';
    };

/**
 * What {@link CallStore.applyStatusOnce} records and replays for one status callback.
 *
 * @example
 * ```ts
 * const summary: StatusSummary = { applied: true, status: 'completed', callId: 'c-42' };
 * ```
 */
export interface StatusSummary {
  /** Whether the callback changed the call. */
  applied: boolean;
  /** The call's status after the callback; null when the call was not found. */
  status: CallStatus | null;
  /** Why it was not applied. */
  reason?: 'not_found' | 'terminal' | 'stale_sequence' | 'not_forward';
  /** Our id of the call; null when not found. */
  callId: string | null;
}

/**
 * The idempotency key of a status callback, with its payload fingerprint and retention.
 *
 * @example
 * ```ts
 * const once: StatusOnce = {
 *   key: twilioWebhookIdempotencyKey(request.headers, params),
 *   fingerprint: await fingerprintPayload(params),
 *   ttlMs: 24 * 60 * 60 * 1000,
 * };
 * const result = await stores.calls.applyStatusOnce?.(update, once);
 * ```
 */
export interface StatusOnce {
  /** The callback's idempotency key (see `twilioWebhookIdempotencyKey`). */
  key: string;
  /** Hex SHA-256 of the callback's canonical payload (see `fingerprintPayload`). */
  fingerprint: string;
  /** How long the key and its summary are kept, in milliseconds. */
  ttlMs: number;
}

/**
 * What {@link CallStore.applyStatusOnce} answers: `applied` (first delivery) or `replayed` (a
 * duplicate) with the summary; `mismatch` when the key was used with another payload; `in_progress`
 * when another delivery of the key holds it right now.
 *
 * @example
 * ```ts
 * const result: StatusOnceResult = await calls.applyStatusOnce!(update, once);
 * if (result.outcome === 'mismatch') throw new IdempotencyKeyReuseError();
 * ```
 */
export type StatusOnceResult =
  | {
      /** `applied` for the first delivery of the key, `replayed` for a duplicate. */
      outcome: 'applied' | 'replayed';
      /** What the first delivery did (recorded with the key). */
      summary: StatusSummary;
    }
  | {
      /** The key was used before with another payload. */
      outcome: 'mismatch';
    }
  | {
      /** Another delivery of the key is being applied right now. */
      outcome: 'in_progress';
    };

/**
 * Filters of {@link CallStore.list}; results come newest first.
 *
 * @example
 * ```ts
 * const query: CallQuery = { tenantId: 't1', status: ['failed', 'busy', 'no-answer'], limit: 20 };
 * const failed = await stores.calls.list(query);
 * ```
 */
export interface CallQuery {
  /** Only this tenant's calls. */
  tenantId?: string;
  /** Only calls in this status, or in any of these. */
  status?: CallStatus | readonly CallStatus[];
  /** At most this many calls. Default 100, at most 1000. */
  limit?: number;
}

/**
 * Port for the `calls` table. `applyStatus` is one atomic conditional update implementing the
 * monotonic rules of `calls/status.ts`. Contract: `test/contracts/calls.contract.ts`.
 *
 * @example
 * ```ts
 * import { MemoryCallStore, type CallStore } from 'steadycall';
 *
 * const calls: CallStore = new MemoryCallStore(); // or createPostgresStores(...).calls
 * await calls.create({ id: 'c-1', to: '+14155550123', from: '+15005550006' }, Date.now());
 * await calls.applyStatus({ id: 'c-1', status: 'ringing', at: Date.now() });
 * ```
 */
export interface CallStore {
  /** Inserts a call; throws ValidationError if the id (or a non-null callSid) exists. */
  create(call: NewCall, now: number): Promise<CallRecord>;
  /** The call with our `id`, or null. */
  get(id: string): Promise<CallRecord | null>;
  /** The call with Twilio's `callSid`, or null. */
  getBySid(callSid: string): Promise<CallRecord | null>;
  /** Links the Twilio CallSid once Twilio accepted the call. */
  attachSid(id: string, callSid: string, now: number): Promise<CallRecord | null>;
  /** Sets the current AI provider and, for a non-null one, appends it to `metadata.aiProviders`. */
  setAiProvider(
    id: string,
    provider: AiProvider | null,
    now: number,
    reason?: string,
  ): Promise<CallRecord | null>;
  /** Applies a status callback atomically if the monotonic rules allow it (see `decideStatusUpdate`). */
  applyStatus(update: StatusUpdate): Promise<StatusApplyResult>;
  /**
   * Optional: applies a status callback and records its idempotency key (in `idempotency_keys`)
   * in ONE atomic operation, replaying the stored summary for a repeated key. Stores that share a
   * database with the idempotency ledger implement it (PostgreSQL: one function call); without it
   * the orchestrator uses the generic claim / apply / complete path.
   */
  applyStatusOnce?(update: StatusUpdate, once: StatusOnce): Promise<StatusOnceResult>;
  /** Calls matching `query`, newest first. */
  list(query?: CallQuery): Promise<CallRecord[]>;
}
