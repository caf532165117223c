// Checks every call after the run, from three sides: what the fake Twilio delivered (and what the
// app acknowledged), what the call store executed, and the final row in the store.
import { decideStatusUpdate } from '../../src/calls/status.js';
import type { CallRecord, CallStatus } from '../../src/calls/store.js';
import type { SteadyCallStores } from '../../src/storage/memory/index.js';
import type { FakeTwilio } from '../../src/testing/index.js';
import type { CallTrace } from './call.js';
import type { BridgeRecord } from './harness.js';
import { eventKey, type StatusLedger } from './instrument.js';

export interface StatusEventView {
  status: CallStatus;
  seq: number;
  /** Webhook requests sent for this event (copies and retries). */
  attempts: number;
  /** Requests answered 2xx. */
  answered: number;
  /** At least one request was answered 2xx. */
  acked: boolean;
  /** Times the store executed it. */
  executions: number;
}

export type Outcome =
  | 'conversation'
  | 'unanswered'
  | 'fallback_message'
  | 'no_audio'
  | 'not_placed'
  | 'harness_error';

export interface CallVerdict {
  trace: CallTrace;
  outcome: Outcome;
  events: StatusEventView[];
  lost: number;
  doubled: number;
  /** The store executed an event whose every delivery attempt failed (its answer was lost). */
  appliedUnacked: number;
  finalStatus: CallStatus | null;
  expectedStatus: CallStatus | null;
  wrongStatus: boolean;
  /** busy / no-answer: incidents written for the call's end (exactly one expected). */
  endIncidents: number | null;
  bridge: BridgeRecord | undefined;
  failoverProviders: number;
  reconnects: number;
}

function expectedFinal(initial: CallRecord, events: readonly StatusEventView[]): CallRecord {
  let record: CallRecord = { ...initial, status: initial.direction === 'inbound' ? 'ringing' : 'queued' };
  record.lastSequenceNumber = null;
  for (const e of [...events].sort((a, b) => a.seq - b.seq)) {
    const d = decideStatusUpdate(record, { status: e.status, sequenceNumber: e.seq, at: 0 });
    if (d.apply) record = d.next;
  }
  return record;
}

export async function verifyCall(
  trace: CallTrace,
  fake: FakeTwilio,
  stores: SteadyCallStores,
  ledger: StatusLedger,
  bridges: Map<string, BridgeRecord>,
): Promise<CallVerdict> {
  const sid = trace.callSid;
  const byToken = new Map<string, StatusEventView>();
  for (const d of sid ? fake.callEvents(sid) : []) {
    if (d.kind !== 'status') continue;
    const view = byToken.get(d.idempotencyToken) ?? {
      status: d.params.CallStatus as CallStatus,
      seq: d.sequenceNumber,
      attempts: 0,
      answered: 0,
      acked: false,
      executions:
        ledger.executions.get(eventKey(d.callSid, d.params.CallStatus ?? '', d.sequenceNumber)) ?? 0,
    };
    view.attempts++;
    if (d.status >= 200 && d.status < 300) {
      view.answered++;
      view.acked = true;
    }
    byToken.set(d.idempotencyToken, view);
  }
  const events = [...byToken.values()];
  const record = sid ? await stores.calls.getBySid(sid) : null;
  const acked = events.filter((e) => e.acked);
  const lost = acked.filter((e) => e.executions === 0).length;
  const doubled = events.filter((e) => e.executions > 1).length;
  const appliedUnacked = events.filter((e) => !e.acked && e.executions > 0).length;
  let expectedStatus: CallStatus | null = null;
  let wrongStatus = false;
  if (record) {
    // Expected by the monotonic rule from the acknowledged events; an event the store executed
    // whose answer was lost on every attempt may legitimately count too.
    const strict = expectedFinal(record, acked);
    const loose = expectedFinal(
      record,
      events.filter((e) => e.acked || e.executions > 0),
    );
    expectedStatus = strict.status;
    const matches = (r: CallRecord) =>
      r.status === record.status && r.lastSequenceNumber === record.lastSequenceNumber;
    wrongStatus = !matches(strict) && !matches(loose);
  } else if (sid) {
    wrongStatus = true; // Twilio has the call; the store must too
  }
  let endIncidents: number | null = null;
  if (record && (record.status === 'busy' || record.status === 'no-answer')) {
    const code = `call_${record.status.replace('-', '_')}`;
    endIncidents = (await stores.incidents.query({ callId: record.id, code, limit: 10 })).length;
  }
  const callId = trace.callId ?? record?.id ?? null;
  const bridge = callId ? bridges.get(callId) : undefined;
  // The call record lists every provider that served the call and why (start-time failovers too).
  const served = Array.isArray(record?.metadata.aiProviders)
    ? (record.metadata.aiProviders as { reason?: string }[])
    : [];
  const verdict: CallVerdict = {
    trace,
    outcome: outcomeOf(trace, record),
    events,
    lost,
    doubled,
    appliedUnacked,
    finalStatus: record?.status ?? null,
    expectedStatus,
    wrongStatus,
    endIncidents,
    bridge,
    failoverProviders: served.filter((p) => p.reason?.startsWith('failover from')).length,
    reconnects: served.filter((p) => p.reason?.startsWith('reconnect after')).length,
  };
  return verdict;
}

function outcomeOf(trace: CallTrace, record: CallRecord | null): Outcome {
  if (trace.plan.direction === 'outbound' && !trace.callSid) return 'not_placed';
  if (trace.plan.finalStatus !== 'completed')
    return record?.status === trace.plan.finalStatus ? 'unanswered' : 'harness_error';
  if (trace.fallbackAtVoice || trace.fallbackMidCall) return 'fallback_message';
  if (trace.error) return 'harness_error';
  if (trace.audioFrames > 0) return 'conversation';
  return 'no_audio';
}
