/**
 * A fake Twilio Media Streams client (Node, `ws`): connects to a bridge exactly as Twilio does
 * (signed upgrade, `connected`, `start`, 20 ms `media` frames, `dtmf`, `stop`) and simulates
 * Twilio's playback of what the bridge sends: outbound audio is queued and played at 8 bytes/ms,
 * marks are echoed when playback reaches them, and `clear` drops queued audio and echoes every
 * pending mark at once.
 *
 * Time is a virtual stream clock advanced 20 ms per frame tick. In real-time mode ticks follow the
 * wall clock (and silence is streamed between `play` calls, as Twilio always sends frames); in
 * accelerated mode ticks happen only as the client sends frames, as fast as the socket drains, so
 * playback stays in step with the caller's audio however fast the test runs.
 *
 * @module
 */

import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import WebSocket from 'ws';
import { type Disposable, EventSource } from '../core/disposable.js';
import { messageText } from '../realtime/socket.js';
import {
  formatTwilioMessage,
  MULAW_BYTES_PER_MS,
  MULAW_SILENCE,
  parseTwilioOutbound,
  TWILIO_FRAME_BYTES,
  TWILIO_FRAME_MS,
  type TwilioInboundMessage,
} from '../realtime/twilio-media.js';
import { TwilioSigner } from '../telephony/signature.js';
import { framesOf } from './speech-audio.js';

/** Options of {@link FakeTwilioMediaClient.connect}. */
export interface FakeTwilioMediaOptions {
  /** Where the bridge listens, e.g. `ws://127.0.0.1:PORT/media`. */
  url: string;
  /** Sign the upgrade: `X-Twilio-Signature` over the public `wss://` URL Twilio would have dialled. */
  signature?: { authToken: string; url: string };
  /** Extra upgrade headers (e.g. a forged signature for negative tests). */
  headers?: Record<string, string>;
  accountSid?: string;
  callSid?: string;
  streamSid?: string;
  /** `<Parameter>` values, delivered in `start.customParameters`. */
  customParameters?: Record<string, string>;
  /** Pace frames at 20 ms of wall time (true) or as fast as the socket drains (false, default). */
  realtime?: boolean;
  /** Send silence frames while idle, as Twilio does (default true). */
  silenceWhenIdle?: boolean;
  /** Handshake deadline (default 5000 ms). */
  connectTimeoutMs?: number;
}

export interface ReceivedMedia {
  bytes: Uint8Array;
  /** Stream clock when it arrived. */
  atMs: number;
}
export interface EchoedMark {
  name: string;
  atMs: number;
  /** True when echoed because of a `clear` (its audio was dropped, not played). */
  cleared: boolean;
}
export interface ReceivedClear {
  atMs: number;
  /** Queued audio thrown away. */
  droppedBytes: number;
  /** Pending marks echoed by this clear. */
  marksEchoed: number;
}

/** What happened on the stream, in order. */
export type FakeTwilioMediaEvent =
  | ({ type: 'media' } & ReceivedMedia)
  | { type: 'mark'; name: string; atMs: number }
  | ({ type: 'clear' } & ReceivedClear)
  | ({ type: 'echo' } & EchoedMark)
  | { type: 'closed'; code: number; reason: string };

/** Thrown by {@link FakeTwilioMediaClient.connect}, with the Twilio error the real thing would log. */
export class FakeTwilioMediaConnectError extends Error {
  override readonly name = 'FakeTwilioMediaConnectError';
  constructor(
    message: string,
    /** 31920 handshake answered with non-101, 31902 refused, 31901 timed out. */
    readonly twilioErrorCode: 31901 | 31902 | 31920,
    readonly status?: number,
  ) {
    super(message);
  }
}

type PlaybackItem =
  | { kind: 'audio'; bytes: Uint8Array; start: number; end: number }
  | { kind: 'mark'; name: string; at: number };
