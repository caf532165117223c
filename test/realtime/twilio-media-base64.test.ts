import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeBase64,
  encodeBase64,
  encodeBase64Portable,
  tryDecodeBase64,
  tryDecodeBase64Portable,
} from '../../src/realtime/base64.js';

/** `atob` is the reference for acceptance: the WHATWG forgiving-base64 decode. */
function atobBytes(text: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

const bytes = fc.uint8Array({ maxLength: 2048 });
// Mostly alphabet, with the characters that make base64 invalid or need forgiving.
const base64ish = fc.string({
  unit: fc.constantFrom(
    ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
    '=',
    ' ',
    '\n',
    '-',
    '_',
    'é',
    '\u0141',
  ),
  maxLength: 64,
});

describe('base64 against Buffer', () => {
  it('encodes like Buffer (default and portable paths)', () => {
    fc.assert(
      fc.property(bytes, (input) => {
        const expected = Buffer.from(input).toString('base64');
        expect(encodeBase64(input)).toBe(expected);
        expect(encodeBase64Portable(input)).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('decodes what Buffer encodes, padded or not', () => {
    fc.assert(
      fc.property(bytes, (input) => {
        const text = Buffer.from(input).toString('base64');
        expect(decodeBase64(text)).toEqual(input);
        expect(tryDecodeBase64Portable(text)).toEqual(input);
        expect(tryDecodeBase64Portable(text.replace(/=+$/, ''))).toEqual(input);
      }),
      { numRuns: 1000 },
    );
  });

  it('encodes subarrays from their own offset', () => {
    const whole = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const view = whole.subarray(17, 177);
    expect(encodeBase64(view)).toBe(Buffer.from(view).toString('base64'));
  });
});

describe('base64 decoding validity', () => {
  it('accepts and rejects exactly what atob does', () => {
    fc.assert(
      fc.property(base64ish, (text) => {
        const expected = atobBytes(text);
        expect(tryDecodeBase64Portable(text)).toEqual(expected);
        expect(tryDecodeBase64(text)).toEqual(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it.each(['A', 'AB=', 'A===', '====', 'AB=C', 'ab-_', '%%%%', 'AAAA\u0100AAA', 'AA==AA=='])(
    'rejects %j',
    (text) => {
      expect(tryDecodeBase64(text)).toBeNull();
      expect(tryDecodeBase64Portable(text)).toBeNull();
      expect(() => decodeBase64(text)).toThrow(SyntaxError);
    },
  );

  it('decodes the empty string and ignores whitespace', () => {
    expect(decodeBase64('')).toEqual(new Uint8Array());
    expect(decodeBase64(' AA\nEC ')).toEqual(new Uint8Array([0, 1, 2]));
  });
});
