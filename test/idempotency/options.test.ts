import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { isValidationError, ValidationError } from '../../src/core/errors.js';
import { IDEMPOTENCY_DEFAULTS, Idempotency, type IdempotencyOptions } from '../../src/idempotency/index.js';
import { MemoryIdempotencyStore } from '../../src/storage/memory/idempotency.js';

const make = (options: Partial<IdempotencyOptions>) =>
  new Idempotency({ store: new MemoryIdempotencyStore(), clock: new FakeClock(0), ...options });

function validationMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(isValidationError(err)).toBe(true);
    return (err as ValidationError).message;
  }
  throw new Error('expected a ValidationError');
}

describe('Idempotency options', () => {
  it('uses millisecond defaults: 30 s lease, 24 h retention, 10 s wait, 50 ms poll', () => {
    expect(IDEMPOTENCY_DEFAULTS).toEqual({
      leaseMs: 30_000,
      ttlMs: 86_400_000,
      waitTimeoutMs: 10_000,
      pollIntervalMs: 50,
    });
    expect(() => make({})).not.toThrow();
  });

  it.each([0, 30, 99])('rejects leaseMs %d at construction, naming milliseconds', (leaseMs) => {
    const message = validationMessage(() => make({ leaseMs }));
    expect(message).toMatch(/leaseMs/);
    expect(message).toMatch(/milliseconds/);
    expect(message).toContain(`got ${leaseMs}`);
  });

  it.each([100.5, Number.NaN, -1, Number.POSITIVE_INFINITY])('rejects leaseMs %s', (leaseMs) => {
    expect(() => make({ leaseMs })).toThrow(ValidationError);
  });

  it('accepts the smallest lease of 100 ms', () => {
    expect(() => make({ leaseMs: 100 })).not.toThrow();
  });

  it('rejects ttlMs below one minute or below the lease', () => {
    expect(validationMessage(() => make({ ttlMs: 59_999 }))).toMatch(/ttlMs/);
    expect(validationMessage(() => make({ ttlMs: 3_600 }))).toMatch(/milliseconds/);
    expect(validationMessage(() => make({ leaseMs: 120_000, ttlMs: 60_000 }))).toMatch(
      /ttlMs must be >= leaseMs/,
    );
    expect(() => make({ ttlMs: 60_000 })).not.toThrow();
  });

  it('rejects a negative or non-finite waitTimeoutMs and a zero poll interval; 0 wait is fine', () => {
    expect(() => make({ waitTimeoutMs: -1 })).toThrow(ValidationError);
    expect(() => make({ waitTimeoutMs: Number.NaN })).toThrow(ValidationError);
    expect(() => make({ pollIntervalMs: 0 })).toThrow(ValidationError);
    expect(() => make({ waitTimeoutMs: 0 })).not.toThrow();
  });

  it('lists every problem at once', () => {
    try {
      make({ leaseMs: 5, ttlMs: 10, waitTimeoutMs: -5 });
      expect.unreachable();
    } catch (err) {
      expect((err as ValidationError).issues.map((i) => i.path)).toEqual([
        'leaseMs',
        'ttlMs',
        'waitTimeoutMs',
      ]);
      expect((err as ValidationError).httpStatus).toBe(400);
    }
  });

  it('requires a store', () => {
    expect(() => new Idempotency({} as IdempotencyOptions)).toThrow(ValidationError);
  });

  it('validates per-call options too, before touching the store or the handler', async () => {
    const store = new MemoryIdempotencyStore();
    const claim = vi.spyOn(store, 'claim');
    const idempotency = new Idempotency({ store, clock: new FakeClock(0) });
    const handler = vi.fn(async () => 'x');
    await expect(idempotency.execute('k', {}, handler, { leaseMs: 30 })).rejects.toThrow(/milliseconds/);
    await expect(idempotency.execute('k', {}, handler, { ttlMs: 1_000 })).rejects.toThrow(ValidationError);
    await expect(idempotency.execute('k', {}, handler, { waitTimeoutMs: -1 })).rejects.toThrow(
      ValidationError,
    );
    // undefined per-call values fall back to the instance's.
    await expect(idempotency.execute('k', {}, handler, { leaseMs: undefined })).resolves.toMatchObject({
      replayed: false,
    });
    expect(claim).toHaveBeenCalledTimes(1);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('rejects an empty key and a payload that cannot be serialised', async () => {
    const idempotency = make({});
    const handler = vi.fn(async () => 'x');
    await expect(idempotency.execute('', {}, handler)).rejects.toThrow(ValidationError);
    await expect(idempotency.execute('k', { n: 10n }, handler)).rejects.toThrow(ValidationError);
    expect(handler).not.toHaveBeenCalled();
  });
});
