/**
 * Deterministic test audio in Twilio's format (8 kHz G.711 mu-law): speech-like bursts, silence,
 * scripted turns, 20 ms framing, and a small WAV reader so a real recording can be played instead.
 *
 * @module
 */

import { decodeMulaw, encodeMulaw } from '../realtime/audio/mulaw.js';
import { createResampler } from '../realtime/audio/resample.js';
import { MULAW_SILENCE, TWILIO_FRAME_BYTES, TWILIO_SAMPLE_RATE } from '../realtime/twilio-media.js';

const RATE = TWILIO_SAMPLE_RATE;

/**
 * Options of {@link speechLike}.
 *
 * @example
 * ```ts
 * import { speechLike, type SpeechLikeOptions } from 'steadycall/testing';
 *
 * const quietCaller: SpeechLikeOptions = { durationMs: 1500, seed: 3, level: 0.08 };
 * const audio = speechLike(quietCaller); // 12 000 bytes of mu-law
 * ```
 */
export interface SpeechLikeOptions {
  /** Length of the audio in ms (8 bytes per ms). Must be >= 0. */
  durationMs: number;
  /** Same seed, same bytes. Default 1. */
  seed?: number;
  /**
   * Peak amplitude of each syllable as a fraction of full scale, 0..1 (default 0.3, a loud
   * caller). The default {@link EnergyVad} hears anything above about 0.05.
   */
  level?: number;
}

/** Vowel formants (F1, F2, F3 in Hz), roughly /a/ /e/ /i/ /o/ /u/ of an adult voice. */
const VOWELS: readonly (readonly [number, number, number])[] = [
  [730, 1090, 2440],
  [530, 1840, 2480],
  [270, 2290, 3010],
  [570, 840, 2410],
  [300, 870, 2240],
];
const BANDWIDTHS = [90, 110, 170] as const;
const MAX_HARMONIC_HZ = 3600;
/** Harmonic weights are recomputed this often (samples) as the formants glide. */
const FORMANT_STEP = 80;

/** mulberry32: a tiny seeded PRNG, so generated audio is identical on every run and runtime. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function samplesFor(durationMs: number): number {
  if (!Number.isFinite(durationMs) || durationMs < 0) throw new RangeError('durationMs must be >= 0');
  return Math.round((durationMs * RATE) / 1000);
}

/** Harmonic amplitudes of a glottal source (1/k tilt) shaped by three formant resonances. */
function harmonicWeights(f0: number, formants: readonly number[], out: Float64Array): number {
  const count = Math.min(out.length, Math.floor(MAX_HARMONIC_HZ / f0));
  for (let k = 1; k <= count; k++) {
    const f = k * f0;
    let gain = 0;
    for (let j = 0; j < 3; j++) {
      const x = (f - formants[j]!) / BANDWIDTHS[j]!;
      gain += 1 / (1 + x * x) / (j + 1);
    }
    out[k - 1] = gain / k;
  }
  return count;
}

/** One syllable: a voiced burst gliding in pitch and between two vowels, then a short gap. */
function syllable(pcm: Float64Array, from: number, length: number, rnd: () => number): void {
  const voiced = Math.round(length * (0.65 + 0.2 * rnd()));
  const f0Start = 120 + 180 * rnd();
  const f0End = Math.min(300, Math.max(120, f0Start * (0.85 + 0.3 * rnd())));
  const vowelA = VOWELS[Math.floor(rnd() * VOWELS.length)]!;
  const vowelB = VOWELS[Math.floor(rnd() * VOWELS.length)]!;
  const attack = Math.min(voiced / 3, 0.025 * RATE);
  const release = Math.min(voiced / 3, 0.04 * RATE);
  const weights = new Float64Array(32);
  const formants = [0, 0, 0];
  let count = 0;
  let phase = 0;
  for (let i = 0; i < voiced && from + i < pcm.length; i++) {
    const t = i / voiced;
    const f0 = f0Start + (f0End - f0Start) * t;
    if (i % FORMANT_STEP === 0) {
      for (let j = 0; j < 3; j++) formants[j] = vowelA[j]! + (vowelB[j]! - vowelA[j]!) * t;
      count = harmonicWeights(f0, formants, weights);
    }
    phase += (2 * Math.PI * f0) / RATE;
    let x = 0;
    for (let k = 0; k < count; k++) x += weights[k]! * Math.sin((k + 1) * phase);
    // Raised-cosine attack and release: a flat-topped syllable envelope, no clicks.
    const env =
      i < attack
        ? 0.5 - 0.5 * Math.cos((Math.PI * i) / attack)
        : i > voiced - release
          ? 0.5 - 0.5 * Math.cos((Math.PI * (voiced - i)) / release)
          : 1;
    pcm[from + i] = x * env;
  }
}

