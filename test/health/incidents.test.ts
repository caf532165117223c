import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { HealthRunner } from '../../src/health/runner.js';
import type { HealthCheck, HealthCheckOutcome, HealthStatus } from '../../src/health/types.js';
import { IncidentRecorder } from '../../src/incidents/recorder.js';
import { MemoryIncidentLog } from '../../src/storage/memory/incidents.js';
import { MemoryProviderStatusStore } from '../../src/storage/memory/provider-status.js';

const T0 = 1_700_000_000_000;

function switchable(provider: string, status: HealthStatus) {
  let outcome: HealthCheckOutcome = { status, latencyMs: 10 };
  const check: HealthCheck = { provider, check: async () => outcome };
  return Object.assign(check, {
    set(next: HealthStatus, message?: string) {
      outcome = { status: next, latencyMs: 10, ...(message ? { message } : {}) };
    },
  });
}

function setup(checks: HealthCheck[], options: { providerStatus?: MemoryProviderStatusStore | null } = {}) {
  const clock = new FakeClock(T0);
  const providerStatus =
    options.providerStatus === null ? undefined : (options.providerStatus ?? new MemoryProviderStatusStore());
  const log = new MemoryIncidentLog();
  const incidents = new IncidentRecorder({ log, clock });
  const runner = new HealthRunner({ checks, providerStatus, incidents, clock });
  const codes = async () => (await log.query()).reverse().map((i) => `${i.provider}:${i.severity}:${i.code}`);
  return { clock, providerStatus, log, runner, codes };
}

describe('HealthRunner incidents', () => {
  it('writes one incident per status change, none while the status holds', async () => {
    const openai = switchable('openai', 'down');
    const { runner, codes, clock } = setup([openai]);
    await runner.run();
    await clock.advance(60_000);
    await runner.run();
    expect(await codes()).toEqual(['openai:critical:provider_down']);

    openai.set('healthy');
    await runner.run();
    await runner.run();
    expect(await codes()).toEqual(['openai:critical:provider_down', 'openai:info:provider_recovered']);

    openai.set('degraded', 'rate limited');
    await runner.run();
    openai.set('not_configured');
    await runner.run();
    openai.set('down');
    await runner.run();
    expect(await codes()).toEqual([
      'openai:critical:provider_down',
      'openai:info:provider_recovered',
      'openai:warning:provider_degraded',
      'openai:warning:provider_not_configured',
      'openai:critical:provider_down',
    ]);
  });

  it('on a first run, writes incidents for down, degraded and not_configured but not healthy', async () => {
    const { runner, codes } = setup([
      switchable('twilio', 'healthy'),
      switchable('openai', 'down'),
      switchable('gemini', 'not_configured'),
      switchable('store', 'degraded'),
    ]);
    await runner.run();
    expect((await codes()).sort()).toEqual([
      'gemini:warning:provider_not_configured',
      'openai:critical:provider_down',
      'store:warning:provider_degraded',
    ]);
  });

  it('describes the change in the incident', async () => {
    const gemini = switchable('gemini', 'healthy');
    const { runner, log, clock } = setup([gemini]);
    await runner.run();
    await clock.advance(1000);
    gemini.set('down', 'invalid credentials');
    await runner.run();
    const [incident] = await log.query();
    expect(incident).toMatchObject({
      severity: 'critical',
      provider: 'gemini',
      code: 'provider_down',
      message: 'gemini is down: invalid credentials',
      context: { previous: 'healthy', status: 'down', latencyMs: 10, checkedAt: T0 + 1000 },
      at: T0 + 1000,
    });
  });

  it('compares with the stored row, so a fresh runner (a new serverless instance) does not repeat', async () => {
    const providerStatus = new MemoryProviderStatusStore();
    const first = setup([switchable('openai', 'down')], { providerStatus });
    await first.runner.run();
    const second = setup([switchable('openai', 'down')], { providerStatus });
    await second.runner.run();
    expect(await second.codes()).toEqual([]);
    const third = setup([switchable('openai', 'healthy')], { providerStatus });
    await third.runner.run();
    expect(await third.codes()).toEqual(['openai:info:provider_recovered']);
  });

  it('without a provider_status store, compares with what this runner saw last', async () => {
    const openai = switchable('openai', 'down');
    const { runner, codes } = setup([openai], { providerStatus: null });
    await runner.run();
    await runner.run();
    openai.set('healthy');
    await runner.run();
    expect(await codes()).toEqual(['openai:critical:provider_down', 'openai:info:provider_recovered']);
  });

  it('treats a row written by a breaker (no lastHealth yet) as a first run', async () => {
    const providerStatus = new MemoryProviderStatusStore();
    await providerStatus.reset('openai', T0 - 1000);
    const { runner, codes } = setup([switchable('openai', 'healthy'), switchable('twilio', 'down')], {
      providerStatus,
    });
    await runner.run();
    expect(await codes()).toEqual(['twilio:critical:provider_down']);
  });
});
