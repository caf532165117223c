/**
 * Base64 <-> bytes without `Buffer`, for the media-stream hot path (every 20 ms frame is one
 * base64 payload each way). Uses the runtime's `Uint8Array.fromBase64` / `toBase64` where they
 * exist, else lookup tables: 12 bits -> two ASCII codes when encoding, one table read per character
 * when decoding. Both avoid the per-character string building of `btoa(String.fromCharCode(...))`.
 *
 * Decoding follows the WHATWG "forgiving base64" rules that `atob` uses: standard alphabet,
 * ASCII whitespace ignored, padding optional but never malformed.
 *
 * @module
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const EQUALS = 61;
/** Marks a character outside the alphabet; any OR-ed group with this bit set is rejected. */
const INVALID = 0x100;
const WHITESPACE = /[\t\n\f\r ]/;
const WHITESPACE_ALL = /[\t\n\f\r ]/g;

interface NativeBase64 {
  fromBase64?: (text: string) => Uint8Array;
}
interface NativeBase64Proto {
  toBase64?: (this: Uint8Array) => string;
}

// Feature-detected once: Node 25+, recent Deno/Bun and browsers ship these (TC39 proposal).
const nativeFrom = (Uint8Array as unknown as NativeBase64).fromBase64;
/** Node's and Bun's Buffer, found at run time (never imported: this module stays Web-standard). */
interface BufferLike {
  readonly buffer: ArrayBufferLike;
  readonly byteOffset: number;
  readonly byteLength: number;
  toString(encoding: 'base64'): string;
}
const NodeBuffer = (
  globalThis as {
    Buffer?: { from(a: ArrayBufferLike | string, b?: number | 'base64', c?: number): BufferLike };
  }
).Buffer;
const CANONICAL = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const nativeTo = (Uint8Array.prototype as unknown as NativeBase64Proto).toBase64;

let pairTable: Uint16Array | undefined;
let charTable: Uint16Array | undefined;
const ascii = new TextDecoder();

/** Two output characters (high byte, low byte) for every 12-bit value. */
function pairs(): Uint16Array {
  if (pairTable === undefined) {
    const table = new Uint16Array(4096);
    for (let i = 0; i < 4096; i++) {
      table[i] = (ALPHABET.charCodeAt(i >> 6) << 8) | ALPHABET.charCodeAt(i & 63);
    }
    pairTable = table;
  }
  return pairTable;
}

/** Sextet value of each character code 0..255, {@link INVALID} for the rest. */
function chars(): Uint16Array {
  if (charTable === undefined) {
    const table = new Uint16Array(256).fill(INVALID);
    for (let i = 0; i < 64; i++) table[ALPHABET.charCodeAt(i)] = i;
    charTable = table;
  }
  return charTable;
}

/**
 * Table-driven encoder used when the runtime has no `Uint8Array.prototype.toBase64`. Exported so
 * tests can check it on runtimes that do; prefer {@link encodeBase64}.
 *
 * @example
 * ```ts
 * encodeBase64Portable(new Uint8Array([0xff, 0xff])); // '//8='
 * ```
 */
export function encodeBase64Portable(bytes: Uint8Array): string {
  const n = bytes.length;
  const out = new Uint8Array(Math.ceil(n / 3) * 4);
  const table = pairs();
  const whole = n - (n % 3);
  let o = 0;
  for (let i = 0; i < whole; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    const hi = table[v >>> 12]!;
    const lo = table[v & 0xfff]!;
    out[o++] = hi >>> 8;
    out[o++] = hi & 0xff;
    out[o++] = lo >>> 8;
    out[o++] = lo & 0xff;
  }
  if (whole < n) {
    const b1 = whole + 1 < n ? bytes[whole + 1]! : 0;
    const v = (bytes[whole]! << 16) | (b1 << 8);
    const hi = table[v >>> 12]!;
    out[o++] = hi >>> 8;
    out[o++] = hi & 0xff;
    out[o++] = whole + 1 < n ? ALPHABET.charCodeAt((v >>> 6) & 63) : EQUALS;
    out[o++] = EQUALS;
  }
  // Output is pure ASCII, so a UTF-8 decode is a fast, exact bytes -> string step.
  return ascii.decode(out);
}

