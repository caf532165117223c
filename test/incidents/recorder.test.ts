import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { StorageUnavailableError } from '../../src/core/errors.js';
import type { LogFn, Logger } from '../../src/core/logger.js';
import type { Alert } from '../../src/incidents/alerts.js';
import { IncidentRecorder } from '../../src/incidents/recorder.js';
import type { IncidentLog } from '../../src/incidents/store.js';
import { MemoryIncidentLog } from '../../src/storage/memory/incidents.js';
import { faultyStore } from '../../src/testing/store-probes.js';

const PHONE = '+14155550123';
const AUTH_TOKEN = 'f3b1c9d27a8e4b6c9d0e1f2a3b4c5d6e';

interface Line {
  level: string;
  args: unknown[];
}

function capturingLogger(): [Logger, Line[]] {
  const lines: Line[] = [];
  const make =
    (level: string): LogFn =>
    (...args: unknown[]) => {
      lines.push({ level, args });
    };
  return [{ debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') }, lines];
}

function setup(options: { log?: IncidentLog; onAlert?: (a: Alert) => void | Promise<void> } = {}) {
  const log = options.log ?? new MemoryIncidentLog();
  const [logger, lines] = capturingLogger();
  const clock = new FakeClock(1_700_000_000_000);
  const recorder = new IncidentRecorder({
    log,
    clock,
    logger,
    secrets: [AUTH_TOKEN],
    ...(options.onAlert ? { onAlert: options.onAlert } : {}),
  });
  return { log, lines, clock, recorder };
}

describe('IncidentRecorder', () => {
  it('fills defaults and the time from the clock', async () => {
    const { recorder, log } = setup();
    const stored = await recorder.record({ severity: 'info', code: 'health_ok', message: 'all good' });
    expect(stored).toEqual({
      id: expect.any(String),
      severity: 'info',
      provider: null,
      code: 'health_ok',
      message: 'all good',
      context: {},
      callId: null,
      at: 1_700_000_000_000,
    });
    expect(await log.query()).toEqual([stored]);
    expect(await recorder.query({ code: 'health_ok' })).toEqual([stored]);
  });

  it('keeps an explicit time, provider and call id', async () => {
    const { recorder } = setup();
    const stored = await recorder.record({
      severity: 'warning',
      code: 'call_failed',
      message: 'busy',
      provider: 'twilio',
      callId: 'call-1',
      at: 42,
    });
    expect(stored).toMatchObject({ provider: 'twilio', callId: 'call-1', at: 42 });
  });

  it('redacts phone numbers and known secrets from the stored incident and every log line', async () => {
    const alerts: Alert[] = [];
    const { recorder, lines } = setup({ onAlert: (a) => void alerts.push(a) });
    const stored = await recorder.record({
      severity: 'critical',
      provider: 'twilio',
      code: 'call_failed',
      message: `Call to ${PHONE} failed with credentials ${AUTH_TOKEN}`,
      context: {
        to: PHONE,
        request: { url: `https://api.twilio.com/Calls?To=${PHONE}`, header: `Basic ${AUTH_TOKEN}` },
        authToken: AUTH_TOKEN,
        notes: [`dialed ${PHONE}`],
      },
    });
    expect(stored).not.toBeNull();
    const everything = JSON.stringify({ stored, lines, alerts });
    expect(everything).not.toContain(PHONE);
    expect(everything).not.toContain('4155550123');
    expect(everything).not.toContain(AUTH_TOKEN);
    expect(stored?.message).toContain('0123');
    expect(stored?.context.to).toMatch(/0123$/);
    expect(stored?.context.authToken).toBe('[REDACTED]');
    expect(stored?.context.notes).toEqual([expect.stringMatching(/0123$/)]);
    expect(lines.length).toBeGreaterThan(0);
  });

  it('makes the context JSON: bigints become strings, undefined and functions are dropped', async () => {
    const { recorder } = setup();
    const stored = await recorder.record({
      severity: 'info',
      code: 'x',
      message: 'm',
      context: { big: 10n, gone: undefined, fn: () => 1, date: 'kept' },
    });
    expect(stored?.context).toEqual({ big: '10', date: 'kept' });
  });

  it.each([
    ['info', 'info'],
    ['warning', 'warn'],
    ['critical', 'error'],
  ] as const)('logs a %s incident at %s', async (severity, level) => {
    const { recorder, lines } = setup();
    await recorder.record({ severity, code: 'c', message: 'm' });
    expect(lines.map((l) => l.level)).toEqual([level]);
  });

  it('alerts once for a critical incident, never for others', async () => {
    const onAlert = vi.fn();
    const { recorder } = setup({ onAlert });
    await recorder.record({ severity: 'info', code: 'a', message: 'm' });
    await recorder.record({ severity: 'warning', code: 'b', message: 'm' });
    expect(onAlert).not.toHaveBeenCalled();
    const stored = await recorder.record({
      severity: 'critical',
      provider: 'openai',
      code: 'ai_unavailable',
      message: 'no AI provider left',
      callId: 'call-9',
    });
    expect(onAlert).toHaveBeenCalledTimes(1);
    expect(onAlert.mock.calls[0]?.[0]).toMatchObject({
      condition: 'critical_incident',
      severity: 'critical',
      provider: 'openai',
      message: 'no AI provider left',
      at: stored?.at,
      context: { code: 'ai_unavailable', callId: 'call-9', stored: true },
      incident: stored,
    });
  });

  it('returns null without throwing when the log fails, logs the error, and still alerts', async () => {
    const [log, fault] = faultyStore(new MemoryIncidentLog());
    fault.down = true;
    const onAlert = vi.fn();
    const { recorder, lines } = setup({ log, onAlert });
    await expect(
      recorder.record({ severity: 'critical', code: 'store_down', message: `calling ${PHONE}` }),
    ).resolves.toBeNull();
    expect(fault.rejected).toBe(1);
    expect(lines.some((l) => l.level === 'error' && String(l.args[1]).includes('failed to write'))).toBe(
      true,
    );
    expect(onAlert).toHaveBeenCalledTimes(1);
    expect(onAlert.mock.calls[0]?.[0]).toMatchObject({ context: { stored: false } });
    expect(onAlert.mock.calls[0]?.[0].incident).toBeUndefined();
    expect(JSON.stringify(lines)).not.toContain(PHONE);
  });

  it('never throws even when the log throws synchronously', async () => {
    const log: IncidentLog = {
      append: () => {
        throw new StorageUnavailableError(`postgres://user:${AUTH_TOKEN}@db`);
      },
      query: async () => [],
      purgeBefore: async () => 0,
    };
    const { recorder, lines } = setup({ log });
    await expect(recorder.record({ severity: 'warning', code: 'c', message: 'm' })).resolves.toBeNull();
    expect(JSON.stringify(lines)).not.toContain(AUTH_TOKEN);
  });

  it('contains an alert hook that throws or rejects', async () => {
    for (const onAlert of [
      () => {
        throw new Error('pager down');
      },
      async () => {
        throw new Error('slack down');
      },
    ]) {
      const { recorder, lines, log } = setup({ onAlert });
      const stored = await recorder.record({ severity: 'critical', code: 'c', message: 'm' });
      expect(stored).not.toBeNull();
      expect(await log.query()).toHaveLength(1);
      expect(lines.some((l) => l.level === 'error' && String(l.args[1]).includes('alert hook failed'))).toBe(
        true,
      );
    }
  });
});
