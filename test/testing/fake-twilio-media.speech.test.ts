import { describe, expect, it } from 'vitest';
import { decodeMulaw, encodeMulaw } from '../../src/realtime/audio/mulaw.js';
import { EnergyVad, rms, type VadEvent } from '../../src/testing/energy-vad.js';
import { framesOf, readWav, script, silence, speechLike } from '../../src/testing/speech-audio.js';

function vadEvents(mulaw: Uint8Array): { event: VadEvent; frame: number }[] {
  const vad = new EnergyVad();
  const events: { event: VadEvent; frame: number }[] = [];
  framesOf(mulaw).forEach((frame, i) => {
    const event = vad.push(frame);
    if (event) events.push({ event, frame: i });
  });
  return events;
}

/** Strongest autocorrelation lag in the 120–300 Hz range (as a frequency), over voiced samples. */
function pitchHz(pcm: Int16Array): number {
  let best = 0;
  let bestLag = 0;
  for (let lag = Math.floor(8000 / 300); lag <= Math.ceil(8000 / 120); lag++) {
    let sum = 0;
    for (let i = 0; i + lag < pcm.length; i++) sum += pcm[i]! * pcm[i + lag]!;
    if (sum > best) [best, bestLag] = [sum, lag];
  }
  return 8000 / bestLag;
}

/** A minimal RIFF/WAVE writer for the reader's tests. */
function wav(
  samples: Int16Array | Uint8Array,
  opts: { rate: number; channels?: number; format?: number },
): Uint8Array {
  const channels = opts.channels ?? 1;
  const format = opts.format ?? 1;
  const bits = format === 7 ? 8 : 16;
  const data =
    samples instanceof Int16Array
      ? new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength)
      : samples;
  const out = new Uint8Array(44 + 10 + data.length);
  const view = new DataView(out.buffer);
  const tag = (at: number, s: string) => {
    for (let i = 0; i < 4; i++) view.setUint8(at + i, s.charCodeAt(i));
  };
  tag(0, 'RIFF');
  view.setUint32(4, out.length - 8, true);
  tag(8, 'WAVE');
  tag(12, 'LIST'); // an unrelated chunk the reader must skip
  view.setUint32(16, 2, true);
  tag(22, 'fmt ');
  view.setUint32(26, 16, true);
  view.setUint16(30, format, true);
  view.setUint16(32, channels, true);
  view.setUint32(34, opts.rate, true);
  view.setUint32(38, (opts.rate * channels * bits) / 8, true);
  view.setUint16(42, (channels * bits) / 8, true);
  view.setUint16(44, bits, true);
  tag(46, 'data');
  view.setUint32(50, data.length, true);
  out.set(data, 54);
  return out;
}

function tone(hz: number, rate: number, seconds: number, amplitude = 8000): Int16Array {
  return Int16Array.from({ length: Math.round(rate * seconds) }, (_, i) =>
    Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate)),
  );
}

function zeroCrossingHz(pcm: Int16Array, rate: number): number {
  let crossings = 0;
  for (let i = 1; i < pcm.length; i++) if (pcm[i - 1]! < 0 !== pcm[i]! < 0) crossings++;
  return (crossings / 2) * (rate / pcm.length);
}

describe('speechLike', () => {
  it('is deterministic per seed and exactly durationMs long', () => {
    const a = speechLike({ durationMs: 1000, seed: 3 });
    expect(a.length).toBe(8000);
    expect(speechLike({ durationMs: 1000, seed: 3 })).toEqual(a);
    expect(speechLike({ durationMs: 1000, seed: 4 })).not.toEqual(a);
    expect(speechLike({ durationMs: 12.5 }).length).toBe(100);
  });

  it('is heard as speech by the energy VAD, without dropping out mid-utterance', () => {
    for (const seed of [1, 2, 3, 42]) {
      const events = vadEvents(speechLike({ durationMs: 3000, seed }));
      expect(events).toHaveLength(1);
      expect(events[0]!.event).toBe('speech_started');
      expect(events[0]!.frame).toBeLessThan(10);
    }
  });

  it('stays speech at a quiet level and silence stays silence', () => {
    expect(vadEvents(speechLike({ durationMs: 2000, level: 0.06 })).map((e) => e.event)).toEqual([
      'speech_started',
    ]);
    expect(vadEvents(silence(5000))).toEqual([]);
    expect(vadEvents(speechLike({ durationMs: 2000, level: 0 }))).toEqual([]);
  });

  it('has a voice pitch between 120 and 300 Hz', () => {
    for (const seed of [1, 5, 9]) {
      const pitch = pitchHz(decodeMulaw(speechLike({ durationMs: 1000, seed })));
      expect(pitch).toBeGreaterThanOrEqual(115);
      expect(pitch).toBeLessThanOrEqual(310);
    }
  });

  it('has a syllable rhythm of 4 to 6 per second', () => {
    const frames = framesOf(speechLike({ durationMs: 10_000, seed: 11 })).map((f) => rms(decodeMulaw(f)));
    const peak = Math.max(...frames);
    // Count quiet -> loud transitions of the 20 ms energy envelope: one per syllable.
    let onsets = 0;
    for (let i = 1; i < frames.length; i++)
      if (frames[i - 1]! < peak * 0.1 && frames[i]! >= peak * 0.1) onsets++;
    expect(onsets).toBeGreaterThanOrEqual(38);
    expect(onsets).toBeLessThanOrEqual(62);
  });

  it('scales with level and rejects a bad one', () => {
    const loud = rms(decodeMulaw(speechLike({ durationMs: 1000, level: 0.6 })));
    const quiet = rms(decodeMulaw(speechLike({ durationMs: 1000, level: 0.15 })));
    expect(loud / quiet).toBeGreaterThan(3);
    expect(loud / quiet).toBeLessThan(5);
    expect(() => speechLike({ durationMs: 100, level: 2 })).toThrow(RangeError);
    expect(() => speechLike({ durationMs: -1 })).toThrow(RangeError);
  });
});

