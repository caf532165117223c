/**
 * What the caller has actually heard, known from Twilio's mark echoes. The bridge sends model
 * audio in frames and a mark after every few frames; Twilio echoes a mark when its playback
 * reaches it. On `clear`, Twilio drops unplayed audio and echoes every pending mark at once: those
 * echoes mean "cleared", not "played", so they must not advance playback (otherwise a truncate
 * would claim the caller heard audio that was thrown away).
 *
 * Pure bookkeeping, no I/O: the bridge feeds it and reads from it.
 */

interface PendingMark {
  name: string;
  /** Which model item the audio before this mark belongs to (Realtime API truncation). */
  itemId: string | undefined;
  /** Audio of that item sent up to and including this mark, in ms. */
  itemSentMs: number;
  /** Total audio sent up to this mark, in ms. */
  totalSentMs: number;
  /** The response this audio belongs to (for first-played latency per turn). */
  responseKey: string | undefined;
}

/**
 * What a mark echo means, as {@link PlaybackTracker.markEchoed} reports it.
 *
 * @example
 * ```ts
 * import type { MarkOutcome } from 'steadycall';
 *
 * const outcome: MarkOutcome = tracker.markEchoed(message.mark.name);
 * if (outcome.played && outcome.responseKey) firstPlayed.set(outcome.responseKey, Date.now());
 * ```
 */
export interface MarkOutcome {
  /** True when the echo means audio was played (false: unknown mark or cleared). */
  played: boolean;
  /** The model item whose audio preceded the mark, when played. */
  itemId?: string;
  /** The response key given to {@link PlaybackTracker.nextMark}, when played. */
  responseKey?: string;
}

/**
 * What the caller has actually heard, from Twilio's mark echoes: the bridge records the audio it
 * sends and the marks after it, and learns from the echoes how much was played. Echoes caused by a
 * `clear` do not count as played. Pure bookkeeping, no I/O.
 *
 * @example
 * ```ts
 * import { PlaybackTracker, twilioMarkMessage, twilioMediaMessage } from 'steadycall';
 *
 * const tracker = new PlaybackTracker();
 * twilio.send(twilioMediaMessage(streamSid, mulaw));
 * tracker.audioSent(mulaw.length, itemId);
 * twilio.send(twilioMarkMessage(streamSid, tracker.nextMark(responseId)));
 * // later, on Twilio's `mark` echo (a parsed TwilioMarkMessage):
 * tracker.markEchoed(message.mark.name); // tracker.playedMs grows
 * ```
 */
export class PlaybackTracker {
  readonly #pending: PendingMark[] = [];
  readonly #cleared = new Set<string>();
  #sentMs = 0;
  #playedMs = 0;
  #itemId: string | undefined;
  #itemSentMs = 0;
  #itemPlayedMs = 0;
  #markSeq = 0;

  /** Audio sent to Twilio so far, in ms (8 bytes of mu-law per ms). */
  get sentMs(): number {
    return this.#sentMs;
  }

  /** Audio confirmed played, in ms. */
  get playedMs(): number {
    return this.#playedMs;
  }

  /** Audio sent but not yet confirmed played: roughly what sits in Twilio's buffer. */
  get bufferedMs(): number {
    return this.#sentMs - this.#playedMs;
  }

  /** Marks sent and not echoed yet. */
  get pendingMarks(): number {
    return this.#pending.length;
  }

  /** The item currently being played (Realtime API) and how much of it was heard; `null` if none. */
  get currentItem(): {
    /** The model item's id. */
    itemId: string;
    /** Ms of this item confirmed played. */
    playedMs: number;
    /** Ms of this item sent to Twilio. */
    sentMs: number;
  } | null {
    return this.#itemId === undefined
      ? null
      : { itemId: this.#itemId, playedMs: this.#itemPlayedMs, sentMs: this.#itemSentMs };
  }

  /**
   * Records `bytes` of mu-law sent for `itemId`.
   *
   * @param bytes - Mu-law bytes sent (8 per ms).
   * @param itemId - The model item they belong to, if the API names items.
   */
  audioSent(bytes: number, itemId: string | undefined): void {
    const ms = bytes / 8;
    if (itemId !== this.#itemId) {
      this.#itemId = itemId;
      this.#itemSentMs = 0;
      this.#itemPlayedMs = 0;
    }
    this.#itemSentMs += ms;
    this.#sentMs += ms;
  }

  /**
   * Creates the next mark (the bridge sends it right after the audio it follows).
   *
   * @param responseKey - The response the audio belongs to, returned again when the mark is played.
   * @returns The mark's name, to send in a Twilio `mark` message.
   */
  nextMark(responseKey: string | undefined): string {
    const name = `sc-${++this.#markSeq}`;
    this.#pending.push({
      name,
      itemId: this.#itemId,
      itemSentMs: this.#itemSentMs,
      totalSentMs: this.#sentMs,
      responseKey,
    });
    return name;
  }

  /**
   * Twilio echoed `name`: advances playback unless the echo was caused by a `clear`.
   *
   * @returns Whether the mark means audio was played, and which item and response it followed.
   */
  markEchoed(name: string): MarkOutcome {
    if (this.#cleared.delete(name)) return { played: false };
    const index = this.#pending.findIndex((m) => m.name === name);
    if (index < 0) return { played: false };
    // Marks are echoed in order; anything before this one has played too.
    const [mark] = this.#pending.splice(0, index + 1).slice(-1);
    if (!mark) return { played: false };
    this.#playedMs = Math.max(this.#playedMs, mark.totalSentMs);
    if (mark.itemId !== undefined && mark.itemId === this.#itemId) {
      this.#itemPlayedMs = Math.max(this.#itemPlayedMs, mark.itemSentMs);
    }
    return { played: true, itemId: mark.itemId, responseKey: mark.responseKey };
  }

  /**
   * The bridge sent `clear`: unplayed audio is gone. Returns what the caller heard of the current
   * item (never more than was sent), for the truncate.
   */
  cleared(): {
    /** The item that was being played. */
    itemId: string;
    /** Ms of it the caller heard: where to truncate. */
    playedMs: number;
  } | null {
    for (const mark of this.#pending.splice(0)) this.#cleared.add(mark.name);
    const item = this.#itemId === undefined ? null : { itemId: this.#itemId, playedMs: this.#itemPlayedMs };
    // Whatever was sent and not played never reached the caller.
    this.#sentMs = this.#playedMs;
    this.#itemId = undefined;
    this.#itemSentMs = 0;
    this.#itemPlayedMs = 0;
    return item;
  }
}
