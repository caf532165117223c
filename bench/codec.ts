/**
 * Audio codec and resampler cost.
 *
 * 1. mu-law encode + decode of 1 s of 8 kHz speech-like audio: steadycall vs the `alawmulaw`
 *    package (`mulaw.encode` / `mulaw.decode`), measured in the same process in interleaved rounds
 *    (order rotating each round) after a warm-up; median ops/s and the median of per-round
 *    ratios, which decides PASS / MISS. One op = encode 8000 samples and decode 8000 bytes. Both
 *    contenders allocate their outputs, as alawmulaw always does; the allocation-free `*Into`
 *    variants the bridge uses are shown too, for information.
 * 2. Resamplers (8k -> 16k, 24k -> 8k) and the Gemini transcoders, fed 20 ms frames as the bridge
 *    does: CPU microseconds per second of audio, and the real-time factor (CPU time / audio time).
 *
 * Run: `npx tsx bench/codec.ts [roundsOfCodec] [secondsOfAudioForResamplers]`
 */
import { createRequire } from 'node:module';
import {
  createMulawToPcm16k,
  createPcm24kToMulaw,
  createResampler,
  decodeMulaw,
  decodeMulawInto,
  encodeMulaw,
  encodeMulawInto,
} from '../src/realtime/audio/index.js';

// alawmulaw's ESM entry uses extensionless imports Node cannot load, and its UMD main hides the
// named exports from Node's CJS detection: require() is the way in.
const { mulaw } = createRequire(import.meta.url)('alawmulaw') as typeof import('alawmulaw');

const ROUNDS = Number(process.argv[2] ?? 41);
const SLICE_MS = 40;
const AUDIO_SECONDS = Number(process.argv[3] ?? 60);
const TARGET = 2;

/** Speech-like test signal: a few drifting harmonics under a syllable-rate envelope, plus noise. */
function speechLike(rate: number, samples: number): Int16Array {
  const out = new Int16Array(samples);
  let seed = 12345;
  for (let n = 0; n < samples; n++) {
    const t = n / rate;
    const f0 = 120 + 30 * Math.sin(2 * Math.PI * 0.7 * t);
    const envelope = 0.25 + 0.75 * Math.abs(Math.sin(2 * Math.PI * 3 * t));
    let v = 0;
    for (let h = 1; h <= 8; h++) v += Math.sin(2 * Math.PI * f0 * h * t) / h;
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    out[n] = Math.round(6000 * envelope * v + ((seed >>> 16) - 32768) / 64);
  }
  return out;
}

const pcm8k = speechLike(8000, 8000);
const ulaw8k = encodeMulaw(pcm8k);
const pcmOut = new Int16Array(8000);
const ulawOut = new Uint8Array(8000);
let sink = 0; // consumed results, so no engine can skip the work

type Contender = { name: string; run: () => void };
const contenders: Contender[] = [
  {
    name: 'steadycall',
    run: () => {
      sink ^= encodeMulaw(pcm8k)[17]! ^ decodeMulaw(ulaw8k)[17]!;
    },
  },
  {
    name: 'alawmulaw',
    run: () => {
      sink ^= mulaw.encode(pcm8k)[17]! ^ mulaw.decode(ulaw8k)[17]!;
    },
  },
  {
    name: 'steadycall *Into',
    run: () => {
      encodeMulawInto(pcm8k, ulawOut);
      decodeMulawInto(ulaw8k, pcmOut);
      sink ^= ulawOut[17]! ^ pcmOut[17]!;
    },
  },
];

function opsPerSecond(run: () => void, minMs: number): number {
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < 20; i++) run();
    ops += 20;
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  return ops / (elapsed / 1000);
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  return sorted[lo]! + (sorted[Math.ceil(at)]! - sorted[lo]!) * (at - lo);
}

