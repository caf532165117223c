import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createResampler, type Resampler } from '../../../src/realtime/audio/index.js';
import { chunk, concat, db, fitTone, noise, rms, sine } from './signal.js';

const PAIRS: Array<[number, number]> = [
  [8000, 16000],
  [24000, 8000],
  [16000, 8000],
  [24000, 16000],
  [8000, 24000],
  [16000, 24000],
];

/** Whole stream through a fresh resampler: process + flush. */
function runWhole(r: Resampler, x: Int16Array): Int16Array {
  return concat([r.process(x), r.flush()]);
}

/** Chunk sizes for the property: any mix of 0..400, with at least one non-zero. */
const chunkSizes = fc.array(fc.nat({ max: 400 }), { minLength: 1, maxLength: 20 }).map((s) => [...s, 1]);

/**
 * Long signals: fast-check's own arrays stay around ten elements by default, far shorter than a
 * filter, so the signal is full-scale noise (clipping included) of an arbitrary length and seed,
 * sometimes quieter. The property builds it from these, so a counterexample prints short.
 */
const signal = fc.record({ length: fc.nat({ max: 3000 }), seed: fc.integer(), quiet: fc.boolean() });
const toSignal = ({ length, seed, quiet }: { length: number; seed: number; quiet: boolean }) =>
  noise(length, seed, quiet ? 3000 : 32768);

describe('createResampler: frequency response', () => {
  it('24k -> 8k: a 1 kHz tone passes within 1 dB, and so does 3 kHz', () => {
    for (const freq of [1000, 3000]) {
      const r = createResampler(24000, 8000);
      const y = r.process(sine(24000, freq, 24000));
      const { amplitude } = fitTone(y, 8000, freq, 2 * r.latencySamples, y.length);
      expect(Math.abs(db(amplitude / 10_000)), `${freq} Hz`).toBeLessThan(1);
    }
  });

  it('24k -> 8k: a 5 kHz tone comes out at least 40 dB down (no alias at 3 kHz)', () => {
    const r = createResampler(24000, 8000);
    const x = sine(24000, 5000, 24000);
    const y = r.process(x);
    const attenuation = db(rms(y, 2 * r.latencySamples) / rms(x));
    expect(attenuation).toBeLessThan(-40);
  });

  it('24k -> 8k: everything from 4.1 kHz up to 12 kHz is at least 40 dB down', () => {
    for (const freq of [4100, 4500, 6000, 7900, 8000, 9000, 11_000, 11_900]) {
      const r = createResampler(24000, 8000);
      const x = sine(24000, freq, 12000);
      const y = r.process(x);
      expect(db(rms(y, 2 * r.latencySamples) / rms(x)), `${freq} Hz`).toBeLessThan(-40);
    }
  });

  it('8k -> 16k: 1 kHz and 3 kHz pass within 1 dB, images above 4 kHz at least 40 dB down', () => {
    for (const freq of [1000, 3000]) {
      const r = createResampler(8000, 16000);
      const y = r.process(sine(8000, freq, 8000));
      const from = 2 * r.latencySamples;
      const { amplitude, residualRms } = fitTone(y, 16000, freq, from, y.length);
      expect(Math.abs(db(amplitude / 10_000)), `${freq} Hz`).toBeLessThan(1);
      // The residual holds the image at 8 kHz - f (7 kHz, 5 kHz) and anything else added.
      expect(db(residualRms / (amplitude / Math.SQRT2)), `${freq} Hz image`).toBeLessThan(-40);
      const image = fitTone(y, 16000, 8000 - freq, from, y.length).amplitude;
      expect(db(image / amplitude)).toBeLessThan(-40);
    }
  });

  it('16k -> 8k and 24k -> 16k pass 1 kHz within 1 dB and stop what would alias', () => {
    const cases: Array<[number, number, number]> = [
      [16000, 8000, 5000],
      [24000, 16000, 10_000],
    ];
    for (const [from, to, stopFreq] of cases) {
      const pass = createResampler(from, to);
      const y = pass.process(sine(from, 1000, from));
      const { amplitude } = fitTone(y, to, 1000, 2 * pass.latencySamples, y.length);
      expect(Math.abs(db(amplitude / 10_000))).toBeLessThan(1);
      const stop = createResampler(from, to);
      const x = sine(from, stopFreq, from);
      const z = stop.process(x);
      expect(db(rms(z, 2 * stop.latencySamples) / rms(x)), `${from} -> ${to}`).toBeLessThan(-40);
    }
  });

  it('passes DC exactly: a constant input settles to the same constant', () => {
    for (const [from, to] of PAIRS) {
      const r = createResampler(from, to);
      const y = r.process(new Int16Array(from / 10).fill(-1234));
      const settled = y.subarray(2 * r.latencySamples);
      expect(settled.length).toBeGreaterThan(0);
      expect(
        settled.every((v) => v === -1234),
        `${from} -> ${to}`,
      ).toBe(true);
    }
  });
});

