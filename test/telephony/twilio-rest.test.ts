import nock from 'nock';
import twilio from 'twilio';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/breaker/breaker.js';
import {
  CircuitOpenError,
  isCircuitOpenError,
  isProviderError,
  isTimeoutError,
  isValidationError,
  type ProviderError,
} from '../../src/core/errors.js';
import type { Logger } from '../../src/core/logger.js';
import { MemoryProviderStatusStore } from '../../src/storage/memory/provider-status.js';
import type { CreateCallInput, GuardingBreaker } from '../../src/telephony/provider.js';
import { twilioErrorCounts } from '../../src/telephony/twilio-errors.js';
import { TwilioRestAdapter } from '../../src/telephony/twilio-rest.js';

const ACCOUNT = `AC${'a1'.repeat(16)}`;
const CALL_SID = `CA${'b2'.repeat(16)}`;
const MESSAGE_SID = `SM${'c3'.repeat(16)}`;
const BASE = `/2010-04-01/Accounts/${ACCOUNT}`;
const API = 'https://api.twilio.com';

const input: CreateCallInput = {
  to: '+14155550123',
  from: '+14155550100',
  voiceUrl: 'https://voice.example.com/twilio/voice',
  statusCallbackUrl: 'https://voice.example.com/twilio/status',
};

/** The adapter on a real official client (autoRetry off, so a 429 reaches us once). */
function adapter(options: { breaker?: GuardingBreaker; timeoutMs?: number; logger?: Logger } = {}) {
  return new TwilioRestAdapter({ client: twilio(ACCOUNT, 'test-auth-token'), ...options });
}

/** Records every execute; runs the function with a fresh signal, or refuses with `refuse`. */
function fakeBreaker(refuse?: Error): GuardingBreaker & { calls: number } {
  const breaker = {
    calls: 0,
    async execute<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
      breaker.calls += 1;
      if (refuse) throw refuse;
      return fn(new AbortController().signal);
    },
  };
  return breaker;
}