const median = (values: number[]): number => quantile(values, 0.5);

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function benchCodec(): void {
  console.log(
    `mu-law encode+decode, 1 op = 1 s of 8 kHz audio (8000 samples); ${ROUNDS} interleaved rounds of ${SLICE_MS} ms slices`,
  );
  for (const c of contenders) opsPerSecond(c.run, 500); // warm-up (JIT, tables)
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order so no contender always runs first (GC and thermal effects even out).
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(round + k) % contenders.length]!;
      samples.get(c.name)!.push(opsPerSecond(c.run, SLICE_MS));
    }
  }
  // On a shared, loaded machine the speed of the whole process drifts between rounds, so the
  // verdict uses the median of per-round ratios (each pair measured back to back), not a ratio of
  // medians taken at different moments.
  const peer = samples.get('alawmulaw')!;
  const pairedRatio = (name: string) => median(samples.get(name)!.map((ops, round) => ops / peer[round]!));
  console.log(
    `${'contender'.padEnd(18)} ${'median ops/s'.padStart(13)} ${'median ratio'.padStart(13)} ${'p25 ratio'.padStart(10)}`,
  );
  for (const [name, values] of samples) {
    const ratios = values.map((ops, round) => ops / peer[round]!);
    console.log(
      `${name.padEnd(18)} ${fmt(median(values)).padStart(13)} ${`${pairedRatio(name).toFixed(2)}x`.padStart(13)} ${`${quantile(ratios, 0.25).toFixed(2)}x`.padStart(10)}`,
    );
  }
  const ratio = pairedRatio('steadycall');
  console.log(
    `\nsteadycall / alawmulaw = ${ratio.toFixed(2)}x  (target >= ${TARGET}x)  ${ratio >= TARGET ? 'PASS' : 'MISS'}`,
  );
}

/** A per-frame step over 20 ms frames, built fresh for each measurement (cold state). */
type Stage = { name: string; rate: number; frame: number; make: () => (frame: Int16Array) => number };

const stages: Stage[] = [
  {
    name: 'resample 8k -> 16k',
    rate: 8000,
    frame: 160,
    make: () => {
      const r = createResampler(8000, 16000);
      const out = new Int16Array(320);
      return (f) => r.processInto(f, out);
    },
  },
  {
    name: 'resample 24k -> 8k',
    rate: 24000,
    frame: 480,
    make: () => {
      const r = createResampler(24000, 8000);
      const out = new Int16Array(160);
      return (f) => r.processInto(f, out);
    },
  },
  {
    name: 'mu-law 8k -> PCM 16k',
    rate: 8000,
    frame: 160,
    make: () => {
      const t = createMulawToPcm16k();
      const out = new Int16Array(320);
      const bytes = new Uint8Array(160);
      return (f) => {
        encodeMulawInto(f, bytes); // stand-in for the wire bytes; its cost is counted too
        return t.processInto(bytes, out);
      };
    },
  },
  {
    name: 'PCM 24k -> mu-law 8k',
    rate: 24000,
    frame: 480,
    make: () => {
      const t = createPcm24kToMulaw();
      const out = new Uint8Array(160);
      return (f) => t.processInto(f, out);
    },
  },
];

const cpuMicros = (): number => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

function benchResamplers(): void {
  console.log(`\nstreaming cost, 20 ms frames, ${AUDIO_SECONDS} s of audio per stage, median of 5 runs`);
  console.log(
    `${'stage'.padEnd(22)} ${'CPU us / audio s'.padStart(17)} ${'real-time factor'.padStart(17)} ${'x real time'.padStart(12)}`,
  );
  for (const stage of stages) {
    const audio = speechLike(stage.rate, stage.rate * AUDIO_SECONDS);
    const measure = (): number => {
      const step = stage.make();
      const start = cpuMicros();
      for (let at = 0; at + stage.frame <= audio.length; at += stage.frame) {
        sink ^= step(audio.subarray(at, at + stage.frame));
      }
      return (cpuMicros() - start) / AUDIO_SECONDS;
    };
    measure(); // warm-up
    const perSecond = median([measure(), measure(), measure(), measure(), measure()]);
    const rtf = perSecond / 1e6;
    console.log(
      `${stage.name.padEnd(22)} ${fmt(perSecond).padStart(17)} ${rtf.toExponential(2).padStart(17)} ${fmt(1 / rtf).padStart(12)}`,
    );
  }
}

console.log(`node ${process.version}`);
benchCodec();
benchResamplers();
if (sink === 0.5) console.log(sink);
