/**
 * Bridge cost under load: N concurrent simulated calls over real loopback WebSockets, each call a
 * 20 ms mu-law frame every 20 ms (real time) that goes Twilio -> server -> echo "model" -> server ->
 * Twilio. Two servers are measured in the same process run, in interleaved rounds (the order
 * alternates each round) after a warm-up:
 *
 * - `steadycall`: our {@link BridgeSession} (zod-parsed Twilio protocol, playback accounting with
 *   marks) in front of an in-process echo {@link RealtimeSession}.
 * - `ws relay`: the minimum a bridge must do with the same `ws` server and the same echo: JSON.parse,
 *   base64-decode the payload, hand it to the echo, base64-encode + JSON.stringify a `media` back.
 *   No marks, no playback accounting, no validation.
 *
 * The simulated Twilio callers run in a worker thread (one shared 20 ms ticker for all calls; marks
 * echoed at once, i.e. instant playback, so pacing never holds frames back), so the servers' thread
 * pays only for the servers: its CPU time per frame (`process.threadCpuUsage`) is the per-frame cost
 * and decides the cost verdict. The process-wide `process.cpuUsage` (callers included, the same for
 * both) is printed too. Latency is the caller's round trip per frame (sequence number in the first
 * 4 payload bytes); "added" = ours minus the relay's. Memory is the servers' heap (`heapUsed`) and
 * the process RSS before, while streaming (all calls open) and after each run; with `global.gc`
 * available (`node --expose-gc --import tsx bench/bridge.ts`) each reading follows a full GC.
 *
 * No assertions: PASS / MISS lines against the targets of issue 5, exit 0.
 *
 * Run: `npx tsx bench/bridge.ts [--calls 100] [--seconds 20] [--rounds 4] [--warmup 2] [--phases 1]`
 *   --seconds: streaming time per contender, split over --rounds interleaved runs.
 *   --phases:  1 (default) = every call sends in the same instant of each 20 ms period, a worst-case
 *              burst whose tail is the p99; K > 1 spreads the calls over K evenly spaced offsets, as
 *              independent real calls would be.
 */
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { WebSocket, WebSocketServer } from 'ws';
import { type Disposable, EventSource } from '../src/core/disposable.js';
import type { AiProvider } from '../src/core/types.js';
import { createMulawToPcm16k, createPcm24kToMulaw, createResampler } from '../src/realtime/audio/index.js';
import { BridgeSession } from '../src/realtime/bridge.js';
import type {
  RealtimeApi,
  RealtimeEventName,
  RealtimeSession,
  RealtimeSessionEvents,
} from '../src/realtime/session.js';
import type { SocketLike } from '../src/realtime/socket.js';

const FRAME_MS = 20;
const FRAME_BYTES = 160;
const DRAIN_TIMEOUT_MS = 3000;
const SETTLE_MS = 200;
const TARGET = { p99AddedMs: 5, atCalls: 100, costRatio: 1.5 } as const;

// --- messages between the servers' thread (main) and the callers' worker ----------------------

interface RunCommand {
  type: 'run';
  port: number;
  calls: number;
  frames: number;
  /** Phase groups: calls split into this many groups, each sending at its own offset in the 20 ms period. */
  phases: number;
  label: string;
}
interface RunResult {
  type: 'result';
  label: string;
  sent: number;
  received: number;
  lost: number;
  reordered: number;
  duplicates: number;
  corrupt: number;
  marksEchoed: number;
  latencies: Float64Array;
  tickLagP99: number;
  lateTicks: number;
  connectMs: number;
  closedByTimeout: number;
}
type WorkerMessage =
  | { type: 'streaming' }
  | { type: 'drained' }
  | RunResult
  | { type: 'bye'; resources: string[]; open: number };

// --- the echo "model" -----------------------------------------------------------------------------

/**
 * The Gemini path's extra work per frame, in process: caller mu-law -> PCM16 16 kHz (what Gemini
 * takes), and a 24 kHz PCM16 reply (made here by upsampling that input) -> mu-law 8 kHz (what
 * Twilio plays). The transcoded reply is computed and then dropped, and the original frame echoed,
 * so the callers' integrity checks still hold while the cost is real.
 */