function recordingLogger(): Logger & { lines: unknown[][] } {
  const lines: unknown[][] = [];
  const log =
    (level: string) =>
    (...args: unknown[]) => {
      lines.push([level, ...args]);
    };
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

const callJson = (status = 'queued') => ({ sid: CALL_SID, account_sid: ACCOUNT, status });

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterEach(() => {
  nock.abortPendingRequests();
  nock.cleanAll();
});
afterAll(() => {
  nock.enableNetConnect();
});

describe('TwilioRestAdapter requests', () => {
  it('creates a call with the voice URL and the status callback fields', async () => {
    let form = new URLSearchParams();
    const scope = nock(API)
      .post(`${BASE}/Calls.json`)
      .reply(201, async (req: Request) => {
        form = new URLSearchParams(await req.text());
        return callJson();
      });

    const created = await adapter().createCall({ ...input, timeoutSeconds: 25 });

    expect(created).toEqual({ callSid: CALL_SID, status: 'queued' });
    expect(scope.isDone()).toBe(true);
    expect(form.get('To')).toBe(input.to);
    expect(form.get('From')).toBe(input.from);
    expect(form.get('Url')).toBe(input.voiceUrl);
    expect(form.get('Method')).toBe('POST');
    expect(form.get('StatusCallback')).toBe(input.statusCallbackUrl);
    expect(form.get('StatusCallbackMethod')).toBe('POST');
    expect(form.getAll('StatusCallbackEvent')).toEqual(['initiated', 'ringing', 'answered', 'completed']);
    expect(form.get('Timeout')).toBe('25');
  });

  it('sends only the requested status callback events, and no Timeout unless asked', async () => {
    let form = new URLSearchParams();
    nock(API)
      .post(`${BASE}/Calls.json`)
      .reply(201, async (req: Request) => {
        form = new URLSearchParams(await req.text());
        return callJson('initiated');
      });
    const created = await adapter().createCall({ ...input, statusCallbackEvents: ['completed'] });
    expect(created.status).toBe('initiated');
    expect(form.getAll('StatusCallbackEvent')).toEqual(['completed']);
    expect(form.has('Timeout')).toBe(false);
  });

  it('hangs up with Status=completed', async () => {
    let form = new URLSearchParams();
    const scope = nock(API)
      .post(`${BASE}/Calls/${CALL_SID}.json`)
      .reply(200, async (req: Request) => {
        form = new URLSearchParams(await req.text());
        return callJson('completed');
      });
    await expect(adapter().hangUp(CALL_SID)).resolves.toBeUndefined();
    expect(scope.isDone()).toBe(true);
    expect(Object.fromEntries(form)).toEqual({ Status: 'completed' });
  });

  it('redirects a live call to new TwiML (the spoken fallback)', async () => {
    let form = new URLSearchParams();
    const scope = nock(API)
      .post(`${BASE}/Calls/${CALL_SID}.json`)
      .reply(200, async (req: Request) => {
        form = new URLSearchParams(await req.text());
        return callJson('in-progress');
      });
    const twiml = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Sorry</Say><Hangup/></Response>';
    await expect(adapter().redirect(CALL_SID, twiml)).resolves.toBeUndefined();
    expect(scope.isDone()).toBe(true);
    expect(Object.fromEntries(form)).toEqual({ Twiml: twiml });
  });

  it('refuses a malformed CallSid without a request', async () => {
    const scope = nock(API).post(/.*/).reply(200, {});
    const breaker = fakeBreaker();
    const error = await rejection(adapter({ breaker }).hangUp('../Accounts/x'));
    expect(isValidationError(error)).toBe(true);
    expect(breaker.calls).toBe(0);
    expect(scope.isDone()).toBe(false);
  });

  it('sends an SMS', async () => {
    let form = new URLSearchParams();
    nock(API)
      .post(`${BASE}/Messages.json`)
      .reply(201, async (req: Request) => {
        form = new URLSearchParams(await req.text());
        return { sid: MESSAGE_SID, status: 'queued' };
      });
    const sent = await adapter().sendSms({
      to: input.to,
      from: input.from,
      body: 'Your callback is booked',
      statusCallbackUrl: 'https://voice.example.com/twilio/sms-status',
    });
    expect(sent).toEqual({ messageSid: MESSAGE_SID, status: 'queued' });
    expect(Object.fromEntries(form)).toEqual({
      To: input.to,
      From: input.from,
      Body: 'Your callback is booked',
      StatusCallback: 'https://voice.example.com/twilio/sms-status',
    });
  });

  it('fetches the account', async () => {
    nock(API)
      .get(`${BASE}.json`)
      .basicAuth({ user: ACCOUNT, pass: 'test-auth-token' })
      .reply(200, { sid: ACCOUNT, status: 'active', friendly_name: 'Ops' });
    await expect(adapter().fetchAccount()).resolves.toEqual({
      accountSid: ACCOUNT,
      status: 'active',
      friendlyName: 'Ops',
    });
  });
});

describe('TwilioRestAdapter errors', () => {
  it('maps 400 / 21211 to a non-retryable, uncounted ProviderError with a masked number', async () => {
    nock(API).post(`${BASE}/Calls.json`).reply(400, {
      code: 21211,
      message: "The 'To' number +14155550123 is not a valid phone number.",
      more_info: 'https://www.twilio.com/docs/errors/21211',
      status: 400,
    });
    const error = (await rejection(adapter().createCall(input))) as ProviderError;
    expect(isProviderError(error)).toBe(true);
    expect(error).toMatchObject({ status: 400, providerCode: 21211, retryable: false, httpStatus: 400 });
    expect(error.message).not.toContain('14155550123');
    expect(error.message).toContain('0123');
    expect(twilioErrorCounts(error)).toBe(false);
  });

  it.each([500, 503, 429])('maps HTTP %i to a retryable, counted ProviderError', async (status) => {
    nock(API)
      .post(`${BASE}/Calls.json`)
      .reply(status, { code: 20000 + status, message: 'Try later', status });
    const error = (await rejection(adapter().createCall(input))) as ProviderError;
    expect(error).toMatchObject({ code: 'provider_error', status, retryable: true });
    expect(twilioErrorCounts(error)).toBe(true);
  });

  it('maps a connection reset to a counted ProviderError without status', async () => {
    // nock 15 needs an Error instance here: a plain object is swallowed and the request hangs.
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    nock(API).post(`${BASE}/Messages.json`).replyWithError(reset);
    const error = (await rejection(
      adapter().sendSms({ to: input.to, from: input.from, body: 'hi' }),
    )) as ProviderError;
    expect(error).toMatchObject({ code: 'provider_error', status: undefined, retryable: true });
    expect(error.cause).toMatchObject({ code: 'ECONNRESET' });
    expect(twilioErrorCounts(error)).toBe(true);
  });

  it('rejects with a TimeoutError when Twilio answers after timeoutMs, and logs the late call', async () => {
    const logger = recordingLogger();
    nock(API).post(`${BASE}/Calls.json`).delay(300).reply(201, callJson());
    const started = Date.now();
    const error = await rejection(adapter({ timeoutMs: 50, logger }).createCall(input));
    expect(isTimeoutError(error)).toBe(true);
    expect((error as Error).message).toBe('Twilio createCall timed out after 50 ms');
    expect(Date.now() - started).toBeLessThan(250);
    expect(twilioErrorCounts(error)).toBe(true);

    // The official client cannot be aborted: the request completes and the call exists.
    await expect.poll(() => logger.lines.length, { timeout: 2000 }).toBe(1);
    expect(logger.lines[0]?.[0]).toBe('warn');
    expect(logger.lines[0]?.[1]).toEqual({ operation: 'createCall', sid: CALL_SID });
  });

  it("rejects with the caller's abort reason as soon as the caller aborts", async () => {
    nock(API).post(`${BASE}/Calls.json`).delay(300).reply(201, callJson());
    const controller = new AbortController();
    const pending = adapter().createCall(input, { signal: controller.signal });
    const reason = new Error('user hung up the UI');
    setTimeout(() => controller.abort(reason), 20);
    expect(await rejection(pending)).toBe(reason);
  });

  it('makes no request when the caller signal is already aborted', async () => {
    const scope = nock(API).post(`${BASE}/Calls.json`).reply(201, callJson());
    const error = await rejection(adapter().createCall(input, { signal: AbortSignal.abort() }));
    expect((error as Error).name).toBe('AbortError');
    expect(scope.isDone()).toBe(false);
  });
});

describe('TwilioRestAdapter with a breaker', () => {
  it('sends every method through breaker.execute', async () => {
    nock(API)
      .post(`${BASE}/Calls.json`)
      .reply(201, callJson())
      .post(`${BASE}/Calls/${CALL_SID}.json`)
      .reply(200, callJson('completed'))
      .post(`${BASE}/Messages.json`)
      .reply(201, { sid: MESSAGE_SID, status: 'queued' })
      .get(`${BASE}.json`)
      .reply(200, { sid: ACCOUNT, status: 'active' });
    const breaker = fakeBreaker();
    const telephony = adapter({ breaker });
    await telephony.createCall(input);
    expect(breaker.calls).toBe(1);
    await telephony.hangUp(CALL_SID);
    expect(breaker.calls).toBe(2);
    await telephony.sendSms({ to: input.to, from: input.from, body: 'hi' });
    expect(breaker.calls).toBe(3);
    await telephony.fetchAccount();
    expect(breaker.calls).toBe(4);
    expect(nock.isDone()).toBe(true);
  });

  it('gives up when the breaker aborts its signal (the breaker timeout)', async () => {
    nock(API).post(`${BASE}/Calls.json`).delay(300).reply(201, callJson());
    const reason = new Error('breaker budget spent');
    const breaker: GuardingBreaker = {
      execute<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
        const controller = new AbortController();
        setTimeout(() => controller.abort(reason), 20);
        return fn(controller.signal);
      },
    };
    expect(await rejection(adapter({ breaker }).createCall(input))).toBe(reason);
  });

  it('makes no request while the circuit is open', async () => {
    const scope = nock(API).post(`${BASE}/Calls.json`).reply(201, callJson());
    const breaker = fakeBreaker(new CircuitOpenError('twilio', 30_000));
    const error = await rejection(adapter({ breaker }).createCall(input));
    expect(isCircuitOpenError(error)).toBe(true);
    expect(breaker.calls).toBe(1);
    expect(scope.isDone()).toBe(false);
    expect(nock.pendingMocks()).toHaveLength(1);
  });

  it('trips a real CircuitBreaker on 503s but not on invalid numbers', async () => {
    const breaker = new CircuitBreaker({
      provider: 'twilio',
      store: new MemoryProviderStatusStore(),
      policy: { consecutiveFailures: 2 },
      cacheTtlMs: 0,
    });
    const telephony = adapter({ breaker });
    const invalid = { code: 21211, message: "The 'To' number +14155550123 is not valid.", status: 400 };
    nock(API).post(`${BASE}/Calls.json`).times(3).reply(400, invalid);
    for (let i = 0; i < 3; i++)
      expect(isProviderError(await rejection(telephony.createCall(input)))).toBe(true);

    nock(API).post(`${BASE}/Calls.json`).times(2).reply(503, { message: 'Unavailable', status: 503 });
    for (let i = 0; i < 2; i++)
      expect(isProviderError(await rejection(telephony.createCall(input)))).toBe(true);

    const scope = nock(API).post(`${BASE}/Calls.json`).reply(201, callJson());
    expect(isCircuitOpenError(await rejection(telephony.createCall(input)))).toBe(true);
    expect(scope.isDone()).toBe(false);
  });
});