interface Tick {
  frame: Uint8Array | null;
  done?: () => void;
}
interface Waiter {
  check: () => boolean;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

const sid = (prefix: string) => prefix + randomUUID().replaceAll('-', '');
/** Twilio warns (31931) and drops media beyond 10 minutes of queued audio. */
const MAX_QUEUED_MS = 10 * 60 * 1000;

/**
 * Connects to a media-stream bridge like Twilio and plays a caller into it.
 *
 * @example
 * ```ts
 * const twilio = await FakeTwilioMediaClient.connect({
 *   url: `ws://127.0.0.1:${port}/media`,
 *   signature: { authToken, url: 'wss://voice.example.com/media' },
 *   customParameters: { callId: 'call_1', token },
 * });
 * await twilio.play(script([{ speak: 1200 }, { pause: 800 }]));
 * await twilio.waitFor((t) => t.echoed.length > 0, 5000);
 * await twilio.idle(2000); // let the answer play out
 * await twilio.stop();
 * ```
 */
export class FakeTwilioMediaClient {
  readonly accountSid: string;
  readonly callSid: string;
  readonly streamSid: string;
  readonly realtime: boolean;
  /** Everything the bridge sent, by kind. */
  readonly received = { media: [] as ReceivedMedia[], marks: [] as { name: string; atMs: number }[] };
  readonly clears: ReceivedClear[] = [];
  /** Marks echoed back to the bridge, in order. */
  readonly echoed: EchoedMark[] = [];
  /** Frames the real Twilio would reject or warn about (binary frames, bad JSON, wrong streamSid). */
  readonly protocolErrors: string[] = [];
  readonly dtmfSent: string[] = [];
  framesSent = 0;
  closeInfo: { code: number; reason: string } | undefined;

  readonly #ws: WebSocket;
  readonly #options: FakeTwilioMediaOptions;
  readonly #events = new EventSource<FakeTwilioMediaEvent>();
  readonly #inbound: Tick[] = [];
  readonly #waiters = new Set<Waiter>();
  readonly #closed: Promise<void>;
  #queue: PlaybackItem[] = [];
  #queueEnd = 0;
  #played: Uint8Array[] = [];
  #clock = 0;
  #sequence = 0;
  #chunk = 0;
  #pumping = false;
  #ticker: ReturnType<typeof setTimeout> | undefined;
  #t0 = 0;
  #ticks = 0;

