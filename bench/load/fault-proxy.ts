// A TCP proxy in front of a fake model server that injects faults per connection (refuse the
// handshake, cut the socket mid-call, delay what the model sends) and whole outages, so every
// fault hits one real connection of one call, whatever the fake server behind it is.
import { createServer, type Server, Socket } from 'node:net';

export type ConnectionFault = 'none' | 'refuse' | 'close_mid_call' | 'slow';

export interface FaultProxyOptions {
  /** Port of the fake server on 127.0.0.1. */
  targetPort: number;
  random: () => number;
  rates: { refuse: number; closeMidCall: number; slow: number };
}

export class FaultProxy {
  readonly counts: Record<ConnectionFault | 'outage_refused' | 'outage_dropped', number> = {
    none: 0,
    refuse: 0,
    close_mid_call: 0,
    slow: 0,
    outage_refused: 0,
    outage_dropped: 0,
  };
  /** Outage windows [start, end) in epoch ms (end Infinity while still down). */
  readonly outages: { start: number; end: number }[] = [];
  readonly #server: Server;
  readonly #options: FaultProxyOptions;
  /** Proxied connections (cut by an outage). */
  readonly #open = new Set<Socket>();
  /** Every accepted socket, refused ones included, so close() never waits on a lingering one. */
  readonly #all = new Set<Socket>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #port = 0;

  private constructor(options: FaultProxyOptions) {
    this.#options = options;
    this.#server = createServer((client) => this.#accept(client));
  }

  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const proxy = new FaultProxy(options);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    proxy.#port = (proxy.#server.address() as { port: number }).port;
    return proxy;
  }

  get port(): number {
    return this.#port;
  }

  get down(): boolean {
    return this.outages.at(-1)?.end === Number.POSITIVE_INFINITY;
  }

  /** True when the provider was down by injection at `at`. */
  downAt(at: number): boolean {
    return this.outages.some((o) => at >= o.start && at < o.end);
  }

  /** The provider goes down for `ms`: every open socket is cut, new ones are refused. */
  outage(ms: number): void {
    if (!this.down) this.outages.push({ start: Date.now(), end: Number.POSITIVE_INFINITY });
    for (const socket of this.#open) {
      this.counts.outage_dropped++;
      socket.destroy();
    }
    this.#later(ms, () => {
      const last = this.outages.at(-1);
      if (last && last.end === Number.POSITIVE_INFINITY) last.end = Date.now();
    });
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const socket of this.#all) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
  }

  #accept(client: Socket): void {
    client.on('error', () => client.destroy());
    this.#all.add(client);
    client.on('close', () => this.#all.delete(client));
    if (this.down) {
      this.counts.outage_refused++;
      refuse(client);
      return;
    }
    const { random, rates } = this.#options;
    const x = random();
    const fault: ConnectionFault =
      x < rates.refuse
        ? 'refuse'
        : x < rates.refuse + rates.closeMidCall
          ? 'close_mid_call'
          : x < rates.refuse + rates.closeMidCall + rates.slow
            ? 'slow'
            : 'none';
    this.counts[fault]++;
    if (fault === 'refuse') {
      refuse(client);
      return;
    }
    const upstream = new Socket();
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    this.#open.add(client);
    client.on('close', () => this.#open.delete(client));
    upstream.connect(this.#options.targetPort, '127.0.0.1');
    client.pipe(upstream);
    if (fault === 'slow') {
      const delay = 100 + Math.floor(random() * 200);
      // Same delay for every chunk: timers fire in order, so the byte stream stays intact.
      upstream.on('data', (chunk: Buffer) =>
        this.#later(delay, () => client.writable && client.write(chunk)),
      );
      upstream.on('end', () => this.#later(delay, () => client.end()));
    } else {
      upstream.pipe(client);
    }
    if (fault === 'close_mid_call') {
      this.#later(100 + Math.floor(random() * 1400), () => client.destroy());
    }
  }
}

function refuse(client: Socket): void {
  const body = '{"error":{"type":"server_error","message":"injected outage"}}';
  client.end(
    `HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${body.length}\r\n\r\n${body}`,
  );
}
