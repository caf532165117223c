/**
 * The Twilio REST adapter: places calls, hangs up, sends SMS and checks the account through the
 * official `twilio` client, each request guarded by a circuit breaker and a time budget.
 *
 * Timeouts and cancellation: twilio-node's generated resources (`calls.create`, `messages.create`,
 * ...) accept no per-request `AbortSignal` or timeout; the only knob is the client-wide `timeout`
 * option (the axios request timeout and the https.Agent socket timeout, 30 s by default). So each
 * request here is *raced* against `timeoutMs`, the breaker's signal and the caller's signal: the
 * returned promise settles on time, but the HTTP request keeps running until the client's own
 * timeout. A `createCall` that times out here may therefore still place the call; a late success
 * is logged (with its CallSid) so it can be reconciled. {@link TwilioRestAdapter.fromCredentials}
 * sets the client's `timeout` to `timeoutMs` so the socket is torn down at the same moment.
 */

import type { Twilio, ClientOpts as TwilioClientOptions } from 'twilio';
import { callStatusSchema } from '../calls/status.js';
import { type Clock, systemClock, type TimerHandle } from '../core/clock.js';
import { SteadyCallError, TimeoutError, ValidationError } from '../core/errors.js';
import { type Logger, redactingLogger, silentLogger } from '../core/logger.js';
import { redact } from '../core/redact.js';
import type {
  AccountInfo,
  CallOptions,
  CreateCallInput,
  CreatedCall,
  GuardingBreaker,
  SendSmsInput,
  SentMessage,
  TelephonyProvider,
} from './provider.js';
import { mapTwilioError } from './twilio-errors.js';

/**
 * Options of {@link TwilioRestAdapter}.
 *
 * @example
 * ```ts
 * import twilio from 'twilio';
 * import { TwilioRestAdapter, type TwilioRestAdapterOptions } from 'steadycall';
 *
 * const options: TwilioRestAdapterOptions = {
 *   client: twilio(process.env.TWILIO_ACCOUNT_SID, process.env.TWILIO_AUTH_TOKEN, { timeout: 10_000 }),
 *   timeoutMs: 10_000,
 * };
 * const telephony = new TwilioRestAdapter(options);
 * ```
 */
export interface TwilioRestAdapterOptions {
  /** The official client (`twilio(accountSid, authToken)`), or a loader called once on first use. */
  client: Twilio | (() => Promise<Twilio>);
  /** Every REST request goes through `breaker.execute` (e.g. the `twilio` CircuitBreaker). */
  breaker?: GuardingBreaker;
  /** Time budget per request in ms; 0 disables it. Default 10 000. */
  timeoutMs?: number;
  /** Where the adapter logs (e.g. a late success after a timeout). Default: a silent logger. */
  logger?: Logger;
  /** Timer source for `timeoutMs`. Default: the system clock. */
  clock?: Clock;
}

/**
 * Options of {@link TwilioRestAdapter.fromCredentials}.
 *
 * @example
 * ```ts
 * import { TwilioRestAdapter, type TwilioCredentialsOptions } from 'steadycall';
 *
 * const options: TwilioCredentialsOptions = {
 *   accountSid: process.env.TWILIO_ACCOUNT_SID!,
 *   authToken: process.env.TWILIO_AUTH_TOKEN!,
 *   clientOptions: { edge: 'dublin' },
 * };
 * const telephony = TwilioRestAdapter.fromCredentials(options);
 * ```
 */
