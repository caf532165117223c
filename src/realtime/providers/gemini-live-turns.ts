/**
 * The model-output side of a {@link GeminiLiveSession}: turns of 24 kHz PCM16 audio transcoded to
 * 8 kHz mu-law `audio` events under a per-turn `responseId` (so the bridge can drop late audio of an
 * interrupted turn), `interrupted` and `turnComplete` mapped to events, and transcript fragments
 * closed with a `final` marker when their turn ends.
 *
 * @module
 */

import { pcm16FromBytes } from '../audio/pcm16.js';
import { createPcm24kToMulaw } from '../audio/transcode.js';
import { tryDecodeBase64 } from '../base64.js';
import type { RealtimeEventName, RealtimeSessionEvents } from '../session.js';
import type { GeminiServerSink } from './gemini-live-wire.js';

/** One event source per session event. */

type Emit = <E extends RealtimeEventName>(event: E, payload: RealtimeSessionEvents[E]) => void;
type TurnHandlers = Pick<
  GeminiServerSink,
  'audio' | 'interrupted' | 'turnComplete' | 'transcript' | 'voiceActivity'
>;

const OUTPUT_RATE = 24_000;

/**
 * Per-session model turn state.
 *
 * @example
 * ```ts
 * const turns = new GeminiTurns('3f2a', (event, payload) => events[event].emit(payload), countMalformed);
 * routeServerMessage(message, { ...turns.handlers, ...otherHandlers });
 * ```
 */
export class GeminiTurns {
  /** Prefix of every response id (unique per session, so ids never repeat within a call). */
  readonly tag: string;
  /** Audio chunks of an interrupted turn that arrived after `interrupted` and were dropped. */
  lateAudioChunks = 0;
  readonly #emit: Emit;
  readonly #malformed: (what: string) => void;
  readonly #toCaller = createPcm24kToMulaw();
  #count = 0;
  #turnId: string | undefined;
  #interrupted = false;
  /** The odd trailing byte of the last chunk (a sample split across chunks), or -1. */
  #carry = -1;
  #userOpen = false;
  #assistantOpen = false;

  constructor(tag: string, emit: Emit, malformed: (what: string) => void) {
    this.tag = tag;
    this.#emit = emit;
    this.#malformed = malformed;
  }

  /** True while the model is producing a turn that was not interrupted. */
  get active(): boolean {
    return this.#turnId !== undefined && !this.#interrupted;
  }

  readonly handlers: TurnHandlers = {
    audio: (base64, mimeType) => this.#audio(base64, mimeType),
    interrupted: () => this.#interrupt(),
    turnComplete: () => this.#complete(true),
    transcript: (role, text, finished) => this.#transcript(role, text, finished),
    voiceActivity: (kind) => this.#emit(kind === 'start' ? 'speechStarted' : 'speechStopped', {}),
  };

  /** Ends the current turn, if any, as if it completed (its connection is being replaced). */
  abandon(): void {
    if (this.#turnId !== undefined) this.#complete(false);
  }

  /** Forgets everything (close). */
  reset(): void {
    this.#turnId = undefined;
    this.#interrupted = false;
    this.#carry = -1;
    this.#userOpen = false;
    this.#assistantOpen = false;
    this.#toCaller.reset();
  }

  #audio(base64: string, mimeType: string | undefined) {
    if (!isPcm24k(mimeType)) return this.#malformed('inlineData.mimeType');
    if (this.#interrupted) {
      // Generated before the server noticed the caller: the bridge already cleared its queue.
      this.lateAudioChunks++;
      return;
    }
    let bytes = tryDecodeBase64(base64);
    if (bytes === null) return this.#malformed('inlineData.data');
    if (this.#turnId === undefined) this.#startTurn();
    if (this.#carry >= 0) {
      const joined = new Uint8Array(bytes.length + 1);
      joined[0] = this.#carry;
      joined.set(bytes, 1);
      bytes = joined;
      this.#carry = -1;
    }
    if (bytes.length % 2 === 1) {
      this.#carry = bytes[bytes.length - 1]!;
      bytes = bytes.subarray(0, bytes.length - 1);
    }
    const mulaw = this.#toCaller.process(pcm16FromBytes(bytes));
    if (mulaw.length > 0) this.#emit('audio', { mulaw, responseId: this.#turnId! });
  }

  #startTurn(): void {
    this.#turnId = `${this.tag}:${++this.#count}`;
    // The model answering means the caller's turn is over.
    this.#close('user');
  }

  #interrupt(): void {
    // Only a turn that exists can be interrupted; otherwise the next answer would count as late.
    if (this.#turnId !== undefined) this.#interrupted = true;
    this.#toCaller.reset();
    this.#carry = -1;
    this.#close('assistant');
    this.#emit('interrupted', {});
  }

  #complete(emitDone: boolean): void {
    const turnId = this.#turnId;
    if (turnId !== undefined && !this.#interrupted) {
      // The resampler's tail: the last few ms of the turn, delayed by its filter.
      const tail = this.#toCaller.flush();
      if (tail.length > 0) this.#emit('audio', { mulaw: tail, responseId: turnId });
    } else {
      this.#toCaller.reset();
    }
    this.#turnId = undefined;
    this.#interrupted = false;
    this.#carry = -1;
    this.#close('assistant');
    if (emitDone || turnId !== undefined)
      this.#emit('responseDone', turnId === undefined ? {} : { responseId: turnId });
  }

  #transcript(role: 'user' | 'assistant', text: string, finished: boolean): void {
    const open = role === 'user' ? this.#userOpen : this.#assistantOpen;
    if (text === '' && !(finished && open)) return;
    if (role === 'assistant') this.#close('user');
    this.#emit('transcript', { role, text, final: finished });
    if (role === 'user') this.#userOpen = !finished;
    else this.#assistantOpen = !finished;
  }

  /** Marks the role's open transcript final (an empty fragment), so its text becomes one turn. */
  #close(role: 'user' | 'assistant'): void {
    const open = role === 'user' ? this.#userOpen : this.#assistantOpen;
    if (!open) return;
    if (role === 'user') this.#userOpen = false;
    else this.#assistantOpen = false;
    this.#emit('transcript', { role, text: '', final: true });
  }
}

/** `audio/pcm` at 24 kHz, or no mime type at all (then the documented output format is assumed). */
function isPcm24k(mimeType: string | undefined): boolean {
  if (mimeType === undefined) return true;
  const [type, ...params] = mimeType.split(';').map((s) => s.trim().toLowerCase());
  if (type !== 'audio/pcm' && type !== 'audio/l16') return false;
  const rate = params.find((p) => p.startsWith('rate='));
  return rate === undefined || Number(rate.slice(5)) === OUTPUT_RATE;
}
