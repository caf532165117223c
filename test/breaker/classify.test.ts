import { describe, expect, it } from 'vitest';
import { defaultClassifier } from '../../src/breaker/classify.js';
import {
  CircuitOpenError,
  FeatureDisabledError,
  ProviderError,
  StorageUnavailableError,
  TimeoutError,
  ValidationError,
} from '../../src/core/errors.js';

function withProps(message: string, props: Record<string, unknown>): Error {
  return Object.assign(new Error(message), props);
}

describe('defaultClassifier', () => {
  it.each([
    ['our timeout', new TimeoutError(1000)],
    ['a DOMException timeout', new DOMException('timed out', 'TimeoutError')],
    ['a provider 503', new ProviderError('twilio', 'unavailable', { status: 503 })],
    ['a provider 429', new ProviderError('openai', 'rate limited', { status: 429 })],
    ['a provider 408', new ProviderError('openai', 'request timeout', { status: 408 })],
    ['a provider error without status', new ProviderError('gemini', 'socket closed')],
    ['an SDK error with status 500', withProps('server', { status: 500 })],
    ['an SDK error with statusCode 502', withProps('bad gateway', { statusCode: 502 })],
    ['an axios error with response.status 504', withProps('gateway', { response: { status: 504 } })],
    ['fetch failed', new TypeError('fetch failed')],
    ['ECONNREFUSED', withProps('connect', { code: 'ECONNREFUSED' })],
    [
      'UND_ERR_SOCKET in cause',
      new TypeError('fetch failed', { cause: withProps('x', { code: 'UND_ERR_SOCKET' }) }),
    ],
    ['ETIMEDOUT in a wrapper', new Error('wrapped', { cause: withProps('x', { code: 'ETIMEDOUT' }) })],
    ['an AbortError not from the caller', new DOMException('aborted', 'AbortError')],
    ['an unknown error', new Error('weird')],
    ['a string', 'boom'],
  ])('records %s', (_name, error) => {
    expect(defaultClassifier(error)).toBe('record');
  });

  it.each([
    [
      'Twilio 400 invalid number',
      new ProviderError('twilio', 'invalid', { status: 400, providerCode: 21211 }),
    ],
    ['an SDK 404', withProps('not found', { status: 404 })],
    ['an SDK 401 in cause', new Error('wrapped', { cause: withProps('auth', { statusCode: 401 }) })],
    ['circuit open', new CircuitOpenError('openai', 100)],
    ['feature disabled', new FeatureDisabledError('ai.enabled')],
    ['validation', new ValidationError('bad')],
    ['storage unavailable', new StorageUnavailableError()],
  ])('ignores %s', (_name, error) => {
    expect(defaultClassifier(error)).toBe('ignore');
  });

  it("ignores an abort caused by the caller's own signal", () => {
    const abort = new DOMException('aborted', 'AbortError');
    expect(defaultClassifier(abort, { callerAborted: true })).toBe('ignore');
    expect(defaultClassifier(abort, { callerAborted: false })).toBe('record');
  });
});