export interface TwilioCredentialsOptions extends Omit<TwilioRestAdapterOptions, 'client'> {
  /** The Twilio account SID (`AC...`). */
  accountSid: string;
  /** The account's auth token. */
  authToken: string;
  /** Extra options for the official client (`edge`, `region`, `keepAlive`, ...). */
  clientOptions?: TwilioClientOptions;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_STATUS_EVENTS = ['initiated', 'ringing', 'answered', 'completed'] as const;
const CALL_SID = /^CA[0-9a-fA-F]{32}$/;

/**
 * {@link TelephonyProvider} backed by Twilio's REST API through the official `twilio` client.
 * Errors are mapped with {@link mapTwilioError}; an abort by the caller's signal rejects with the
 * signal's reason, unmapped (as `fetch` does).
 *
 * @example
 * ```ts
 * import twilio from 'twilio';
 * const breaker = new CircuitBreaker({ provider: 'twilio', store });
 * const telephony = new TwilioRestAdapter({ client: twilio(sid, token, { timeout: 10_000 }), breaker });
 * const { callSid } = await telephony.createCall({
 *   to: '+14155550123',
 *   from: '+14155550100',
 *   voiceUrl: 'https://voice.example.com/twilio/voice',
 *   statusCallbackUrl: 'https://voice.example.com/twilio/status',
 * });
 * ```
 */
export class TwilioRestAdapter implements TelephonyProvider {
  readonly #source: Twilio | (() => Promise<Twilio>);
  #loading: Promise<Twilio> | undefined;
  readonly #breaker: GuardingBreaker | undefined;
  readonly #timeoutMs: number;
  readonly #logger: Logger;
  readonly #clock: Clock;

  constructor(options: TwilioRestAdapterOptions) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      throw new ValidationError('Invalid TwilioRestAdapter options', [
        { path: 'timeoutMs', message: 'must be a number >= 0' },
      ]);
    }
    this.#source = options.client;
    this.#breaker = options.breaker;
    this.#timeoutMs = timeoutMs;
    // Phone numbers masked, as in every steadycall log line.
    this.#logger = redactingLogger(options.logger ?? silentLogger, redact);
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Builds an adapter whose official client is created on first use, through a dynamic
   * `import('twilio')`, so `twilio` stays an optional peer dependency.
   *
   * @example
   * ```ts
   * const telephony = TwilioRestAdapter.fromCredentials({
   *   accountSid: process.env.TWILIO_ACCOUNT_SID!,
   *   authToken: process.env.TWILIO_AUTH_TOKEN!,
   *   breaker,
   * });
   * ```
   */
  static fromCredentials(options: TwilioCredentialsOptions): TwilioRestAdapter {
    const { accountSid, authToken, clientOptions, ...rest } = options;
    const timeoutMs = rest.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const load = async (): Promise<Twilio> => {
      const { default: twilio } = await import('twilio');
      // The client's own timeout tears the socket down when ours gives up (see the file comment).
      return twilio(accountSid, authToken, {
        ...(timeoutMs > 0 ? { timeout: timeoutMs } : {}),
        ...clientOptions,
      });
    };
    return new TwilioRestAdapter({ ...rest, client: load });
  }

