/**
 * The two clocked halves of the fake Twilio media stream, independent of any socket:
 * - {@link FramePacer}: the caller's side, one 20 ms tick per inbound frame, paced by the wall clock
 *   (real time) or by the socket draining (accelerated);
 * - {@link TwilioPlaybackBuffer}: Twilio's outbound buffer on that stream clock: audio played in
 *   order at 8 bytes/ms, a mark echoed when everything queued before it has played (at once if
 *   nothing is), and `clear` dropping what has not played and echoing every pending mark at once;
 * - {@link Waiters}: `waitFor` promises re-checked on every tick and message.
 *
 * @module
 */

import { setImmediate as nextTurn } from 'node:timers/promises';
import { MULAW_BYTES_PER_MS, TWILIO_FRAME_MS } from '../realtime/twilio-media.js';

type Item =
  | { kind: 'audio'; bytes: Uint8Array; start: number; end: number }
  | { kind: 'mark'; name: string; at: number };

/** Twilio warns (31931) and drops media beyond 10 minutes of queued audio. */
export const MAX_QUEUED_MS = 10 * 60 * 1000;

/**
 * The playback side of a fake Twilio stream. Not tied to any socket: feed it what the bridge sent
 * and advance it with your clock.
 *
 * @example
 * ```ts
 * const playback = new TwilioPlaybackBuffer((name, cleared) => echoes.push({ name, cleared }));
 * playback.addAudio(new Uint8Array(1600), 0); // 200 ms
 * playback.addMark('m1', 0);
 * playback.advance(200); // echoes m1
 * ```
 */
export class TwilioPlaybackBuffer {
  #queue: Item[] = [];
  #end = 0;
  #played: Uint8Array[] = [];
  #playedBytes = 0;

  constructor(private readonly onEcho: (name: string, cleared: boolean) => void) {}

