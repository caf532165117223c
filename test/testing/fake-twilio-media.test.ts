import { createHook } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import {
  parseTwilioMessage,
  type TwilioInboundMessage,
  twilioClearMessage,
  twilioMarkMessage,
  twilioMediaMessage,
} from '../../src/realtime/twilio-media.js';
import { TwilioSigner } from '../../src/telephony/signature.js';
import {
  FakeTwilioMediaClient,
  FakeTwilioMediaConnectError,
  type FakeTwilioMediaOptions,
} from '../../src/testing/fake-twilio-media.js';
import { silence, speechLike } from '../../src/testing/speech-audio.js';

// --- a tiny loopback bridge: records what "Twilio" sends; echoes each frame back with a mark, or is driven by hand

type Inbound<E extends TwilioInboundMessage['event']> = Extract<TwilioInboundMessage, { event: E }>;

function until(check: () => boolean, wakers: Set<() => void>, timeoutMs = 5000): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const wake = () => {
      if (!check()) return;
      clearTimeout(timer);
      wakers.delete(wake);
      resolve();
    };
    const timer = setTimeout(() => {
      wakers.delete(wake);
      reject(new Error('bridge: condition not met in time'));
    }, timeoutMs);
    wakers.add(wake);
  });
}

class BridgeConnection {
  readonly messages: TwilioInboundMessage[] = [];
  readonly rejected: string[] = [];
  readonly wakers = new Set<() => void>();
  binaryFrames = 0;
  streamSid = '';
  isClosed = false;

  constructor(
    readonly ws: WebSocket,
    readonly request: IncomingMessage,
    readonly echo: boolean,
  ) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) this.binaryFrames++;
      const parsed = parseTwilioMessage(data.toString());
      if (parsed.ok) {
        const message = parsed.message;
        this.messages.push(message);
        if (message.event === 'start') this.streamSid = message.start.streamSid;
        if (message.event === 'media' && this.echo) {
          this.media(message.media.payload);
          this.mark(`c${message.media.chunk}`);
        }
      } else {
        this.rejected.push(parsed.reason);
      }
      this.#wake();
    });
    ws.on('close', () => {
      this.isClosed = true;
      this.#wake();
    });
  }

  of<E extends TwilioInboundMessage['event']>(event: E): Inbound<E>[] {
    return this.messages.filter((m): m is Inbound<E> => m.event === event);
  }
  media(bytes: Uint8Array): void {
    this.ws.send(twilioMediaMessage(this.streamSid, bytes));
  }
  mark(name: string): void {
    this.ws.send(twilioMarkMessage(this.streamSid, name));
  }
  clear(): void {
    this.ws.send(twilioClearMessage(this.streamSid));
  }
  until(check: (c: this) => boolean): Promise<void> {
    return until(() => check(this), this.wakers);
  }
  #wake(): void {
    for (const wake of [...this.wakers]) wake();
  }
}

class Bridge {
  readonly connections: BridgeConnection[] = [];
  readonly wakers = new Set<() => void>();

  private constructor(
    readonly wss: WebSocketServer,
    echo: boolean,
  ) {
    wss.on('connection', (ws, request) => {
      this.connections.push(new BridgeConnection(ws, request, echo));
      for (const wake of [...this.wakers]) wake();
    });
  }

