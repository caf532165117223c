import { mulaw as peer } from 'alawmulaw';
import { describe, expect, it } from 'vitest';
import {
  decodeMulaw,
  decodeMulawInto,
  encodeMulaw,
  encodeMulawInto,
} from '../../../src/realtime/audio/index.js';
import { fixture, fixtureS16 } from './signal.js';

// Independent reference, written from G.711's own description rather than from our code: a code
// word is the bit-inverted sign | segment (3 bits) | step (4 bits); the decoder's 14-bit output
// for segment s, step q is (2q + 33) * 2^s - 33, here scaled by 4 to 16 bits.
function refDecode(code: number): number {
  const u = code ^ 0xff;
  const segment = (u >> 4) & 7;
  const step = u & 15;
  const magnitude = 4 * ((2 * step + 33) * 2 ** segment - 33);
  return u & 0x80 ? 0 - magnitude : magnitude; // 0 - 0 is +0, which toEqual tells from -0
}

// Lowest input magnitude that encodes to magnitude index k = segment * 16 + step: the decision
// levels of the 16-bit (bias 0x84) formulation.
const decisionLevel = (k: number): number => ((16 + (k & 15)) << ((k >> 4) + 3)) - 0x84;

// The encoder as a search over decision levels (no bit tricks): the highest level at or below |x|.
function refEncode(x: number): number {
  const magnitude = Math.abs(x);
  let k = 0;
  while (k < 127 && decisionLevel(k + 1) <= magnitude) k++;
  return (x < 0 ? 0x80 | k : k) ^ 0xff;
}

/** Neighbouring codes: one step apart on the same side, or +0 and -0. */
function adjacent(codeA: number, codeB: number): boolean {
  const [a, b] = [codeA ^ 0xff, codeB ^ 0xff];
  const [ka, kb] = [a & 0x7f, b & 0x7f];
  return (a & 0x80) === (b & 0x80) ? Math.abs(ka - kb) === 1 : ka === 0 && kb === 0;
}

// SoX's encoder, as documented in fixtures/README.md: round to 14 bits, then 14-bit G.711.
function soxEncode(x: number): number {
  const v14 = Math.min(8191, (x + 2) >> 2);
  const mask = v14 < 0 ? 0x7f : 0xff;
  const magnitude = Math.min(8159, Math.abs(v14)) + 33;
  const segment = 32 - Math.clz32(magnitude >> 6); // 8 only for the clipped 8159 + 33
  if (segment >= 8) return 0x7f ^ mask;
  return ((segment << 4) | ((magnitude >> (segment + 1)) & 15)) ^ mask;
}

const allCodes = Uint8Array.from({ length: 256 }, (_, c) => c);
const allSamples = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);

describe('decodeMulaw', () => {
  it('equals the G.711 reference for all 256 codes', () => {
    const decoded = decodeMulaw(allCodes);
    expect(Array.from(decoded)).toEqual(Array.from(allCodes, refDecode));
    expect([decoded[0x00], decoded[0x80], decoded[0x7e], decoded[0xfe]]).toEqual([-32124, 32124, -8, 8]);
  });

  it('decodes 0xFF (+0) and 0x7F (-0) to 0', () => {
    expect(Array.from(decodeMulaw(Uint8Array.of(0xff, 0x7f)))).toEqual([0, 0]);
  });

  it("equals SoX's decoding of every code (fixtures/all-codes.*)", () => {
    const codes = fixture('all-codes.ul');
    expect(Array.from(codes)).toEqual(Array.from(allCodes));
    expect(Array.from(decodeMulaw(codes))).toEqual(Array.from(fixtureS16('all-codes.s16le')));
  });

  it("equals alawmulaw's decoder for all 256 codes", () => {
    expect(Array.from(decodeMulaw(allCodes))).toEqual(Array.from(peer.decode(allCodes)));
  });
});

