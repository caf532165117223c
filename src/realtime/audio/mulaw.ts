/**
 * G.711 mu-law codec (8-bit companded telephony audio, what Twilio Media Streams carry), in the
 * classic 16-bit formulation: bias 0x84, clip at 32635, the code word bit-inverted on the wire.
 * `0xFF` is +0 and `0x7F` is -0; both decode to 0.
 *
 * Both directions are one table lookup per sample. The encoder indexes a 65536-entry table by the
 * sample's 16-bit pattern: measured about 2.5x faster than the segment-search form, and exact for every
 * input (a 16384-entry table indexed by `sample >> 2` is not: it merges negative inputs that the
 * 16-bit formulation puts in different codes). Tables are built on first use so importing the
 * package costs nothing.
 *
 * @module
 */

const BIAS = 0x84;
const CLIP = 32635;

/**
 * Encodes one 16-bit linear sample, straight from the G.711 algorithm. Used to build the table;
 * call {@link encodeMulaw} for buffers.
 */
function encodeSample(sample: number): number {
  let magnitude = sample;
  const sign = sample < 0 ? 0x80 : 0;
  if (sign !== 0) magnitude = -magnitude;
  magnitude += BIAS;
  if (magnitude > CLIP) magnitude = CLIP;
  // Segment (exponent) = position of the highest set bit above bit 7, 0..7.
  const exponent = Math.max(0, 24 - Math.clz32(magnitude));
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** Decodes one code word, straight from the G.711 algorithm. */
function decodeSample(code: number): number {
  const inverted = ~code & 0xff;
  const exponent = (inverted >> 4) & 0x07;
  const magnitude = (((inverted & 0x0f) << 3) + BIAS) << exponent;
  return inverted & 0x80 ? BIAS - magnitude : magnitude - BIAS;
}

let encodeTable: Uint8Array | undefined;
let decodeTable: Int16Array | undefined;

function getEncodeTable(): Uint8Array {
  if (encodeTable === undefined) {
    const table = new Uint8Array(65536);
    // Index is the sample's two's-complement bit pattern (sample & 0xFFFF).
    for (let i = 0; i < 65536; i++) table[i] = encodeSample((i << 16) >> 16);
    encodeTable = table;
  }
  return encodeTable;
}

function getDecodeTable(): Int16Array {
  if (decodeTable === undefined) {
    const table = new Int16Array(256);
    for (let code = 0; code < 256; code++) table[code] = decodeSample(code);
    decodeTable = table;
  }
  return decodeTable;
}

/**
 * Decodes mu-law bytes into 16-bit linear PCM, writing into `out` (no allocation, for the
 * per-frame path). Writes `bytes.length` samples starting at `out[0]` and returns that count.
 *
 * @throws RangeError when `out` is shorter than `bytes`.
 * @example
 * ```ts
 * const pcm = new Int16Array(160); // one 20 ms Twilio frame, reused for every frame
 * const n = decodeMulawInto(frame, pcm);
 * ```
 */
export function decodeMulawInto(bytes: Uint8Array, out: Int16Array): number {
  const n = bytes.length;
  if (out.length < n) throw new RangeError(`output holds ${out.length} samples, ${n} needed`);
  const table = getDecodeTable();
  for (let i = 0; i < n; i++) out[i] = table[bytes[i]!]!;
  return n;
}

/**
 * Decodes mu-law bytes into a new Int16Array of 16-bit linear PCM (same sample rate).
 *
 * @example
 * ```ts
 * const bytes = Uint8Array.from(atob(msg.media.payload), (c) => c.charCodeAt(0));
 * const pcm8k = decodeMulaw(bytes);
 * ```
 */
export function decodeMulaw(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length);
  decodeMulawInto(bytes, out);
  return out;
}

/**
 * Encodes 16-bit linear PCM into mu-law, writing into `out` (no allocation). Writes `pcm.length`
 * bytes starting at `out[0]` and returns that count.
 *
 * @throws RangeError when `out` is shorter than `pcm`.
 * @example
 * ```ts
 * const frame = new Uint8Array(160);
 * encodeMulawInto(pcm8k.subarray(0, 160), frame);
 * ```
 */
export function encodeMulawInto(pcm: Int16Array, out: Uint8Array): number {
  const n = pcm.length;
  if (out.length < n) throw new RangeError(`output holds ${out.length} bytes, ${n} needed`);
  const table = getEncodeTable();
  for (let i = 0; i < n; i++) out[i] = table[pcm[i]! & 0xffff]!;
  return n;
}

/**
 * Encodes 16-bit linear PCM into a new Uint8Array of mu-law bytes (same sample rate).
 *
 * @example
 * ```ts
 * const payload = encodeMulaw(pcm8k); // ready to base64 into a Twilio `media` message
 * ```
 */
export function encodeMulaw(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length);
  encodeMulawInto(pcm, out);
  return out;
}
