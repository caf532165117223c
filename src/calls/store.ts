import type { AiProvider } from '../core/types.js';

/** Twilio call statuses (`CallStatus`), plus our own `queued` before Twilio knows the call. */
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

export type CallDirection = 'outbound' | 'inbound';

/** One row of `calls`. Phone numbers are stored; they are masked wherever they are logged. */
export interface CallRecord {
  id: string;
  callSid: string | null;
  tenantId: string | null;
  direction: CallDirection;
  to: string;
  from: string;
  status: CallStatus;
  /** Highest Twilio `SequenceNumber` applied (null before any). */
  lastSequenceNumber: number | null;
  aiProvider: AiProvider | null;
  /**
   * Free-form JSON the host app attaches. steadycall appends to `aiProviders` every provider that
   * served the call, with when and why (`{ provider, at, reason }`), so failovers show on the record.
   */
  metadata: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
  /** When a terminal status was applied. */
  endedAt: number | null;
}

export type NewCall = Pick<CallRecord, 'id' | 'to' | 'from'> &
  Partial<Pick<CallRecord, 'callSid' | 'tenantId' | 'direction' | 'status' | 'aiProvider' | 'metadata'>>;

/** A status callback to apply; identify the call by `callSid` (Twilio) or `id` (ours). */
export interface StatusUpdate {
  callSid?: string;
  id?: string;
  status: CallStatus;
  sequenceNumber?: number | null;
  at: number;
}

export type StatusApplyResult =
  | { applied: true; record: CallRecord }
  | {
      applied: false;
      record: CallRecord | null;
      reason: 'not_found' | 'terminal' | 'stale_sequence' | 'not_forward';
    };

/** What {@link CallStore.applyStatusOnce} records and replays for one status callback. */
export interface StatusSummary {
  applied: boolean;
  status: CallStatus | null;
  reason?: 'not_found' | 'terminal' | 'stale_sequence' | 'not_forward';
  callId: string | null;
}

/** The idempotency key of a status callback, with its payload fingerprint and retention. */
export interface StatusOnce {
  key: string;
  fingerprint: string;
  ttlMs: number;
}

export type StatusOnceResult =
  | { outcome: 'applied' | 'replayed'; summary: StatusSummary }
  | { outcome: 'mismatch' }
  | { outcome: 'in_progress' };

export interface CallQuery {
  tenantId?: string;
  status?: CallStatus | readonly CallStatus[];
  limit?: number;
}

/**
 * Port for the `calls` table. `applyStatus` is one atomic conditional update implementing the
 * monotonic rules of `calls/status.ts`. Contract: `test/contracts/calls.contract.ts`.
 */
export interface CallStore {
  /** Inserts a call; throws ValidationError if the id (or a non-null callSid) exists. */
  create(call: NewCall, now: number): Promise<CallRecord>;
  get(id: string): Promise<CallRecord | null>;
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
  applyStatus(update: StatusUpdate): Promise<StatusApplyResult>;
  /**
   * Optional: applies a status callback and records its idempotency key (in `idempotency_keys`)
   * in ONE atomic operation, replaying the stored summary for a repeated key. Stores that share a
   * database with the idempotency ledger implement it (PostgreSQL: one function call); without it
   * the orchestrator uses the generic claim / apply / complete path.
   */
  applyStatusOnce?(update: StatusUpdate, once: StatusOnce): Promise<StatusOnceResult>;
  list(query?: CallQuery): Promise<CallRecord[]>;
}
