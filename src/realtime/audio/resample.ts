/**
 * Stateful streaming sample-rate converters for 16-bit PCM: a polyphase windowed-sinc (Kaiser) FIR
 * low-pass at the rational ratio `toRate / fromRate` (reduced to L/M: upsample by L, filter,
 * keep every M-th sample, done without computing the discarded or zero-stuffed samples).
 *
 * The low-pass both removes images when upsampling (8 kHz -> 16 kHz for Gemini input) and aliases
 * when downsampling (24 kHz -> 8 kHz for Gemini output to Twilio); nothing is ever dropped or
 * linearly interpolated. Its stopband starts at the lower of the two Nyquist frequencies, so
 * nothing folds back into the band at all.
 *
 * Filter history and phase are carried across calls, and every output sample is computed by the
 * same multiply-adds in the same order however the input was chunked, so chunking never changes a
 * single output sample.
 *
 * @module
 */

/**
 * Tuning of the anti-aliasing / anti-imaging low-pass. The defaults suit telephone speech.
 *
 * @example
 * ```ts
 * // Cheaper and lower latency, still > 40 dB of alias rejection:
 * const r = createResampler(24000, 8000, { stopbandDb: 50, passband: 0.8 });
 * ```
 */
export interface ResamplerOptions {
  /**
   * Stopband attenuation in dB, 20..150 (default 80). Higher means more taps (CPU and latency).
   */
  stopbandDb?: number;
  /**
   * Passband edge as a fraction of the lower Nyquist frequency, in (0, 1) (default 0.88: 3.52 kHz
   * when one side is 8 kHz, above the 3.4 kHz telephone band). The transition band runs from here
   * to the Nyquist frequency; a narrower one needs more taps.
   */
  passband?: number;
}

/**
 * A streaming resampler for one audio stream. Not shareable between streams.
 *
 * @example
 * ```ts
 * const down: Resampler = createResampler(24000, 8000);
 * const out = new Int16Array(down.outputLength(chunk.length));
 * down.processInto(chunk, out);
 * ```
 */
export interface Resampler {
  /** Input sample rate, in Hz. */
  readonly fromRate: number;
  /** Output sample rate, in Hz. */
  readonly toRate: number;
  /**
   * Delay the filter adds, in output samples: an impulse at input sample 0 peaks at output sample
   * `latencySamples`. Always an integer.
   */
  readonly latencySamples: number;
  /** Resamples the next chunk (any length, including 0) and returns the output it completes. */
  process(input: Int16Array): Int16Array;
  /**
   * Like {@link Resampler.process} but writes into `out` (allocation-free once warm) and returns
   * the number of samples written, which is `outputLength(input.length)`.
   *
   * @throws RangeError when `out` is shorter than that.
   */
  processInto(input: Int16Array, out: Int16Array): number;
  /** Exact number of samples the next `process` call returns for an input of this length. */
  outputLength(inputLength: number): number;
  /**
   * Ends the stream: returns the filter's tail (the last `latencySamples` or so of delayed audio,
   * computed against trailing silence) and resets the resampler for a new stream.
   */
  flush(): Int16Array;
  /** Forgets all history, as if newly created. */
  reset(): void;
}

const DEFAULT_STOPBAND_DB = 80;
const DEFAULT_PASSBAND = 0.88;
const MAX_FACTOR = 1024;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for x < 50). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 200; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

function kaiserBeta(attenuationDb: number): number {
  if (attenuationDb > 50) return 0.1102 * (attenuationDb - 8.7);
  if (attenuationDb >= 21) return 0.5842 * (attenuationDb - 21) ** 0.4 + 0.07886 * (attenuationDb - 21);
  return 0;
}

interface Design {
  /** Polyphase coefficients, phase-major, each phase stored reversed (oldest sample first). */
  coeffs: Float64Array;
  taps: number;
  /** Group delay of the prototype filter, in samples at the upsampled rate (a multiple of M). */
  delay: number;
}

/** Designs the prototype low-pass at the upsampled rate and splits it into L phases. */
function design(fromRate: number, toRate: number, up: number, down: number, opts: ResamplerOptions): Design {
  if (up === 1 && down === 1) return { coeffs: Float64Array.of(1), taps: 1, delay: 0 };
  const stopbandDb = opts.stopbandDb ?? DEFAULT_STOPBAND_DB;
  const passband = opts.passband ?? DEFAULT_PASSBAND;
  const rate = fromRate * up;
  const stopHz = Math.min(fromRate, toRate) / 2;
  const passHz = passband * stopHz;
  const cutoff = (passHz + stopHz) / 2 / rate; // cycles per sample at the upsampled rate
  const transition = (2 * Math.PI * (stopHz - passHz)) / rate;
  const order = Math.ceil((stopbandDb - 7.95) / (2.285 * transition));
  // Odd length with a group delay that is a multiple of M makes latencySamples an integer.
  const delay = Math.ceil(order / 2 / down) * down;
  const length = 2 * delay + 1;
  const beta = kaiserBeta(stopbandDb);
  const i0Beta = besselI0(beta);
  const proto = new Float64Array(length);
  for (let k = 0; k < length; k++) {
    const t = k - delay;
    const sinc = t === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * t) / (Math.PI * t);
    const r = t / delay;
    proto[k] = sinc * (besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0Beta);
  }
  const taps = Math.ceil(length / up);
  const coeffs = new Float64Array(taps * up);
  for (let p = 0; p < up; p++) {
    let sum = 0;
    for (let j = 0; j < taps; j++) sum += proto[p + j * up] ?? 0;
    // Normalising every phase to unit DC gain (rather than the whole filter to L) keeps a constant
    // input constant at the output: no residual image tone at the input rate.
    for (let j = 0; j < taps; j++) coeffs[p * taps + (taps - 1 - j)] = (proto[p + j * up] ?? 0) / sum;
  }
  return { coeffs, taps, delay };
}