describe('createResampler: timing', () => {
  it('an impulse at input 0 peaks at output latencySamples', () => {
    for (const [from, to] of PAIRS) {
      const r = createResampler(from, to);
      const x = new Int16Array(from / 50);
      x[0] = 20_000;
      const y = runWhole(r, x);
      let peak = 0;
      for (let i = 1; i < y.length; i++) if (Math.abs(y[i]!) > Math.abs(y[peak]!)) peak = i;
      expect(peak, `${from} -> ${to}`).toBe(r.latencySamples);
      expect(Number.isInteger(r.latencySamples)).toBe(true);
    }
  });

  it('delayed by latencySamples, the output tracks the ideal resampled tone', () => {
    for (const [from, to] of PAIRS) {
      const r = createResampler(from, to);
      const y = r.process(sine(from, 1000, from / 5));
      const ideal = sine(to, 1000, y.length);
      let worst = 0;
      for (let m = r.latencySamples; m + r.latencySamples < y.length; m++) {
        worst = Math.max(worst, Math.abs(y[m + r.latencySamples]! - ideal[m]!));
      }
      expect(worst, `${from} -> ${to}`).toBeLessThan(50); // 0.5 % of the 10 000 amplitude
    }
  });

  it('keeps latency near 5 ms with the default filter', () => {
    for (const [from, to] of PAIRS) {
      const r = createResampler(from, to);
      expect((r.latencySamples / to) * 1000, `${from} -> ${to}`).toBeLessThan(7);
    }
  });
});

