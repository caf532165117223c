import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Severity } from '../../src/core/types.js';
import type { Incident, IncidentLog } from '../../src/incidents/store.js';

type Draft = Omit<Incident, 'id'>;

const T0 = 1_700_000_000_000;

function draft(overrides: Partial<Draft> = {}): Draft {
  return {
    severity: 'warning',
    provider: 'twilio',
    code: 'call_failed',
    message: 'Call failed',
    context: {},
    callId: null,
    at: T0,
    ...overrides,
  };
}

const codes = (list: Incident[]) => list.map((i) => i.code);

/**
 * The `IncidentLog` contract: every implementation (memory, PostgreSQL) must pass it.
 * `makeLog` must return an empty log; `cleanup` runs after each test.
 */
export function incidentLogContract(
  name: string,
  makeLog: () => Promise<IncidentLog> | IncidentLog,
  cleanup?: () => Promise<void>,
): void {
  describe(`IncidentLog contract: ${name}`, () => {
    let log: IncidentLog;

    beforeEach(async () => {
      log = await makeLog();
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('starts empty', async () => {
      expect(await log.query()).toEqual([]);
    });

    it('append returns the incident with a fresh id and stores it as given', async () => {
      const input = draft({ callId: 'call-1', context: { attempt: 2 } });
      const a = await log.append(input);
      const b = await log.append(draft());
      expect(typeof a.id).toBe('string');
      expect(a.id).not.toBe('');
      expect(a.id).not.toBe(b.id);
      expect(a).toEqual({ ...input, id: a.id });
      expect((await log.query()).find((i) => i.id === a.id)).toEqual(a);
    });

    it('round-trips null provider and callId', async () => {
      const a = await log.append(draft({ provider: null, callId: null }));
      const [got] = await log.query();
      expect(got).toEqual(a);
      expect(got?.provider).toBeNull();
      expect(got?.callId).toBeNull();
    });

    it('round-trips a JSON context', async () => {
      const context = {
        n: 1.5,
        neg: -3,
        ok: true,
        nothing: null,
        text: 'héllo "quoted" \\ ✓ 📞',
        list: [1, 'two', { three: 3 }, [4]],
        nested: { deeper: { deepest: ['x'] }, empty: {} },
      };
      await log.append(draft({ context }));
      const [got] = await log.query();
      expect(got?.context).toEqual(context);
    });

    it('queries newest first, ties in `at` by insertion (newest first)', async () => {
      await log.append(draft({ code: 'b', at: T0 + 2 }));
      await log.append(draft({ code: 'a', at: T0 + 1 }));
      await log.append(draft({ code: 'c', at: T0 + 3 }));
      await log.append(draft({ code: 'tie-1', at: T0 + 2 }));
      await log.append(draft({ code: 'tie-2', at: T0 + 2 }));
      expect(codes(await log.query())).toEqual(['c', 'tie-2', 'tie-1', 'b', 'a']);
    });

    it('filters by since (inclusive) and until (exclusive)', async () => {
      for (let i = 0; i < 5; i++) await log.append(draft({ code: `at${i}`, at: T0 + i * 10 }));
      expect(codes(await log.query({ since: T0 + 10 }))).toEqual(['at4', 'at3', 'at2', 'at1']);
      expect(codes(await log.query({ until: T0 + 30 }))).toEqual(['at2', 'at1', 'at0']);
      expect(codes(await log.query({ since: T0 + 10, until: T0 + 30 }))).toEqual(['at2', 'at1']);
      expect(await log.query({ since: T0 + 20, until: T0 + 20 })).toEqual([]);
    });

    describe('severity filters', () => {
      beforeEach(async () => {
        const severities: Severity[] = ['info', 'warning', 'critical', 'info', 'critical'];
        for (const [i, severity] of severities.entries()) {
          await log.append(draft({ severity, code: `${severity}-${i}`, at: T0 + i }));
        }
      });

      it('filters by one severity', async () => {
        expect(codes(await log.query({ severity: 'critical' }))).toEqual(['critical-4', 'critical-2']);
        expect(codes(await log.query({ severity: 'info' }))).toEqual(['info-3', 'info-0']);
      });

      it('filters by a list of severities', async () => {
        expect(codes(await log.query({ severity: ['info', 'warning'] }))).toEqual([
          'info-3',
          'warning-1',
          'info-0',
        ]);
        expect(await log.query({ severity: [] })).toEqual([]);
      });

      it('filters by minimum severity (info < warning < critical)', async () => {
        expect(codes(await log.query({ minSeverity: 'info' }))).toHaveLength(5);
        expect(codes(await log.query({ minSeverity: 'warning' }))).toEqual([
          'critical-4',
          'critical-2',
          'warning-1',
        ]);
        expect(codes(await log.query({ minSeverity: 'critical' }))).toEqual(['critical-4', 'critical-2']);
      });

      it('combines severity and minSeverity', async () => {
        expect(codes(await log.query({ severity: ['info', 'critical'], minSeverity: 'warning' }))).toEqual([
          'critical-4',
          'critical-2',
        ]);
      });
    });

    it('filters by provider, code and callId, alone and combined', async () => {
      await log.append(draft({ provider: 'twilio', code: 'call_failed', callId: 'c1', at: T0 + 1 }));
      await log.append(draft({ provider: 'openai', code: 'ai_unavailable', callId: 'c1', at: T0 + 2 }));
      await log.append(draft({ provider: 'twilio', code: 'circuit_open', callId: null, at: T0 + 3 }));
      await log.append(draft({ provider: null, code: 'call_failed', callId: 'c2', at: T0 + 4 }));

      const ats = async (q: Parameters<IncidentLog['query']>[0]) =>
        (await log.query(q)).map((i) => i.at - T0);
      expect(await ats({ provider: 'twilio' })).toEqual([3, 1]);
      expect(await ats({ provider: 'gemini' })).toEqual([]);
      expect(await ats({ code: 'call_failed' })).toEqual([4, 1]);
      expect(await ats({ callId: 'c1' })).toEqual([2, 1]);
      expect(await ats({ provider: 'twilio', code: 'call_failed' })).toEqual([1]);
      expect(await ats({ callId: 'c1', code: 'call_failed', since: T0 + 2 })).toEqual([]);
      expect(await ats({ code: 'call_failed', minSeverity: 'warning', until: T0 + 5 })).toEqual([4, 1]);
    });

    it('limits results: default 100, explicit limits, max 1000', async () => {
      for (let i = 0; i < 1005; i++) await log.append(draft({ code: `n${i}`, at: T0 + i }));
      const defaults = await log.query();
      expect(defaults).toHaveLength(100);
      expect(defaults[0]?.code).toBe('n1004');
      expect(defaults[99]?.code).toBe('n905');
      expect(codes(await log.query({ limit: 3 }))).toEqual(['n1004', 'n1003', 'n1002']);
      expect(await log.query({ limit: 5000 })).toHaveLength(1000);
      expect(codes(await log.query({ limit: 2, since: T0 + 10, until: T0 + 13 }))).toEqual(['n12', 'n11']);
    });

    it('purgeBefore deletes strictly older incidents and returns the count', async () => {
      for (let i = 0; i < 5; i++) await log.append(draft({ code: `at${i}`, at: T0 + i * 10 }));
      expect(await log.purgeBefore(T0 + 20)).toBe(2);
      expect(codes(await log.query())).toEqual(['at4', 'at3', 'at2']);
      expect(await log.purgeBefore(T0 + 20)).toBe(0);
      expect(await log.purgeBefore(T0 + 1000)).toBe(3);
      expect(await log.query()).toEqual([]);
    });

    it('returns copies: mutating inputs or results never changes what is stored', async () => {
      const input = draft({ context: { nested: { n: 1 }, list: [1] } });
      const returned = await log.append(input);
      input.context.added = true;
      (input.context.nested as { n: number }).n = 99;
      returned.message = 'changed';
      (returned.context.list as number[]).push(2);

      const [first] = await log.query();
      expect(first?.message).toBe('Call failed');
      expect(first?.context).toEqual({ nested: { n: 1 }, list: [1] });
      if (first) (first.context.nested as { n: number }).n = 42;
      const [second] = await log.query();
      expect(second?.context).toEqual({ nested: { n: 1 }, list: [1] });
    });
  });
}
