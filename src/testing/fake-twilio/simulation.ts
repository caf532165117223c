import { API_VERSION, rfc2822 } from './rest-shapes.js';
import { type Scheduler, shuffled } from './scheduler.js';
import type {
  CallSimulationOptions,
  DeliveryOptions,
  FakeCall,
  FakeCallStatus,
  FinalCallStatus,
  StatusCallbackEvent,
  WebhookDelivery,
} from './types.js';
import type { WebhookRequest, WebhookSender } from './webhook-sender.js';

/** Delivery options with every default filled in. */
export type ResolvedSimulation = Required<CallSimulationOptions>;

export const SIMULATION_DEFAULTS: ResolvedSimulation = {
  duplicates: 0,
  shuffle: false,
  concurrent: false,
  delayMs: 0,
  jitterMs: 0,
  retryOn5xx: 0,
  retryDelayMs: 10,
  webhookTimeoutMs: 5000,
  finalStatus: 'completed',
  durationSec: 1,
  startDelayMs: 10,
  whileAnswered: null,
};

/** Later layers override earlier ones; `undefined` never overrides. */
export function resolveSimulation(...layers: (CallSimulationOptions | undefined)[]): ResolvedSimulation {
  const out: Record<string, unknown> = { ...SIMULATION_DEFAULTS };
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer ?? {}))
      if (v !== undefined && k in SIMULATION_DEFAULTS) out[k] = v;
  }
  return out as ResolvedSimulation;
}

/** What a simulation needs from the fake. */
export interface SimulationHost {
  readonly sender: WebhookSender;
  readonly scheduler: Scheduler;
  readonly random: () => number;
  readonly closing: AbortSignal;
  setStatus(call: FakeCall, status: FakeCallStatus): void;
  recordDelivery(delivery: WebhookDelivery): void;
  setTwiml(call: FakeCall, twiml: string): void;
}

const TERMINAL: readonly FakeCallStatus[] = ['completed', 'busy', 'failed', 'no-answer', 'canceled'];

export function isTerminal(status: FakeCallStatus): boolean {
  return TERMINAL.includes(status);
}

/** Which `StatusCallbackEvent` reports a status. */
function eventOf(status: FakeCallStatus): StatusCallbackEvent | undefined {
  if (status === 'initiated' || status === 'ringing') return status;
  if (status === 'in-progress') return 'answered';
  return isTerminal(status) ? 'completed' : undefined;
}

type Step = { type: 'voice' } | { type: 'status'; status: FakeCallStatus };

/** The natural order of a call's events for the way it ends. */
function stepsFor(call: FakeCall, final: FinalCallStatus): Step[] {
  const status = (s: FakeCallStatus): Step => ({ type: 'status', status: s });
  if (call.direction === 'inbound') {
    // Twilio asks for TwiML as soon as an inbound call rings.
    return final === 'completed'
      ? [{ type: 'voice' }, status('in-progress'), status('completed')]
      : [{ type: 'voice' }, status(final)];
  }
  if (final === 'completed')
    return [
      status('initiated'),
      status('ringing'),
      { type: 'voice' },
      status('in-progress'),
      status('completed'),
    ];
  if (final === 'failed') return [status('initiated'), status('failed')];
  return [status('initiated'), status('ringing'), status(final)];
}

/** Common params of every webhook about `call`. */
function baseParams(call: FakeCall): Record<string, string> {
  return {
    AccountSid: call.accountSid,
    ApiVersion: API_VERSION,
    CallSid: call.sid,
    Called: call.to,
    Caller: call.from,
    Direction: call.direction,
    From: call.from,
    To: call.to,
  };
}

/** Params of a status callback reporting `status` with `sequence`. */
export function statusParams(
  call: FakeCall,
  status: FakeCallStatus,
  sequence: number,
  durationSec: number | undefined,
): Record<string, string> {
  const params: Record<string, string> = {
    ...baseParams(call),
    CallStatus: status,
    CallbackSource: 'call-progress-events',
    SequenceNumber: String(sequence),
    Timestamp: rfc2822(Date.now()),
  };
  if (isTerminal(status)) {
    const seconds = status === 'completed' ? (durationSec ?? 0) : 0;
    params.CallDuration = String(seconds);
    params.Duration = String(Math.ceil(seconds / 60));
  }
  return params;
}

/** A status callback ready to send (one per copy). */
export function statusWebhooks(
  call: FakeCall,
  url: string,
  params: Record<string, string>,
  token: string,
  sequence: number,
  options: ResolvedSimulation | Required<DeliveryOptions>,
): WebhookRequest[] {
  return Array.from({ length: 1 + Math.max(0, options.duplicates) }, (_, copy) => ({
    kind: 'status' as const,
    callSid: call.sid,
    method: call.statusCallbackMethod,
    url,
    params,
    idempotencyToken: token,
    sequenceNumber: sequence,
    copy,
    retries: options.retryOn5xx,
    retryDelayMs: options.retryDelayMs,
    timeoutMs: options.webhookTimeoutMs,
  }));
}

