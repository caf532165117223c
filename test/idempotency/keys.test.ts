import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import {
  fingerprintPayload,
  requestIdempotencyKey,
  twilioWebhookIdempotencyKey,
} from '../../src/idempotency/index.js';

const status = {
  CallSid: 'CA0123456789abcdef0123456789abcdef',
  CallStatus: 'completed',
  SequenceNumber: '3',
};

describe('twilioWebhookIdempotencyKey', () => {
  it('uses I-Twilio-Idempotency-Token when present, whatever the body', () => {
    const headers = new Headers({ 'I-Twilio-Idempotency-Token': 'AC123-8f1e-token' });
    expect(twilioWebhookIdempotencyKey(headers, status)).toBe('twilio:token:AC123-8f1e-token');
    expect(twilioWebhookIdempotencyKey(headers, {})).toBe('twilio:token:AC123-8f1e-token');
  });

  it('derives the key from CallSid, CallStatus and SequenceNumber otherwise', () => {
    expect(twilioWebhookIdempotencyKey(new Headers(), status)).toBe(
      'twilio:status:CA0123456789abcdef0123456789abcdef:completed:3',
    );
    const { SequenceNumber: _, ...noSeq } = status;
    expect(twilioWebhookIdempotencyKey(new Headers(), noSeq)).toBe(
      'twilio:status:CA0123456789abcdef0123456789abcdef:completed:',
    );
  });

  it('falls back to the derived key when the token header is empty or invalid', () => {
    for (const token of ['', 'has space', 'x'.repeat(256), 'caf\u00e9']) {
      const headers = new Headers({ 'I-Twilio-Idempotency-Token': token });
      expect(twilioWebhookIdempotencyKey(headers, status)).toMatch(/^twilio:status:/);
    }
  });

  it('throws ValidationError naming the missing fields', () => {
    expect(() => twilioWebhookIdempotencyKey(new Headers(), { CallStatus: 'ringing' })).toThrow(
      ValidationError,
    );
    try {
      twilioWebhookIdempotencyKey(new Headers(), {});
      expect.unreachable();
    } catch (err) {
      expect((err as ValidationError).issues.map((i) => i.path)).toEqual(['CallSid', 'CallStatus']);
    }
    expect(() => twilioWebhookIdempotencyKey(new Headers(), { CallSid: 'CA1', CallStatus: '' })).toThrow(
      ValidationError,
    );
  });

  it('never lets a colon inside a value make two events share a key', () => {
    const a = twilioWebhookIdempotencyKey(new Headers(), { CallSid: 'CA1:x', CallStatus: 'y' });
    const b = twilioWebhookIdempotencyKey(new Headers(), { CallSid: 'CA1', CallStatus: 'x:y' });
    expect(a).not.toBe(b);
  });
});

describe('requestIdempotencyKey', () => {
  it('returns null when the header is absent', () => {
    expect(requestIdempotencyKey(new Headers(), 'tenant-1')).toBeNull();
  });

  it('scopes the key so tenants and routes never collide', () => {
    const headers = new Headers({ 'Idempotency-Key': '9b2f0c1e-key' });
    expect(requestIdempotencyKey(headers, 'tenant-1')).toBe('tenant-1:9b2f0c1e-key');
    expect(requestIdempotencyKey(headers, 'tenant-2')).toBe('tenant-2:9b2f0c1e-key');
    // Hierarchical scopes stay distinct: the scope is percent-encoded.
    const a = requestIdempotencyKey(new Headers({ 'Idempotency-Key': 'calls:1' }), 'acme');
    const b = requestIdempotencyKey(new Headers({ 'Idempotency-Key': '1' }), 'acme:calls');
    expect(a).not.toBe(b);
  });

  it('accepts 255 visible ASCII characters', () => {
    const key = `${'!~'.repeat(127)}a`;
    expect(requestIdempotencyKey(new Headers({ 'Idempotency-Key': key }), 's')).toBe(`s:${key}`);
  });

  it.each([
    ['empty', ''],
    ['only spaces', '   '],
    ['too long', 'k'.repeat(256)],
    ['inner space', 'a b'],
    ['non-ASCII', 'cl\u00e9'],
  ])('rejects a %s key with ValidationError', (_, key) => {
    expect(() => requestIdempotencyKey(new Headers({ 'Idempotency-Key': key }), 'tenant-1')).toThrow(
      ValidationError,
    );
  });

  it('rejects an empty or reserved scope', () => {
    const headers = new Headers({ 'Idempotency-Key': 'k' });
    expect(() => requestIdempotencyKey(headers, '')).toThrow(ValidationError);
    expect(() => requestIdempotencyKey(headers, 'twilio')).toThrow(ValidationError);
  });
});

describe('fingerprintPayload', () => {
  it('is the hex SHA-256 of the canonical JSON, independent of key order', async () => {
    const a = await fingerprintPayload({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } });
    const b = await fingerprintPayload({ a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 });
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    // sha256('{"a":1}')
    expect(await fingerprintPayload({ a: 1 })).toBe(
      '015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862',
    );
  });

  it('differs for different payloads and hashes undefined like null', async () => {
    expect(await fingerprintPayload({ a: 1 })).not.toBe(await fingerprintPayload({ a: 2 }));
    expect(await fingerprintPayload(undefined)).toBe(await fingerprintPayload(null));
  });

  it('rejects payloads that cannot be serialised', async () => {
    await expect(fingerprintPayload({ big: 1n })).rejects.toThrow(ValidationError);
  });
});
