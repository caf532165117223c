// Signal helpers shared by the audio tests (not a test file itself).
import { readFileSync } from 'node:fs';

/** A sine of `amplitude` at `freq` Hz sampled at `rate`, rounded to 16 bits. */
export function sine(rate: number, freq: number, samples: number, amplitude = 10_000): Int16Array {
  const out = new Int16Array(samples);
  for (let n = 0; n < samples; n++)
    out[n] = Math.round(amplitude * Math.sin((2 * Math.PI * freq * n) / rate));
  return out;
}

export function rms(x: ArrayLike<number>, from = 0, to = x.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += x[i]! * x[i]!;
  return Math.sqrt(sum / (to - from));
}

export const db = (ratio: number): number => 20 * Math.log10(ratio);

/**
 * Least-squares fit of a sinusoid at `freq` over x[from, to): returns its amplitude and the RMS of
 * what is left after subtracting it (everything at other frequencies: images, aliases, noise).
 */
export function fitTone(
  x: ArrayLike<number>,
  rate: number,
  freq: number,
  from: number,
  to: number,
): { amplitude: number; residualRms: number } {
  let ss = 0;
  let cc = 0;
  let sc = 0;
  let ys = 0;
  let yc = 0;
  for (let n = from; n < to; n++) {
    const w = (2 * Math.PI * freq * n) / rate;
    const s = Math.sin(w);
    const c = Math.cos(w);
    ss += s * s;
    cc += c * c;
    sc += s * c;
    ys += x[n]! * s;
    yc += x[n]! * c;
  }
  const det = ss * cc - sc * sc;
  const a = (ys * cc - yc * sc) / det;
  const b = (yc * ss - ys * sc) / det;
  let res = 0;
  for (let n = from; n < to; n++) {
    const w = (2 * Math.PI * freq * n) / rate;
    const e = x[n]! - a * Math.sin(w) - b * Math.cos(w);
    res += e * e;
  }
  return { amplitude: Math.hypot(a, b), residualRms: Math.sqrt(res / (to - from)) };
}

export function concat<T extends Int16Array | Uint8Array>(parts: T[]): T {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const first = parts[0];
  const out = (first instanceof Uint8Array ? new Uint8Array(total) : new Int16Array(total)) as T;
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Splits `x` into consecutive chunks whose sizes cycle through `sizes` (zeros allowed). */
export function chunk<T extends Int16Array | Uint8Array>(x: T, sizes: number[]): T[] {
  const out: T[] = [];
  let at = 0;
  for (let k = 0; at < x.length; k++) {
    const size = sizes.length === 0 ? x.length : sizes[k % sizes.length]!;
    if (k > 10 * x.length + sizes.length) throw new Error('chunk sizes never advance');
    out.push(x.subarray(at, at + size) as T);
    at += size;
  }
  return out;
}

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
}

/** A fixture of raw signed 16-bit little-endian samples. */
export function fixtureS16(name: string): Int16Array {
  const bytes = fixture(name);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Int16Array(bytes.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(2 * i, true);
  return out;
}

/** Deterministic full-scale white noise (mulberry32), for properties that need long signals. */
export function noise(samples: number, seed: number, amplitude = 32768): Int16Array {
  const out = new Int16Array(samples);
  let s = seed >>> 0;
  for (let i = 0; i < samples; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296; // [0, 1)
    out[i] = Math.max(-32768, Math.min(32767, Math.floor((u * 2 - 1) * amplitude)));
  }
  return out;
}