  static async start(options: { echo?: boolean; rejectWith?: number } = {}): Promise<Bridge> {
    const { rejectWith } = options;
    const wss = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      path: '/media',
      verifyClient: (_info, done) => (rejectWith === undefined ? done(true) : done(false, rejectWith)),
    });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    return new Bridge(wss, options.echo ?? false);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/media`;
  }

  async next(): Promise<BridgeConnection> {
    const index = this.connections.length;
    await until(() => this.connections.length > index, this.wakers);
    return this.connections[index]!;
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

// --- harness

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  options: { echo?: boolean } & Partial<FakeTwilioMediaOptions> = {},
): Promise<{ bridge: Bridge; conn: BridgeConnection; client: FakeTwilioMediaClient }> {
  const bridge = await Bridge.start({ echo: options.echo });
  cleanups.push(() => bridge.close());
  const connecting = bridge.next();
  const client = await FakeTwilioMediaClient.connect({ url: bridge.url, ...options });
  cleanups.push(() => client.close());
  const conn = await connecting;
  await conn.until((c) => c.of('start').length === 1);
  return { bridge, conn, client };
}

function concat(parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

/**
 * Tracks the timers and sockets created from now on (except vitest's own), to prove they are all
 * released. Node closes handles and reports destroyed resources a loop turn later, hence the settle.
 */
function trackResources(): { leftovers(): Promise<string[]> } {
  const live = new Map<number, string>();
  const hook = createHook({
    init(id, type) {
      if (type !== 'Timeout' && type !== 'TCPWRAP' && type !== 'TCPCONNECTWRAP') return;
      // Whoever called setTimeout/connect: the first stack frame outside Node's internals and this hook.
      const frames = new Error().stack?.split('\n').slice(1) ?? [];
      const caller = frames.find((line) => !line.includes('node:') && !line.includes('AsyncHook.init'));
      if (!caller?.includes('node_modules/vitest')) live.set(id, type);
    },
    destroy(id) {
      live.delete(id);
    },
  }).enable();
  return {
    async leftovers() {
      for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
      hook.disable();
      return [...live.values()];
    },
  };
}

describe('FakeTwilioMediaClient: what it sends', () => {
  it('sends connected, start, then 20 ms media frames with increasing string counters', async () => {
    const { conn, client } = await setup({
      callSid: 'CA123',
      accountSid: 'AC456',
      streamSid: 'MZ789',
      customParameters: { callId: 'call_1', token: 't0k' },
    });
    const audio = speechLike({ durationMs: 1000, seed: 5 });
    expect(await client.play(audio)).toBe(50);
    await conn.until((c) => c.of('media').length === 50);
    expect(conn.messages[0]).toEqual({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    expect(conn.messages[1]).toEqual({
      event: 'start',
      sequenceNumber: '1',
      streamSid: 'MZ789',
      start: {
        streamSid: 'MZ789',
        accountSid: 'AC456',
        callSid: 'CA123',
        tracks: ['inbound'],
        customParameters: { callId: 'call_1', token: 't0k' },
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
    });
    const media = conn.of('media');
    expect(media.map((m) => m.sequenceNumber)).toEqual(media.map((_, i) => String(i + 2)));
    expect(media.map((m) => m.media.chunk)).toEqual(media.map((_, i) => String(i + 1)));
    expect(media.map((m) => m.media.timestamp)).toEqual(media.map((_, i) => String(i * 20)));
    expect(media.every((m) => m.media.track === 'inbound' && m.media.payload.length === 160)).toBe(true);
    expect(concat(media.map((m) => m.media.payload))).toEqual(audio);
    expect(conn.binaryFrames).toBe(0);
    expect(conn.rejected).toEqual([]);
    expect(client.framesSent).toBe(50);
    expect(client.clockMs).toBe(1000);
  });

  it('sends dtmf, and stop then closes', async () => {
    const { conn, client } = await setup();
    client.dtmf('5');
    await client.play(silence(40));
    await client.stop();
    await conn.until((c) => c.isClosed);
    expect(conn.messages.slice(2).map((m) => [m.event, 'sequenceNumber' in m && m.sequenceNumber])).toEqual([
      ['dtmf', '2'],
      ['media', '3'],
      ['media', '4'],
      ['stop', '5'],
    ]);
    expect(conn.of('dtmf')[0]!.dtmf).toEqual({ track: 'inbound_track', digit: '5' });
    expect(conn.of('stop')[0]!.stop).toEqual({ accountSid: client.accountSid, callSid: client.callSid });
    expect(client.isOpen).toBe(false);
    expect(client.closeInfo?.code).toBe(1000);
    expect(await client.play(silence(100))).toBe(0);
  });

  it('signs the upgrade the way twilio.validateRequest checks it', async () => {
    const authToken = 'test-auth-token-12345';
    const publicUrl = 'wss://voice.example.com/media';
    const { conn } = await setup({ signature: { authToken, url: publicUrl } });
    const signature = String(conn.request.headers['x-twilio-signature']);
    expect(twilio.validateRequest(authToken, signature, publicUrl, {})).toBe(true);
    expect(await new TwilioSigner(authToken).validate({ url: publicUrl, signature })).toBe(true);
    expect(twilio.validateRequest('another-token', signature, publicUrl, {})).toBe(false);
    expect(twilio.validateRequest(authToken, signature, 'https://voice.example.com/media', {})).toBe(false);
  });
});

describe('FakeTwilioMediaClient: playback like Twilio', () => {
  it('echoes each mark in order once the audio before it has played', async () => {
    // No silence while draining: the echo bridge would answer every idle frame with more audio.
    const { conn, client } = await setup({ echo: true, silenceWhenIdle: false });
    const playedAtEcho: number[] = [];
    client.onEvent((e) => {
      if (e.type === 'echo') playedAtEcho.push(client.played().length);
    });
    const audio = speechLike({ durationMs: 1000, seed: 9 });
    await client.play(audio);
    await client.waitFor((c) => c.received.marks.length === 50);
    expect(await client.drainPlayback()).toBe(true);
    expect(client.echoed.map((e) => e.name)).toEqual(conn.of('media').map((m) => `c${m.media.chunk}`));
    expect(client.echoed.every((e) => !e.cleared)).toBe(true);
    // Each echo comes exactly when the audio sent before its mark has all played.
    expect(playedAtEcho).toEqual(playedAtEcho.map((_, i) => (i + 1) * 160));
    expect(client.played()).toEqual(audio);
    await conn.until((c) => c.of('mark').length === 50);
    expect(conn.of('mark').map((m) => m.mark.name)).toEqual(client.echoed.map((e) => e.name));
    const sequence = conn.messages.flatMap((m) => ('sequenceNumber' in m ? [Number(m.sequenceNumber)] : []));
    expect(sequence).toEqual(sequence.map((_, i) => i + 1));
  });

  it('echoes a mark at once when nothing is queued, else when its audio ends', async () => {
    const { conn, client } = await setup();
    conn.mark('first');
    await client.waitFor((c) => c.echoed.length === 1);
    expect(client.echoed[0]).toEqual({ name: 'first', atMs: 0, cleared: false });
    conn.media(new Uint8Array(1600).fill(1)); // 200 ms
    conn.mark('after');
    await client.waitFor((c) => c.received.marks.length === 2);
    expect(client.queuedMs).toBe(200);
    expect(client.pendingMarks).toEqual(['after']);
    await client.idle(180);
    expect(client.echoed).toHaveLength(1);
    await client.idle(20);
    expect(client.echoed[1]).toEqual({ name: 'after', atMs: 200, cleared: false });
    expect(client.played()).toEqual(new Uint8Array(1600).fill(1));
  });

  it('clear drops queued audio and echoes every pending mark at once', async () => {
    const { conn, client } = await setup();
    for (const [i, name] of ['m1', 'm2', 'm3'].entries()) {
      conn.media(new Uint8Array(3200).fill(i + 1)); // 400 ms each
      conn.mark(name);
    }
    await client.waitFor((c) => c.received.marks.length === 3);
    await client.idle(500);
    expect(client.echoed.map((e) => e.name)).toEqual(['m1']);
    conn.clear();
    await client.waitFor((c) => c.received.clears.length === 1);
    expect(client.received.clears[0]).toEqual({ atMs: 500, droppedBytes: 9600 - 3200 - 800, marksEchoed: 2 });
    expect(client.echoed).toEqual([
      { name: 'm1', atMs: 400, cleared: false },
      { name: 'm2', atMs: 500, cleared: true },
      { name: 'm3', atMs: 500, cleared: true },
    ]);
    expect(client.queuedMs).toBe(0);
    // The bridge hears both echoes before any further caller audio.
    await conn.until((c) => c.of('mark').length === 3);
    const mediaBefore = conn.of('media').length;
    await client.idle(1000);
    await conn.until((c) => c.of('media').length === mediaBefore + 50);
    const tail = conn.messages.slice(conn.messages.indexOf(conn.of('mark')[1]!));
    expect(tail.slice(0, 2).map((m) => m.event === 'mark' && m.mark.name)).toEqual(['m2', 'm3']);
    // What played: all of m1's audio and the first 100 ms of m2's, nothing after the clear.
    const played = client.played();
    expect(played.length).toBe(4000);
    expect(played.subarray(3200).every((b) => b === 2)).toBe(true);
    conn.media(new Uint8Array(800).fill(9));
    conn.mark('m4');
    await client.waitFor((c) => c.received.marks.length === 4);
    await client.drainPlayback();
    expect(client.echoed.at(-1)).toMatchObject({ name: 'm4', cleared: false });
    expect(client.played().length).toBe(4800);
  });

  it('accelerated mode: the clock moves only with the client own frames', async () => {
    const { conn, client } = await setup({ echo: true, silenceWhenIdle: false });
    const audio = speechLike({ durationMs: 10_000, seed: 2 });
    expect(await client.play(audio)).toBe(500);
    expect(client.clockMs).toBe(10_000);
    await client.waitFor((c) => c.received.marks.length === 500);
    expect(client.clockMs).toBe(10_000); // no frames, no time
    expect(await client.drainPlayback()).toBe(true);
    expect(client.echoed).toHaveLength(500);
    expect(client.played()).toEqual(audio);
    expect(client.clockMs).toBeGreaterThan(10_000);
    expect(client.framesSent).toBe(500);
    expect(conn.of('media')).toHaveLength(500);
  });

  it('real-time mode paces frames and keeps streaming silence when idle', async () => {
    const { conn, client } = await setup({ realtime: true });
    const audio = speechLike({ durationMs: 200, seed: 4 });
    expect(await client.play(audio)).toBe(10);
    await conn.until((c) => c.of('media').length >= 15);
    const media = conn.of('media');
    const start = media.findIndex((m) => m.media.payload.some((b) => b !== 0xff));
    expect(concat(media.slice(start, start + 10).map((m) => m.media.payload))).toEqual(audio);
    expect(media.slice(start + 10).every((m) => m.media.payload.every((b) => b === 0xff))).toBe(true);
    expect(media.map((m) => Number(m.media.chunk))).toEqual(media.map((_, i) => i + 1));
    expect(media.map((m) => Number(m.media.timestamp))).toEqual(media.map((_, i) => i * 20));
  });
});

describe('FakeTwilioMediaClient: protocol errors, waiting and cleanup', () => {
  it('records frames Twilio would reject instead of playing them', async () => {
    const { conn, client } = await setup();
    conn.ws.send(Buffer.from(twilioMarkMessage(conn.streamSid, 'binary')), { binary: true });
    conn.ws.send('{"event":');
    conn.ws.send(twilioMarkMessage('MZ-other', 'x'));
    conn.ws.send(JSON.stringify({ event: 'stop', streamSid: conn.streamSid }));
    conn.ws.send(twilioClearMessage(conn.streamSid));
    await client.waitFor((c) => c.received.clears.length === 1);
    expect(client.protocolErrors).toEqual([
      'binary frame (Twilio warning 31950 Malformed Message)',
      'malformed_json: not valid JSON',
      'mark for unknown streamSid MZ-other',
      'unknown_event: unknown event "stop"',
    ]);
    expect(client.received.marks).toEqual([]);
    expect(client.echoed).toEqual([]);
  });

  it('waitFor resolves at once, times out, and fails when the stream closes', async () => {
    const { conn, client } = await setup();
    await client.waitFor(() => true);
    await expect(client.waitFor(() => false, 30)).rejects.toThrow(/within 30 ms/);
    const pending = client.waitFor((c) => c.echoed.length > 0);
    conn.ws.close(1011, 'bridge failed');
    await expect(pending).rejects.toThrow(/closed/);
    expect(client.closeInfo).toEqual({ code: 1011, reason: 'bridge failed' });
    await client.waitFor((c) => c.closeInfo !== undefined);
  });

  it('rejects a refused upgrade with the error Twilio would log', async () => {
    const bridge = await Bridge.start({ rejectWith: 403 });
    cleanups.push(() => bridge.close());
    const error = await FakeTwilioMediaClient.connect({ url: bridge.url }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FakeTwilioMediaConnectError);
    expect(error).toMatchObject({ twilioErrorCode: 31920, status: 403 });
    const url = bridge.url;
    await bridge.close();
    await expect(FakeTwilioMediaClient.connect({ url })).rejects.toMatchObject({ twilioErrorCode: 31902 });
  });

  it('close leaves no open socket, timer or pending promise', async () => {
    const bridge = await Bridge.start({ echo: true });
    cleanups.push(() => bridge.close());
    const tracker = trackResources();
    const connecting = bridge.next();
    const client = await FakeTwilioMediaClient.connect({ url: bridge.url, realtime: true });
    const conn = await connecting;
    const playing = client.play(speechLike({ durationMs: 5000 }));
    const waiting = client.waitFor(() => false, 60_000).catch((e: unknown) => e);
    const idling = client.idleUntil(() => false, 60_000);
    await conn.until((c) => c.of('media').length >= 3);
    await client.close();
    await conn.until((c) => c.isClosed);
    expect(await playing).toBeLessThan(250);
    expect(await waiting).toBeInstanceOf(Error);
    expect(await idling).toBe(false);
    expect(bridge.wss.clients.size).toBe(0);
    expect(client.isOpen).toBe(false);
    expect(await tracker.leftovers()).toEqual([]);
  });
});
