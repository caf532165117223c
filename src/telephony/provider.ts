import type { CallStatus } from '../calls/store.js';

/** What the orchestrator needs from a telephony provider. Twilio's REST adapter implements it. */
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
  sendSms(input: SendSmsInput, options?: CallOptions): Promise<SentMessage>;
  /** Cheap authenticated request used by health checks. */
  fetchAccount(options?: CallOptions): Promise<AccountInfo>;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface CreateCallInput {
  to: string;
  from: string;
  voiceUrl: string;
  statusCallbackUrl: string;
  /** Default: initiated, ringing, answered, completed. */
  statusCallbackEvents?: readonly ('initiated' | 'ringing' | 'answered' | 'completed')[];
  /** Seconds to let the call ring before giving up. */
  timeoutSeconds?: number;
}

export interface CreatedCall {
  callSid: string;
  status: CallStatus;
}

export interface SendSmsInput {
  to: string;
  from: string;
  body: string;
  statusCallbackUrl?: string;
}

export interface SentMessage {
  messageSid: string;
  status: string;
}

export interface AccountInfo {
  accountSid: string;
  status: string;
  friendlyName?: string;
}

/** The part of a circuit breaker the adapters need (CircuitBreaker satisfies it). */
export interface GuardingBreaker {
  execute<T>(fn: (signal: AbortSignal) => Promise<T>, options?: { signal?: AbortSignal }): Promise<T>;
}
