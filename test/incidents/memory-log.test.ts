import { describe, expect, it } from 'vitest';
import { sequentialIds } from '../../src/core/ids.js';
import { incidentQueryLimit, matchesIncidentQuery } from '../../src/incidents/query.js';
import type { Incident } from '../../src/incidents/store.js';
import { MemoryIncidentLog } from '../../src/storage/memory/incidents.js';

const base: Omit<Incident, 'id'> = {
  severity: 'info',
  provider: null,
  code: 'c',
  message: 'm',
  context: {},
  callId: null,
  at: 0,
};

describe('MemoryIncidentLog specifics', () => {
  it('uses the injected id generator', async () => {
    const log = new MemoryIncidentLog({ ids: sequentialIds('inc') });
    expect((await log.append(base)).id).toBe('inc-1');
    expect((await log.append(base)).id).toBe('inc-2');
  });

  it('drops the oldest inserted entries beyond maxEntries', async () => {
    const log = new MemoryIncidentLog({ maxEntries: 3 });
    for (let i = 0; i < 5; i++) await log.append({ ...base, code: `n${i}`, at: 100 - i });
    expect(log.size).toBe(3);
    expect((await log.query()).map((i) => i.code)).toEqual(['n2', 'n3', 'n4']);
  });

  it('rejects a non-positive maxEntries', () => {
    expect(() => new MemoryIncidentLog({ maxEntries: 0 })).toThrow(RangeError);
  });
});

describe('incident query helpers', () => {
  it('clamps the limit', () => {
    expect(incidentQueryLimit()).toBe(100);
    expect(incidentQueryLimit({ limit: 5000 })).toBe(1000);
    expect(incidentQueryLimit({ limit: -1 })).toBe(0);
    expect(incidentQueryLimit({ limit: 2.7 })).toBe(2);
    expect(incidentQueryLimit({ limit: Number.NaN })).toBe(100);
  });

  it('matches every filter', () => {
    const i: Incident = { ...base, id: 'x', severity: 'warning', provider: 'twilio', callId: 'c1', at: 10 };
    expect(matchesIncidentQuery(i)).toBe(true);
    expect(matchesIncidentQuery(i, { since: 10, until: 11 })).toBe(true);
    expect(matchesIncidentQuery(i, { until: 10 })).toBe(false);
    expect(matchesIncidentQuery(i, { minSeverity: 'critical' })).toBe(false);
    expect(matchesIncidentQuery(i, { severity: ['info', 'warning'], provider: 'twilio', callId: 'c1' })).toBe(
      true,
    );
    expect(matchesIncidentQuery(i, { code: 'other' })).toBe(false);
  });
});
