import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CALL_STATUS_RANK,
  CALL_STATUSES,
  callStatusSchema,
  decideStatusUpdate,
  isTerminalStatus,
} from '../../src/calls/status.js';
import type { CallRecord, CallStatus, StatusUpdate } from '../../src/calls/store.js';

const TERMINAL: CallStatus[] = ['completed', 'busy', 'failed', 'no-answer', 'canceled'];

function record(status: CallStatus, lastSequenceNumber: number | null = null): CallRecord {
  return {
    id: 'c1',
    callSid: 'CA1',
    tenantId: null,
    direction: 'outbound',
    to: '+14155550123',
    from: '+14155550000',
    status,
    lastSequenceNumber,
    aiProvider: null,
    metadata: {},
    createdAt: 0,
    updatedAt: 0,
    endedAt: isTerminalStatus(status) ? 0 : null,
  };
}

describe('call status ranks', () => {
  it('orders the lifecycle with every terminal status on top', () => {
    expect(CALL_STATUS_RANK).toMatchObject({ queued: 0, initiated: 1, ringing: 2, 'in-progress': 3 });
    for (const s of TERMINAL) expect(CALL_STATUS_RANK[s]).toBe(4);
    expect(CALL_STATUSES.filter(isTerminalStatus)).toEqual(TERMINAL);
  });

  it('parses status strings with zod', () => {
    for (const s of CALL_STATUSES) expect(callStatusSchema.parse(s)).toBe(s);
    expect(callStatusSchema.safeParse('answered').success).toBe(false);
    expect(callStatusSchema.safeParse(undefined).success).toBe(false);
  });
});

describe('decideStatusUpdate', () => {
  type Row = [
    label: string,
    from: CallStatus,
    fromSeq: number | null,
    to: CallStatus,
    toSeq: number | null | undefined,
    expected: 'apply' | 'terminal' | 'stale_sequence' | 'not_forward',
  ];
  const table: Row[] = [
    ['forward, both sequenced', 'initiated', 0, 'ringing', 1, 'apply'],
    ['forward, no sequence anywhere', 'queued', null, 'initiated', undefined, 'apply'],
    ['forward, record unsequenced', 'queued', null, 'ringing', 3, 'apply'],
    ['forward, update unsequenced', 'ringing', 4, 'in-progress', null, 'apply'],
    ['skipping ahead to terminal', 'queued', null, 'completed', 3, 'apply'],
    ['terminal is final (completed)', 'completed', 3, 'failed', 9, 'terminal'],
    ['terminal is final (canceled, backwards)', 'canceled', null, 'ringing', 1, 'terminal'],
    ['terminal beats a stale sequence', 'busy', 5, 'completed', 1, 'terminal'],
    ['lower sequence', 'ringing', 5, 'in-progress', 4, 'stale_sequence'],
    ['equal sequence', 'ringing', 5, 'completed', 5, 'stale_sequence'],
    ['stale sequence checked before rank', 'in-progress', 5, 'ringing', 2, 'stale_sequence'],
    ['backwards with a higher sequence', 'in-progress', 2, 'ringing', 3, 'not_forward'],
    ['same status, unsequenced', 'ringing', null, 'ringing', undefined, 'not_forward'],
    ['same status, higher sequence', 'ringing', 1, 'ringing', 2, 'not_forward'],
    ['backwards, unsequenced', 'in-progress', null, 'queued', null, 'not_forward'],
  ];

  it.each(table)('%s', (_label, from, fromSeq, to, toSeq, expected) => {
    const decision = decideStatusUpdate(record(from, fromSeq), {
      callSid: 'CA1',
      status: to,
      sequenceNumber: toSeq,
      at: 50,
    });
    if (expected === 'apply') {
      expect(decision.apply).toBe(true);
    } else {
      expect(decision).toEqual({ apply: false, reason: expected });
    }
  });

  it('sets status, the max sequence, updatedAt, and endedAt only for terminal statuses', () => {
    const ringing = decideStatusUpdate(record('initiated', 0), {
      status: 'ringing',
      sequenceNumber: 1,
      at: 7,
    });
    expect(ringing).toEqual({
      apply: true,
      next: {
        ...record('initiated', 0),
        status: 'ringing',
        lastSequenceNumber: 1,
        updatedAt: 7,
        endedAt: null,
      },
    });
    const done = decideStatusUpdate(record('ringing', 4), { status: 'no-answer', at: 9 });
    expect(done).toMatchObject({
      apply: true,
      next: { status: 'no-answer', lastSequenceNumber: 4, endedAt: 9 },
    });
  });

  it('ignores a NaN sequence number instead of storing it', () => {
    const d = decideStatusUpdate(record('initiated', 2), {
      status: 'ringing',
      sequenceNumber: Number.NaN,
      at: 1,
    });
    expect(d).toMatchObject({ apply: true, next: { lastSequenceNumber: 2 } });
  });

  it('does not mutate its input', () => {
    const r = record('queued');
    const snapshot = structuredClone(r);
    decideStatusUpdate(r, { status: 'completed', sequenceNumber: 3, at: 5 });
    expect(r).toEqual(snapshot);
  });
});

