import { describe, expect, it } from 'vitest';
import { consoleLogger, redactingLogger } from '../../src/core/logger.js';
import { createRedactor, maskPhone, maskPhonesInText, redact } from '../../src/core/redact.js';

describe('redaction', () => {
  it('keeps only the last four digits of a phone number', () => {
    expect(maskPhone('+14155550123')).toBe('+*******0123');
    expect(maskPhone('4155550123')).toBe('******0123');
    expect(maskPhone('123')).toBe('123');
  });

  it('masks phone numbers in free text but leaves dates and small numbers', () => {
    const text = 'Call to +1 (415) 555-0123 failed at 2026-11-25T10:00:00Z after 3 tries, code 21211';
    const out = maskPhonesInText(text);
    expect(out).not.toContain('555-0123');
    expect(out).toContain('0123');
    expect(out).toContain('2026-11-25T10:00:00Z');
    expect(out).toContain('code 21211');
    const id = 'e99fc97d-1234-4612-8123-123456789012';
    expect(maskPhonesInText(`incident ${id}`)).toBe(`incident ${id}`);
    // A UUID whose first block is all digits is an id, not a phone number.
    const digitsFirst = '12345678-e7a9-4612-8123-a23456789012';
    expect(maskPhonesInText(`Could not place call ${digitsFirst}`)).toBe(
      `Could not place call ${digitsFirst}`,
    );
    expect(maskPhonesInText('CallSid=CA1&To=%2B14155550123&From=%2b442071838750')).toBe(
      'CallSid=CA1&To=%2B*******0123&From=%2b********8750',
    );
  });

  it('replaces secret-looking keys and known secret values at any depth', () => {
    const r = createRedactor({ secrets: ['sk-live-abcdef123456'] });
    const out = r({
      authToken: 'abc',
      nested: { apiKey: 'k', note: 'used key sk-live-abcdef123456 today', to: '+14155550123' },
      list: [{ Authorization: 'Bearer x' }],
      count: 3,
    });
    const json = JSON.stringify(out);
    expect(json).not.toContain('sk-live-abcdef123456');
    expect(json).not.toContain('+14155550123');
    expect(json).not.toContain('Bearer x');
    expect(out).toMatchObject({ authToken: '[REDACTED]', count: 3, nested: { apiKey: '[REDACTED]' } });
  });

  it('handles cycles and errors', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    expect(redact(a)).toEqual({ name: 'a', self: '[Circular]' });
    expect(redact(new Error('to +14155550123'))).toEqual({ name: 'Error', message: 'to +*******0123' });
  });

  it('redactingLogger scrubs before the inner logger sees anything', () => {
    const lines: unknown[] = [];
    const inner = {
      debug: (...a: unknown[]) => lines.push(a),
      info: (...a: unknown[]) => lines.push(a),
      warn: (...a: unknown[]) => lines.push(a),
      error: (...a: unknown[]) => lines.push(a),
    };
    const log = redactingLogger(inner, createRedactor({ secrets: ['topsecret-token'] }));
    log.info({ to: '+14155550123', token: 'x' }, 'dialing');
    log.warn('secret topsecret-token leaked?');
    const dump = JSON.stringify(lines);
    expect(dump).not.toContain('+14155550123');
    expect(dump).not.toContain('topsecret-token');
    expect(typeof consoleLogger().child).toBe('function');
  });
});
