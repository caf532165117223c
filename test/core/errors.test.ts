import { describe, expect, it } from 'vitest';
import {
  CircuitOpenError,
  FeatureDisabledError,
  IdempotencyConflictError,
  IdempotencyKeyReuseError,
  isCircuitOpenError,
  isSteadyCallError,
  isStorageUnavailableError,
  ProviderError,
  SignatureError,
  SteadyCallError,
  StorageUnavailableError,
  TimeoutError,
  ValidationError,
} from '../../src/core/errors.js';

describe('SteadyCallError', () => {
  it('carries code, status, retryable and cause', () => {
    const cause = new Error('socket hang up');
    const err = new StorageUnavailableError('db down', { cause });
    expect(err).toBeInstanceOf(SteadyCallError);
    expect(err.code).toBe('storage_unavailable');
    expect(err.httpStatus).toBe(503);
    expect(err.retryable).toBe(true);
    expect(err.cause).toBe(cause);
    expect(err.toJSON()).toEqual({
      error: { code: 'storage_unavailable', message: 'db down', details: { retryAfterMs: 1000 } },
    });
  });

  it('maps each subclass to its documented status', () => {
    const cases: [SteadyCallError, string, number, boolean][] = [
      [new CircuitOpenError('twilio', 1234.2), 'circuit_open', 503, true],
      [new FeatureDisabledError('sms.enabled'), 'feature_disabled', 403, false],
      [new IdempotencyConflictError(), 'idempotency_in_progress', 409, true],
      [new IdempotencyKeyReuseError(), 'idempotency_key_reuse', 422, false],
      [new ValidationError('bad', [{ path: 'to', message: 'required' }]), 'validation_failed', 400, false],
      [new SignatureError(), 'invalid_signature', 403, false],
      [new TimeoutError(500), 'timeout', 504, true],
      [
        new ProviderError('twilio', 'invalid number', { status: 400, providerCode: 21211 }),
        'provider_error',
        400,
        false,
      ],
      [new ProviderError('openai', 'overloaded', { status: 503 }), 'provider_error', 502, true],
      [new ProviderError('openai', 'rate limited', { status: 429 }), 'provider_error', 502, true],
    ];
    for (const [err, code, status, retryable] of cases) {
      expect([err.code, err.httpStatus, err.retryable]).toEqual([code, status, retryable]);
      expect(isSteadyCallError(err)).toBe(true);
    }
  });

  it('rounds retryAfterMs up and exposes the provider', () => {
    const err = new CircuitOpenError('openai', 1234.2);
    expect(err.retryAfterMs).toBe(1235);
    expect(err.provider).toBe('openai');
    expect(isCircuitOpenError(err)).toBe(true);
    expect(isStorageUnavailableError(err)).toBe(false);
  });

  it('guards work across realms and package copies (no instanceof)', () => {
    // An error made by another copy of the class has the same registry symbol but another prototype.
    const foreign = Object.assign(new Error('x'), { code: 'circuit_open' });
    Object.defineProperty(foreign, Symbol.for('steadycall.error'), { value: true });
    expect(isSteadyCallError(foreign)).toBe(true);
    expect(isCircuitOpenError(foreign)).toBe(true);
    expect(isSteadyCallError(new Error('plain'))).toBe(false);
    expect(isSteadyCallError(null)).toBe(false);
    expect(isSteadyCallError({ code: 'circuit_open' })).toBe(false);
  });
});

describe('VERSION', () => {
  it('matches package.json', async () => {
    const { VERSION } = await import('../../src/core/version.js');
    const pkg = await import('../../package.json', { with: { type: 'json' } });
    expect(VERSION).toBe(pkg.default.version);
  });
});
