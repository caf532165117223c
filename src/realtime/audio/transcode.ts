/**
 * Streaming transcoders for the Gemini Live path: Twilio's 8 kHz mu-law in, PCM16 16 kHz to the
 * model; the model's PCM16 24 kHz back out to 8 kHz mu-law. Each is a codec plus a
 * {@link Resampler}, with scratch buffers reused across frames so the steady-state per-frame path
 * (`processInto`, constant frame size) allocates nothing.
 *
 * @module
 */

import { decodeMulawInto, encodeMulawInto } from './mulaw.js';
import { createResampler, type ResamplerOptions } from './resample.js';

/**
 * 8 kHz mu-law -> 16 kHz PCM16 (caller audio to Gemini Live).
 *
 * @example
 * ```ts
 * const t: MulawToPcm16k = createMulawToPcm16k();
 * const pcm16k = new Int16Array(320);
 * t.processInto(twilioFrame, pcm16k); // 160 bytes -> 320 samples, no allocation
 * ```
 */
export interface MulawToPcm16k {
  /** Delay added, in 16 kHz output samples. */
  readonly latencySamples: number;
  /** Transcodes the next chunk (any length) and returns the 16 kHz PCM16 it completes. */
  process(mulaw: Uint8Array): Int16Array;
  /** Writes into `out` and returns the count, `outputLength(mulaw.length)`. */
  processInto(mulaw: Uint8Array, out: Int16Array): number;
  /** Exact number of samples the next `process` call returns for an input of this length. */
  outputLength(inputLength: number): number;
  /** Ends the stream: the resampler's tail; then resets. */
  flush(): Int16Array;
  /** Drops the stream's state (filter history) without returning its tail. */
  reset(): void;
}

/**
 * 24 kHz PCM16 -> 8 kHz mu-law (Gemini Live audio to Twilio).
 *
 * @example
 * ```ts
 * const t: Pcm24kToMulaw = createPcm24kToMulaw();
 * const mulaw = t.process(pcm24k); // a third as many bytes as samples in
 * ```
 */
export interface Pcm24kToMulaw {
  /** Delay added, in 8 kHz output samples. */
  readonly latencySamples: number;
  /** Transcodes the next chunk (any length) and returns the 8 kHz mu-law it completes. */
  process(pcm24k: Int16Array): Uint8Array;
  /** Writes into `out` and returns the count, `outputLength(pcm24k.length)`. */
  processInto(pcm24k: Int16Array, out: Uint8Array): number;
  /** Exact number of samples the next `process` call returns for an input of this length. */
  outputLength(inputLength: number): number;
  /** Ends the stream: the resampler's tail, encoded; then resets. */
  flush(): Uint8Array;
  /** Drops the stream's state (filter history) without returning its tail. */
  reset(): void;
}

/**
 * Creates a streaming 8 kHz mu-law -> 16 kHz PCM16 transcoder (one per call).
 *
 * @example
 * ```ts
 * const toGemini = createMulawToPcm16k();
 * onTwilioMedia((frame) => session.sendAudio(toGemini.process(frame))); // 160 bytes -> 320 samples
 * ```
 */
export function createMulawToPcm16k(options?: ResamplerOptions): MulawToPcm16k {
  const resampler = createResampler(8000, 16000, options);
  let scratch = new Int16Array(0);
  const decode = (mulaw: Uint8Array): Int16Array => {
    // Sized exactly, so it is reused as long as the frame size stays the same (it does on Twilio).
    if (scratch.length !== mulaw.length) scratch = new Int16Array(mulaw.length);
    decodeMulawInto(mulaw, scratch);
    return scratch;
  };
  return {
    latencySamples: resampler.latencySamples,
    process: (mulaw) => resampler.process(decode(mulaw)),
    processInto: (mulaw, out) => resampler.processInto(decode(mulaw), out),
    outputLength: (n) => resampler.outputLength(n),
    flush: () => resampler.flush(),
    reset: () => resampler.reset(),
  };
}

/**
 * Creates a streaming 24 kHz PCM16 -> 8 kHz mu-law transcoder (one per call), anti-aliased.
 *
 * @example
 * ```ts
 * const toTwilio = createPcm24kToMulaw();
 * onGeminiAudio((pcm24k) => sendTwilioMedia(toTwilio.process(pcm24k))); // 480 samples -> 160 bytes
 * ```
 */
export function createPcm24kToMulaw(options?: ResamplerOptions): Pcm24kToMulaw {
  const resampler = createResampler(24000, 8000, options);
  let scratch = new Int16Array(0);
  const resample = (pcm: Int16Array): Int16Array => {
    const n = resampler.outputLength(pcm.length);
    if (scratch.length !== n) scratch = new Int16Array(n);
    resampler.processInto(pcm, scratch);
    return scratch;
  };
  return {
    latencySamples: resampler.latencySamples,
    process(pcm24k) {
      const pcm8k = resample(pcm24k);
      const out = new Uint8Array(pcm8k.length);
      encodeMulawInto(pcm8k, out);
      return out;
    },
    processInto(pcm24k, out) {
      const n = resampler.outputLength(pcm24k.length);
      if (out.length < n) throw new RangeError(`output holds ${out.length} bytes, ${n} needed`);
      return encodeMulawInto(resample(pcm24k), out);
    },
    outputLength: (n) => resampler.outputLength(n),
    flush() {
      const tail = resampler.flush();
      const out = new Uint8Array(tail.length);
      encodeMulawInto(tail, out);
      return out;
    },
    reset: () => resampler.reset(),
  };
}
