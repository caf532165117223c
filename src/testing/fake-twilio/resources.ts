import { notFound, type RestResult } from './rest-server.js';
import {
  accountJson,
  callJson,
  isE164,
  messageJson,
  param,
  paramList,
  RestError,
  validateCreateCall,
  validateCreateMessage,
} from './rest-shapes.js';
import { makeSid } from './scheduler.js';
import {
  callbackFor,
  deliverAll,
  isTerminal,
  newIdempotencyToken,
  type ResolvedSimulation,
  resolveSimulation,
  type SimulationHost,
  sendVoice,
  simulateCall,
  statusParams,
  statusWebhooks,
} from './simulation.js';
import type {
  CallSimulationOptions,
  DeliverStatusOptions,
  FakeCall,
  FakeCallStatus,
  FakeMessage,
  FormParams,
  InboundCallOptions,
  StatusCallbackEvent,
  WebhookDelivery,
} from './types.js';

/** What the resources need from the {@link FakeTwilio} that owns them. */
export interface ResourceHost {
  readonly accountSid: string;
  readonly friendlyName: string;
  readonly simulation: SimulationHost;
  autoProgress(): boolean;
  optionsForNewCall(extra: CallSimulationOptions | undefined): ResolvedSimulation;
  /** Registers background work so close() and whenIdle() can wait for it. */
  track<T>(promise: Promise<T>): Promise<T>;
}

interface CallState {
  call: FakeCall;
  options: ResolvedSimulation;
  /** Aborted when the call is ended through the API or the fake closes: stops its simulation. */
  stop: AbortController;
  pending: number;
}

/** The fake's calls and messages, and the REST operations on them. */
export class FakeTwilioResources {
  readonly #host: ResourceHost;
  readonly #calls = new Map<string, CallState>();
  readonly #messages = new Map<string, FakeMessage>();
  readonly #nextCall: CallSimulationOptions[] = [];
  readonly #createdAt = Date.now();

  constructor(host: ResourceHost) {
    this.#host = host;
  }

  get simulationHost(): SimulationHost {
    return this.#host.simulation;
  }

  queueNextCall(options: CallSimulationOptions): void {
    this.#nextCall.push(options);
  }

  get(callSid: string): FakeCall | undefined {
    return this.#calls.get(callSid)?.call;
  }

  snapshot(callSid: string): FakeCall | undefined {
    const call = this.get(callSid);
    return call && { ...call, statusCallbackEvents: [...call.statusCallbackEvents] };
  }

