import { decodeMulaw } from '../realtime/audio/mulaw.js';

/**
 * Options of {@link EnergyVad}: how loud a 20 ms frame must be to count as speech, and how many
 * frames in a row make a transition.
 *
 * @example
 * ```ts
 * import { EnergyVad, type EnergyVadOptions } from 'steadycall/testing';
 *
 * // A quieter caller, and a faster end of turn (200 ms of silence).
 * const options: EnergyVadOptions = { threshold: 300, stopFrames: 10 };
 * const vad = new EnergyVad(options);
 * ```
 */
export interface EnergyVadOptions {
  /** RMS (of 16-bit samples) above which a frame counts as speech. Default 500. */
  threshold?: number;
  /** Speech frames in a row before `speech_started`. Default 3 (60 ms of 20 ms frames). */
  startFrames?: number;
  /** Silent frames in a row before `speech_stopped`. Default 25 (500 ms). */
  stopFrames?: number;
}

/**
 * What {@link EnergyVad.push} reports for one frame: the caller started or stopped speaking, or
 * `null` when the frame changed nothing.
 *
 * @example
 * ```ts
 * import { EnergyVad, type VadEvent } from 'steadycall/testing';
 *
 * const vad = new EnergyVad();
 * const event: VadEvent = vad.push(frame);
 * if (event === 'speech_stopped') answerTheCaller();
 * ```
 */
export type VadEvent = 'speech_started' | 'speech_stopped' | null;

/**
 * A tiny energy-based voice activity detector for the fake model servers: enough to tell the
 * caller's speech-like audio from silence, deterministically, so fakes can emit
 * `speech_started` / `speech_stopped` and stop their own audio as a real model would.
 *
 * @example
 * ```ts
 * import { EnergyVad, framesOf, script } from 'steadycall/testing';
 *
 * const vad = new EnergyVad({ stopFrames: 10 });
 * for (const frame of framesOf(script([{ speak: 600 }, { pause: 400 }]))) {
 *   const event = vad.push(frame);
 *   if (event) console.log(event); // 'speech_started', then 'speech_stopped'
 * }
 * ```
 */
export class EnergyVad {
  readonly #threshold: number;
  readonly #startFrames: number;
  readonly #stopFrames: number;
  #speaking = false;
  #run = 0;

  constructor(options: EnergyVadOptions = {}) {
    this.#threshold = options.threshold ?? 500;
    this.#startFrames = options.startFrames ?? 3;
    this.#stopFrames = options.stopFrames ?? 25;
  }

  /** True between a `speech_started` and the next `speech_stopped`. */
  get speaking(): boolean {
    return this.#speaking;
  }

  /**
   * Feeds one mu-law frame (normally 160 bytes, 20 ms) and returns the transition it caused.
   *
   * @param mulaw - One frame of 8 kHz G.711 mu-law audio.
   * @returns `'speech_started'` or `'speech_stopped'` on a transition, otherwise `null`.
   */
  push(mulaw: Uint8Array): VadEvent {
    const loud = rms(decodeMulaw(mulaw)) >= this.#threshold;
    if (loud === this.#speaking) {
      this.#run = 0;
      return null;
    }
    this.#run++;
    if (!this.#speaking && this.#run >= this.#startFrames) {
      this.#speaking = true;
      this.#run = 0;
      return 'speech_started';
    }
    if (this.#speaking && this.#run >= this.#stopFrames) {
      this.#speaking = false;
      this.#run = 0;
      return 'speech_stopped';
    }
    return null;
  }
}

/**
 * Root mean square of 16-bit samples: the loudness measure behind {@link EnergyVad} (0 for an
 * empty buffer).
 *
 * @example
 * ```ts
 * import { decodeMulaw } from 'steadycall';
 * import { rms, speechLike } from 'steadycall/testing';
 *
 * rms(new Int16Array([3000, -3000])); // 3000
 * rms(decodeMulaw(speechLike({ durationMs: 500 }))) > 500; // loud enough to be speech
 * ```
 */
export function rms(pcm: Int16Array): number {
  if (pcm.length === 0) return 0;
  let sum = 0;
  for (const s of pcm) sum += s * s;
  return Math.sqrt(sum / pcm.length);
}
