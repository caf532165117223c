import { describe, expect, it } from 'vitest';
import type { ProviderStatus } from '../../src/breaker/types.js';
import { activeAlertConditions } from '../../src/incidents/conditions.js';
import type { Incident } from '../../src/incidents/store.js';

function status(provider: string, overrides: Partial<ProviderStatus> = {}): ProviderStatus {
  return {
    provider,
    circuit: 'closed',
    failureCount: 0,
    cooldownUntil: null,
    openCount: 0,
    windowStartedAt: 0,
    windowCalls: 0,
    windowFailures: 0,
    probeLeases: [],
    openedAt: null,
    lastFailureAt: null,
    lastHealth: null,
    generation: 0,
    updatedAt: 0,
    ...overrides,
  };
}

function incident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: 'i1',
    severity: 'critical',
    provider: 'openai',
    code: 'ai_unavailable',
    message: 'no AI provider left',
    context: {},
    callId: null,
    at: 0,
    ...overrides,
  };
}

describe('activeAlertConditions', () => {
  it('is empty for a healthy system', () => {
    expect(
      activeAlertConditions({
        statuses: [status('twilio'), status('openai', { failureCount: 10, circuit: 'half_open' })],
        recentIncidents: [incident({ severity: 'warning' }), incident({ severity: 'info' })],
      }),
    ).toEqual([]);
  });

  it('reports an open circuit with its cooldown', () => {
    expect(
      activeAlertConditions({
        statuses: [status('twilio', { circuit: 'open', cooldownUntil: Date.UTC(2026, 0, 1) })],
        recentIncidents: [],
      }),
    ).toEqual([
      {
        condition: 'circuit_open',
        provider: 'twilio',
        detail: 'circuit open until 2026-01-01T00:00:00.000Z',
      },
    ]);
    expect(
      activeAlertConditions({ statuses: [status('gemini', { circuit: 'open' })], recentIncidents: [] }),
    ).toEqual([{ condition: 'circuit_open', provider: 'gemini', detail: 'circuit open' }]);
  });

  it('reports failure_count > 10 (strictly), with a configurable threshold', () => {
    const statuses = [status('twilio', { failureCount: 11 }), status('openai', { failureCount: 10 })];
    expect(activeAlertConditions({ statuses, recentIncidents: [] })).toEqual([
      { condition: 'failure_count_exceeded', provider: 'twilio', detail: 'failure_count 11 > 10' },
    ]);
    expect(
      activeAlertConditions({ statuses, recentIncidents: [], failureCountThreshold: 9 }).map(
        (c) => c.provider,
      ),
    ).toEqual(['twilio', 'openai']);
  });

  it('reports both conditions for one provider, then every critical incident in order', () => {
    const result = activeAlertConditions({
      statuses: [status('twilio', { circuit: 'open', failureCount: 12 })],
      recentIncidents: [
        incident({ id: 'a', code: 'first', message: 'one' }),
        incident({ id: 'b', severity: 'warning' }),
        incident({ id: 'c', code: 'second', message: 'two', provider: null }),
      ],
    });
    expect(result.map((r) => [r.condition, r.provider])).toEqual([
      ['circuit_open', 'twilio'],
      ['failure_count_exceeded', 'twilio'],
      ['critical_incident', 'openai'],
      ['critical_incident', null],
    ]);
    expect(result[2]?.detail).toBe('first: one');
    expect(result[3]?.detail).toBe('second: two');
  });
});