describe('TwilioRestAdapter.fromCredentials', () => {
  it('loads the official client on first use', async () => {
    nock(API)
      .get(`${BASE}.json`)
      .basicAuth({ user: ACCOUNT, pass: 'lazy-token' })
      .reply(200, { sid: ACCOUNT, status: 'active' });
    const telephony = TwilioRestAdapter.fromCredentials({ accountSid: ACCOUNT, authToken: 'lazy-token' });
    await expect(telephony.fetchAccount()).resolves.toEqual({ accountSid: ACCOUNT, status: 'active' });
  });

  it('gives the client the same timeout, so the late request is torn down instead of completing', async () => {
    const logger = recordingLogger();
    nock(API).post(`${BASE}/Calls.json`).delay(300).reply(201, callJson());
    const telephony = TwilioRestAdapter.fromCredentials({
      accountSid: ACCOUNT,
      authToken: 'lazy-token',
      timeoutMs: 50,
      logger,
    });
    expect(isTimeoutError(await rejection(telephony.createCall(input)))).toBe(true);
    // axios gives up too: a failure after the fact (debug), never a late success (warn).
    await expect.poll(() => logger.lines.length, { timeout: 2000 }).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(logger.lines.map(([level]) => level)).toEqual(['debug']);
    expect(logger.lines[0]?.[1]).toEqual({ operation: 'createCall', code: 'timeout' });
  });

  it('reports a failing client loader as an internal error, outside the breaker', async () => {
    const breaker = fakeBreaker();
    const telephony = new TwilioRestAdapter({
      client: () => Promise.reject(new Error("Cannot find package 'twilio'")),
      breaker,
    });
    const error = await rejection(telephony.fetchAccount());
    expect(error).toMatchObject({ code: 'internal' });
    expect(breaker.calls).toBe(0);
  });

  it('rejects a negative timeoutMs', () => {
    expect(() => adapter({ timeoutMs: -1 })).toThrow(/Invalid TwilioRestAdapter options/);
  });
});
