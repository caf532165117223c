import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { ProviderError, StorageUnavailableError, TimeoutError } from '../../src/core/errors.js';
import { storeHealthCheck, twilioHealthCheck } from '../../src/health/checks.js';
import { fakeTelephony, TWILIO_TOKEN } from './helpers.js';

const ACCOUNT = `AC${'a1'.repeat(16)}`;
const signal = () => new AbortController().signal;

describe('twilioHealthCheck', () => {
  it('is not_configured without a telephony provider', async () => {
    const check = twilioHealthCheck({ telephony: undefined });
    expect(check.provider).toBe('twilio');
    expect(await check.check(signal())).toEqual({
      status: 'not_configured',
      latencyMs: null,
      message: 'Twilio credentials are not configured',
    });
  });

  it('is healthy for an active account and passes the signal on', async () => {
    const clock = new FakeClock(1000);
    const telephony = fakeTelephony(async () => {
      clock.set(clock.now() + 120);
      return { accountSid: ACCOUNT, status: 'active' };
    });
    const s = signal();
    expect(await twilioHealthCheck({ telephony, clock }).check(s)).toEqual({
      status: 'healthy',
      latencyMs: 120,
    });
    expect(telephony.calls[0]?.signal).toBe(s);
  });

  it('is degraded when an active account answers slower than degradedAboveMs', async () => {
    const clock = new FakeClock(0);
    const telephony = fakeTelephony(async () => {
      clock.set(clock.now() + 2500);
      return { accountSid: ACCOUNT, status: 'active' };
    });
    const result = await twilioHealthCheck({ telephony, clock }).check(signal());
    expect(result).toMatchObject({ status: 'degraded', latencyMs: 2500 });
    const relaxed = await twilioHealthCheck({ telephony, clock, degradedAboveMs: 3000 }).check(signal());
    expect(relaxed.status).toBe('healthy');
  });

  it.each(['suspended', 'closed'])('is down for a %s account', async (status) => {
    const telephony = fakeTelephony(async () => ({ accountSid: ACCOUNT, status }));
    expect(await twilioHealthCheck({ telephony }).check(signal())).toMatchObject({
      status: 'down',
      message: `account ${status}`,
    });
  });

  it('flags an unknown account status as degraded', async () => {
    const telephony = fakeTelephony(async () => ({ accountSid: ACCOUNT, status: 'mystery' }));
    expect((await twilioHealthCheck({ telephony }).check(signal())).status).toBe('degraded');
  });

  it('is down with "invalid credentials" on a 401', async () => {
    const telephony = fakeTelephony(async () => {
      throw new ProviderError(
        'twilio',
        'Twilio fetchAccount failed: Authenticate (HTTP 401, Twilio error 20003)',
        {
          status: 401,
          providerCode: 20003,
        },
      );
    });
    const result = await twilioHealthCheck({ telephony }).check(signal());
    expect(result.status).toBe('down');
    expect(result.message).toBe(
      'invalid credentials: Twilio fetchAccount failed: Authenticate (HTTP 401, Twilio error 20003)',
    );
  });

  it('reports an error code and a redacted message, never the token or a phone number', async () => {
    const telephony = fakeTelephony(async () => {
      const err = new Error(
        `connect failed for +14155550123 with Basic ${TWILIO_TOKEN} and Bearer abc.def.ghi`,
      );
      throw Object.assign(err, { code: 'ECONNREFUSED' });
    });
    const result = await twilioHealthCheck({ telephony, secrets: [TWILIO_TOKEN] }).check(signal());
    expect(result.status).toBe('down');
    expect(result.message).toMatch(/^ECONNREFUSED: connect failed/);
    expect(result.message).not.toContain(TWILIO_TOKEN);
    expect(result.message).not.toContain('abc.def.ghi');
    expect(result.message).not.toContain('4155550123');
    expect(result.message).toContain('0123');
  });

  it('keeps long messages to one short line', async () => {
    const telephony = fakeTelephony(async () => {
      throw new Error(`line one\nline two ${'x'.repeat(500)}`);
    });
    const { message } = await twilioHealthCheck({ telephony }).check(signal());
    expect(message).not.toContain('\n');
    expect(message!.length).toBeLessThanOrEqual(160);
  });

  it('maps a timeout to "timed out"', async () => {
    const telephony = fakeTelephony(async () => {
      throw new TimeoutError(10_000, 'Twilio fetchAccount');
    });
    expect(await twilioHealthCheck({ telephony }).check(signal())).toEqual({
      status: 'down',
      latencyMs: null,
      message: 'timed out',
    });
  });

  it('rejects a negative degradedAboveMs', () => {
    expect(() => twilioHealthCheck({ degradedAboveMs: -1 })).toThrow(RangeError);
  });
});

describe('storeHealthCheck', () => {
  it('is healthy when the ping resolves and reports under the given name', async () => {
    const clock = new FakeClock(0);
    const check = storeHealthCheck(
      'store',
      async () => {
        clock.set(clock.now() + 7);
      },
      { clock },
    );
    expect(check.provider).toBe('store');
    expect(await check.check(signal())).toEqual({ status: 'healthy', latencyMs: 7 });
  });

  it('is down when the ping throws, with the code only (drivers quote connection strings)', async () => {
    const check = storeHealthCheck('store', async () => {
      throw new StorageUnavailableError('could not reach postgres://app:hunter2@db.internal:5432/app');
    });
    const result = await check.check(signal());
    expect(result).toEqual({ status: 'down', latencyMs: null, message: 'unreachable (storage_unavailable)' });
  });

  it('is down for a ping that throws a non-error', async () => {
    const check = storeHealthCheck('store', () => Promise.reject('nope'));
    expect(await check.check(signal())).toEqual({ status: 'down', latencyMs: null, message: 'unreachable' });
  });
});
