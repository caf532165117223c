import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { defaultClassifier } from '../../src/breaker/classify.js';
import {
  CircuitOpenError,
  isProviderError,
  isSteadyCallError,
  isTimeoutError,
  type ProviderError,
  TimeoutError,
  ValidationError,
} from '../../src/core/errors.js';
import { mapTwilioError, twilioErrorCounts } from '../../src/telephony/twilio-errors.js';

/** A real RestException, built the way twilio-node builds it from an HTTP response. */
function restException(statusCode: number, body: Record<string, unknown> | string): Error {
  return new twilio.RestException({
    statusCode,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** An axios-like transport error, carrying the request config as axios does. */
function transportError(code: string, message: string, timeout = 10_000): Error {
  return Object.assign(new Error(message), {
    code,
    isAxiosError: true,
    config: {
      timeout,
      headers: { Authorization: 'Basic QUN4eHg6c2VjcmV0LXRva2Vu' },
      data: 'To=%2B14155550123&From=%2B14155550100',
    },
  });
}

/** A naive classifier that only looks at `httpStatus`, as some breakers do. */
const byHttpStatus = (error: { httpStatus: number }) =>
  error.httpStatus >= 500 || error.httpStatus === 429 ? 'record' : 'ignore';

const invalidTo = () =>
  restException(400, {
    code: 21211,
    message: "The 'To' number +14155550123 is not a valid phone number.",
    more_info: 'https://www.twilio.com/docs/errors/21211',
    status: 400,
  });

describe('mapTwilioError: HTTP errors', () => {
  it('maps 400 / 21211 to a non-retryable ProviderError with a masked number', () => {
    const mapped = mapTwilioError(invalidTo(), 'createCall');
    expect(isProviderError(mapped)).toBe(true);
    const error = mapped as ProviderError;
    expect(error).toMatchObject({ provider: 'twilio', status: 400, providerCode: 21211, retryable: false });
    expect(error.httpStatus).toBe(400);
    expect(error.message).not.toContain('14155550123');
    expect(error.message).toContain('0123');
    expect(error.message).toContain('Twilio createCall failed');
    expect(error.message).toContain('21211');
    expect(error.details).toMatchObject({ moreInfo: 'https://www.twilio.com/docs/errors/21211' });
    expect(JSON.stringify(error.toJSON())).not.toContain('14155550123');
    expect(twilioErrorCounts(invalidTo())).toBe(false);
  });

  it.each([
    [21214, 'To phone number cannot be reached: +442071838750'],
    [21217, 'Phone number does not appear to be valid: (415) 555-0123'],
  ])('maps 400 / %i as not retryable and not counted', (code, message) => {
    const error = mapTwilioError(restException(400, { code, message, status: 400 }), 'createCall');
    expect(error).toMatchObject({ status: 400, providerCode: code, retryable: false });
    expect(error.message).not.toMatch(/2071838750|555-0123/);
    expect(twilioErrorCounts(error)).toBe(false);
  });

  it.each([
    [500, 20500],
    [503, 20503],
    [429, 20429],
  ])('maps HTTP %i as retryable and counted', (status, code) => {
    const error = mapTwilioError(restException(status, { code, message: 'Try later', status }), 'sendSms');
    expect(error).toMatchObject({ status, providerCode: code, retryable: true });
    expect(twilioErrorCounts(error)).toBe(true);
  });

  it('copes with a non-JSON error body', () => {
    const error = mapTwilioError(restException(502, '<html>Bad gateway</html>'), 'hangUp');
    expect(error).toMatchObject({ status: 502, providerCode: undefined, retryable: true });
    expect(error.message).toContain('HTTP 502');
  });

  it('keeps the status of an axios error that carries a response', () => {
    const axiosLike = Object.assign(new Error('Request failed with status code 503'), {
      code: 'ERR_BAD_RESPONSE',
      response: { status: 503 },
    });
    expect(mapTwilioError(axiosLike, 'fetchAccount')).toMatchObject({ status: 503, providerCode: undefined });
  });
});

describe('mapTwilioError: transport errors', () => {
  it.each([
    ['ETIMEDOUT', 'connect ETIMEDOUT 10.0.0.1:443'],
    ['ECONNABORTED', 'timeout of 2500ms exceeded'],
  ])('maps %s to a TimeoutError', (code, message) => {
    const error = mapTwilioError(transportError(code, message, 2500), 'createCall');
    expect(isTimeoutError(error)).toBe(true);
    expect((error as TimeoutError).timeoutMs).toBe(2500);
    expect(error.message).toBe('Twilio createCall timed out after 2500 ms');
    expect(twilioErrorCounts(error)).toBe(true);
  });

  it('maps a TimeoutError DOMException to a TimeoutError', () => {
    expect(isTimeoutError(mapTwilioError(new DOMException('t', 'TimeoutError'), 'x'))).toBe(true);
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND'])(
    'maps %s to a retryable ProviderError without status',
    (code) => {
      const error = mapTwilioError(transportError(code, `socket ${code}`), 'createCall') as ProviderError;
      expect(isProviderError(error)).toBe(true);
      expect(error).toMatchObject({ status: undefined, retryable: true, httpStatus: 502 });
      expect(error.message).toBe(`Twilio createCall failed: connection error (${code})`);
      expect(error.cause).toMatchObject({ code });
      expect(twilioErrorCounts(error)).toBe(true);
    },
  );

  it('never keeps the raw axios error (auth header, form body) as cause', () => {
    const error = mapTwilioError(transportError('ECONNRESET', 'socket hang up'), 'createCall');
    const cause = error.cause as Record<string, unknown>;
    expect(cause).toBeInstanceOf(Error);
    expect(cause.config).toBeUndefined();
    expect(JSON.stringify({ ...cause, message: (cause as unknown as Error).message })).not.toMatch(
      /Basic|14155550123/,
    );
  });

  it('maps unknown errors and non-errors to a counted ProviderError with a masked message', () => {
    const error = mapTwilioError(new Error('weird failure for +14155550123'), 'sendSms');
    expect(error).toMatchObject({ code: 'provider_error', retryable: true });
    expect(error.message).not.toContain('14155550123');
    expect(mapTwilioError('boom', 'sendSms').message).toBe('Twilio sendSms failed: boom');
    expect(twilioErrorCounts('boom')).toBe(true);
  });

  it('returns steadycall errors unchanged', () => {
    const open = new CircuitOpenError('twilio', 5000);
    const timeout = new TimeoutError(10_000, 'Twilio createCall');
    expect(mapTwilioError(open, 'createCall')).toBe(open);
    expect(mapTwilioError(timeout, 'createCall')).toBe(timeout);
    expect(twilioErrorCounts(open)).toBe(false);
    expect(twilioErrorCounts(new ValidationError('bad'))).toBe(false);
    expect(twilioErrorCounts(timeout)).toBe(true);
  });
});

describe('breaker classification of mapped errors', () => {
  const cases: [string, unknown, boolean][] = [
    ['400 / 21211', invalidTo(), false],
    ['404 / 20404', restException(404, { code: 20404, message: 'Not found', status: 404 }), false],
    ['401 / 20003', restException(401, { code: 20003, message: 'Authenticate', status: 401 }), false],
    ['429', restException(429, { code: 20429, message: 'Too many requests', status: 429 }), true],
    ['500', restException(500, { message: 'Internal', status: 500 }), true],
    ['503', restException(503, { message: 'Unavailable', status: 503 }), true],
    ['ECONNABORTED', transportError('ECONNABORTED', 'timeout of 10000ms exceeded'), true],
    ['ECONNREFUSED', transportError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:443'), true],
    ['ECONNRESET', transportError('ECONNRESET', 'socket hang up'), true],
  ];

  it.each(cases)(
    '%s: twilioErrorCounts, defaultClassifier and an httpStatus classifier agree',
    (_n, raw, counts) => {
      const mapped = mapTwilioError(raw, 'createCall');
      expect(isSteadyCallError(mapped)).toBe(true);
      expect(twilioErrorCounts(raw)).toBe(counts);
      expect(twilioErrorCounts(mapped)).toBe(counts);
      const verdict = counts ? 'record' : 'ignore';
      expect(defaultClassifier(mapped)).toBe(verdict);
      expect(byHttpStatus(mapped)).toBe(verdict);
    },
  );
});