class Transcoder {
  readonly #in = createMulawToPcm16k();
  readonly #up = createResampler(16_000, 24_000);
  readonly #out = createPcm24kToMulaw();
  checksum = 0;
  run(mulaw: Uint8Array): void {
    const reply = this.#out.process(this.#up.process(this.#in.process(mulaw)));
    this.checksum = (this.checksum + (reply[0] ?? 0)) | 0;
  }
}

/** An in-process model that speaks back every frame at once, as one item per call. */
class EchoSession implements RealtimeSession {
  readonly provider: AiProvider = 'openai';
  readonly api: RealtimeApi = 'openai-live';
  readonly #itemId: string;
  readonly #events = new Map<RealtimeEventName, EventSource<never>>();
  #closed = false;

  readonly #transcoder: Transcoder | null;

  constructor(callSid: string, transcode = false) {
    this.#itemId = `echo-${callSid}`;
    this.#transcoder = transcode ? new Transcoder() : null;
  }

  async connect(): Promise<void> {}

  appendAudio(mulaw: Uint8Array): void {
    this.#transcoder?.run(mulaw);
    this.#emit('audio', { mulaw, itemId: this.#itemId });
  }

  sendToolResult(): void {}
  truncate(): void {}
  cancelResponse(): void {}

  on<E extends RealtimeEventName>(
    event: E,
    listener: (payload: RealtimeSessionEvents[E]) => void,
  ): Disposable {
    let source = this.#events.get(event) as EventSource<RealtimeSessionEvents[E]> | undefined;
    if (!source) {
      source = new EventSource<RealtimeSessionEvents[E]>();
      this.#events.set(event, source as unknown as EventSource<never>);
    }
    return source.on(listener);
  }

  #emit<E extends RealtimeEventName>(event: E, payload: RealtimeSessionEvents[E]): void {
    (this.#events.get(event) as EventSource<RealtimeSessionEvents[E]> | undefined)?.emit(payload);
  }

  /** Listeners still attached (0 once the bridge released the session). */
  get listenerCount(): number {
    let n = 0;
    for (const source of this.#events.values()) n += source.size;
    return n;
  }

  async close(reason = 'closed'): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#emit('closed', { reason, expected: true });
  }
}