describe('createResampler: streaming', () => {
  it('chunking never changes the output, for every pair (property)', () => {
    for (const [from, to] of PAIRS) {
      fc.assert(
        fc.property(signal, chunkSizes, (params, sizes) => {
          const x = toSignal(params);
          const whole = runWhole(createResampler(from, to), x);
          const r = createResampler(from, to);
          const parts = chunk(x, sizes).map((c) => {
            const expected = r.outputLength(c.length);
            const out = r.process(c);
            expect(out.length).toBe(expected);
            return out;
          });
          parts.push(r.flush());
          expect(concat(parts)).toEqual(whole);
        }),
        { numRuns: 40 },
      );
    }
  });

  it('processInto gives the same samples as process, into a reused buffer', () => {
    fc.assert(
      fc.property(signal, chunkSizes, (params, sizes) => {
        const x = toSignal(params);
        const a = createResampler(24000, 8000);
        const b = createResampler(24000, 8000);
        const scratch = new Int16Array(1200);
        for (const c of chunk(x, sizes)) {
          const n = b.processInto(c, scratch);
          expect(scratch.subarray(0, n)).toEqual(a.process(c));
        }
      }),
      { numRuns: 50 },
    );
  });

  it('produces exactly L/M samples per input sample over a stream', () => {
    const up = createResampler(8000, 16000);
    const down = createResampler(24000, 8000);
    let ups = 0;
    let downs = 0;
    for (let i = 0; i < 50; i++) {
      ups += up.process(new Int16Array(160)).length;
      downs += down.process(new Int16Array(479 + (i % 3))).length;
    }
    expect(ups).toBe(50 * 320);
    expect(downs).toBe(Math.ceil((50 * 480) / 3));
  });

  it('flush returns the tail, then starts a fresh stream', () => {
    for (const [from, to] of PAIRS) {
      const r = createResampler(from, to);
      const x = sine(from, 1000, from / 10);
      const body = r.process(x);
      const tail = r.flush();
      // Body + tail cover the input's duration after the filter delay, and the tail is real audio.
      expect(body.length + tail.length - r.latencySamples).toBeGreaterThanOrEqual((x.length * to) / from);
      expect(tail.length).toBeGreaterThanOrEqual(r.latencySamples);
      expect(rms(tail)).toBeGreaterThan(1000);
      // After flush: the same input gives the same output as a brand-new resampler.
      expect(runWhole(r, x)).toEqual(runWhole(createResampler(from, to), x));
      expect(r.flush().every((v) => v === 0)).toBe(true); // nothing left behind
    }
  });

  it('reset forgets history', () => {
    const r = createResampler(8000, 16000);
    r.process(sine(8000, 440, 333));
    r.reset();
    const x = sine(8000, 1000, 800);
    expect(r.process(x)).toEqual(createResampler(8000, 16000).process(x));
  });

  it('saturates instead of wrapping on full-scale input', () => {
    for (const [from, to] of PAIRS) {
      const r = createResampler(from, to);
      const block = from / 100; // 100 Hz full-scale square wave: the filter overshoots its edges
      const x = Int16Array.from({ length: 8 * block }, (_, i) =>
        Math.floor(i / block) % 2 ? -32768 : 32767,
      );
      const y = r.process(x);
      const scale = to / from;
      for (let b = 1; b < 8; b++) {
        const mid = Math.round((b + 0.5) * block * scale) + r.latencySamples;
        if (mid >= y.length) break;
        expect(Math.sign(y[mid]!), `${from} -> ${to} block ${b}`).toBe(b % 2 ? -1 : 1);
        expect(Math.abs(y[mid]!)).toBeGreaterThan(32000);
      }
    }
  });
});

describe('createResampler: arguments', () => {
  it('is the identity at equal rates', () => {
    const r = createResampler(16000, 16000);
    const x = sine(16000, 1000, 500);
    expect(r.latencySamples).toBe(0);
    expect(r.process(x)).toEqual(x);
    expect(r.flush().length).toBe(0);
  });

  it('supports any rational ratio within bounds (44.1 kHz -> 48 kHz)', () => {
    const r = createResampler(44100, 48000);
    const y = r.process(sine(44100, 1000, 44100));
    expect(y.length).toBeGreaterThan(47000);
    const { amplitude } = fitTone(y, 48000, 1000, 2 * r.latencySamples, y.length);
    expect(Math.abs(db(amplitude / 10_000))).toBeLessThan(1);
  });

  it('rejects bad rates, ratios and options with RangeError', () => {
    expect(() => createResampler(0, 8000)).toThrow(RangeError);
    expect(() => createResampler(8000, -16000)).toThrow(RangeError);
    expect(() => createResampler(8000.5, 16000)).toThrow(RangeError);
    expect(() => createResampler(Number.NaN, 16000)).toThrow(RangeError);
    expect(() => createResampler(8000, 8001)).toThrow(RangeError); // 8001/8000 needs L = 8001
    expect(() => createResampler(8000, 16000, { passband: 1 })).toThrow(RangeError);
    expect(() => createResampler(8000, 16000, { passband: 0 })).toThrow(RangeError);
    expect(() => createResampler(8000, 16000, { stopbandDb: 10 })).toThrow(RangeError);
    expect(() => createResampler(8000, 16000).processInto(new Int16Array(10), new Int16Array(19))).toThrow(
      RangeError,
    );
  });

  it('trades taps for attenuation and latency through options', () => {
    const loose = createResampler(24000, 8000, { stopbandDb: 50, passband: 0.8 });
    const strict = createResampler(24000, 8000);
    expect(loose.latencySamples).toBeLessThan(strict.latencySamples);
    const x = sine(24000, 5000, 24000);
    const y = loose.process(x);
    expect(db(rms(y, 2 * loose.latencySamples) / rms(x))).toBeLessThan(-40);
  });
});
