import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { isValidationError } from '../../src/core/errors.js';
import { HealthRunner, overallStatus } from '../../src/health/runner.js';
import type { HealthCheck, HealthCheckOutcome, HealthStatus } from '../../src/health/types.js';
import { IncidentRecorder } from '../../src/incidents/recorder.js';
import { MemoryIdempotencyStore } from '../../src/storage/memory/idempotency.js';
import { MemoryIncidentLog } from '../../src/storage/memory/incidents.js';
import { MemoryProviderStatusStore } from '../../src/storage/memory/provider-status.js';
import { capturingLogger } from './helpers.js';

const T0 = 1_700_000_000_000;

/** A check whose outcome the test sets between runs. */
function switchable(provider: string, status: HealthStatus, message?: string) {
  const state: { outcome: HealthCheckOutcome } = {
    outcome: { status, latencyMs: 10, ...(message ? { message } : {}) },
  };
  const check: HealthCheck = { provider, check: async () => state.outcome };
  return Object.assign(check, {
    set(next: HealthStatus, nextMessage?: string) {
      state.outcome = { status: next, latencyMs: 10, ...(nextMessage ? { message: nextMessage } : {}) };
    },
  });
}

function setup(checks: HealthCheck[], extra: { timeoutMs?: number } = {}) {
  const clock = new FakeClock(T0);
  const providerStatus = new MemoryProviderStatusStore();
  const log = new MemoryIncidentLog();
  const incidents = new IncidentRecorder({ log, clock });
  const idempotency = new MemoryIdempotencyStore();
  const [logger, lines] = capturingLogger();
  const runner = new HealthRunner({
    checks,
    providerStatus,
    incidents,
    idempotency,
    clock,
    logger,
    ...extra,
  });
  return { clock, providerStatus, log, incidents, idempotency, runner, lines };
}

describe('HealthRunner.run', () => {
  it('runs every check and stores each result as provider_status.lastHealth', async () => {
    const { runner, providerStatus, clock } = setup([
      switchable('twilio', 'healthy'),
      switchable('openai', 'degraded', 'rate limited'),
      switchable('gemini', 'not_configured', 'API key is not configured'),
    ]);
    const report = await runner.run();
    expect(report.results).toEqual([
      { provider: 'twilio', status: 'healthy', latencyMs: 10, checkedAt: T0 },
      { provider: 'openai', status: 'degraded', latencyMs: 10, message: 'rate limited', checkedAt: T0 },
      {
        provider: 'gemini',
        status: 'not_configured',
        latencyMs: 10,
        message: 'API key is not configured',
        checkedAt: T0,
      },
    ]);
    expect(report).toMatchObject({
      overall: 'degraded',
      startedAt: T0,
      finishedAt: clock.now(),
      storeErrors: [],
    });
    expect((await providerStatus.get('openai'))?.lastHealth).toEqual({
      status: 'degraded',
      latencyMs: 10,
      checkedAt: T0,
      message: 'rate limited',
    });
    expect((await providerStatus.get('twilio'))?.lastHealth).toEqual({
      status: 'healthy',
      latencyMs: 10,
      checkedAt: T0,
    });
    // Health runs never touch the circuit.
    expect((await providerStatus.get('twilio'))?.circuit).toBe('closed');
  });

  it('runs checks concurrently: a slow check does not delay the others', async () => {
    const started: string[] = [];
    let release: (outcome: HealthCheckOutcome) => void = () => {};
    const gate = new Promise<HealthCheckOutcome>((resolve) => {
      release = resolve;
    });
    const slow: HealthCheck = {
      provider: 'slow',
      check: () => {
        started.push('slow');
        return gate;
      },
    };
    const fast: HealthCheck = {
      provider: 'fast',
      check: async () => {
        started.push('fast');
        return { status: 'healthy', latencyMs: 1 };
      },
    };
    const { runner } = setup([slow, fast]);
    const pending = runner.run();
    await Promise.resolve();
    expect(started).toEqual(['slow', 'fast']);
    release({ status: 'healthy', latencyMs: 5 });
    expect((await pending).overall).toBe('healthy');
  });

  it('reports a check that never settles as down "timed out" and aborts its signal', async () => {
    let seen: AbortSignal | undefined;
    const hanging: HealthCheck = {
      provider: 'openai',
      check: (signal) => {
        seen = signal;
        return new Promise(() => {});
      },
    };
    const { runner, clock, providerStatus } = setup([hanging, switchable('twilio', 'healthy')], {
      timeoutMs: 3000,
    });
    const pending = runner.run();
    await clock.advance(2999);
    expect(seen?.aborted).toBe(false);
    await clock.advance(1);
    const report = await pending;
    expect(seen?.aborted).toBe(true);
    expect(report.results[0]).toEqual({
      provider: 'openai',
      status: 'down',
      latencyMs: null,
      message: 'timed out',
      checkedAt: T0 + 3000,
    });
    expect(report.results[1]?.status).toBe('healthy');
    expect(report.overall).toBe('down');
    expect((await providerStatus.get('openai'))?.lastHealth?.message).toBe('timed out');
    expect(clock.pendingTimers).toBe(0);
  });

  it('clears the timeout of a check that finished', async () => {
    const { runner, clock } = setup([switchable('twilio', 'healthy')]);
    await runner.run();
    expect(clock.pendingTimers).toBe(0);
  });

  it('maps a throwing check to down with a redacted message, and a malformed result to down', async () => {
    const secret = 'sk-live-abcdefghijklmnopqrstuvwxyz';
    const throwsSync: HealthCheck = {
      provider: 'custom',
      check: () => {
        throw Object.assign(new Error(`boom calling +14155550123 with ${secret}`), { code: 'EBOOM' });
      },
    };
    const malformed: HealthCheck = {
      provider: 'weird',
      check: async () => ({ status: 'great' }) as unknown as HealthCheckOutcome,
    };
    const { runner } = setup([throwsSync, malformed]);
    const report = await runner.run();
    expect(report.results[0]).toMatchObject({ provider: 'custom', status: 'down' });
    expect(report.results[0]?.message).toMatch(/^check failed: EBOOM: boom calling/);
    expect(report.results[0]?.message).not.toContain(secret);
    expect(report.results[0]?.message).not.toContain('4155550123');
    expect(report.results[1]).toMatchObject({
      provider: 'weird',
      status: 'down',
      message: 'invalid check result',
    });
  });

  it('refuses two checks for the same provider', () => {
    let error: unknown;
    try {
      new HealthRunner({ checks: [switchable('openai', 'healthy'), switchable('openai', 'down')] });
    } catch (err) {
      error = err;
    }
    expect(isValidationError(error)).toBe(true);
  });

  it('rejects a non-positive timeoutMs', () => {
    expect(() => new HealthRunner({ checks: [], timeoutMs: 0 })).toThrow(RangeError);
  });
});

describe('overallStatus', () => {
  const of = (...statuses: HealthStatus[]) => overallStatus(statuses.map((status) => ({ status })));
  it('is the worst configured status; not_configured never makes it down', () => {
    expect(of()).toBe('healthy');
    expect(of('healthy', 'not_configured')).toBe('healthy');
    expect(of('healthy', 'degraded', 'not_configured')).toBe('degraded');
    expect(of('degraded', 'down', 'healthy')).toBe('down');
    expect(of('not_configured', 'not_configured')).toBe('not_configured');
  });
});
