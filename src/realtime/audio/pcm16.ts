/**
 * PCM16 little-endian byte packing (the wire format of Gemini Live's `audio/pcm` blobs), written
 * byte by byte so it is correct on any host endianness and any byte offset.
 *
 * @module
 */

/**
 * Reads little-endian 16-bit samples from bytes into a new Int16Array.
 *
 * @throws RangeError when the byte count is odd (a split sample: carry the last byte yourself).
 * @example
 * ```ts
 * const pcm24k = pcm16FromBytes(Uint8Array.from(atob(part.inlineData.data), (c) => c.charCodeAt(0)));
 * ```
 */
export function pcm16FromBytes(bytes: Uint8Array): Int16Array {
  if (bytes.length % 2 !== 0) throw new RangeError(`PCM16 needs an even byte count, got ${bytes.length}`);
  const out = new Int16Array(bytes.length / 2);
  for (let i = 0, b = 0; i < out.length; i++, b += 2) out[i] = bytes[b]! | (bytes[b + 1]! << 8);
  return out;
}

/**
 * Writes samples as little-endian 16-bit bytes into a new Uint8Array.
 *
 * @example
 * ```ts
 * session.sendRealtimeInput({ audio: { data: toBase64(pcm16ToBytes(pcm16k)), mimeType: 'audio/pcm;rate=16000' } });
 * ```
 */
export function pcm16ToBytes(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length * 2);
  for (let i = 0, b = 0; i < pcm.length; i++, b += 2) {
    const s = pcm[i]!;
    out[b] = s & 0xff;
    out[b + 1] = (s >> 8) & 0xff;
  }
  return out;
}
