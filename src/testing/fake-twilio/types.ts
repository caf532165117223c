import type { CallStatus } from '../../calls/store.js';
import type { Logger } from '../../core/logger.js';

/**
 * Form params as Twilio sends and receives them: a repeated key keeps all its values.
 *
 * @example
 * ```ts
 * import type { FormParams } from 'steadycall/testing';
 *
 * const params: FormParams = { To: '+14155550100', StatusCallbackEvent: ['initiated', 'completed'] };
 * ```
 */
export type FormParams = Record<string, string | string[]>;

/**
 * Every call status Twilio reports (`queued`, `ringing`, `in-progress`, `completed`, ...).
 *
 * @example
 * ```ts
 * import type { FakeCallStatus } from 'steadycall/testing';
 *
 * const late: FakeCallStatus = 'ringing';
 * await fake.deliverStatus(callSid, late, { sequenceNumber: 1 });
 * ```
 */
export type FakeCallStatus = CallStatus;

/**
 * How a simulated call ends.
 *
 * @example
 * ```ts
 * import { FakeTwilio, type FinalCallStatus } from 'steadycall/testing';
 *
 * const outcome: FinalCallStatus = 'no-answer';
 * const fake = await FakeTwilio.start({ finalStatus: outcome });
 * ```
 */
export type FinalCallStatus = 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled';

/**
 * The `StatusCallbackEvent` values of the Calls API: which status changes a call reports.
 *
 * @example
 * ```ts
 * import type { StatusCallbackEvent } from 'steadycall/testing';
 *
 * const events: StatusCallbackEvent[] = ['initiated', 'ringing', 'answered', 'completed'];
 * await client.calls.create({ to, from, url, statusCallback, statusCallbackEvent: events });
 * ```
 */
export type StatusCallbackEvent = 'initiated' | 'ringing' | 'answered' | 'completed';

/**
 * How webhooks are delivered to the app. Set on the fake (defaults) or per call.
 *
 * @example
 * ```ts
 * import { FakeTwilio, type DeliveryOptions } from 'steadycall/testing';
 *
 * // Twilio on a bad day: every status callback three times, shuffled, concurrent, retried on 5xx.
 * const rough: DeliveryOptions = { duplicates: 2, shuffle: true, concurrent: true, retryOn5xx: 2 };
 * const fake = await FakeTwilio.start(rough);
 * ```
 */