/**
 * Speech-like audio as 8 kHz mu-law: voiced syllables (a 120–300 Hz fundamental with harmonics
 * shaped by gliding vowel formants) at a syllable rate of 4–6 Hz, separated by short gaps.
 * Deterministic for a given seed. Not intelligible, but it has speech's pitch, spectrum and
 * rhythm, which is what VADs and codecs care about.
 *
 * @example
 * ```ts
 * import { speechLike } from 'steadycall/testing';
 *
 * const hello = speechLike({ durationMs: 1200, seed: 7 });
 * await twilio.play(hello);
 * ```
 */
export function speechLike(options: SpeechLikeOptions): Uint8Array {
  const n = samplesFor(options.durationMs);
  const level = options.level ?? 0.3;
  if (!(level >= 0 && level <= 1)) throw new RangeError('level must be between 0 and 1');
  const rnd = prng(options.seed ?? 1);
  const pcm = new Float64Array(n);
  const out = new Int16Array(n);
  let pos = 0;
  while (pos < n) {
    const length = Math.round(RATE / (4 + 2 * rnd()));
    const loudness = level * (0.7 + 0.3 * rnd());
    const end = Math.min(n, pos + length);
    syllable(pcm, pos, length, rnd);
    // Normalise each syllable's peak, so `level` means the same thing whatever the vowel.
    let peak = 0;
    for (let i = pos; i < end; i++) peak = Math.max(peak, Math.abs(pcm[i]!));
    const scale = peak > 0 ? (loudness * 32767) / peak : 0;
    for (let i = pos; i < end; i++) out[i] = Math.round(pcm[i]! * scale);
    pos += length;
  }
  return encodeMulaw(out);
}

/**
 * Digital silence (mu-law 0xFF) of the given length.
 *
 * @example
 * ```ts
 * import { silence } from 'steadycall/testing';
 *
 * await twilio.play(silence(800)); // long enough for a VAD to call end of turn
 * ```
 */
export function silence(durationMs: number): Uint8Array {
  return new Uint8Array(samplesFor(durationMs)).fill(MULAW_SILENCE);
}

/**
 * One step of a {@link script}: speech, a pause, or ready-made mu-law audio.
 *
 * @example
 * ```ts
 * import { readWav, script, type ScriptStep } from 'steadycall/testing';
 *
 * const steps: ScriptStep[] = [{ speak: 1200 }, { pause: 800 }, { audio: readWav(wavBytes) }];
 * const caller = script(steps);
 * ```
 */
export type ScriptStep =
  | {
      /** Speech-like audio (see {@link speechLike}) of this many ms. */
      speak: number;
    }
  | {
      /** Silence of this many ms. */
      pause: number;
    }
  | {
      /** Ready-made 8 kHz mu-law audio, used as is. */
      audio: Uint8Array;
    };

/**
 * Concatenates speech, pauses and audio into one mu-law buffer. Each `speak` step gets its own seed
 * (derived from `options.seed`), so turns sound different but the whole script is deterministic.
 *
 * @example
 * ```ts
 * import { script } from 'steadycall/testing';
 *
 * const caller = script([{ pause: 300 }, { speak: 1500 }, { pause: 700 }, { speak: 900 }]);
 * await twilio.play(caller); // two caller turns, 3.4 s in all
 * ```
 */
