import { type Agent, createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type TwilioSDK from 'twilio';
import { type Logger, redactingLogger } from '../../core/logger.js';
import { createRedactor } from '../../core/redact.js';
import { TwilioSigner } from '../../telephony/signature.js';
import { FakeTwilioFaults } from './faults.js';
import { createOfficialClient, type FakeClientOptions, type TwilioModule } from './official-client.js';
import { FakeTwilioResources, type ResourceHost } from './resources.js';
import { restListener } from './rest-server.js';
import { CancelledError, Scheduler, seededRandom } from './scheduler.js';
import { isTerminal, resolveSimulation, type SimulationHost } from './simulation.js';
import type {
  CallSimulationOptions,
  DeliverStatusOptions,
  FakeCall,
  FakeCallStatus,
  FakeMessage,
  FakeTwilioOptions,
  InboundCallOptions,
  RecordedRequest,
  WebhookDelivery,
} from './types.js';
import { WebhookSender } from './webhook-sender.js';

/**
 * A fixed test account, so logs and snapshots are stable when no SID is given: the default
 * {@link FakeTwilio.accountSid}.
 *
 * @example
 * ```ts
 * import { FAKE_ACCOUNT_SID, FakeTwilio } from 'steadycall/testing';
 *
 * const fake = await FakeTwilio.start();
 * expect(fake.accountSid).toBe(FAKE_ACCOUNT_SID);
 * ```
 */
export const FAKE_ACCOUNT_SID = 'AC00000000000000000000000000fa4e';
/**
 * A fixed test auth token (32 chars, like a real one): the default {@link FakeTwilio.authToken},
 * so the app under test validates the fake's webhook signatures with it.
 *
 * @example
 * ```ts
 * import { FAKE_AUTH_TOKEN } from 'steadycall/testing';
 *
 * const env = { TWILIO_AUTH_TOKEN: FAKE_AUTH_TOKEN, TWILIO_FROM_NUMBER: '+15005550006' };
 * ```
 */
export const FAKE_AUTH_TOKEN = 'fake-twilio-auth-token-000000000';

/**
 * Decides when {@link FakeTwilio.waitForCall} resolves: called with the call's webhook deliveries
 * so far and its current snapshot, after every change.
 *
 * @example
 * ```ts
 * import type { CallPredicate } from 'steadycall/testing';
 *
 * // Resolve once the app has answered the `ringing` status callback, whatever comes next.
 * const rang: CallPredicate = (deliveries) =>
 *   deliveries.some((d) => d.params.CallStatus === 'ringing' && d.status === 204);
 * await fake.waitForCall(call.sid, rang);
 * ```
 */
export type CallPredicate = (deliveries: readonly WebhookDelivery[], call: FakeCall) => boolean;

/**
 * A loopback Twilio: serves enough of the REST API for the official `twilio` client (create,
 * update and fetch calls, create messages, fetch the account) and plays each call out against
 * your app with signed voice and status webhooks, with duplicates, reordering, delays, retries
 * and injected REST faults. Node only; listens on 127.0.0.1.
 *
 * @example
 * ```ts
 * import { FakeTwilio } from 'steadycall/testing';
 *
 * const fake = await FakeTwilio.start({ duplicates: 1, shuffle: true });
 * const client = fake.client();              // the official twilio client, pointed at the fake
 * const call = await client.calls.create({
 *   to: '+14155550100', from: '+14155550199', url: `${app}/twilio-voice`,
 *   statusCallback: `${app}/twilio-status`,
 *   statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
 * });
 * await fake.waitForCall(call.sid);          // every webhook delivered
 * console.log(fake.callEvents(call.sid).map((d) => [d.params.CallStatus, d.status]));
 * await fake.close();
 * ```
 */
export class FakeTwilio {
  /** The account REST requests must use. Default {@link FAKE_ACCOUNT_SID}. */
  readonly accountSid: string;
  /** REST requests authenticate with it and webhooks are signed with it. Default {@link FAKE_AUTH_TOKEN}. */
  readonly authToken: string;
  /** `http://127.0.0.1:<port>`. */
  readonly baseUrl: string;
  /** REST fault injection: errors, hung requests, latency. */
  readonly faults: FakeTwilioFaults;
  /** Play out created calls automatically (mutable). */
  autoProgress: boolean;
  /** Default simulation and delivery options for new calls (mutable). */
  readonly simulation: CallSimulationOptions;

  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #scheduler: Scheduler;
  readonly #sender: WebhookSender;
  readonly #closing = new AbortController();
  readonly #resources: FakeTwilioResources;
  readonly #requests: RecordedRequest[] = [];
  readonly #deliveries: WebhookDelivery[] = [];
  readonly #tasks = new Set<Promise<unknown>>();
  readonly #waiters = new Set<() => void>();
  readonly #agents = new Set<Agent>();
  readonly #sdk: TwilioModule | undefined;
  readonly #logger: Logger | undefined;

  private constructor(
    server: Server,
    baseUrl: string,
    options: FakeTwilioOptions,
    parts: { scheduler: Scheduler; sdk: TwilioModule | undefined; faults: FakeTwilioFaults },
  ) {
    this.#server = server;
    this.baseUrl = baseUrl;
    this.accountSid = options.accountSid ?? FAKE_ACCOUNT_SID;
    this.authToken = options.authToken ?? FAKE_AUTH_TOKEN;
    this.autoProgress = options.autoProgress ?? true;
    this.simulation = pickSimulation(options);
    this.faults = parts.faults;
    this.#scheduler = parts.scheduler;
    this.#sdk = parts.sdk;
    this.#sender = new WebhookSender(new TwilioSigner(this.authToken), this.#scheduler);
    this.#logger = options.logger
      ? redactingLogger(options.logger, createRedactor({ secrets: [this.authToken] }))
      : undefined;
    const simulationHost: SimulationHost = {
      sender: this.#sender,
      scheduler: this.#scheduler,
      random: seededRandom(options.seed ?? 1),
      closing: this.#closing.signal,
      setStatus: (call, status) => {
        call.status = status;
        call.updatedAt = Date.now();
        this.#notify();
      },
      setTwiml: (call, twiml) => {
        call.twiml = twiml;
        this.#notify();
      },
      recordDelivery: (d) => {
        this.#deliveries.push(d);
        this.#log('fake-twilio webhook', {
          kind: d.kind,
          callSid: d.callSid,
          callStatus: d.params.CallStatus,
          status: d.status,
          attempt: d.attempt,
          copy: d.copy,
        });
        this.#notify();
      },
    };
    const host: ResourceHost = {
      accountSid: this.accountSid,
      friendlyName: options.friendlyName ?? 'steadycall fake account',
      simulation: simulationHost,
      autoProgress: () => this.autoProgress,
      optionsForNewCall: (extra) => resolveSimulation(this.simulation, extra),
      track: (p) => this.#track(p),
    };
    this.#resources = new FakeTwilioResources(host);
    server.on('request', restListener(this.#restBackend()));
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  /**
   * Starts the fake on 127.0.0.1 (a random port unless `options.port`). Loads the optional
   * `twilio` package if installed, for {@link client}.
   */
  static async start(options: FakeTwilioOptions = {}): Promise<FakeTwilio> {
    const sdk = await import('twilio').then(
      (m) => m.default,
      () => undefined,
    );
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const parts = { scheduler: new Scheduler(), sdk, faults: new FakeTwilioFaults() };
    return new FakeTwilio(server, `http://127.0.0.1:${port}`, options, parts);
  }

  /**
   * An official `twilio` client whose requests go to this fake (needs the `twilio` package).
   *
   * @example
   * ```ts
   * const client = fake.client({ timeout: 500 });
   * await client.api.v2010.accounts(fake.accountSid).fetch();
   * ```
   */
  client(options: FakeClientOptions = {}): TwilioSDK.Twilio {
    if (!this.#sdk) throw new Error('FakeTwilio.client() needs the optional `twilio` package installed');
    if (this.#closing.signal.aborted) throw new Error('FakeTwilio is closed');
    const target = { baseUrl: this.baseUrl, accountSid: this.accountSid, authToken: this.authToken };
    return createOfficialClient(this.#sdk, target, options, this.#agents);
  }

  /** REST requests received, oldest first (params as sent). */
  get requests(): readonly RecordedRequest[] {
    return this.#requests;
  }

  /** Number of REST requests received: 0 proves nothing reached "Twilio". */
  get requestCount(): number {
    return this.#requests.length;
  }

  /** Forgets the requests recorded so far, e.g. after a test's setup. */
  clearRequests(): void {
    this.#requests.length = 0;
  }

  /** Every webhook attempt sent, oldest first. */
  get deliveries(): readonly WebhookDelivery[] {
    return this.#deliveries;
  }

  /** Webhook attempts sent for one call, oldest first. */
  callEvents(callSid: string): WebhookDelivery[] {
    return this.#deliveries.filter((d) => d.callSid === callSid);
  }

  /** A snapshot of a call, or undefined. */
  call(callSid: string): FakeCall | undefined {
    return this.#resources.snapshot(callSid);
  }

  /** Snapshots of every call created or triggered, oldest first. */
  get calls(): FakeCall[] {
    return this.#resources.allCalls();
  }

  /** Every message created through the REST API, oldest first. */
  get messages(): FakeMessage[] {
    return this.#resources.allMessages();
  }

  /** Options for the next call(s) created through the REST API, one entry per call, in order. */
  nextCall(options: CallSimulationOptions): this {
    this.#resources.queueNextCall(options);
    return this;
  }

  /** Plays out a call created while `autoProgress` was false. Resolves when its webhooks are done. */
  async simulateCall(callSid: string, options: CallSimulationOptions = {}): Promise<WebhookDelivery[]> {
    await this.#resources.simulate(callSid, options);
    return this.callEvents(callSid);
  }

  /**
   * Sends one status callback (and `duplicates` copies) for a call, e.g. a late or replayed event.
   * Resolves with the last attempt of each copy.
   *
   * @example
   * ```ts
   * await fake.deliverStatus(sid, 'ringing', { sequenceNumber: 1 }); // late, out of order
   * ```
   */
  deliverStatus(
    callSid: string,
    status: FakeCallStatus,
    options: DeliverStatusOptions = {},
  ): Promise<WebhookDelivery[]> {
    return this.#resources.deliverStatus(callSid, status, options);
  }

  /**
   * Simulates a call to one of your numbers: requests TwiML from `voiceUrl` (CallStatus
   * `ringing`, Direction `inbound`), then sends the status callbacks. Returns the call at once;
   * use {@link waitForCall} to wait for its webhooks.
   */
  triggerInboundCall(options: InboundCallOptions): FakeCall {
    return this.#resources.inbound(options);
  }

  /**
   * Resolves with the call's deliveries once `predicate` holds (default: the call ended and all of
   * its webhooks were delivered). Rejects after `timeoutMs` (default 5000).
   */
  async waitForCall(
    callSid: string,
    predicate?: CallPredicate,
    timeoutMs = 5000,
  ): Promise<WebhookDelivery[]> {
    const test =
      predicate ?? ((_d, call) => isTerminal(call.status) && this.#resources.pending(callSid) === 0);
    const check = () => {
      const call = this.#resources.snapshot(callSid);
      return call !== undefined && test(this.callEvents(callSid), call);
    };
    await this.#until(check, timeoutMs, () => {
      const seen = this.callEvents(callSid).map((d) => `${d.kind}:${d.params.CallStatus}->${d.status}`);
      return `call ${callSid} (status ${this.call(callSid)?.status ?? 'unknown'}; seen ${seen.join(', ')})`;
    });
    return this.callEvents(callSid);
  }

  /** Resolves when no simulation or delivery is running. */
  async whenIdle(timeoutMs = 5000): Promise<void> {
    await this.#until(
      () => this.#tasks.size === 0,
      timeoutMs,
      () => `${this.#tasks.size} tasks still running`,
    );
  }

  /** True until {@link close}. */
  get listening(): boolean {
    return this.#server.listening;
  }

  /** Timers the fake is waiting on (delays, retries, waits); 0 after close. */
  get pendingTimers(): number {
    return this.#scheduler.pending;
  }

  /** Open REST connections plus webhook requests in flight; 0 after close. */
  get openSockets(): number {
    return this.#sockets.size + this.#sender.inFlight;
  }

  /** Stops everything: pending deliveries, timers, hung requests, sockets and the server. */
  async close(): Promise<void> {
    if (this.#closing.signal.aborted) return;
    this.#closing.abort(new CancelledError());
    this.#resources.stopAll();
    this.#scheduler.cancelAll();
    this.#sender.close();
    this.faults.releaseHung();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    // Destroyed sockets report 'close' asynchronously: wait, so openSockets is 0 on return.
    const socketsClosed = [...this.#sockets].map(
      (socket) => new Promise<void>((resolve) => socket.once('close', () => resolve()).destroy()),
    );
    for (const agent of this.#agents) agent.destroy();
    await Promise.allSettled([...this.#tasks, ...socketsClosed]);
    await closed;
  }

  /** Same as {@link close}, for `await using fake = await FakeTwilio.start()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    const settled = promise.finally(() => {
      this.#tasks.delete(settled);
      this.#notify();
    });
    this.#tasks.add(settled);
    // Background tasks stop with a CancelledError on close(); callers awaiting still see it.
    settled.catch(() => {});
    return settled;
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  async #until(check: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
    if (check()) return;
    const stop = new AbortController();
    const met = new Promise<void>((resolve) => {
      const waiter = () => {
        if (!check()) return;
        this.#waiters.delete(waiter);
        stop.abort();
        resolve();
      };
      this.#waiters.add(waiter);
      stop.signal.addEventListener('abort', () => this.#waiters.delete(waiter), { once: true });
    });
    const timeout = this.#scheduler.sleep(timeoutMs, stop.signal).then(() => {
      throw new Error(`FakeTwilio: timed out after ${timeoutMs} ms waiting for ${describe()}`);
    });
    try {
      await Promise.race([met, timeout]);
    } finally {
      stop.abort();
      timeout.catch(() => {});
    }
  }

  #log(message: string, fields: Record<string, unknown>): void {
    this.#logger?.debug(fields, message);
  }

  #restBackend() {
    const resources = this.#resources;
    return {
      accountSid: this.accountSid,
      authToken: this.authToken,
      faults: this.faults,
      scheduler: this.#scheduler,
      closing: this.#closing.signal,
      record: (r: RecordedRequest) => this.#requests.push(r),
      log: (message: string, fields: Record<string, unknown>) => this.#log(message, fields),
      fetchAccount: () => resources.fetchAccount(),
      createCall: resources.createCall.bind(resources),
      fetchCall: resources.fetchCall.bind(resources),
      updateCall: resources.updateCall.bind(resources),
      createMessage: resources.createMessage.bind(resources),
      fetchMessage: resources.fetchMessage.bind(resources),
    };
  }
}

function pickSimulation(options: FakeTwilioOptions): CallSimulationOptions {
  const { accountSid, authToken, port, autoProgress, seed, friendlyName, logger, ...simulation } = options;
  return simulation;
}
