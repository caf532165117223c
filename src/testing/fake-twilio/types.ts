import type { CallStatus } from '../../calls/store.js';
import type { Logger } from '../../core/logger.js';

/** Form params as Twilio sends and receives them: a repeated key keeps all its values. */
export type FormParams = Record<string, string | string[]>;

/** Every call status Twilio reports. */
export type FakeCallStatus = CallStatus;

/** How a simulated call ends. */
export type FinalCallStatus = 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled';

/** The `StatusCallbackEvent` values of the Calls API. */
export type StatusCallbackEvent = 'initiated' | 'ringing' | 'answered' | 'completed';

/** How webhooks are delivered to the app. Set on the fake (defaults) or per call. */
export interface DeliveryOptions {
  /** Extra copies of each status callback (same params, same idempotency token). Default 0. */
  duplicates?: number;
  /** Deliver status callbacks (and their duplicates) in a random order from the seeded RNG. */
  shuffle?: boolean;
  /** Send all status callbacks at once instead of one after another (concurrent duplicates). */
  concurrent?: boolean;
  /** Wait before each delivery, in ms. Default 0. */
  delayMs?: number;
  /** Extra random wait in [0, jitterMs) before each delivery, from the seeded RNG. Default 0. */
  jitterMs?: number;
  /**
   * Re-send a webhook that got a 5xx, a timeout or a connection error, up to this many times
   * (Twilio retries on connection failures and, with `#rc=`, on 5xx). Default 0.
   */
  retryOn5xx?: number;
  /** Wait between retries, in ms. Default 10. */
  retryDelayMs?: number;
  /** Give up on a webhook request after this long (Twilio waits 15 s). Default 5000. */
  webhookTimeoutMs?: number;
}

/** How a call created through the REST API (or triggered inbound) plays out. */
export interface CallSimulationOptions extends DeliveryOptions {
  /** Default `'completed'`: answered, TwiML fetched, then hung up. */
  finalStatus?: FinalCallStatus;
  /**
   * Runs while the call is answered, after the voice webhook: the call stays up until it resolves
   * (e.g. until a media stream played its script). Default: hang up at once.
   */
  whileAnswered?: ((call: FakeCall, signal: AbortSignal) => Promise<void>) | null;
  /** `CallDuration` of a completed call, in seconds. Default 1. */
  durationSec?: number;
  /**
   * Wait after answering `POST Calls.json` before the first webhook, so the app can store the
   * call it just created. Default 10.
   */
  startDelayMs?: number;
}

export interface FakeTwilioOptions extends CallSimulationOptions {
  /** Default: a fixed `AC...` test SID. */
  accountSid?: string;
  /** Default: a fixed test token. Requests must authenticate with accountSid:authToken. */
  authToken?: string;
  /** 0 (default) picks a free port. Always listens on 127.0.0.1. */
  port?: number;
  /** Play out each created call's webhooks automatically. Default true. */
  autoProgress?: boolean;
  /** Seed of the RNG behind `shuffle` and `jitterMs`. Default 1. */
  seed?: number;
  /** `friendly_name` of the fake account. */
  friendlyName?: string;
  /** Receives one line per REST request and webhook delivery; phone numbers are masked. */
  logger?: Logger;
}

/** One REST request the fake received, with params as sent (phone numbers unmasked: it is a test log). */
export interface RecordedRequest {
  method: string;
  /** Path without query, e.g. `/2010-04-01/Accounts/AC.../Calls.json`. */
  path: string;
  /** Form body params (POST) or query params (GET). */
  params: FormParams;
  /** HTTP status answered; `null` while hung or unanswered. */
  status: number | null;
  /** Set when an injected fault decided the answer. */
  fault?: 'fail' | 'hang';
  at: number;
}

/** A webhook request the fake sent to the app, and what the app answered. */
export interface WebhookDelivery {
  kind: 'voice' | 'status';
  callSid: string;
  method: 'POST' | 'GET';
  /** The exact URL requested (and signed). */
  url: string;
  params: Record<string, string>;
  /** `X-Twilio-Signature` sent. */
  signature: string;
  /** `I-Twilio-Idempotency-Token` sent; one per event, shared by its duplicates and retries. */
  idempotencyToken: string;
  /** Status callbacks: the event's `SequenceNumber`; voice webhooks: -1. */
  sequenceNumber: number;
  /** 0 for the original, 1.. for the extra copies from `duplicates`. */
  copy: number;
  /** 1 for the first try, 2.. for retries. */
  attempt: number;
  /** HTTP status the app answered; 0 when it did not (timeout or connection error). */
  status: number;
  /** Response body (the TwiML for voice webhooks). */
  body: string;
  error?: 'timeout' | 'connection';
  at: number;
}

/** What the fake knows about a call (a snapshot). */
export interface FakeCall {
  sid: string;
  accountSid: string;
  to: string;
  from: string;
  direction: 'outbound-api' | 'inbound';
  status: FakeCallStatus;
  url: string | undefined;
  twimlParam: string | undefined;
  statusCallback: string | undefined;
  statusCallbackMethod: 'POST' | 'GET';
  statusCallbackEvents: StatusCallbackEvent[];
  /** TwiML the app returned from the last successful voice webhook. */
  twiml: string | undefined;
  /** Next `SequenceNumber` to use for a status callback. */
  nextSequence: number;
  durationSec: number | undefined;
  createdAt: number;
  updatedAt: number;
}

/** A message created through the fake's REST API. */
export interface FakeMessage {
  sid: string;
  accountSid: string;
  to: string;
  from: string | undefined;
  body: string;
  status: 'queued';
  createdAt: number;
}

/** Options of {@link FakeTwilio.deliverStatus}. */
export interface DeliverStatusOptions extends DeliveryOptions {
  /** Default: the call's next sequence number. */
  sequenceNumber?: number;
  /** Default: the call's `StatusCallback`. */
  url?: string;
  /** Default: a new token. Pass one to mimic a redelivery of an earlier event. */
  idempotencyToken?: string;
  /** Default: the call's duration for terminal states. */
  callDurationSec?: number;
  /** Extra params to add (or override). */
  extraParams?: Record<string, string>;
}

/** Options of {@link FakeTwilio.triggerInboundCall}. */
export interface InboundCallOptions extends CallSimulationOptions {
  to: string;
  from: string;
  voiceUrl: string;
  statusCallbackUrl?: string;
  /** Default `['completed']`, as for a phone number's status callback. */
  statusCallbackEvents?: StatusCallbackEvent[];
}