  /** Audio queued but not played at `now`, in ms. */
  queuedMs(now: number): number {
    return Math.max(0, this.#end - now);
  }

  /** Nothing queued: no audio left to play and no mark waiting. */
  get isEmpty(): boolean {
    return this.#queue.length === 0;
  }

  /** Names of marks waiting for their audio, in order. */
  get pendingMarks(): string[] {
    return this.#queue.flatMap((item) => (item.kind === 'mark' ? [item.name] : []));
  }

  get playedBytes(): number {
    return this.#playedBytes;
  }

  /** The audio played so far, in order (cleared audio only up to where it was cut). */
  played(): Uint8Array {
    const out = new Uint8Array(this.#playedBytes);
    let at = 0;
    for (const b of this.#played) {
      out.set(b, at);
      at += b.length;
    }
    return out;
  }

  /** Queues audio after whatever is queued; false (dropped, as Twilio does) past 10 minutes queued. */
  addAudio(bytes: Uint8Array, now: number): boolean {
    const ms = bytes.length / MULAW_BYTES_PER_MS;
    if (this.queuedMs(now) + ms > MAX_QUEUED_MS) return false;
    const start = Math.max(now, this.#end);
    this.#end = start + ms;
    this.#queue.push({ kind: 'audio', bytes, start, end: this.#end });
    return true;
  }

  /** Queues a mark; echoed at once when nothing is queued before it. */
  addMark(name: string, now: number): void {
    this.#queue.push({ kind: 'mark', name, at: Math.max(now, this.#end) });
    this.advance(now);
  }

  /** Plays everything due by `now`, echoing marks as playback passes them. */
  advance(now: number): void {
    let done = 0;
    for (const item of this.#queue) {
      if ((item.kind === 'audio' ? item.end : item.at) > now) break;
      if (item.kind === 'audio') this.#play(item.bytes);
      else this.onEcho(item.name, false);
      done++;
    }
    if (done > 0) this.#queue = this.#queue.slice(done);
  }

  /** Twilio's `clear` at `now`: keep what already played, drop the rest, echo every pending mark. */
  clear(now: number): { droppedBytes: number; marksEchoed: number } {
    this.advance(now);
    let droppedBytes = 0;
    let marksEchoed = 0;
    for (const item of this.#queue) {
      if (item.kind === 'mark') {
        this.onEcho(item.name, true);
        marksEchoed++;
        continue;
      }
      const elapsed = Math.floor((now - item.start) * MULAW_BYTES_PER_MS);
      const playedBytes = Math.min(item.bytes.length, Math.max(0, elapsed));
      if (playedBytes > 0) this.#play(item.bytes.subarray(0, playedBytes));
      droppedBytes += item.bytes.length - playedBytes;
    }
    this.#queue = [];
    this.#end = now;
    return { droppedBytes, marksEchoed };
  }

  #play(bytes: Uint8Array): void {
    this.#played.push(bytes);
    this.#playedBytes += bytes.length;
  }
}

/** What one tick did: whether its frame went out, and when it finished writing. */
export interface TickResult {
  sent: boolean;
  drained: Promise<void>;
}

interface Tick {
  frame: Uint8Array | null;
  /** Called once the tick ran (`sent`: its frame went out) or was dropped by {@link FramePacer.stop}. */
  done: (sent: boolean) => void;
}

/**
 * Runs the stream clock: queued frames are handed to `tick` one 20 ms step at a time. In real time
 * the steps follow the wall clock (`idleFrame()` fills the gaps, as Twilio always streams); in
 * accelerated mode each step waits for the previous frame to drain, and the clock stops when
 * nothing is queued.
 *
 * @example
 * ```ts
 * const pacer = new FramePacer({ realtime: false, tick: (frame) => send(frame), idleFrame: () => null });
 * await pacer.enqueue(framesOf(audio)); // resolves with the number of frames sent
 * ```
 */
export class FramePacer {
  readonly #queue: Tick[] = [];
  #running = false;
  #pumping = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #t0 = 0;
  #ticks = 0;

  constructor(
    private readonly options: {
      realtime: boolean;
      tick: (frame: Uint8Array | null) => TickResult;
      idleFrame: () => Uint8Array | null;
    },
  ) {}

  /** What an idle tick sends: silence, or nothing. */
  idleFrame(): Uint8Array | null {
    return this.options.idleFrame();
  }

  /** Starts the clock (real time: ticking begins now). */
  start(): void {
    this.#running = true;
    if (this.options.realtime) {
      this.#t0 = performance.now();
      this.#schedule();
    }
  }

  /** Queues frames (null = a tick without a frame); resolves with how many were sent. */
  enqueue(frames: readonly (Uint8Array | null)[]): Promise<number> {
    if (frames.length === 0 || !this.#running) return Promise.resolve(0);
    let sent = 0;
    return new Promise((resolve) => {
      frames.forEach((frame, i) => {
        const last = i === frames.length - 1;
        const done = (wasSent: boolean) => {
          if (wasSent && frame) sent++;
          if (last) resolve(sent);
        };
        this.#queue.push({ frame, done });
      });
      if (!this.options.realtime) void this.#pump();
    });
  }

  /** Stops the clock for good: no more ticks, queued frames dropped (their promises still settle). */
  stop(): void {
    this.#running = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const item of this.#queue.splice(0)) item.done(false);
  }

  /** Accelerated: one tick per frame, each after the previous frame has drained. */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (let item = this.#queue.shift(); item && this.#running; item = this.#queue.shift()) {
        const { sent, drained } = this.options.tick(item.frame);
        await drained;
        // Let the bridge's answers arrive between frames, as they would on a real wire.
        await nextTurn();
        item.done(sent);
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** Real time: ticks at t0 + k*20 ms of wall time. */
  #schedule(): void {
    const due = this.#t0 + (this.#ticks + 1) * TWILIO_FRAME_MS;
    this.#timer = setTimeout(() => this.#onTimer(), Math.max(0, due - performance.now()));
  }

  #onTimer(): void {
    this.#timer = undefined;
    let caughtUp = 0;
    while (this.#running && this.#t0 + (this.#ticks + 1) * TWILIO_FRAME_MS <= performance.now()) {
      this.#ticks++;
      const item = this.#queue.shift();
      const { sent } = this.options.tick(item ? item.frame : this.options.idleFrame());
      item?.done(sent);
      // After a long stall, resume pacing from now instead of bursting the backlog.
      if (++caughtUp >= 50) this.#t0 = performance.now() - this.#ticks * TWILIO_FRAME_MS;
    }
    if (this.#running) this.#schedule();
  }
}

interface Waiter {
  check: () => boolean;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Promises that resolve once a condition holds, re-checked whenever {@link Waiters.check} is called;
 * each rejects on its timeout, when its predicate throws, or when the stream has ended without it.
 *
 * @example
 * ```ts
 * const waiters = new Waiters();
 * const echoed = waiters.wait(() => marks.length > 0, 5000, false);
 * socket.on('message', () => waiters.check(false));
 * ```
 */
export class Waiters {
  readonly #waiters = new Set<Waiter>();

  /** `ended`: the stream is already over, so an unmet condition fails at once. */
  wait(predicate: () => boolean, timeoutMs: number, ended: boolean): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        check: predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          reject(new Error(`waitFor: condition not met within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
      if (ended) this.check(true);
    });
  }

  /** Re-checks every pending condition; `ended` rejects those still unmet. */
  check(ended: boolean): void {
    for (const waiter of this.#waiters) {
      let met = false;
      try {
        met = waiter.check();
      } catch (error) {
        this.#settle(waiter, () => waiter.reject(error instanceof Error ? error : new Error(String(error))));
        continue;
      }
      if (met) this.#settle(waiter, waiter.resolve);
      else if (ended)
        this.#settle(waiter, () => waiter.reject(new Error('waitFor: the stream closed first')));
    }
  }

  #settle(waiter: Waiter, settle: () => void): void {
    clearTimeout(waiter.timer);
    this.#waiters.delete(waiter);
    settle();
  }
}