describe('script, silence and framesOf', () => {
  it('concatenates turns that the VAD splits at the long pause only', () => {
    const audio = script([{ pause: 200 }, { speak: 1500 }, { pause: 800 }, { speak: 1000 }, { pause: 200 }]);
    expect(audio.length).toBe(8 * 3700);
    expect(audio.subarray(0, 1600).every((b) => b === 0xff)).toBe(true);
    expect(vadEvents(audio).map((e) => e.event)).toEqual([
      'speech_started',
      'speech_stopped',
      'speech_started',
    ]);
  });

  it('gives each spoken step its own audio but is deterministic', () => {
    const a = script([{ speak: 500 }, { speak: 500 }]);
    expect(a.subarray(0, 4000)).not.toEqual(a.subarray(4000));
    expect(script([{ speak: 500 }, { speak: 500 }])).toEqual(a);
    const clip = new Uint8Array([1, 2, 3]);
    expect(script([{ audio: clip }, { pause: 1 }])).toEqual(
      new Uint8Array([1, 2, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
    );
  });

  it('frames audio in 160-byte frames, padding the last with silence', () => {
    const frames = framesOf(new Uint8Array(401).fill(7));
    expect(frames.map((f) => f.length)).toEqual([160, 160, 160]);
    expect(frames[2]!.subarray(0, 81).every((b) => b === 7)).toBe(true);
    expect(frames[2]!.subarray(81).every((b) => b === 0xff)).toBe(true);
    expect(framesOf(new Uint8Array(0))).toEqual([]);
    expect(framesOf(new Uint8Array(10), 4).length).toBe(3);
    expect(silence(20)).toEqual(new Uint8Array(160).fill(0xff));
  });
});

describe('readWav', () => {
  it('passes 8 kHz PCM16 mono straight to mu-law', () => {
    const pcm = tone(440, 8000, 0.5);
    expect(readWav(wav(pcm, { rate: 8000 }))).toEqual(encodeMulaw(pcm));
  });

  it.each([16000, 22050, 24000, 44100, 48000])('resamples %i Hz to 8 kHz keeping a 1 kHz tone', (rate) => {
    const out = readWav(wav(tone(1000, rate, 1), { rate }));
    expect(out.length).toBe(8000);
    const pcm = decodeMulaw(out).subarray(400, 7600); // away from the filter's edges
    expect(zeroCrossingHz(pcm, 8000)).toBeCloseTo(1000, -1);
    expect(rms(pcm)).toBeGreaterThan(8000 / Math.SQRT2 - 400);
    expect(rms(pcm)).toBeLessThan(8000 / Math.SQRT2 + 400);
  });

  it('mixes stereo down and reads mu-law WAVs', () => {
    const left = tone(500, 8000, 0.1);
    const stereo = new Int16Array(left.length * 2);
    left.forEach((s, i) => {
      stereo[2 * i] = s;
      stereo[2 * i + 1] = -s; // cancels out
    });
    expect(readWav(wav(stereo, { rate: 8000, channels: 2 })).every((b) => b === 0xff)).toBe(true);
    const mulaw = encodeMulaw(left);
    expect(readWav(wav(mulaw, { rate: 8000, format: 7 }))).toEqual(mulaw);
  });

  it('rejects what it cannot read', () => {
    expect(() => readWav(new Uint8Array(10))).toThrow(/not a WAV/);
    const float = wav(tone(1, 8000, 0.01), { rate: 8000, format: 3 });
    expect(() => readWav(float)).toThrow(/unsupported WAV/);
    const noData = wav(new Int16Array(0), { rate: 8000 }).slice(0, 46);
    expect(() => readWav(noData)).toThrow(/no fmt or data/);
  });
});