/** A new `I-Twilio-Idempotency-Token` value. */
export function newIdempotencyToken(): string {
  return crypto.randomUUID();
}

/**
 * Sends `webhooks` with the configured delay and jitter: in order, shuffled, or all at once.
 * `stop` aborts the waits between deliveries (a request already sent still completes).
 */
export async function deliverAll(
  host: SimulationHost,
  webhooks: readonly WebhookRequest[],
  options: Required<DeliveryOptions>,
  stop: AbortSignal,
): Promise<WebhookDelivery[]> {
  const order = options.shuffle ? shuffled(webhooks, host.random) : [...webhooks];
  const one = async (webhook: WebhookRequest) => {
    const wait = options.delayMs + (options.jitterMs > 0 ? Math.floor(host.random() * options.jitterMs) : 0);
    if (wait > 0) await host.scheduler.sleep(wait, stop);
    return host.sender.send(webhook, (d) => host.recordDelivery(d), host.closing);
  };
  if (options.concurrent) return Promise.all(order.map(one));
  const out: WebhookDelivery[] = [];
  for (const webhook of order) out.push(await one(webhook));
  return out;
}

/**
 * Plays a call out: moves its status through the steps of its `finalStatus`, requests TwiML from
 * its voice URL, and sends the status callbacks it subscribed to. In order (each sent when its
 * step happens) unless `shuffle` or `concurrent`: then the call runs through its steps first and
 * the callbacks arrive afterwards, reordered or all at once, as they do from a congested Twilio.
 */
export async function simulateCall(
  host: SimulationHost,
  call: FakeCall,
  options: ResolvedSimulation,
  stop: AbortSignal,
): Promise<void> {
  if (options.startDelayMs > 0) await host.scheduler.sleep(options.startDelayMs, stop);
  const batched = options.shuffle || options.concurrent;
  const pending: WebhookRequest[] = [];
  for (const step of stepsFor(call, options.finalStatus)) {
    if (stop.aborted || isTerminal(call.status)) break;
    if (step.type === 'voice') {
      if (!batched && options.delayMs + options.jitterMs > 0) {
        await host.scheduler.sleep(options.delayMs + Math.floor(host.random() * options.jitterMs), stop);
      }
      await sendVoice(host, call, call.url, options);
      if (options.whileAnswered && !stop.aborted) await options.whileAnswered({ ...call }, stop);
      continue;
    }
    if (step.status === 'completed') call.durationSec = options.durationSec;
    host.setStatus(call, step.status);
    const webhooks = callbackFor(call, step.status, options);
    if (batched) pending.push(...webhooks);
    else await deliverAll(host, webhooks, options, stop);
  }
  if (pending.length > 0) await deliverAll(host, pending, options, stop);
}

/** The status callback copies for `status`, or none when the call did not subscribe to its event. */
export function callbackFor(
  call: FakeCall,
  status: FakeCallStatus,
  options: ResolvedSimulation,
): WebhookRequest[] {
  const event = eventOf(status);
  if (!call.statusCallback || !event || !call.statusCallbackEvents.includes(event)) return [];
  const sequence = call.nextSequence++;
  const params = statusParams(call, status, sequence, call.durationSec);
  return statusWebhooks(call, call.statusCallback, params, newIdempotencyToken(), sequence, options);
}

/** Requests TwiML from `url` (the voice webhook) and records what the app answered. */
export async function sendVoice(
  host: SimulationHost,
  call: FakeCall,
  url: string | undefined,
  options: ResolvedSimulation,
): Promise<WebhookDelivery | undefined> {
  if (!url) return undefined;
  const params = {
    ...baseParams(call),
    // Outbound calls fetch TwiML once answered; inbound ones while ringing.
    CallStatus: call.direction === 'inbound' ? 'ringing' : 'in-progress',
  };
  const delivery = await host.sender.send(
    {
      kind: 'voice',
      callSid: call.sid,
      method: 'POST',
      url,
      params,
      idempotencyToken: newIdempotencyToken(),
      sequenceNumber: -1,
      copy: 0,
      retries: options.retryOn5xx,
      retryDelayMs: options.retryDelayMs,
      timeoutMs: options.webhookTimeoutMs,
    },
    (d) => host.recordDelivery(d),
    host.closing,
  );
  if (delivery.status >= 200 && delivery.status < 300) host.setTwiml(call, delivery.body);
  return delivery;
}