  /** Places an outbound call; resolves with Twilio's CallSid and initial status. */
  async createCall(input: CreateCallInput, options?: CallOptions): Promise<CreatedCall> {
    const call = await this.#request('createCall', options, (client) =>
      client.calls.create({
        to: input.to,
        from: input.from,
        url: input.voiceUrl,
        method: 'POST',
        statusCallback: input.statusCallbackUrl,
        statusCallbackMethod: 'POST',
        statusCallbackEvent: [...(input.statusCallbackEvents ?? DEFAULT_STATUS_EVENTS)],
        ...(input.timeoutSeconds === undefined ? {} : { timeout: input.timeoutSeconds }),
      }),
    );
    const status = callStatusSchema.safeParse(call.status);
    return { callSid: call.sid, status: status.success ? status.data : 'queued' };
  }

  /** Ends the call (`Status=completed`), whatever state it is in. */
  async hangUp(callSid: string, options?: CallOptions): Promise<void> {
    // Checked here so a malformed sid is a caller error, not a request the breaker would count.
    if (!CALL_SID.test(callSid)) {
      throw new ValidationError('Invalid CallSid', [
        { path: 'callSid', message: 'must be CA + 32 hex digits' },
      ]);
    }
    await this.#request('hangUp', options, (client) => client.calls(callSid).update({ status: 'completed' }));
  }

  /** Replaces the live call's TwiML (Twilio then runs it, e.g. `<Say>` then `<Hangup/>`). */
  async redirect(callSid: string, twiml: string, options?: CallOptions): Promise<void> {
    if (!CALL_SID.test(callSid)) {
      throw new ValidationError('Invalid CallSid', [
        { path: 'callSid', message: 'must be CA + 32 hex digits' },
      ]);
    }
    await this.#request('redirect', options, (client) => client.calls(callSid).update({ twiml }));
  }

  /** Sends an SMS; resolves with the MessageSid and Twilio's initial status. */
  async sendSms(input: SendSmsInput, options?: CallOptions): Promise<SentMessage> {
    const message = await this.#request('sendSms', options, (client) =>
      client.messages.create({
        to: input.to,
        from: input.from,
        body: input.body,
        ...(input.statusCallbackUrl === undefined ? {} : { statusCallback: input.statusCallbackUrl }),
      }),
    );
    return { messageSid: message.sid, status: String(message.status) };
  }

  /** Fetches the client's own account: a cheap authenticated request for health checks. */
  async fetchAccount(options?: CallOptions): Promise<AccountInfo> {
    const account = await this.#request('fetchAccount', options, (client) =>
      client.api.v2010.accounts(client.accountSid).fetch(),
    );
    return {
      accountSid: account.sid,
      status: String(account.status),
      ...(account.friendlyName ? { friendlyName: account.friendlyName } : {}),
    };
  }

  async #request<T extends object>(
    operation: string,
    options: CallOptions | undefined,
    send: (client: Twilio) => Promise<T>,
  ): Promise<T> {
    const callerSignal = options?.signal;
    if (callerSignal?.aborted) throw abortReason(callerSignal);
    // Loaded outside the breaker: a missing `twilio` package says nothing about Twilio's health.
    const client = await this.#client();
    const attempt = (breakerSignal: AbortSignal | undefined) =>
      this.#race(operation, () => send(client), [breakerSignal, callerSignal]);
    if (this.#breaker === undefined) return attempt(undefined);
    return this.#breaker.execute(
      (signal) => attempt(signal),
      callerSignal ? { signal: callerSignal } : undefined,
    );
  }

  #client(): Promise<Twilio> {
    if (typeof this.#source !== 'function') return Promise.resolve(this.#source);
    const loader = this.#source;
    this.#loading ??= loader().catch((error: unknown) => {
      this.#loading = undefined; // let a later call try again
      const message = "Could not load the 'twilio' package (an optional peer dependency)";
      throw new SteadyCallError('internal', message, { cause: error });
    });
    return this.#loading;
  }

  /** Settles with the request, a timeout or an abort, whichever comes first (see the file comment). */
  #race<T extends object>(
    operation: string,
    start: () => Promise<T>,
    signals: readonly (AbortSignal | undefined)[],
  ): Promise<T> {
    const active = signals.filter((s): s is AbortSignal => s !== undefined);
    const alreadyAborted = active.find((s) => s.aborted);
    if (alreadyAborted) return Promise.reject(abortReason(alreadyAborted));

    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let timer: TimerHandle | undefined;
      const listeners = new Map<AbortSignal, () => void>();
      const finish = (): boolean => {
        if (settled) return false;
        settled = true;
        if (timer !== undefined) this.#clock.clearTimeout(timer);
        for (const [signal, listener] of listeners) signal.removeEventListener('abort', listener);
        return true;
      };

      for (const signal of active) {
        const listener = () => {
          if (finish()) reject(abortReason(signal));
        };
        listeners.set(signal, listener);
        signal.addEventListener('abort', listener, { once: true });
      }
      if (this.#timeoutMs > 0) {
        timer = this.#clock.setTimeout(() => {
          if (finish()) reject(new TimeoutError(this.#timeoutMs, `Twilio ${operation}`));
        }, this.#timeoutMs);
      }

      let pending: Promise<T>;
      try {
        pending = start();
      } catch (error) {
        pending = Promise.reject(error);
      }
      pending.then(
        (value) => {
          if (finish()) resolve(value);
          else this.#late(operation, value);
        },
        (error: unknown) => {
          const mapped = mapTwilioError(error, operation);
          if (finish()) reject(mapped);
          else
            this.#logger.debug(
              { operation, code: mapped.code },
              'Twilio request failed after steadycall gave up',
            );
        },
      );
    });
  }

  /** A request that succeeded after we stopped waiting: for createCall a call now exists. */
  #late(operation: string, value: object): void {
    const sid = (value as { sid?: unknown }).sid;
    this.#logger.warn(
      { operation, ...(typeof sid === 'string' ? { sid } : {}) },
      'Twilio request completed after steadycall stopped waiting (timeout or abort); its effect happened',
    );
  }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}