  allCalls(): FakeCall[] {
    return [...this.#calls.keys()].map((sid) => this.snapshot(sid) as FakeCall);
  }

  allMessages(): FakeMessage[] {
    return [...this.#messages.values()].map((m) => ({ ...m }));
  }

  /** Simulations and deliveries still running for a call. */
  pending(callSid: string): number {
    return this.#calls.get(callSid)?.pending ?? 0;
  }

  stopAll(): void {
    for (const state of this.#calls.values()) state.stop.abort();
  }

  fetchAccount(): RestResult {
    return {
      status: 200,
      body: accountJson(this.#host.accountSid, this.#host.friendlyName, this.#createdAt),
    };
  }

  createCall(params: FormParams): RestResult {
    validateCreateCall(params);
    const statusCallback = param(params, 'StatusCallback');
    const events = paramList(params, 'StatusCallbackEvent') as StatusCallbackEvent[];
    const now = Date.now();
    const call: FakeCall = {
      sid: makeSid('CA'),
      accountSid: this.#host.accountSid,
      to: param(params, 'To') ?? '',
      from: param(params, 'From') ?? '',
      direction: 'outbound-api',
      status: 'queued',
      url: param(params, 'Url'),
      twimlParam: param(params, 'Twiml'),
      statusCallback,
      statusCallbackMethod: param(params, 'StatusCallbackMethod')?.toUpperCase() === 'GET' ? 'GET' : 'POST',
      // Without StatusCallbackEvent Twilio reports only the end of the call.
      statusCallbackEvents: events.length > 0 ? events : ['completed'],
      twiml: param(params, 'Twiml'),
      nextSequence: 0,
      durationSec: undefined,
      createdAt: now,
      updatedAt: now,
    };
    const state = this.#add(call, this.#host.optionsForNewCall(this.#nextCall.shift()));
    const body = callJson(call);
    if (this.#host.autoProgress())
      this.#run(state, simulateCall(this.#host.simulation, call, state.options, state.stop.signal));
    return { status: 201, body };
  }

  fetchCall(sid: string): RestResult {
    const state = this.#calls.get(sid);
    if (!state) throw notFound(`/2010-04-01/Accounts/${this.#host.accountSid}/Calls/${sid}.json`);
    return { status: 200, body: callJson(state.call) };
  }

  /** `POST Calls/{Sid}.json`: hang up (`Status`), or redirect (`Url` / `Twiml`). */
  updateCall(sid: string, params: FormParams): RestResult {
    const state = this.#calls.get(sid);
    if (!state) throw notFound(`/2010-04-01/Accounts/${this.#host.accountSid}/Calls/${sid}.json`);
    const { call } = state;
    const status = param(params, 'Status');
    const url = param(params, 'Url');
    const twiml = param(params, 'Twiml');
    if (status !== undefined && status !== 'completed' && status !== 'canceled')
      throw new RestError(400, 20001, "Invalid parameter: Status must be 'completed' or 'canceled'");
    if ((url !== undefined || twiml !== undefined) && isTerminal(call.status))
      throw new RestError(400, 21220, 'Call is not in-progress. Cannot redirect.');
    if (status !== undefined) this.#hangUp(state, status);
    else if (twiml !== undefined) this.#host.simulation.setTwiml(call, twiml);
    else if (url !== undefined) {
      call.url = url;
      if (call.status === 'in-progress')
        this.#run(state, sendVoice(this.#host.simulation, call, url, state.options));
    }
    return { status: 200, body: callJson(call) };
  }

  createMessage(params: FormParams): RestResult {
    validateCreateMessage(params);
    const message: FakeMessage = {
      sid: makeSid('SM'),
      accountSid: this.#host.accountSid,
      to: param(params, 'To') ?? '',
      from: param(params, 'From'),
      body: param(params, 'Body') ?? '',
      status: 'queued',
      createdAt: Date.now(),
    };
    this.#messages.set(message.sid, message);
    return { status: 201, body: messageJson(message) };
  }

  fetchMessage(sid: string): RestResult {
    const message = this.#messages.get(sid);
    if (!message) throw notFound(`/2010-04-01/Accounts/${this.#host.accountSid}/Messages/${sid}.json`);
    return { status: 200, body: messageJson(message) };
  }

  /** Plays out an existing call (one created while `autoProgress` was off). */
  simulate(callSid: string, options: CallSimulationOptions): Promise<void> {
    const state = this.#calls.get(callSid);
    if (!state) return Promise.reject(new Error(`FakeTwilio: unknown call ${callSid}`));
    state.options = resolveSimulation(state.options, options);
    return this.#run(
      state,
      simulateCall(this.#host.simulation, state.call, state.options, state.stop.signal),
    );
  }

  /** Sends one status callback (plus duplicates) for a call; see FakeTwilio.deliverStatus. */
  deliverStatus(
    callSid: string,
    status: FakeCallStatus,
    options: DeliverStatusOptions,
  ): Promise<WebhookDelivery[]> {
    const state = this.#calls.get(callSid);
    if (!state) return Promise.reject(new Error(`FakeTwilio: unknown call ${callSid}`));
    const { call } = state;
    const url = options.url ?? call.statusCallback;
    if (!url) return Promise.reject(new Error(`FakeTwilio: call ${callSid} has no StatusCallback`));
    const resolved = this.#host.optionsForNewCall(options);
    const sequence = options.sequenceNumber ?? call.nextSequence;
    call.nextSequence = Math.max(call.nextSequence, sequence + 1);
    // The fake's own view never leaves a final state, as Twilio's does not.
    if (!isTerminal(call.status)) {
      if (status === 'completed') call.durationSec = options.callDurationSec ?? resolved.durationSec;
      this.#host.simulation.setStatus(call, status);
    }
    const duration = options.callDurationSec ?? call.durationSec ?? resolved.durationSec;
    const params = { ...statusParams(call, status, sequence, duration), ...options.extraParams };
    const token = options.idempotencyToken ?? newIdempotencyToken();
    const webhooks = statusWebhooks(call, url, params, token, sequence, resolved);
    const host = this.#host.simulation;
    return this.#run(state, deliverAll(host, webhooks, resolved, host.closing));
  }

  inbound(options: InboundCallOptions): FakeCall {
    if (!isE164(options.to) || !isE164(options.from))
      throw new Error('FakeTwilio.triggerInboundCall: to and from must be E.164 numbers');
    const now = Date.now();
    const call: FakeCall = {
      sid: makeSid('CA'),
      accountSid: this.#host.accountSid,
      to: options.to,
      from: options.from,
      direction: 'inbound',
      status: 'ringing',
      url: options.voiceUrl,
      twimlParam: undefined,
      statusCallback: options.statusCallbackUrl,
      statusCallbackMethod: 'POST',
      statusCallbackEvents: options.statusCallbackEvents ?? ['completed'],
      twiml: undefined,
      nextSequence: 0,
      durationSec: undefined,
      createdAt: now,
      updatedAt: now,
    };
    const state = this.#add(call, this.#host.optionsForNewCall(options));
    this.#run(state, simulateCall(this.#host.simulation, call, state.options, state.stop.signal));
    return this.snapshot(call.sid) as FakeCall;
  }

  #add(call: FakeCall, options: ResolvedSimulation): CallState {
    const state: CallState = { call, options, stop: new AbortController(), pending: 0 };
    this.#calls.set(call.sid, state);
    return state;
  }

  /** Ends a call through the API: stops its simulation and reports the final status. */
  #hangUp(state: CallState, requested: 'completed' | 'canceled'): void {
    const { call } = state;
    if (isTerminal(call.status)) return;
    // `canceled` only ends calls not yet answered; `completed` ends any call.
    if (requested === 'canceled' && call.status === 'in-progress') return;
    state.stop.abort();
    const final = requested;
    call.durationSec = call.status === 'in-progress' ? state.options.durationSec : 0;
    this.#host.simulation.setStatus(call, final);
    const webhooks = callbackFor(call, final, state.options);
    if (webhooks.length > 0) {
      const host = this.#host.simulation;
      this.#run(state, deliverAll(host, webhooks, state.options, host.closing));
    }
  }

  #run<T>(state: CallState, work: Promise<T>): Promise<T> {
    state.pending++;
    return this.#host.track(
      work.finally(() => {
        state.pending--;
      }),
    );
  }
}
