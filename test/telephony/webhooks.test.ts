import { describe, expect, it } from 'vitest';
import { isValidationError } from '../../src/core/errors.js';
import {
  formParams,
  lastValues,
  parseWith,
  statusWebhookSchema,
  streamStatusWebhookSchema,
  voiceWebhookSchema,
} from '../../src/telephony/webhooks.js';

const CA = `CA${'a'.repeat(32)}`;
const AC = `AC${'b'.repeat(32)}`;

describe('webhook schemas', () => {
  it('parses a status callback and keeps unknown fields', () => {
    const body = `CallSid=${CA}&AccountSid=${AC}&CallStatus=ringing&SequenceNumber=2&CallbackSource=call-progress-events&To=%2B14155550123`;
    const parsed = parseWith(statusWebhookSchema, 'status callback', lastValues(formParams(body)));
    expect(parsed.SequenceNumber).toBe(2);
    expect(parsed.CallStatus).toBe('ringing');
    expect(parsed.CallbackSource).toBe('call-progress-events');
    expect(parsed.To).toBe('+14155550123');
  });

  it('rejects bad input with a typed validation error naming the fields', () => {
    try {
      parseWith(statusWebhookSchema, 'status callback', {
        CallSid: 'nope',
        AccountSid: AC,
        CallStatus: 'exploded',
      });
      expect.unreachable();
    } catch (err) {
      expect(isValidationError(err)).toBe(true);
      if (!isValidationError(err)) return;
      expect(err.httpStatus).toBe(400);
      expect(err.issues.map((i) => i.path).sort()).toEqual(['CallSid', 'CallStatus']);
    }
    expect(() =>
      parseWith(statusWebhookSchema, 's', {
        CallSid: CA,
        AccountSid: AC,
        CallStatus: 'ringing',
        SequenceNumber: '-1',
      }),
    ).toThrow();
    expect(() =>
      parseWith(voiceWebhookSchema, 'v', { CallSid: CA, AccountSid: AC, Extra: 'x'.repeat(9000) }),
    ).toThrow();
  });

  it('parses voice and stream-status bodies', () => {
    expect(
      parseWith(voiceWebhookSchema, 'v', { CallSid: CA, AccountSid: AC, From: '+1', Direction: 'inbound' })
        .CallSid,
    ).toBe(CA);
    expect(
      parseWith(streamStatusWebhookSchema, 's', {
        CallSid: CA,
        AccountSid: AC,
        StreamSid: `MZ${'c'.repeat(32)}`,
        StreamEvent: 'stream-error',
        StreamError: 'boom',
      }).StreamEvent,
    ).toBe('stream-error');
  });

  it('keeps repeated form keys', () => {
    expect(formParams('a=1&a=2&b=3')).toEqual({ a: ['1', '2'], b: '3' });
  });
});