// --- small helpers --------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : 'n/a';
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)}`;
const signed = (n: number, digits = 2) => `${n >= 0 ? '+' : ''}${n.toFixed(digits)}`;

// =================================================================================================
// Worker thread: the simulated Twilio side
// =================================================================================================

/** One call as Twilio runs it: `connected`, `start`, then a media frame per tick; marks echoed at once. */
class Caller {
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<void>;
  readonly streamSid: string;
  readonly #frame = Buffer.alloc(FRAME_BYTES);
  /** base64 of bytes 6..159, the same in every frame of this call (bytes 0..5 = seq + 2 pad bytes). */
  readonly #suffix: string;
  readonly #sentAt: Float64Array;
  readonly #seen: Uint8Array;
  readonly #latencies: number[];
  #seq = 0;
  #outSeq = 0;
  #maxSeen = -1;
  received = 0;
  reordered = 0;
  duplicates = 0;
  corrupt = 0;
  marksEchoed = 0;

  constructor(url: string, index: number, frames: number, latencies: number[]) {
    this.#latencies = latencies;
    this.#sentAt = new Float64Array(frames);
    this.#seen = new Uint8Array(frames);
    const hex = index.toString(16).padStart(32, '0');
    this.streamSid = `MZ${hex}`;
    for (let i = 4; i < FRAME_BYTES; i++) this.#frame[i] = i < 6 ? 0xff : (i * 7 + index) & 0xff;
    this.#suffix = this.#frame.toString('base64').slice(8);
    this.ws = new WebSocket(url, { perMessageDeflate: false });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => {
        this.#send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
        this.#send({
          event: 'start',
          sequenceNumber: String(++this.#outSeq),
          streamSid: this.streamSid,
          start: {
            streamSid: this.streamSid,
            accountSid: `AC${'0'.repeat(32)}`,
            callSid: `CA${hex}`,
            tracks: ['inbound'],
            customParameters: { callId: `call-${index}`, token: 'bench' },
            mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
          },
        });
        resolve();
      });
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => this.ws.once('close', () => resolve()));
    this.ws.on('message', (data) => this.#onMessage(data as Buffer));
  }

  #send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  get sent(): number {
    return this.#seq;
  }

  sendFrame(): void {
    const seq = this.#seq++;
    this.#frame.writeUInt32BE(seq, 0);
    const message = JSON.stringify({
      event: 'media',
      sequenceNumber: String(++this.#outSeq),
      streamSid: this.streamSid,
      media: { track: 'inbound', chunk: String(seq + 1), timestamp: String(seq * FRAME_MS), payload: '' },
    });
    // Splice the payload in rather than re-serialise: cheap, and keeps the caller thread on time.
    const payload = this.#frame.toString('base64');
    this.#sentAt[seq] = performance.now();
    this.ws.send(message.replace('"payload":""', `"payload":"${payload}"`));
  }

  #onMessage(data: Buffer): void {
    const now = performance.now();
    const message = JSON.parse(data.toString()) as {
      event: string;
      media?: { payload: string };
      mark?: { name: string };
    };
    if (message.event === 'mark' && message.mark) {
      // Instant playback: the audio before this mark "played" the moment it arrived.
      this.marksEchoed++;
      this.#send({
        event: 'mark',
        sequenceNumber: String(++this.#outSeq),
        streamSid: this.streamSid,
        mark: { name: message.mark.name },
      });
      return;
    }
    if (message.event !== 'media' || !message.media) return;
    const payload = message.media.payload;
    const seq = Buffer.from(payload.slice(0, 8), 'base64').readUInt32BE(0);
    if (payload.slice(8) !== this.#suffix || seq >= this.#seq) {
      this.corrupt++;
      return;
    }
    if (this.#seen[seq]) {
      this.duplicates++;
      return;
    }
    this.#seen[seq] = 1;
    this.received++;
    if (seq < this.#maxSeen) this.reordered++;
    else this.#maxSeen = seq;
    this.#latencies.push(now - this.#sentAt[seq]!);
  }

  hangUp(): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.#send({
      event: 'stop',
      sequenceNumber: String(++this.#outSeq),
      streamSid: this.streamSid,
      stop: { accountSid: `AC${'0'.repeat(32)}`, callSid: `CA${this.streamSid.slice(2)}` },
    });
    this.ws.close(1000, 'hang up');
  }
}

let openCallers = 0;

async function runCallers(cmd: RunCommand, post: (m: WorkerMessage) => void): Promise<void> {
  const latencies: number[] = [];
  const url = `ws://127.0.0.1:${cmd.port}/media`;
  const connectStart = performance.now();
  const callers = Array.from({ length: cmd.calls }, (_, i) => new Caller(url, i, cmd.frames, latencies));
  openCallers += callers.length;
  await Promise.all(callers.map((c) => c.opened));
  const connectMs = performance.now() - connectStart;
  await sleep(SETTLE_MS); // let every `start` be handled before the clock starts

  post({ type: 'streaming' });
  // One shared ticker for every call, on a fixed grid: every 20 ms it sends a frame for every call
  // (phases = 1: all calls in phase, the worst burst), or every 20/phases ms for one group of calls.
  // If the thread falls behind by more than a frame, the grid is re-anchored rather than catching
  // up in a burst (Twilio never bursts).
  const period = FRAME_MS / cmd.phases;
  const groups = Array.from({ length: cmd.phases }, (_, g) => callers.filter((_, i) => i % cmd.phases === g));
  const lags: number[] = [];
  let lateTicks = 0;
  await new Promise<void>((resolve) => {
    let anchor = performance.now();
    let tick = 0;
    const step = () => {
      const now = performance.now();
      const lag = now - (anchor + tick * period);
      lags.push(lag);
      if (lag > FRAME_MS) {
        lateTicks++;
        anchor = now - tick * period;
      }
      for (const c of groups[tick % cmd.phases]!) c.sendFrame();
      tick++;
      if (tick >= cmd.frames * cmd.phases) return resolve();
      setTimeout(step, Math.max(0, anchor + tick * period - performance.now()));
    };
    step();
  });
  const sent = callers.reduce((n, c) => n + c.sent, 0);
  const deadline = performance.now() + DRAIN_TIMEOUT_MS;
  while (callers.reduce((n, c) => n + c.received, 0) < sent && performance.now() < deadline) await sleep(5);
  post({ type: 'drained' });

  const stat = (key: 'received' | 'reordered' | 'duplicates' | 'corrupt' | 'marksEchoed') =>
    callers.reduce((n, c) => n + c[key], 0);
  const result: RunResult = {
    type: 'result',
    label: cmd.label,
    sent,
    received: stat('received'),
    lost: sent - stat('received'),
    reordered: stat('reordered'),
    duplicates: stat('duplicates'),
    corrupt: stat('corrupt'),
    marksEchoed: stat('marksEchoed'),
    latencies: Float64Array.from(latencies),
    tickLagP99: percentile(
      lags.sort((a, b) => a - b),
      0.99,
    ),
    lateTicks,
    connectMs,
    closedByTimeout: 0,
  };

  for (const c of callers) c.hangUp();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    Promise.all(callers.map((c) => c.closed)).then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), DRAIN_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(timer);
  if (timedOut) {
    for (const c of callers) {
      if (c.ws.readyState !== WebSocket.CLOSED) {
        result.closedByTimeout++;
        c.ws.terminate();
      }
    }
    await Promise.all(callers.map((c) => c.closed));
  }
  openCallers -= callers.length;
  post(result);
}