/**
 * Table-driven decoder used when the runtime has no `Uint8Array.fromBase64`; same acceptance rules
 * as `atob`. Returns null for invalid input. Prefer {@link tryDecodeBase64}.
 *
 * @example
 * ```ts
 * tryDecodeBase64Portable('//8='); // Uint8Array [255, 255]
 * tryDecodeBase64Portable('%%'); // null
 * ```
 */
export function tryDecodeBase64Portable(text: string): Uint8Array | null {
  // Whitespace never appears in Twilio payloads, so only pay for stripping when it is there.
  const s = WHITESPACE.test(text) ? text.replace(WHITESPACE_ALL, '') : text;
  let len = s.length;
  if (len % 4 === 0 && len > 0 && s.charCodeAt(len - 1) === EQUALS) {
    len--;
    if (s.charCodeAt(len - 1) === EQUALS) len--;
  }
  if (len % 4 === 1) return null;
  const table = chars();
  const out = new Uint8Array((len * 3) >> 2);
  const whole = len - (len % 4);
  let bad = 0;
  let o = 0;
  for (let i = 0; i < whole; i += 4) {
    // `?? INVALID` covers char codes above 255 (reads past the table).
    const a = table[s.charCodeAt(i)] ?? INVALID;
    const b = table[s.charCodeAt(i + 1)] ?? INVALID;
    const c = table[s.charCodeAt(i + 2)] ?? INVALID;
    const d = table[s.charCodeAt(i + 3)] ?? INVALID;
    bad |= a | b | c | d;
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = v >>> 16;
    out[o++] = v >>> 8;
    out[o++] = v;
  }
  const rest = len - whole;
  if (rest > 0) {
    const a = table[s.charCodeAt(whole)] ?? INVALID;
    const b = table[s.charCodeAt(whole + 1)] ?? INVALID;
    const c = rest === 3 ? (table[s.charCodeAt(whole + 2)] ?? INVALID) : 0;
    bad |= a | b | c;
    const v = (a << 18) | (b << 12) | (c << 6);
    out[o++] = v >>> 16;
    if (rest === 3) out[o++] = v >>> 8;
  }
  return (bad & INVALID) === 0 ? out : null;
}

/**
 * Encodes bytes as standard, padded base64 (what Twilio's `media.payload` carries).
 *
 * @example
 * ```ts
 * const payload = encodeBase64(mulawFrame); // 160 bytes -> 216 characters
 * ```
 */
export function encodeBase64(bytes: Uint8Array): string {
  if (nativeTo !== undefined) return nativeTo.call(bytes);
  if (NodeBuffer !== undefined)
    return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  return encodeBase64Portable(bytes);
}

/**
 * Decodes standard base64 (padding optional, whitespace ignored, like `atob`); null when the text
 * is not valid base64. Never throws.
 *
 * @example
 * ```ts
 * const bytes = tryDecodeBase64(msg.media.payload);
 * if (bytes === null) return; // count and ignore
 * ```
 */
export function tryDecodeBase64(text: string): Uint8Array | null {
  // Node and Bun: Buffer is lenient, so only canonical padded base64 (what Twilio and OpenAI
  // send) takes that path; anything else gets the strict portable decoder.
  if (nativeFrom === undefined && NodeBuffer !== undefined && CANONICAL.test(text)) {
    const b = NodeBuffer.from(text, 'base64');
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }
  if (nativeFrom === undefined) return tryDecodeBase64Portable(text);
  try {
    return nativeFrom(text);
  } catch {
    return null;
  }
}

/**
 * Decodes standard base64 like {@link tryDecodeBase64}, throwing on invalid input.
 *
 * @throws SyntaxError when `text` is not valid base64.
 * @example
 * ```ts
 * decodeBase64('AAEC'); // Uint8Array [0, 1, 2]
 * ```
 */
export function decodeBase64(text: string): Uint8Array {
  const bytes = tryDecodeBase64(text);
  if (bytes === null) throw new SyntaxError('invalid base64');
  return bytes;
}