export function script(
  steps: readonly ScriptStep[],
  options: { seed?: number; level?: number } = {},
): Uint8Array {
  const seed = options.seed ?? 1;
  const parts = steps.map((step, i) => {
    if ('speak' in step)
      return speechLike({ durationMs: step.speak, seed: seed + i * 7919, level: options.level });
    if ('pause' in step) return silence(step.pause);
    return step.audio;
  });
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * Splits audio into frames of `frameBytes` (default 160: Twilio's 20 ms). A short last frame is
 * padded with silence, since Twilio always sends whole frames.
 *
 * @example
 * ```ts
 * import { EnergyVad, framesOf, speechLike } from 'steadycall/testing';
 *
 * const vad = new EnergyVad();
 * for (const frame of framesOf(speechLike({ durationMs: 1000 }))) vad.push(frame); // 50 frames
 * ```
 */
export function framesOf(mulaw: Uint8Array, frameBytes = TWILIO_FRAME_BYTES): Uint8Array[] {
  if (!Number.isInteger(frameBytes) || frameBytes <= 0) throw new RangeError('frameBytes must be > 0');
  const frames: Uint8Array[] = [];
  for (let i = 0; i < mulaw.length; i += frameBytes) {
    const frame = mulaw.subarray(i, i + frameBytes);
    if (frame.length === frameBytes) {
      frames.push(frame);
    } else {
      const padded = new Uint8Array(frameBytes).fill(MULAW_SILENCE);
      padded.set(frame);
      frames.push(padded);
    }
  }
  return frames;
}

const WAVE_PCM = 1;
const WAVE_MULAW = 7;
const WAVE_EXTENSIBLE = 0xfffe;

function tag(view: DataView, at: number): string {
  return String.fromCharCode(
    view.getUint8(at),
    view.getUint8(at + 1),
    view.getUint8(at + 2),
    view.getUint8(at + 3),
  );
}

/**
 * Reads a WAV file (16-bit PCM at any rate, or 8-bit mu-law; mono, or several channels mixed
 * down) and returns it as 8 kHz mu-law, resampled through the SDK's anti-aliasing resampler.
 *
 * @throws Error when the bytes are not a WAV file this reader supports.
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises';
 * import { readWav } from 'steadycall/testing';
 *
 * await twilio.play(readWav(await readFile('fixtures/hello-44k.wav')));
 * ```
 */
export function readWav(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12 || tag(view, 0) !== 'RIFF' || tag(view, 8) !== 'WAVE') {
    throw new Error('not a WAV file (no RIFF/WAVE header)');
  }
  let format: { code: number; channels: number; rate: number; bits: number } | undefined;
  let data: Uint8Array | undefined;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = tag(view, at);
    const size = Math.min(view.getUint32(at + 4, true), bytes.length - at - 8);
    const body = at + 8;
    if (id === 'fmt ' && size >= 16) {
      let code = view.getUint16(body, true);
      // WAVE_FORMAT_EXTENSIBLE keeps the real format code in the first two bytes of its GUID.
      if (code === WAVE_EXTENSIBLE && size >= 26) code = view.getUint16(body + 24, true);
      format = {
        code,
        channels: view.getUint16(body + 2, true),
        rate: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      data = bytes.subarray(body, body + size);
    }
    at = body + size + (size % 2); // chunks are word aligned
  }
  if (!format || !data) throw new Error('WAV file has no fmt or data chunk');
  const { code, channels, rate, bits } = format;
  const pcmOk = code === WAVE_PCM && bits === 16;
  const mulawOk = code === WAVE_MULAW && bits === 8;
  if (!(pcmOk || mulawOk) || channels < 1 || rate < 1) {
    throw new Error(`unsupported WAV format ${code}/${bits}-bit/${channels}ch (need 16-bit PCM or mu-law)`);
  }
  if (mulawOk && channels === 1 && rate === RATE) return data.slice();
  const frames = Math.floor(data.length / ((bits / 8) * channels));
  const samples = mulawOk ? decodeMulaw(data) : undefined;
  const dataView = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const mono = new Int16Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) {
      const i = f * channels + c;
      sum += samples ? samples[i]! : dataView.getInt16(i * 2, true);
    }
    mono[f] = Math.round(sum / channels);
  }
  return encodeMulaw(rate === RATE ? mono : resampleWhole(mono, rate));
}

/** Resamples a whole clip to 8 kHz, dropping the filter's delay so the output lines up with the input. */
function resampleWhole(pcm: Int16Array, rate: number): Int16Array {
  const resampler = createResampler(rate, RATE);
  const body = resampler.process(pcm);
  const tail = resampler.flush();
  const want = Math.round((pcm.length * RATE) / rate);
  const out = new Int16Array(want);
  const all = new Int16Array(body.length + tail.length);
  all.set(body);
  all.set(tail, body.length);
  out.set(all.subarray(resampler.latencySamples, resampler.latencySamples + want));
  return out;
}