function workerMain(): void {
  const port = parentPort!;
  const post = (m: WorkerMessage) => {
    if (m.type === 'result') port.postMessage(m, [m.latencies.buffer as ArrayBuffer]);
    else port.postMessage(m);
  };
  port.on('message', (cmd: RunCommand | { type: 'exit' }) => {
    if (cmd.type === 'exit') {
      post({ type: 'bye', resources: process.getActiveResourcesInfo(), open: openCallers });
      port.close();
      return;
    }
    void runCallers(cmd, post);
  });
}

// =================================================================================================
// Main thread: the two servers, the schedule and the report
// =================================================================================================

interface Contender {
  name: string;
  server: WebSocketServer;
  port: number;
  /** Connections still open on the server side. */
  open(): number;
}

interface Phase {
  contender: string;
  round: number;
  result: RunResult;
  threadCpuUs: number;
  processCpuUs: number;
  heap: [before: number, live: number, after: number];
  rss: [before: number, live: number, after: number];
}

const gc = (globalThis as { gc?: () => void }).gc;

function memory(): { heap: number; rss: number } {
  gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

const threadCpu = (): number => {
  const { user, system } = process.threadCpuUsage();
  return user + system;
};
const processCpu = (): number => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

async function listen(server: WebSocketServer): Promise<number> {
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const address = server.address();
  if (typeof address === 'string' || address === null) throw new Error('no port');
  return address.port;
}

async function mainThread(): Promise<void> {
  const { values } = parseArgs({
    options: {
      calls: { type: 'string', default: '100' },
      seconds: { type: 'string', default: '20' },
      rounds: { type: 'string', default: '4' },
      warmup: { type: 'string', default: '2' },
      phases: { type: 'string', default: '1' },
    },
  });
  console.log(`node ${process.version}; bench/bridge`);
  const baseline = process.getActiveResourcesInfo();
  const CALLS = Math.max(1, Number(values.calls));
  const SECONDS = Math.max(0.1, Number(values.seconds));
  const ROUNDS = Math.max(1, Number(values.rounds));
  const WARMUP = Math.max(0, Number(values.warmup));
  const PHASES = Math.min(Math.max(1, Math.floor(Number(values.phases))), CALLS);
  const framesPerRun = Math.max(1, Math.round((SECONDS * 1000) / ROUNDS / FRAME_MS));

  // --- server A: ours -------------------------------------------------------------------------
  const serverOptions = { host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 64 * 1024 };
  const ours = new WebSocketServer(serverOptions);
  // Only counts are kept, never the bridges, so a finished call can be collected as in production.
  const pendingBridges = new Set<BridgeSession>();
  const bridgeCount = { created: 0, released: 0, listenersLeft: 0, collected: 0 };
  const endReasons = new Map<string, number>();
  const collected = new FinalizationRegistry<void>(() => {
    bridgeCount.collected++;
  });
  const oursTranscoding = new WebSocketServer(serverOptions);
  const onConnection = (transcode: boolean) => (ws: WebSocket) => {
    let session: EchoSession | null = null;
    const bridge = new BridgeSession({
      twilio: ws as unknown as SocketLike,
      // Marks come back at once (instant playback), so a lead of a minute never throttles.
      maxLeadMs: 60_000,
      onStart: async (start) => {
        session = new EchoSession(start.callSid, transcode);
        return session;
      },
    });
    bridgeCount.created++;
    pendingBridges.add(bridge);
    collected.register(bridge);
    void bridge.done.then((reason) => {
      pendingBridges.delete(bridge);
      bridgeCount.released++;
      bridgeCount.listenersLeft += (session as EchoSession | null)?.listenerCount ?? 0;
      endReasons.set(reason, (endReasons.get(reason) ?? 0) + 1);
    });
  };
  ours.on('connection', onConnection(false));
  oursTranscoding.on('connection', onConnection(true));

  // --- server B: the plain ws relay ---------------------------------------------------------------
  const relay = new WebSocketServer(serverOptions);
  relay.on('connection', (ws) => {
    let streamSid = '';
    let echo: EchoSession | null = null;
    ws.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.event === 'media') {
        echo?.appendAudio(Buffer.from(message.media.payload, 'base64'));
      } else if (message.event === 'start') {
        streamSid = message.start.streamSid;
        echo = new EchoSession(message.start.callSid);
        echo.on('audio', ({ mulaw }) => {
          const payload = Buffer.from(mulaw.buffer, mulaw.byteOffset, mulaw.byteLength).toString('base64');
          ws.send(JSON.stringify({ event: 'media', streamSid, media: { payload } }));
        });
      }
    });
    ws.on('close', () => void echo?.close());
  });

  // Both are already binding: wait for the two at once, or the second's 'listening' may be missed.
  const [oursPort, relayPort, transcodingPort] = await Promise.all([
    listen(ours),
    listen(relay),
    listen(oursTranscoding),
  ]);
  const contenders: Contender[] = [
    { name: 'steadycall', server: ours, port: oursPort, open: () => ours.clients.size },
    {
      name: 'sc+gemini',
      server: oursTranscoding,
      port: transcodingPort,
      open: () => oursTranscoding.clients.size,
    },
    { name: 'ws relay', server: relay, port: relayPort, open: () => relay.clients.size },
  ];

  // --- the callers' worker ---------------------------------------------------------------------------
  const worker = new Worker(new URL(import.meta.url));
  const workerExited = new Promise<true>((resolve) => worker.once('exit', () => resolve(true)));
  const inbox: WorkerMessage[] = [];
  let waiting: ((m: WorkerMessage) => void) | null = null;
  worker.on('message', (m: WorkerMessage) => {
    if (waiting) {
      const w = waiting;
      waiting = null;
      w(m);
    } else inbox.push(m);
  });
  const next = (): Promise<WorkerMessage> =>
    inbox.length > 0 ? Promise.resolve(inbox.shift()!) : new Promise((resolve) => (waiting = resolve));
  const expect = async <T extends WorkerMessage['type']>(type: T) => {
    const m = await next();
    if (m.type !== type) throw new Error(`expected ${type} from the callers' worker, got ${m.type}`);
    return m as Extract<WorkerMessage, { type: T }>;
  };

  async function run(c: Contender, frames: number, label: string, round: number): Promise<Phase> {
    const before = memory();
    worker.postMessage({
      type: 'run',
      port: c.port,
      calls: CALLS,
      frames,
      phases: PHASES,
      label,
    } satisfies RunCommand);
    await expect('streaming');
    const t0 = threadCpu();
    const p0 = processCpu();
    await expect('drained');
    const threadCpuUs = threadCpu() - t0;
    const processCpuUs = processCpu() - p0;
    const live = memory();
    const result = await expect('result');
    // Wait for the server side to let go of every connection before the next run.
    const deadline = performance.now() + DRAIN_TIMEOUT_MS;
    while ((c.open() > 0 || (c.server === ours && pendingBridges.size > 0)) && performance.now() < deadline) {
      await sleep(5);
    }
    const after = memory();
    return {
      contender: c.name,
      round,
      result,
      threadCpuUs,
      processCpuUs,
      heap: [before.heap, live.heap, after.heap],
      rss: [before.rss, live.rss, after.rss],
    };
  }

  console.log(
    `${CALLS} concurrent calls on 127.0.0.1, a ${FRAME_MS} ms mu-law frame per call every ${FRAME_MS} ms;`,
  );
  console.log(
    `${SECONDS} s streaming per contender in ${ROUNDS} interleaved runs of ${fmt((framesPerRun * FRAME_MS) / 1000, 1)} s (order alternates), after a ${WARMUP} s warm-up each`,
  );
  console.log(
    'callers (simulated Twilio) in a worker thread, servers in the main thread; echo model; marks echoed at once',
  );
  console.log(
    PHASES === 1
      ? 'one ticker: every 20 ms all calls send at the same instant (worst-case burst; --phases K spreads them)'
      : `one ticker: calls in ${PHASES} phase groups, one group every ${fmt(FRAME_MS / PHASES, 1)} ms`,
  );
  if (!gc)
    console.log(
      'hint: run `node --expose-gc --import tsx bench/bridge.ts` for exact memory numbers (GC before each reading)',
    );
  console.log('');

  if (WARMUP > 0) {
    const warmFrames = Math.max(1, Math.round((WARMUP * 1000) / FRAME_MS));
    for (const c of contenders) await run(c, warmFrames, `warm-up ${c.name}`, -1);
  }

  const phases: Phase[] = [];
  console.log(
    `${'run'.padEnd(16)} ${'frames'.padStart(8)} ${'lost'.padStart(5)} ${'reord'.padStart(5)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'srv us/fr'.padStart(9)} ${'proc us/fr'.padStart(10)} ${'heap MB before/live/after'.padStart(26)} ${'rss MB before/live/after'.padStart(25)} ${'tick lag p99'.padStart(12)}`,
  );
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? contenders : [...contenders].reverse();
    for (const c of order) {
      const phase = await run(c, framesPerRun, c.name, round);
      phases.push(phase);
      const r = phase.result;
      const sorted = r.latencies.slice().sort();
      console.log(
        `${`${c.name} #${round + 1}`.padEnd(16)} ${fmt(r.received).padStart(8)} ${fmt(r.lost).padStart(5)} ${fmt(r.reordered).padStart(5)} ${fmt(percentile(sorted, 0.5), 2).padStart(7)} ${fmt(percentile(sorted, 0.99), 2).padStart(7)} ${fmt(phase.threadCpuUs / Math.max(1, r.received), 1).padStart(9)} ${fmt(phase.processCpuUs / Math.max(1, r.received), 1).padStart(10)} ${phase.heap.map(mb).join(' / ').padStart(26)} ${phase.rss.map(mb).join(' / ').padStart(25)} ${`${fmt(r.tickLagP99, 1)} ms`.padStart(12)}`,
      );
    }
  }

  // --- summary ----------------------------------------------------------------------------------
  interface Summary {
    sent: number;
    received: number;
    lost: number;
    reordered: number;
    duplicates: number;
    corrupt: number;
    marks: number;
    lateTicks: number;
    p50: number;
    p95: number;
    p99: number;
    max: number;
    srvUs: number;
    procUs: number;
    perRoundSrvUs: number[];
    heapLivePerCallKB: number;
    heapGrowthMB: number;
    rssGrowthMB: number;
  }
  const summarize = (name: string): Summary => {
    const mine = phases.filter((p) => p.contender === name);
    const total = (f: (p: Phase) => number) => mine.reduce((n, p) => n + f(p), 0);
    const all = new Float64Array(total((p) => p.result.latencies.length));
    let at = 0;
    for (const p of mine) {
      all.set(p.result.latencies, at);
      at += p.result.latencies.length;
    }
    all.sort();
    const received = total((p) => p.result.received);
    return {
      sent: total((p) => p.result.sent),
      received,
      lost: total((p) => p.result.lost),
      reordered: total((p) => p.result.reordered),
      duplicates: total((p) => p.result.duplicates),
      corrupt: total((p) => p.result.corrupt),
      marks: total((p) => p.result.marksEchoed),
      lateTicks: total((p) => p.result.lateTicks),
      p50: percentile(all, 0.5),
      p95: percentile(all, 0.95),
      p99: percentile(all, 0.99),
      max: all.length > 0 ? all[all.length - 1]! : Number.NaN,
      srvUs: total((p) => p.threadCpuUs) / Math.max(1, received),
      procUs: total((p) => p.processCpuUs) / Math.max(1, received),
      perRoundSrvUs: mine.map((p) => p.threadCpuUs / Math.max(1, p.result.received)),
      heapLivePerCallKB: median(mine.map((p) => (p.heap[1] - p.heap[0]) / CALLS / 1024)),
      // Sum over this contender's own runs of (after - before): what its runs left behind.
      heapGrowthMB: total((p) => p.heap[2] - p.heap[0]) / 2 ** 20,
      rssGrowthMB: total((p) => p.rss[2] - p.rss[0]) / 2 ** 20,
    };
  };
  const a = summarize('steadycall');
  const b = summarize('ws relay');
  const g = summarize('sc+gemini');

  console.log('');
  console.log(
    `${'contender'.padEnd(11)} ${'sent'.padStart(8)} ${'received'.padStart(8)} ${'lost'.padStart(5)} ${'reord'.padStart(5)} ${'dup'.padStart(4)} ${'bad'.padStart(4)} ${'p50 ms'.padStart(7)} ${'p95 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'max ms'.padStart(7)} ${'srv us/frame'.padStart(12)} ${'proc us/frame'.padStart(13)} ${'live heap/call'.padStart(14)} ${'heap growth'.padStart(11)} ${'rss growth'.padStart(10)}`,
  );
  for (const [name, s] of [
    ['steadycall', a],
    ['sc+gemini', g],
    ['ws relay', b],
  ] as const) {
    console.log(
      `${name.padEnd(11)} ${fmt(s.sent).padStart(8)} ${fmt(s.received).padStart(8)} ${fmt(s.lost).padStart(5)} ${fmt(s.reordered).padStart(5)} ${fmt(s.duplicates).padStart(4)} ${fmt(s.corrupt).padStart(4)} ${fmt(s.p50, 2).padStart(7)} ${fmt(s.p95, 2).padStart(7)} ${fmt(s.p99, 2).padStart(7)} ${fmt(s.max, 1).padStart(7)} ${fmt(s.srvUs, 1).padStart(12)} ${fmt(s.procUs, 1).padStart(13)} ${`${fmt(s.heapLivePerCallKB, 1)} KB`.padStart(14)} ${`${signed(s.heapGrowthMB, 1)} MB`.padStart(11)} ${`${signed(s.rssGrowthMB, 1)} MB`.padStart(10)}`,
    );
  }
  console.log(
    `(live heap/call: median over runs of (heap while streaming - before) / calls; growth: sum over the contender's runs of after - before${gc ? '' : '; no GC between readings, so memory is indicative only'})`,
  );
  console.log(
    `(steadycall also sent ${fmt(a.marks)} marks (${((a.marks / Math.max(1, a.received)) * 100).toFixed(0)} per 100 frames: playback resolution markEveryMs plus each turn's first frame); ticks re-anchored late: ${a.lateTicks + b.lateTicks})`,
  );

  // Paired per-round ratios (each pair measured back to back), as in bench/codec.
  const pairedCost = median(a.perRoundSrvUs.map((us, i) => us / b.perRoundSrvUs[i]!));
  const addedP50 = a.p50 - b.p50;
  const addedP99 = a.p99 - b.p99;
  console.log('');
  console.log(
    `added per-frame latency (steadycall - ws relay): p50 ${signed(addedP50)} ms, p99 ${signed(addedP99)} ms`,
  );
  console.log(
    `per-frame cost, server thread: steadycall ${fmt(a.srvUs, 1)} us, ws relay ${fmt(b.srvUs, 1)} us = ${(a.srvUs / b.srvUs).toFixed(2)}x overall, ${pairedCost.toFixed(2)}x median of per-round ratios`,
  );
  const pairedGemini = median(g.perRoundSrvUs.map((us, i) => us / a.perRoundSrvUs[i]!));
  console.log(
    `Gemini path (transcoding both ways) per frame: ${fmt(g.srvUs, 1)} us vs OpenAI passthrough ${fmt(a.srvUs, 1)} us = ${pairedGemini.toFixed(2)}x (median of per-round ratios); p99 ${fmt(g.p99, 2)} vs ${fmt(a.p99, 2)} ms`,
  );
  console.log(
    `per-frame cost, whole process (callers included, the same for both): ${fmt(a.procUs, 1)} vs ${fmt(b.procUs, 1)} us = ${(a.procUs / b.procUs).toFixed(2)}x`,
  );

  console.log('');
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
  const at100 =
    CALLS === TARGET.atCalls ? '' : ` (target is set at ${TARGET.atCalls} calls; this run has ${CALLS})`;
  console.log(
    `p99 added ${signed(addedP99)} ms  (target <= ${TARGET.p99AddedMs} ms at ${TARGET.atCalls} calls)  ${verdict(addedP99 <= TARGET.p99AddedMs)}${at100}`,
  );
  console.log(
    `lost ${a.lost}, reordered ${a.reordered}, duplicated ${a.duplicates}, corrupt ${a.corrupt}  (target 0)  ${verdict(a.lost + a.reordered + a.duplicates + a.corrupt === 0)}`,
  );
  console.log(
    `cost ${pairedCost.toFixed(2)}x the ws relay  (target <= ${TARGET.costRatio}x)  ${verdict(pairedCost <= TARGET.costRatio)}`,
  );

  // --- release check --------------------------------------------------------------------------
  worker.postMessage({ type: 'exit' });
  const bye = await expect('bye');
  let exitTimer: NodeJS.Timeout | undefined;
  const exited = await Promise.race([
    workerExited,
    new Promise<boolean>((resolve) => {
      exitTimer = setTimeout(() => resolve(false), DRAIN_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(exitTimer);
  if (!exited) await worker.terminate();
  const { created, released, listenersLeft } = bridgeCount;
  const openServerSide = contenders.reduce((n, c) => n + c.open(), 0);
  await Promise.all(contenders.map((c) => new Promise<void>((resolve) => c.server.close(() => resolve()))));
  await sleep(50); // closed handles leave the loop in its next close phase
  if (gc) {
    for (let i = 0; i < 3; i++) {
      gc();
      await sleep(20); // finalizers run in later turns
    }
  }
  // What is active now and was not before the servers opened (stdout's own pipe is not a leftover).
  const left = [...process.getActiveResourcesInfo()];
  for (const r of baseline) {
    const i = left.indexOf(r);
    if (i >= 0) left.splice(i, 1);
  }
  const sockets = left.filter((r) => /TCP|Pipe|Socket/i.test(r));
  const workerSockets = bye.resources.filter((r) => /TCP|Pipe|Socket/i.test(r));

  console.log('');
  console.log(
    `bridges released: ${released}/${created} (done resolved; ${[...endReasons].map(([r, n]) => `${r} x${n}`).join(', ')}), echo-session listeners left ${listenersLeft}  ${verdict(released === created && listenersLeft === 0)}`,
  );
  if (gc)
    console.log(`bridges garbage-collected after the run: ${bridgeCount.collected}/${created} (information)`);
  console.log(
    `sockets left: server side ${openServerSide + sockets.length} [${sockets.join(', ')}], callers ${bye.open + workerSockets.length} [${workerSockets.join(', ')}]; worker exited on its own: ${exited ? 'yes' : 'no'}  ${verdict(openServerSide + sockets.length + bye.open + workerSockets.length === 0 && exited)}`,
  );
  if (left.length > sockets.length) console.log(`other new active resources: ${left.join(', ')}`);
}

if (isMainThread) await mainThread();
else workerMain();