function checkRate(name: string, rate: number): void {
  if (!Number.isInteger(rate) || rate <= 0) throw new RangeError(`${name} must be a positive integer (Hz)`);
}

/**
 * Creates a streaming resampler from `fromRate` to `toRate` (Hz, positive integers whose reduced
 * ratio L/M has L, M <= 1024: 8k<->16k, 24k->8k, 16k->8k, 24k->16k, 44.1k->48k all qualify).
 *
 * @throws RangeError on a bad rate, an unsupported ratio or an option out of range.
 * @example
 * ```ts
 * const up = createResampler(8000, 16000);
 * for (const frame of frames8k) send(up.process(frame)); // 160 samples in, 320 out
 * send(up.flush()); // end of stream: the filter's tail
 * ```
 */
export function createResampler(fromRate: number, toRate: number, options: ResamplerOptions = {}): Resampler {
  checkRate('fromRate', fromRate);
  checkRate('toRate', toRate);
  const g = gcd(fromRate, toRate);
  const up = toRate / g;
  const down = fromRate / g;
  if (up > MAX_FACTOR || down > MAX_FACTOR) {
    throw new RangeError(`unsupported ratio ${toRate}/${fromRate}: reduced factors must be <= ${MAX_FACTOR}`);
  }
  const { stopbandDb, passband } = options;
  if (stopbandDb !== undefined && !(stopbandDb >= 20 && stopbandDb <= 150)) {
    throw new RangeError('stopbandDb must be between 20 and 150');
  }
  if (passband !== undefined && !(passband > 0 && passband < 1)) {
    throw new RangeError('passband must be in (0, 1)');
  }
  const { coeffs, taps, delay } = design(fromRate, toRate, up, down, options);
  return new PolyphaseResampler(fromRate, toRate, up, down, coeffs, taps, delay / down);
}

class PolyphaseResampler implements Resampler {
  readonly #up: number;
  readonly #down: number;
  readonly #coeffs: Float64Array;
  readonly #taps: number;
  /** Per phase p: how many input samples the next output moves forward, and its phase. */
  readonly #advance: Int32Array;
  readonly #nextPhase: Int32Array;
  /** taps-1 samples of history followed by the current chunk. */
  #buf: Int16Array;
  /** Input index (relative to the current chunk) of the newest sample the next output needs. */
  #nextIndex = 0;
  #phase = 0;
  #tail: Int16Array | undefined;

  constructor(
    readonly fromRate: number,
    readonly toRate: number,
    up: number,
    down: number,
    coeffs: Float64Array,
    taps: number,
    readonly latencySamples: number,
  ) {
    this.#up = up;
    this.#down = down;
    this.#coeffs = coeffs;
    this.#taps = taps;
    this.#advance = new Int32Array(up);
    this.#nextPhase = new Int32Array(up);
    for (let p = 0; p < up; p++) {
      this.#advance[p] = Math.floor((p + down) / up);
      this.#nextPhase[p] = (p + down) % up;
    }
    this.#buf = new Int16Array(taps - 1 + 1024);
  }

  outputLength(inputLength: number): number {
    // Outputs sit at upsampled positions T0 + kM; each needs input index floor(pos / L) < n.
    const start = this.#nextIndex * this.#up + this.#phase;
    return Math.max(0, Math.ceil((inputLength * this.#up - start) / this.#down));
  }

  process(input: Int16Array): Int16Array {
    const out = new Int16Array(this.outputLength(input.length));
    this.processInto(input, out);
    return out;
  }

  processInto(input: Int16Array, out: Int16Array): number {
    const n = input.length;
    const count = this.outputLength(n);
    if (out.length < count) throw new RangeError(`output holds ${out.length} samples, ${count} needed`);
    const keep = this.#taps - 1;
    if (this.#buf.length < keep + n) {
      const grown = new Int16Array(keep + n);
      grown.set(this.#buf.subarray(0, keep));
      this.#buf = grown;
    }
    const buf = this.#buf;
    buf.set(input, keep);
    const coeffs = this.#coeffs;
    const taps = this.#taps;
    const advance = this.#advance;
    const nextPhase = this.#nextPhase;
    let i = this.#nextIndex;
    let p = this.#phase;
    for (let w = 0; w < count; w++) {
      // buf[i .. i + taps) holds x[i - taps + 1 .. i]; coefficients are stored oldest-first.
      const base = p * taps;
      let acc = 0;
      for (let j = 0; j < taps; j++) acc += coeffs[base + j]! * buf[i + j]!;
      out[w] = acc >= 32767 ? 32767 : acc <= -32768 ? -32768 : Math.round(acc);
      i += advance[p]!;
      p = nextPhase[p]!;
    }
    this.#nextIndex = i - n;
    this.#phase = p;
    buf.copyWithin(0, n, n + keep);
    return count;
  }

  flush(): Int16Array {
    // Enough trailing silence to bring the last real input sample to the filter's centre.
    this.#tail ??= new Int16Array(Math.ceil((this.latencySamples * this.#down) / this.#up));
    const out = this.process(this.#tail);
    this.reset();
    return out;
  }

  reset(): void {
    this.#buf.fill(0);
    this.#nextIndex = 0;
    this.#phase = 0;
  }
}