describe('decideStatusUpdate properties', () => {
  const statusArb = fc.constantFrom(...CALL_STATUSES);
  const updateArb: fc.Arbitrary<StatusUpdate> = fc.record({
    status: statusArb,
    sequenceNumber: fc.option(fc.nat(20), { nil: undefined }),
    at: fc.nat(1000),
  });

  function run(start: CallRecord, updates: readonly StatusUpdate[]) {
    let current = start;
    const trail: CallRecord[] = [start];
    const applied: StatusUpdate[] = [];
    for (const u of updates) {
      const d = decideStatusUpdate(current, u);
      if (d.apply) {
        current = d.next;
        applied.push(u);
        trail.push(current);
      }
    }
    return { current, trail, applied };
  }

  it('never moves backwards; final rank is the max applied rank; terminal and sequence are sticky', () => {
    fc.assert(
      fc.property(fc.array(updateArb, { maxLength: 30 }), (updates) => {
        const { current, trail, applied } = run(record('queued'), updates);
        for (let i = 1; i < trail.length; i++) {
          const prev = trail[i - 1] as CallRecord;
          const next = trail[i] as CallRecord;
          expect(CALL_STATUS_RANK[next.status]).toBeGreaterThan(CALL_STATUS_RANK[prev.status]);
          expect(isTerminalStatus(prev.status)).toBe(false);
          if (prev.lastSequenceNumber !== null) {
            expect(next.lastSequenceNumber).toBeGreaterThanOrEqual(prev.lastSequenceNumber);
          }
        }
        const maxApplied = Math.max(0, ...applied.map((u) => CALL_STATUS_RANK[u.status]));
        expect(CALL_STATUS_RANK[current.status]).toBe(maxApplied);
      }),
    );
  });

  it('for any shuffle of a real lifecycle (with duplicates) ends at the lifecycle end', () => {
    // A lifecycle: initiated, ringing, in-progress, then one terminal status, numbered 0..3.
    const lifecycleArb = fc.constantFrom(...TERMINAL).map((end) =>
      (['initiated', 'ringing', 'in-progress', end] as CallStatus[]).map((status, seq) => ({
        status,
        seq,
      })),
    );
    const scenarioArb = lifecycleArb.chain((lifecycle) =>
      fc
        .array(fc.constantFrom(...lifecycle), { minLength: 1, maxLength: 16 })
        .chain((events) => fc.shuffledSubarray(events, { minLength: events.length }))
        .map((events) => ({ lifecycle, events })),
    );
    fc.assert(
      fc.property(scenarioArb, fc.boolean(), ({ events }, sequenced) => {
        const updates = events.map((e) => ({
          status: e.status,
          sequenceNumber: sequenced ? e.seq : undefined,
          at: 100 + e.seq,
        }));
        const { current, trail } = run(record('queued'), updates);
        const highest = events.reduce((a, b) => (b.seq > a.seq ? b : a));
        expect(current.status).toBe(highest.status);
        expect(current.lastSequenceNumber).toBe(sequenced ? highest.seq : null);
        for (let i = 1; i < trail.length; i++) {
          expect(CALL_STATUS_RANK[(trail[i] as CallRecord).status]).toBeGreaterThan(
            CALL_STATUS_RANK[(trail[i - 1] as CallRecord).status],
          );
        }
        // Each distinct status is applied at most once.
        const statuses = trail.slice(1).map((r) => r.status);
        expect(new Set(statuses).size).toBe(statuses.length);
      }),
    );
  });
});
