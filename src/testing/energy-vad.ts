import { decodeMulaw } from '../realtime/audio/mulaw.js';

/** Options of {@link EnergyVad}. */
export interface EnergyVadOptions {
  /** RMS (of 16-bit samples) above which a frame counts as speech. Default 500. */
  threshold?: number;
  /** Speech frames in a row before `speech_started`. Default 3 (60 ms of 20 ms frames). */
  startFrames?: number;
  /** Silent frames in a row before `speech_stopped`. Default 25 (500 ms). */
  stopFrames?: number;
}

export type VadEvent = 'speech_started' | 'speech_stopped' | null;

/**
 * A tiny energy-based voice activity detector for the fake model servers: enough to tell the
 * caller's speech-like audio from silence, deterministically, so fakes can emit
 * `speech_started` / `speech_stopped` and stop their own audio as a real model would.
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

  get speaking(): boolean {
    return this.#speaking;
  }

  /** Feeds one mu-law frame; returns the transition it caused, if any. */
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

/** Root mean square of 16-bit samples. */
export function rms(pcm: Int16Array): number {
  if (pcm.length === 0) return 0;
  let sum = 0;
  for (const s of pcm) sum += s * s;
  return Math.sqrt(sum / pcm.length);
}
