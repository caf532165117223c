import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createMulawToPcm16k,
  createPcm24kToMulaw,
  createResampler,
  decodeMulaw,
  encodeMulaw,
  pcm16FromBytes,
  pcm16ToBytes,
} from '../../../src/realtime/audio/index.js';
import { chunk, concat, db, fitTone, fixture, noise, rms, sine } from './signal.js';

const params = fc.record({ length: fc.nat({ max: 4000 }), seed: fc.integer() });
const chunkSizes = fc.array(fc.nat({ max: 500 }), { minLength: 1, maxLength: 12 }).map((s) => [...s, 1]);

describe('createMulawToPcm16k', () => {
  it('equals decode then resample 8k -> 16k, however the mu-law is chunked (property)', () => {
    fc.assert(
      fc.property(params, chunkSizes, ({ length, seed }, sizes) => {
        const mulaw = encodeMulaw(noise(length, seed));
        const reference = createResampler(8000, 16000);
        const expected = concat([reference.process(decodeMulaw(mulaw)), reference.flush()]);
        const t = createMulawToPcm16k();
        const parts = chunk(mulaw, sizes).map((c) => t.process(c));
        parts.push(t.flush());
        expect(concat(parts)).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });

  it('turns 20 ms Twilio frames into 20 ms Gemini chunks, allocation-free through processInto', () => {
    const t = createMulawToPcm16k();
    const out = new Int16Array(320);
    const mulaw = encodeMulaw(sine(8000, 1000, 1600));
    const viaProcess = createMulawToPcm16k();
    for (let f = 0; f < 10; f++) {
      const frame = mulaw.subarray(f * 160, (f + 1) * 160);
      expect(t.outputLength(160)).toBe(320);
      expect(t.processInto(frame, out)).toBe(320);
      expect(out).toEqual(viaProcess.process(frame));
    }
    expect(() => t.processInto(mulaw.subarray(0, 160), new Int16Array(319))).toThrow(RangeError);
  });

  it("passes SoX's 1 kHz mu-law tone at its level (fixtures/tone-1k.ul)", () => {
    const mulaw = fixture('tone-1k.ul');
    const t = createMulawToPcm16k();
    const y = concat([t.process(mulaw), t.flush()]);
    const input = fitTone(decodeMulaw(mulaw), 8000, 1000, 0, mulaw.length).amplitude;
    const from = 2 * t.latencySamples;
    const { amplitude, residualRms } = fitTone(y, 16000, 1000, from, from + 1280);
    expect(Math.abs(db(amplitude / input))).toBeLessThan(0.1);
    expect(db(residualRms / amplitude)).toBeLessThan(-30); // mu-law's own noise, nothing at 7 kHz
    expect(t.latencySamples).toBe(createResampler(8000, 16000).latencySamples);
  });
});

describe('createPcm24kToMulaw', () => {
  it('equals resample 24k -> 8k then encode, however the PCM is chunked (property)', () => {
    fc.assert(
      fc.property(params, chunkSizes, ({ length, seed }, sizes) => {
        const pcm = noise(length, seed, 8000);
        const reference = createResampler(24000, 8000);
        const expected = encodeMulaw(concat([reference.process(pcm), reference.flush()]));
        const t = createPcm24kToMulaw();
        const scratch = new Uint8Array(200);
        const parts = chunk(pcm, sizes).map((c, k) => {
          // Alternate the two entry points; both share the same state.
          if (k % 2 === 0) return t.process(c);
          const n = t.processInto(c, scratch);
          return scratch.slice(0, n);
        });
        parts.push(t.flush());
        expect(concat(parts)).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });

  it('keeps a 1 kHz tone within 1 dB and puts a 5 kHz tone at least 40 dB down', () => {
    const pass = createPcm24kToMulaw();
    const y = decodeMulaw(pass.process(sine(24000, 1000, 24000)));
    const from = 2 * pass.latencySamples;
    expect(Math.abs(db(fitTone(y, 8000, 1000, from, y.length).amplitude / 10_000))).toBeLessThan(1);

    const stop = createPcm24kToMulaw();
    const x = sine(24000, 5000, 24000);
    const z = decodeMulaw(stop.process(x));
    expect(db(rms(z, from) / rms(x))).toBeLessThan(-40);
  });

  it('turns Gemini-sized chunks into whole 8 kHz samples and rejects a short output', () => {
    const t = createPcm24kToMulaw();
    expect(t.process(new Int16Array(480)).length).toBe(160);
    expect(t.outputLength(3)).toBe(1);
    expect(() => t.processInto(new Int16Array(480), new Uint8Array(159))).toThrow(RangeError);
    t.reset();
    expect(t.flush().every((b) => b === 0xff)).toBe(true); // silence is +0
  });
});

describe('pcm16 bytes', () => {
  it('reads and writes little-endian regardless of the host and byte offset', () => {
    const pcm = Int16Array.of(0, 1, -1, 0x1234, -32768, 32767);
    const bytes = pcm16ToBytes(pcm);
    expect(Array.from(bytes)).toEqual([0, 0, 1, 0, 0xff, 0xff, 0x34, 0x12, 0x00, 0x80, 0xff, 0x7f]);
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    expect(pcm16FromBytes(shifted.subarray(1))).toEqual(pcm);
  });

  it('round-trips any samples', () => {
    fc.assert(
      fc.property(fc.int16Array({ size: 'max', maxLength: 2000 }), (pcm) => {
        expect(pcm16FromBytes(pcm16ToBytes(pcm))).toEqual(pcm);
      }),
    );
  });

  it('rejects an odd byte count', () => {
    expect(() => pcm16FromBytes(new Uint8Array(3))).toThrow(RangeError);
  });
});
