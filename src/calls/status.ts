import { z } from 'zod';
import type { CallRecord, CallStatus, StatusUpdate } from './store.js';

/**
 * Every call status, in lifecycle order (terminal ones last).
 *
 * @example
 * ```ts
 * import { CALL_STATUSES } from 'steadycall';
 *
 * const open = CALL_STATUSES.filter((s) => !isTerminalStatus(s)); // queued, initiated, ringing, in-progress
 * ```
 */
export const CALL_STATUSES = [
  'queued',
  'initiated',
  'ringing',
  'in-progress',
  'completed',
  'busy',
  'failed',
  'no-answer',
  'canceled',
] as const satisfies readonly CallStatus[];

/**
 * Zod schema for a call status string (Twilio's `CallStatus` plus our `queued`).
 *
 * @example
 * ```ts
 * const status = callStatusSchema.parse(form.get('CallStatus')); // throws on 'bogus'
 * ```
 */
export const callStatusSchema = z.enum(CALL_STATUSES);

/**
 * How far along its lifecycle a status is. Updates only ever move a call to a higher rank; every
 * terminal status shares the top rank, so the first terminal status wins.
 *
 * @example
 * ```ts
 * CALL_STATUS_RANK.ringing < CALL_STATUS_RANK['in-progress']; // true
 * ```
 */
export const CALL_STATUS_RANK: Readonly<Record<CallStatus, number>> = {
  queued: 0,
  initiated: 1,
  ringing: 2,
  'in-progress': 3,
  completed: 4,
  busy: 4,
  failed: 4,
  'no-answer': 4,
  canceled: 4,
};

/**
 * True for statuses after which a call never changes again.
 *
 * @example
 * ```ts
 * isTerminalStatus('no-answer'); // true
 * isTerminalStatus('ringing'); // false
 * ```
 */
export function isTerminalStatus(status: CallStatus): boolean {
  return CALL_STATUS_RANK[status] === 4;
}

/**
 * Why a status update was not applied.
 *
 * `terminal`: the call already ended; `stale_sequence`: its `SequenceNumber` is not newer than the
 * last applied one; `not_forward`: it would move the status backwards or nowhere.
 *
 * @example
 * ```ts
 * const d = decideStatusUpdate(call, update);
 * if (!d.apply && d.reason === 'stale_sequence') logger.debug('out-of-order status callback dropped');
 * ```
 */
export type StatusRejectReason = 'terminal' | 'stale_sequence' | 'not_forward';

/**
 * Outcome of {@link decideStatusUpdate}.
 *
 * @example
 * ```ts
 * const decision: StatusDecision = decideStatusUpdate(call, { status: 'completed', sequenceNumber: 4, at: Date.now() });
 * if (decision.apply) await save(decision.next);
 * else console.log('dropped:', decision.reason);
 * ```
 */
export type StatusDecision =
  | {
      /** The update is applied. */
      apply: true;
      /** The record after the update. */
      next: CallRecord;
    }
  | {
      /** The update is dropped. */
      apply: false;
      /** Why it is dropped. */
      reason: StatusRejectReason;
    };

// Only real numbers count: a missing, null or NaN SequenceNumber must not poison the comparison.
function seq(n: number | null | undefined): number | null {
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

/**
 * The monotonic status rules every `CallStore.applyStatus` implements, as a pure function.
 * Twilio delivers status callbacks out of order and more than once, so:
 * 1. a terminal call never changes (`terminal`);
 * 2. when both carry a SequenceNumber, an update whose number is not higher than the last applied
 *    one is dropped (`stale_sequence`);
 * 3. an update that does not move the status forward in {@link CALL_STATUS_RANK} is dropped
 *    (`not_forward`);
 * otherwise the update is applied (and `endedAt` set when the new status is terminal).
 *
 * @example
 * ```ts
 * const d = decideStatusUpdate(call, { callSid: 'CA1', status: 'ringing', sequenceNumber: 1, at: now });
 * if (d.apply) save(d.next);
 * ```
 */
export function decideStatusUpdate(record: CallRecord, update: StatusUpdate): StatusDecision {
  if (isTerminalStatus(record.status)) return { apply: false, reason: 'terminal' };
  const incoming = seq(update.sequenceNumber);
  const last = seq(record.lastSequenceNumber);
  if (incoming !== null && last !== null && incoming <= last)
    return { apply: false, reason: 'stale_sequence' };
  if (CALL_STATUS_RANK[update.status] <= CALL_STATUS_RANK[record.status]) {
    return { apply: false, reason: 'not_forward' };
  }
  const lastSequenceNumber = incoming === null ? last : last === null ? incoming : Math.max(last, incoming);
  return {
    apply: true,
    next: {
      ...record,
      status: update.status,
      lastSequenceNumber,
      updatedAt: update.at,
      endedAt: isTerminalStatus(update.status) ? update.at : record.endedAt,
    },
  };
}