describe('encodeMulaw', () => {
  const encoded = encodeMulaw(allSamples);

  it('equals the decision-level reference for every 16-bit input', () => {
    const mismatches = [];
    for (let i = 0; i < 65536; i++) if (encoded[i] !== refEncode(allSamples[i]!)) mismatches.push(i - 32768);
    expect(mismatches).toEqual([]);
  });

  it("equals alawmulaw's encoder for all 65536 inputs (no ±0 difference either)", () => {
    expect(Buffer.from(encoded).equals(Buffer.from(peer.encode(allSamples)))).toBe(true);
  });

  it('maps 0 to 0xFF, -1 to 0x7F (-0) and clips the extremes', () => {
    expect(Array.from(encodeMulaw(Int16Array.of(0, -1, 32767, -32768, 32635, -32635)))).toEqual([
      0xff, 0x7f, 0x80, 0x00, 0x80, 0x00,
    ]);
  });

  it('round-trips every input within the quantisation bound of its segment', () => {
    const decoded = decodeMulaw(encoded);
    const failures = [];
    for (let i = 0; i < 65536; i++) {
      const x = allSamples[i]!;
      const y = decoded[i]!;
      const segment = ((encoded[i]! ^ 0xff) >> 4) & 7;
      // Decoding returns the midpoint of the interval, so the error is at most half a step,
      // 2^(segment + 2). Beyond the clip level (|x| + 0x84 > 32635) everything maps to ±32124.
      const clipped = Math.abs(x) + 0x84 > 32635;
      const ok = clipped ? y === Math.sign(x) * 32124 : Math.abs(y - x) <= 2 ** (segment + 2);
      if (!ok) failures.push({ x, y, segment });
    }
    expect(failures).toEqual([]);
  });

  it('is monotonic: decode(encode(x)) never decreases as x grows', () => {
    const decoded = decodeMulaw(encoded);
    for (let i = 1; i < 65536; i++) if (decoded[i]! < decoded[i - 1]!) expect.fail(`drop at ${i - 32768}`);
  });

  it('re-encodes every decoded code to itself, except -0 which becomes +0', () => {
    const again = encodeMulaw(decodeMulaw(allCodes));
    for (let c = 0; c < 256; c++) expect(again[c]).toBe(c === 0x7f ? 0xff : c);
  });

  it("differs from SoX's 14-bit-rounding encoder only by one step at decision boundaries", () => {
    const sox = fixture('ramp-all.ul');
    expect(sox.length).toBe(65536);
    // First: the documented model of SoX reproduces the fixture bit for bit.
    const modelMismatches = [];
    for (let i = 0; i < 65536; i++) if (soxEncode(allSamples[i]!) !== sox[i]) modelMismatches.push(i - 32768);
    expect(modelMismatches).toEqual([]);
    // Then: every difference from ours is the neighbouring code (across ±0 when near zero).
    let differences = 0;
    for (let i = 0; i < 65536; i++) {
      if (encoded[i] === sox[i]) continue;
      differences++;
      if (!adjacent(encoded[i]!, sox[i]!))
        expect.fail(`x=${i - 32768}: ours 0x${encoded[i]!.toString(16)}, sox 0x${sox[i]!.toString(16)}`);
    }
    expect(differences).toBe(383);
  });

  it("encodes SoX's 1 kHz tone like SoX, up to those boundary cases (fixtures/tone-1k.*)", () => {
    const pcm = fixtureS16('tone-1k.s16le');
    const sox = fixture('tone-1k.ul');
    const ours = encodeMulaw(pcm);
    expect(ours.length).toBe(800);
    for (let i = 0; i < pcm.length; i++) {
      expect(sox[i]).toBe(soxEncode(pcm[i]!));
      if (ours[i] !== sox[i]) expect(adjacent(ours[i]!, sox[i]!)).toBe(true);
    }
    // And decoding SoX's bytes lands within the G.711 bound (plus SoX's 14-bit rounding) of the tone.
    const back = decodeMulaw(sox);
    for (let i = 0; i < pcm.length; i++) {
      const segment = ((sox[i]! ^ 0xff) >> 4) & 7;
      expect(Math.abs(back[i]! - pcm[i]!)).toBeLessThanOrEqual(2 ** (segment + 2) + 2);
    }
  });
});

describe('in-place variants', () => {
  it('write the same values into a caller buffer and return the count', () => {
    const pcm = Int16Array.of(0, 1000, -1000, 32767, -32768);
    const bytes = new Uint8Array(8).fill(0xaa);
    expect(encodeMulawInto(pcm, bytes)).toBe(5);
    expect(Array.from(bytes.subarray(0, 5))).toEqual(Array.from(encodeMulaw(pcm)));
    expect(bytes[5]).toBe(0xaa); // untouched beyond the input length
    const out = new Int16Array(8).fill(7);
    expect(decodeMulawInto(bytes.subarray(0, 5), out)).toBe(5);
    expect(Array.from(out.subarray(0, 5))).toEqual(Array.from(decodeMulaw(bytes.subarray(0, 5))));
    expect(out[5]).toBe(7);
  });

  it('honour subarray views with a byte offset', () => {
    const backing = encodeMulaw(allSamples);
    const view = backing.subarray(1000, 1160);
    const out = new Int16Array(160);
    decodeMulawInto(view, out);
    expect(Array.from(out)).toEqual(Array.from(decodeMulaw(backing).subarray(1000, 1160)));
  });

  it('throw RangeError when the output is too short', () => {
    expect(() => encodeMulawInto(new Int16Array(4), new Uint8Array(3))).toThrow(RangeError);
    expect(() => decodeMulawInto(new Uint8Array(4), new Int16Array(3))).toThrow(RangeError);
  });

  it('handle empty input', () => {
    expect(encodeMulaw(new Int16Array(0)).length).toBe(0);
    expect(decodeMulaw(new Uint8Array(0)).length).toBe(0);
  });
});
