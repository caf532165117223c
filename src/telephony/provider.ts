import type { CallStatus } from '../calls/store.js';

/**
 * What the orchestrator needs from a telephony provider. Twilio's REST adapter implements it.
 *
 * @example
 * ```ts
 * import type { TelephonyProvider } from 'steadycall';
 *
 * async function callBack(telephony: TelephonyProvider, to: string): Promise<string> {
 *   const { callSid } = await telephony.createCall({
 *     to,
 *     from: '+14155550100',
 *     voiceUrl: 'https://voice.example.com/twilio-voice',
 *     statusCallbackUrl: 'https://voice.example.com/twilio-status',
 *   });
 *   return callSid;
 * }
 * ```
 */
export interface TelephonyProvider {
  /** Places an outbound call; Twilio then requests `voiceUrl` and posts to `statusCallbackUrl`. */
  createCall(input: CreateCallInput, options?: CallOptions): Promise<CreatedCall>;
  /** Ends a call in progress (or cancels a queued/ringing one). */
  hangUp(callSid: string, options?: CallOptions): Promise<void>;
  /**
   * Replaces what a live call is doing with new TwiML (e.g. a spoken fallback, then hang up).
   * Optional: providers without it fall back to {@link TelephonyProvider.hangUp}.
   */
  redirect?(callSid: string, twiml: string, options?: CallOptions): Promise<void>;
  /** Sends a text message. */
  sendSms(input: SendSmsInput, options?: CallOptions): Promise<SentMessage>;
  /** Cheap authenticated request used by health checks. */
  fetchAccount(options?: CallOptions): Promise<AccountInfo>;
}

/**
 * Per-request options of every {@link TelephonyProvider} method.
 *
 * @example
 * ```ts
 * import type { CallOptions } from 'steadycall';
 *
 * const options: CallOptions = { signal: AbortSignal.timeout(5_000) };
 * await telephony.hangUp(callSid, options);
 * ```
 */
export interface CallOptions {
  /** Aborts the request: the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * What {@link TelephonyProvider.createCall} places.
 *
 * @example
 * ```ts
 * import type { CreateCallInput } from 'steadycall';
 *
 * const input: CreateCallInput = {
 *   to: '+14155550123',
 *   from: '+14155550100',
 *   voiceUrl: 'https://voice.example.com/twilio-voice',
 *   statusCallbackUrl: 'https://voice.example.com/twilio-status',
 *   timeoutSeconds: 30,
 * };
 * ```
 */
export interface CreateCallInput {
  /** The number to call, E.164 (`+14155550123`). */
  to: string;
  /** The caller ID: a number owned by the account, E.164. */
  from: string;
  /** Where Twilio fetches the call's TwiML once it is answered (POST). */
  voiceUrl: string;
  /** Where Twilio posts the call's status events. */
  statusCallbackUrl: string;
  /** Default: initiated, ringing, answered, completed. */
  statusCallbackEvents?: readonly ('initiated' | 'ringing' | 'answered' | 'completed')[];
  /** Seconds to let the call ring before giving up. Default: the provider's (Twilio: 60). */
  timeoutSeconds?: number;
}

/**
 * A call {@link TelephonyProvider.createCall} placed.
 *
 * @example
 * ```ts
 * import type { CreatedCall } from 'steadycall';
 *
 * const created: CreatedCall = await telephony.createCall(input);
 * console.log(`${created.callSid} is ${created.status}`); // e.g. 'queued'
 * ```
 */
export interface CreatedCall {
  /** The provider's call id (Twilio: `CA` + 32 hex digits). */
  callSid: string;
  /** The call's initial status, usually `queued`. */
  status: CallStatus;
}

/**
 * A text message for {@link TelephonyProvider.sendSms}.
 *
 * @example
 * ```ts
 * import type { SendSmsInput } from 'steadycall';
 *
 * const sms: SendSmsInput = { to: '+14155550123', from: '+14155550100', body: 'Sorry we missed you.' };
 * const { messageSid } = await telephony.sendSms(sms);
 * ```
 */
export interface SendSmsInput {
  /** The recipient, E.164. */
  to: string;
  /** The sender: a number owned by the account, E.164. */
  from: string;
  /** The message text. */
  body: string;
  /** Where the provider posts delivery status events. Default: none. */
  statusCallbackUrl?: string;
}

/**
 * A message {@link TelephonyProvider.sendSms} accepted.
 *
 * @example
 * ```ts
 * import type { SentMessage } from 'steadycall';
 *
 * const sent: SentMessage = await telephony.sendSms(sms);
 * console.log(`${sent.messageSid}: ${sent.status}`); // e.g. 'queued'
 * ```
 */
export interface SentMessage {
  /** The provider's message id (Twilio: `SM...`). */
  messageSid: string;
  /** The message's status as the provider reports it, e.g. `queued`. */
  status: string;
}

/**
 * The account, as {@link TelephonyProvider.fetchAccount} reports it for health checks.
 *
 * @example
 * ```ts
 * import type { AccountInfo } from 'steadycall';
 *
 * const account: AccountInfo = await telephony.fetchAccount();
 * if (account.status !== 'active') console.warn(`Twilio account ${account.status}`);
 * ```
 */
export interface AccountInfo {
  /** The account SID (`AC...`). */
  accountSid: string;
  /** The account status, e.g. `active`, `suspended`, `closed`. */
  status: string;
  /** The account's display name, when the provider gives one. */
  friendlyName?: string;
}

/**
 * The part of a circuit breaker the adapters need (CircuitBreaker satisfies it).
 *
 * @example
 * ```ts
 * import { CircuitBreaker, createMemoryStores, type GuardingBreaker, TwilioRestAdapter } from 'steadycall';
 *
 * const stores = createMemoryStores();
 * const breaker: GuardingBreaker = new CircuitBreaker({ provider: 'twilio', store: stores.providerStatus });
 * const telephony = TwilioRestAdapter.fromCredentials({ accountSid, authToken, breaker });
 * ```
 */
export interface GuardingBreaker {
  /**
   * Runs `fn` under the breaker, which passes it a signal aborted on the breaker's timeout.
   *
   * @returns What `fn` resolves with; rejects without calling `fn` while the circuit is open.
   */
  execute<T>(fn: (signal: AbortSignal) => Promise<T>, options?: { signal?: AbortSignal }): Promise<T>;
}