export interface DeliveryOptions {
  /** Extra copies of each status callback (same params, same idempotency token). Default 0. */
  duplicates?: number;
  /** Deliver status callbacks (and their duplicates) in a random order from the seeded RNG. Default false. */
  shuffle?: boolean;
  /**
   * Send all status callbacks at once instead of one after another (concurrent duplicates).
   * Default false.
   */
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

/**
 * How a call created through the REST API (or triggered inbound) plays out.
 *
 * @example
 * ```ts
 * import type { CallSimulationOptions } from 'steadycall/testing';
 *
 * const busy: CallSimulationOptions = { finalStatus: 'busy', duplicates: 1 };
 * fake.nextCall(busy); // the next call created through the REST API is busy
 * ```
 */
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

/**
 * Options of {@link FakeTwilio.start}: the fake account, and the default {@link CallSimulationOptions}
 * of every call.
 *
 * @example
 * ```ts
 * import { FakeTwilio, type FakeTwilioOptions } from 'steadycall/testing';
 *
 * const options: FakeTwilioOptions = { seed: 7, duplicates: 1, shuffle: true, autoProgress: false };
 * const fake = await FakeTwilio.start(options);
 * ```
 */
export interface FakeTwilioOptions extends CallSimulationOptions {
  /** The account SID. Default: {@link FAKE_ACCOUNT_SID}, a fixed `AC...` test SID. */
  accountSid?: string;
  /**
   * The auth token webhooks are signed with. Default: {@link FAKE_AUTH_TOKEN}. REST requests must
   * authenticate with accountSid:authToken.
   */
  authToken?: string;
  /** 0 (default) picks a free port. Always listens on 127.0.0.1. */
  port?: number;
  /** Play out each created call's webhooks automatically. Default true. */
  autoProgress?: boolean;
  /** Seed of the RNG behind `shuffle` and `jitterMs`. Default 1. */
  seed?: number;
  /** `friendly_name` of the fake account. Default `'steadycall fake account'`. */
  friendlyName?: string;
  /** Receives one line per REST request and webhook delivery; phone numbers are masked. */
  logger?: Logger;
}

/**
 * One REST request the fake received, with params as sent (phone numbers unmasked: it is a test log).
 *
 * @example
 * ```ts
 * import type { RecordedRequest } from 'steadycall/testing';
 *
 * const creates: RecordedRequest[] = fake.requests.filter(
 *   (r) => r.method === 'POST' && r.path.endsWith('/Calls.json'),
 * );
 * expect(creates).toHaveLength(1); // retried, but placed once
 * ```
 */
export interface RecordedRequest {
  /** HTTP method, e.g. `POST`. */
  method: string;
  /** Path without query, e.g. `/2010-04-01/Accounts/AC.../Calls.json`. */
  path: string;
  /** Form body params (POST) or query params (GET). */
  params: FormParams;
  /** HTTP status answered; `null` while hung or unanswered. */
  status: number | null;
  /** Set when an injected fault decided the answer. */
  fault?: 'fail' | 'hang';
  /** When it arrived (epoch ms). */
  at: number;
}

/**
 * A webhook request the fake sent to the app, and what the app answered.
 *
 * @example
 * ```ts
 * import type { WebhookDelivery } from 'steadycall/testing';
 *
 * const deliveries: WebhookDelivery[] = await fake.waitForCall(call.sid);
 * for (const d of deliveries) console.log(d.kind, d.params.CallStatus, d.copy, d.attempt, d.status);
 * ```
 */
export interface WebhookDelivery {
  /** The voice webhook (TwiML request) or a status callback. */
  kind: 'voice' | 'status';
  /** The call it is about. */
  callSid: string;
  /** HTTP method used (status callbacks follow the call's `StatusCallbackMethod`). */
  method: 'POST' | 'GET';
  /** The exact URL requested (and signed). */
  url: string;
  /** The params sent (form body for POST, query for GET). */
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
  /** Why there was no answer (`status` 0): the request timed out or the connection failed. */
  error?: 'timeout' | 'connection';
  /** When the attempt finished (epoch ms). */
  at: number;
}

/**
 * What the fake knows about a call (a snapshot).
 *
 * @example
 * ```ts
 * import type { FakeCall } from 'steadycall/testing';
 *
 * const call: FakeCall | undefined = fake.call(callSid);
 * expect(call).toMatchObject({ direction: 'outbound-api', status: 'completed' });
 * expect(call?.twiml).toContain('<Stream');
 * ```
 */
export interface FakeCall {
  /** The call SID (`CA...`). */
  sid: string;
  /** The account that owns it. */
  accountSid: string;
  /** The number called (E.164). */
  to: string;
  /** The caller ID (E.164). */
  from: string;
  /** `outbound-api` if created through the REST API, `inbound` from {@link FakeTwilio.triggerInboundCall}. */
  direction: 'outbound-api' | 'inbound';
  /** The current status. */
  status: FakeCallStatus;
  /** The voice webhook URL (`Url`), if any. */
  url: string | undefined;
  /** Inline TwiML given at creation (`Twiml`), if any. */
  twimlParam: string | undefined;
  /** Where status callbacks go (`StatusCallback`), if anywhere. */
  statusCallback: string | undefined;
  /** Method of the status callbacks. Default `POST`. */
  statusCallbackMethod: 'POST' | 'GET';
  /** The status changes the call reports (`StatusCallbackEvent`). Default `['completed']`. */
  statusCallbackEvents: StatusCallbackEvent[];
  /** TwiML the app returned from the last successful voice webhook. */
  twiml: string | undefined;
  /** Next `SequenceNumber` to use for a status callback. */
  nextSequence: number;
  /** `CallDuration` in seconds, once the call ended. */
  durationSec: number | undefined;
  /** When it was created (epoch ms). */
  createdAt: number;
  /** When its status or TwiML last changed (epoch ms). */
  updatedAt: number;
}

/**
 * A message created through the fake's REST API.
 *
 * @example
 * ```ts
 * import type { FakeMessage } from 'steadycall/testing';
 *
 * await fake.client().messages.create({ to: '+14155550100', from: '+14155550199', body: 'Hi' });
 * const [sms]: FakeMessage[] = fake.messages;
 * expect(sms).toMatchObject({ body: 'Hi', status: 'queued' });
 * ```
 */
export interface FakeMessage {
  /** The message SID (`SM...`). */
  sid: string;
  /** The account that sent it. */
  accountSid: string;
  /** The recipient (E.164). */
  to: string;
  /** The sender, when given as `From` (not when sent through a messaging service). */
  from: string | undefined;
  /** The text. */
  body: string;
  /** Always `queued`: the fake never delivers it. */
  status: 'queued';
  /** When it was created (epoch ms). */
  createdAt: number;
}

/**
 * Options of {@link FakeTwilio.deliverStatus}.
 *
 * @example
 * ```ts
 * import type { DeliverStatusOptions } from 'steadycall/testing';
 *
 * const ringing = fake.callEvents(sid).find((d) => d.params.CallStatus === 'ringing');
 * const replay: DeliverStatusOptions = { sequenceNumber: 1, idempotencyToken: ringing?.idempotencyToken };
 * await fake.deliverStatus(sid, 'ringing', replay); // a late redelivery of the same event
 * ```
 */
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

/**
 * Options of {@link FakeTwilio.triggerInboundCall}.
 *
 * @example
 * ```ts
 * import type { InboundCallOptions } from 'steadycall/testing';
 *
 * const options: InboundCallOptions = {
 *   to: '+14155550199', from: '+14155550100',
 *   voiceUrl: `${app}/twilio-voice`, statusCallbackUrl: `${app}/twilio-status`,
 * };
 * await fake.waitForCall(fake.triggerInboundCall(options).sid);
 * ```
 */
export interface InboundCallOptions extends CallSimulationOptions {
  /** Your number being called (E.164). */
  to: string;
  /** The caller (E.164). */
  from: string;
  /** Your voice webhook: asked for TwiML while the call rings. */
  voiceUrl: string;
  /** Where status callbacks go. Default: none are sent. */
  statusCallbackUrl?: string;
  /** Default `['completed']`, as for a phone number's status callback. */
  statusCallbackEvents?: StatusCallbackEvent[];
}
