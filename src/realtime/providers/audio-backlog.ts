/**
 * Caller audio kept while a model socket connects, so no audio is lost to the handshake: bounded
 * by duration, oldest chunks dropped first (and counted), drained in arrival order.
 *
 * @module
 */

/**
 * A bounded FIFO of 8 kHz mu-law chunks (8 bytes per millisecond).
 *
 * @example
 * ```ts
 * const backlog = new AudioBacklog(2000); // keep at most the last 2 s
 * backlog.push(frame);                    // while connecting
 * for (const chunk of backlog.drain()) send(chunk); // once the session started
 * ```
 */
export class AudioBacklog {
  readonly #maxBytes: number;
  #chunks: Uint8Array[] = [];
  #bytes = 0;
  /** Chunks and bytes dropped because the backlog was full. */
  droppedChunks = 0;
  droppedBytes = 0;

  constructor(maxMs: number, bytesPerMs = 8) {
    this.#maxBytes = Math.max(0, maxMs) * bytesPerMs;
  }

  /** Keeps a copy of `chunk` (frame decoders may reuse their buffer), dropping the oldest if full. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk.slice());
    this.#bytes += chunk.length;
    while (this.#bytes > this.#maxBytes && this.#chunks.length > 0) {
      const dropped = this.#chunks.shift()!;
      this.#bytes -= dropped.length;
      this.droppedChunks++;
      this.droppedBytes += dropped.length;
    }
  }

  /** Everything kept, oldest first; the backlog is empty afterwards. */
  drain(): Uint8Array[] {
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#bytes = 0;
    return chunks;
  }

  get bytes(): number {
    return this.#bytes;
  }
}