  private constructor(ws: WebSocket, options: FakeTwilioMediaOptions) {
    this.#ws = ws;
    this.#options = options;
    this.accountSid = options.accountSid ?? sid('AC');
    this.callSid = options.callSid ?? sid('CA');
    this.streamSid = options.streamSid ?? sid('MZ');
    this.realtime = options.realtime ?? false;
    ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    ws.on('error', (error) => this.protocolErrors.push(`socket error: ${error.message}`));
    this.#closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => {
        this.#onClose(code, reason.toString());
        resolve();
      });
    });
  }

  /**
   * Opens the socket (signed like Twilio when `signature` is given), then sends `connected` and
   * `start`. Rejects with {@link FakeTwilioMediaConnectError} if the bridge refuses the upgrade.
   */
  static async connect(options: FakeTwilioMediaOptions): Promise<FakeTwilioMediaClient> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.signature) {
      const signer = new TwilioSigner(options.signature.authToken);
      headers['X-Twilio-Signature'] = await signer.sign(options.signature.url, {});
    }
    const ws = new WebSocket(options.url, { headers, perMessageDeflate: false });
    const client = new FakeTwilioMediaClient(ws, options);
    await client.#handshake(options.connectTimeoutMs ?? 5000);
    client.#sendStart();
    if (client.realtime) {
      client.#t0 = performance.now();
      client.#schedule();
    }
    return client;
  }

  /** Resolves once the socket is open; on failure waits for it to be fully closed, then rejects. */
  #handshake(timeoutMs: number): Promise<void> {
    const ws = this.#ws;
    return new Promise((resolve, reject) => {
      let failure: FakeTwilioMediaConnectError | undefined;
      const abort = (error: FakeTwilioMediaConnectError) => {
        failure ??= error;
        ws.terminate();
      };
      const timer = setTimeout(
        () => abort(new FakeTwilioMediaConnectError('handshake timed out', 31901)),
        timeoutMs,
      );
      ws.once('upgrade', () => clearTimeout(timer));
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        abort(new FakeTwilioMediaConnectError(`bridge answered the upgrade with ${status}`, 31920, status));
      });
      ws.once('error', (error) => {
        failure ??= new FakeTwilioMediaConnectError(`connection failed: ${error.message}`, 31902);
      });
      void this.#closed.then(() => {
        clearTimeout(timer);
        reject(failure ?? new FakeTwilioMediaConnectError('closed during the handshake', 31902));
      });
    });
  }

  #sendStart(): void {
    this.#send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    const start = {
      streamSid: this.streamSid,
      accountSid: this.accountSid,
      callSid: this.callSid,
      tracks: ['inbound'],
      customParameters: { ...this.#options.customParameters },
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
    };
    this.#send({ event: 'start', sequenceNumber: this.#nextSequence(), streamSid: this.streamSid, start });
  }

  get isOpen(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  /** Stream clock in ms: 20 per frame tick. */
  get clockMs(): number {
    return this.#clock;
  }

  /** Outbound audio queued but not yet played, in ms. */
  get queuedMs(): number {
    return Math.max(0, this.#queueEnd - this.#clock);
  }

  /** Names of marks waiting for their audio to play. */
  get pendingMarks(): string[] {
    return this.#queue.flatMap((item) => (item.kind === 'mark' ? [item.name] : []));
  }

  /** The mu-law audio actually played to the caller so far (not what was cleared or still queued). */
  played(): Uint8Array {
    const out = new Uint8Array(this.#played.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of this.#played) {
      out.set(b, at);
      at += b.length;
    }
    return out;
  }

  /** Subscribes to stream events (media, marks, clears, echoes, close). */
  onEvent(listener: (event: FakeTwilioMediaEvent) => void): Disposable {
    return this.#events.on(listener);
  }

  /**
   * Streams mu-law audio as 20 ms `media` frames after anything already queued. Resolves with the
   * number of frames sent once the last is out (fewer if the socket closed first).
   */
  play(mulaw: Uint8Array): Promise<number> {
    const frames = framesOf(mulaw, TWILIO_FRAME_BYTES);
    return this.#enqueue(frames);
  }

  /** The caller says nothing for `ms`: silence frames (or none, see `silenceWhenIdle`) while playback runs. */
  async idle(ms: number): Promise<void> {
    const count = Math.ceil(ms / TWILIO_FRAME_MS);
    await this.#enqueue(Array.from({ length: count }, () => this.#idleFrame()));
  }

  /**
   * Idles 20 ms at a time until `predicate` holds or `maxMs` of stream time passed; returns whether
   * it held. `drainPlayback` is this with "nothing queued, no mark pending".
   */
  async idleUntil(predicate: (client: this) => boolean, maxMs = 60_000): Promise<boolean> {
    for (let waited = 0; !predicate(this); waited += TWILIO_FRAME_MS) {
      if (waited >= maxMs || !this.isOpen) return predicate(this);
      await this.#enqueue([this.#idleFrame()]);
    }
    return true;
  }

  /** Lets queued outbound audio play out (bounded by `maxMs` of stream time). */
  drainPlayback(maxMs = 60_000): Promise<boolean> {
    return this.idleUntil(() => this.#queue.length === 0, maxMs);
  }

  /** The caller presses a key: a `dtmf` message, sent now. */
  dtmf(digit: string): void {
    this.dtmfSent.push(digit);
    const dtmf = { track: 'inbound_track', digit };
    this.#send({ event: 'dtmf', sequenceNumber: this.#nextSequence(), streamSid: this.streamSid, dtmf });
  }

  /** Resolves when `predicate` holds (checked on every event and tick); rejects on timeout or close. */
  waitFor(predicate: (client: this) => boolean, timeoutMs = 5000): Promise<void> {
    if (predicate(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        check: () => predicate(this),
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          reject(new Error(`waitFor: condition not met within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
      if (this.closeInfo) this.#notify();
    });
  }

  /** The call ends: unsent frames are dropped, `stop` is sent, and the socket closed. */
  async stop(): Promise<void> {
    this.#dropInbound();
    if (this.isOpen) {
      const stop = { accountSid: this.accountSid, callSid: this.callSid };
      this.#send({ event: 'stop', sequenceNumber: this.#nextSequence(), streamSid: this.streamSid, stop });
    }
    await this.close();
  }

  /** Closes the socket (terminating it if the bridge does not answer) and releases every timer. */
  async close(): Promise<void> {
    this.#stopTicker();
    this.#dropInbound();
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.close(1000, 'call ended');
    else if (this.#ws.readyState === WebSocket.CONNECTING) this.#ws.terminate();
    const force = setTimeout(() => this.#ws.terminate(), 1000);
    await this.#closed;
    clearTimeout(force);
  }

  // --- sending ---------------------------------------------------------------------------------

  #nextSequence(): string {
    return String(++this.#sequence);
  }

  #send(message: TwilioInboundMessage): Promise<void> {
    if (this.#ws.readyState !== WebSocket.OPEN) return Promise.resolve();
    return new Promise((resolve) => this.#ws.send(formatTwilioMessage(message), () => resolve()));
  }

  #idleFrame(): Uint8Array | null {
    return (this.#options.silenceWhenIdle ?? true)
      ? new Uint8Array(TWILIO_FRAME_BYTES).fill(MULAW_SILENCE)
      : null;
  }

  #enqueue(frames: (Uint8Array | null)[]): Promise<number> {
    if (frames.length === 0 || !this.isOpen) return Promise.resolve(0);
    let sent = 0;
    return new Promise((resolve) => {
      frames.forEach((frame, i) => {
        const last = i === frames.length - 1;
        this.#inbound.push({
          frame,
          done: () => {
            if (frame) sent++;
            if (last) resolve(sent);
          },
        });
      });
      // Dropped ticks (stop/close) still call `done`, so `play` always settles.
      if (!this.realtime) void this.#pump();
    });
  }

  /** One 20 ms step: send the frame (if any), advance the clock, play what is due. */
  #tick(frame: Uint8Array | null): Promise<void> {
    let sending = Promise.resolve();
    if (frame && this.isOpen) {
      this.framesSent++;
      const media = {
        track: 'inbound' as const,
        chunk: String(++this.#chunk),
        timestamp: String(this.#clock),
        payload: frame,
      };
      sending = this.#send({
        event: 'media',
        sequenceNumber: this.#nextSequence(),
        streamSid: this.streamSid,
        media,
      });
    }
    this.#clock += TWILIO_FRAME_MS;
    this.#advancePlayback();
    this.#notify();
    return sending;
  }

  /** Accelerated mode: one tick per frame, each after the previous frame has drained. */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      let item = this.#inbound.shift();
      while (item) {
        await this.#tick(item.frame);
        // Let the bridge's answers arrive between frames, as they would on a real wire.
        await nextTurn();
        item.done?.();
        item = this.#inbound.shift();
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** Real-time mode: ticks at t0 + k*20 ms of wall time, streaming silence when idle. */
  #schedule(): void {
    const due = this.#t0 + (this.#ticks + 1) * TWILIO_FRAME_MS;
    this.#ticker = setTimeout(
      () => {
        this.#ticker = undefined;
        let caughtUp = 0;
        while (this.isOpen && this.#t0 + (this.#ticks + 1) * TWILIO_FRAME_MS <= performance.now()) {
          this.#ticks++;
          const item = this.#inbound.shift();
          void this.#tick(item ? item.frame : this.#idleFrame());
          item?.done?.();
          // After a long stall, resume pacing from now instead of bursting the backlog.
          if (++caughtUp >= 50) this.#t0 = performance.now() - this.#ticks * TWILIO_FRAME_MS;
        }
        if (this.isOpen) this.#schedule();
      },
      Math.max(0, due - performance.now()),
    );
  }

  #stopTicker(): void {
    if (this.#ticker !== undefined) clearTimeout(this.#ticker);
    this.#ticker = undefined;
  }

  #dropInbound(): void {
    for (const item of this.#inbound.splice(0)) item.done?.();
  }

  // --- receiving and playback ------------------------------------------------------------------

  #onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    const text = isBinary ? null : messageText(data);
    if (text === null) {
      this.protocolErrors.push('binary frame (Twilio warning 31950 Malformed Message)');
      return;
    }
    const parsed = parseTwilioOutbound(text);
    if (!parsed.ok) {
      this.protocolErrors.push(`${parsed.reason}: ${parsed.detail}`);
      return;
    }
    const message = parsed.message;
    if (message.streamSid !== this.streamSid) {
      this.protocolErrors.push(`${message.event} for unknown streamSid ${message.streamSid}`);
      return;
    }
    const atMs = this.#clock;
    if (message.event === 'media') {
      const bytes = message.media.payload;
      this.received.media.push({ bytes, atMs });
      this.#events.emit({ type: 'media', bytes, atMs });
      if (this.queuedMs + bytes.length / MULAW_BYTES_PER_MS > MAX_QUEUED_MS) {
        this.protocolErrors.push('over 10 minutes of audio queued (Twilio warning 31931): media dropped');
      } else {
        const start = Math.max(atMs, this.#queueEnd);
        this.#queueEnd = start + bytes.length / MULAW_BYTES_PER_MS;
        this.#queue.push({ kind: 'audio', bytes, start, end: this.#queueEnd });
      }
    } else if (message.event === 'mark') {
      const name = message.mark.name;
      this.received.marks.push({ name, atMs });
      this.#events.emit({ type: 'mark', name, atMs });
      this.#queue.push({ kind: 'mark', name, at: Math.max(atMs, this.#queueEnd) });
      this.#advancePlayback(); // echoed at once when nothing is queued before it
    } else {
      this.#clear(atMs);
    }
    this.#notify();
  }

  /** Plays every queued item whose time has come, echoing marks as playback passes them. */
  #advancePlayback(): void {
    let done = 0;
    for (const item of this.#queue) {
      if (item.kind === 'audio' ? item.end > this.#clock : item.at > this.#clock) break;
      if (item.kind === 'audio') this.#played.push(item.bytes);
      else this.#echo(item.name, false);
      done++;
    }
    if (done > 0) this.#queue = this.#queue.slice(done);
  }

  /** Twilio's `clear`: keep what already played, drop the rest, echo every pending mark now. */
  #clear(atMs: number): void {
    let droppedBytes = 0;
    let marksEchoed = 0;
    for (const item of this.#queue) {
      if (item.kind === 'mark') {
        this.#echo(item.name, true);
        marksEchoed++;
        continue;
      }
      const playedBytes = Math.min(
        item.bytes.length,
        Math.max(0, Math.floor((atMs - item.start) * MULAW_BYTES_PER_MS)),
      );
      if (playedBytes > 0) this.#played.push(item.bytes.subarray(0, playedBytes));
      droppedBytes += item.bytes.length - playedBytes;
    }
    this.#queue = [];
    this.#queueEnd = atMs;
    const clear = { atMs, droppedBytes, marksEchoed };
    this.clears.push(clear);
    this.#events.emit({ type: 'clear', ...clear });
  }

  #echo(name: string, cleared: boolean): void {
    const echo = { name, atMs: this.#clock, cleared };
    this.echoed.push(echo);
    this.#send({
      event: 'mark',
      sequenceNumber: this.#nextSequence(),
      streamSid: this.streamSid,
      mark: { name },
    });
    this.#events.emit({ type: 'echo', ...echo });
  }

  #onClose(code: number, reason: string): void {
    this.closeInfo = { code, reason };
    this.#stopTicker();
    this.#dropInbound();
    this.#events.emit({ type: 'closed', code, reason });
    this.#notify();
  }

  #notify(): void {
    for (const waiter of this.#waiters) {
      let met = false;
      try {
        met = waiter.check();
      } catch (error) {
        this.#settle(waiter, () => waiter.reject(error instanceof Error ? error : new Error(String(error))));
        continue;
      }
      if (met) this.#settle(waiter, waiter.resolve);
      else if (this.closeInfo) {
        this.#settle(waiter, () =>
          waiter.reject(new Error('waitFor: the stream closed before the condition held')),
        );
      }
    }
  }

  #settle(waiter: Waiter, settle: () => void): void {
    clearTimeout(waiter.timer);
    this.#waiters.delete(waiter);
    settle();
  }
}
