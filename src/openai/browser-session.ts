/**
 * Server side of the `openai-realtime-session` and `openai-realtime-status` endpoints: lets a
 * browser talk to OpenAI directly without ever seeing the project API key.
 *
 * - Live API (default): the browser sends its WebRTC SDP offer to us; we post it with the session
 *   config to `POST /v1/live/sessions` and hand back OpenAI's SDP answer. The session config, and
 *   which data-channel events the browser may send, stay on the server.
 * - Realtime API (older): we mint a short-lived client secret (`POST /v1/realtime/client_secrets`)
 *   that the browser uses for its own `POST /v1/realtime/calls` SDP exchange.
 *
 * Only Web APIs (`fetch`, `AbortSignal`), so it runs on Node, Deno (Supabase Edge) and workers.
 */

import { type Clock, systemClock, type TimerHandle } from '../core/clock.js';
import {
  isProviderError,
  isSteadyCallError,
  ProviderError,
  TimeoutError,
  ValidationError,
  type ValidationIssue,
} from '../core/errors.js';
import { type Logger, redactingLogger, silentLogger } from '../core/logger.js';
import type { GuardingBreaker } from '../telephony/provider.js';
import { invalidResponseError, mapOpenAiHttpError, networkError, openAiRedactor } from './errors.js';
import type {
  LiveWebRtcSession,
  LiveWebRtcSessionInput,
  OpenAiBrowserSessionsOptions,
  OpenAiRealtimeStatus,
  OpenAiRequestOptions,
  RealtimeClientSecret,
  RealtimeClientSecretInput,
} from './types.js';
import {
  buildLiveSessionRequest,
  buildRealtimeClientSecretRequest,
  clientSecretResponseSchema,
  DEFAULT_LIVE_DATA_CHANNEL_CLIENT_EVENTS,
  liveSessionResponseSchema,
  modelResponseSchema,
  validateSdpOffer,
  validateSessionInput,
} from './wire.js';

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';
const DEFAULT_TIMEOUT_MS = 10_000;
const EVENT_NAME = /^[a-z_]+(\.[a-z_]+)*$/;

type Method = 'GET' | 'POST';

/**
 * Mints browser access to OpenAI's realtime speech models without exposing the API key.
 *
 * @example
 * ```ts
 * const openai = new OpenAiBrowserSessions({
 *   apiKey: process.env.OPENAI_API_KEY ?? '',
 *   breaker: new CircuitBreaker({ provider: 'openai', store }),
 * });
 * // POST /openai-realtime-session, body = the browser's SDP offer
 * const { sdpAnswer } = await openai.createLiveWebRtcSession({ sdpOffer: await req.text() });
 * const response = new Response(sdpAnswer, { headers: { 'content-type': 'application/sdp' } });
 * ```
 */
export class OpenAiBrowserSessions {
  readonly #apiKey: string;
  readonly #fetch: typeof fetch;
  readonly #baseUrl: string;
  readonly #breaker: GuardingBreaker | undefined;
  readonly #timeoutMs: number;
  readonly #liveModel: string;
  readonly #realtimeModel: string;
  readonly #voice: string | undefined;
  readonly #instructions: string | undefined;
  readonly #clientEvents: readonly string[];
  readonly #serverEvents: readonly string[] | undefined;
  readonly #redact: (value: unknown) => unknown;
  readonly #logger: Logger;
  readonly #clock: Clock;

  constructor(options: OpenAiBrowserSessionsOptions) {
    const issues: ValidationIssue[] = [];
    if (typeof options.apiKey !== 'string') issues.push({ path: 'apiKey', message: 'must be a string' });
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      issues.push({ path: 'timeoutMs', message: 'must be a number >= 0' });
    }
    const baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]/.test(baseUrl))
      issues.push({ path: 'baseUrl', message: 'must be an http(s) URL' });
    for (const [path, list] of [
      ['allowedDataChannelEvents', options.allowedDataChannelEvents],
      ['allowedServerDataChannelEvents', options.allowedServerDataChannelEvents],
    ] as const) {
      if (list !== undefined && !(Array.isArray(list) && list.every((e) => EVENT_NAME.test(String(e))))) {
        issues.push({ path, message: 'must be an array of event types like "session.close"' });
      }
    }
    const defaults = options.defaults ?? {};
    try {
      validateSessionInput({ instructions: defaults.instructions, voice: defaults.voice });
    } catch (error) {
      if (error instanceof ValidationError)
        issues.push(...error.issues.map((i) => ({ ...i, path: `defaults.${i.path}` })));
    }
    if (issues.length > 0) throw new ValidationError('Invalid OpenAiBrowserSessions options', issues);

    this.#apiKey = options.apiKey.trim();
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#baseUrl = baseUrl;
    this.#breaker = options.breaker;
    this.#timeoutMs = timeoutMs;
    this.#liveModel = defaults.liveModel ?? 'gpt-live-1';
    this.#realtimeModel = defaults.realtimeModel ?? 'gpt-realtime-2';
    this.#voice = defaults.voice;
    this.#instructions = defaults.instructions;
    this.#clientEvents = [...(options.allowedDataChannelEvents ?? DEFAULT_LIVE_DATA_CHANNEL_CLIENT_EVENTS)];
    this.#serverEvents = options.allowedServerDataChannelEvents && [
      ...options.allowedServerDataChannelEvents,
    ];
    this.#redact = openAiRedactor(this.#apiKey ? [this.#apiKey] : []);
    this.#logger = redactingLogger(options.logger ?? silentLogger, this.#redact);
    this.#clock = options.clock ?? systemClock;
  }

  /** True when an API key was given (its value is never revealed). */
  get apiKeyConfigured(): boolean {
    return this.#apiKey.length > 0;
  }

  /**
   * Live API WebRTC: exchanges the browser's SDP offer for OpenAI's SDP answer.
   *
   * @throws {ValidationError} bad offer or input (no request is made).
   * @throws {ProviderError} OpenAI refused or failed (see `mapOpenAiHttpError`); {@link TimeoutError}.
   * @example
   * ```ts
   * const { sdpAnswer, sessionId } = await openai.createLiveWebRtcSession({ sdpOffer, voice: 'marin' });
   * ```
   */
  async createLiveWebRtcSession(
    input: LiveWebRtcSessionInput,
    options?: OpenAiRequestOptions,
  ): Promise<LiveWebRtcSession> {
    const sdpOffer = validateSdpOffer(input?.sdpOffer);
    validateSessionInput({ instructions: input.instructions, voice: input.voice, metadata: input.metadata });
    this.#requireKey();
    const operation = 'create Live session';
    const body = buildLiveSessionRequest({
      sdpOffer,
      model: this.#liveModel,
      instructions: input.instructions ?? this.#instructions,
      voice: input.voice ?? this.#voice,
      allowedClientEvents: this.#clientEvents,
      allowedServerEvents: this.#serverEvents,
    });
    const answer = await this.#request(operation, 'POST', '/live/sessions', body, options?.signal);
    const parsed = liveSessionResponseSchema.safeParse(answer.json);
    if (!parsed.success) throw invalidResponseError(operation, answer.status, 'no SDP answer or session id');
    const { session, transport } = parsed.data;
    this.#logger.info(
      {
        operation,
        sessionId: session.id,
        model: this.#liveModel,
        ...(input.metadata ? { metadata: input.metadata } : {}),
      },
      'OpenAI Live WebRTC session created',
    );
    return {
      sdpAnswer: transport.sdp,
      sessionId: session.id,
      ...(session.expires_at === undefined ? {} : { expiresAt: session.expires_at }),
    };
  }

  /**
   * Realtime API: mints an ephemeral client secret for the browser.
   *
   * @throws {ValidationError} e.g. `expiresAfterSeconds` outside 10..7200 (no request is made).
   * @throws {ProviderError} OpenAI refused, failed, or answered without a secret; {@link TimeoutError}.
   * @example
   * ```ts
   * const { clientSecret, expiresAt } = await openai.createRealtimeClientSecret({ expiresAfterSeconds: 60 });
   * ```
   */
  async createRealtimeClientSecret(
    input: RealtimeClientSecretInput = {},
    options?: OpenAiRequestOptions,
  ): Promise<RealtimeClientSecret> {
    validateSessionInput(input);
    this.#requireKey();
    const operation = 'create Realtime client secret';
    const body = buildRealtimeClientSecretRequest({
      model: this.#realtimeModel,
      instructions: input.instructions ?? this.#instructions,
      voice: input.voice ?? this.#voice,
      expiresAfterSeconds: input.expiresAfterSeconds,
    });
    const answer = await this.#request(operation, 'POST', '/realtime/client_secrets', body, options?.signal);
    const parsed = clientSecretResponseSchema.safeParse(answer.json);
    if (!parsed.success) throw invalidResponseError(operation, answer.status, 'no client secret');
    const model = parsed.data.session?.model ?? this.#realtimeModel;
    this.#logger.info(
      { operation, model, expiresAt: parsed.data.expires_at },
      'OpenAI Realtime client secret created',
    );
    return { clientSecret: parsed.data.value, expiresAt: parsed.data.expires_at, model };
  }

  /**
   * Reports Realtime availability with a cheap `GET /models/{realtime model}`. Never throws for an
   * upstream problem (it becomes `available: false` with `error`); only the caller's abort rejects.
   *
   * @example
   * ```ts
   * const status = await openai.status(); // { available: true, apiKeyConfigured: true, model: 'gpt-realtime-2', ... }
   * const response = Response.json(status, { status: status.available ? 200 : 503 });
   * ```
   */
  async status(options?: OpenAiRequestOptions): Promise<OpenAiRealtimeStatus> {
    const model = this.#realtimeModel;
    const started = this.#clock.now();
    const base = {
      apiKeyConfigured: this.apiKeyConfigured,
      model,
      checkedAt: new Date(started).toISOString(),
    };
    const operation = 'model status check';
    try {
      this.#requireKey();
      const answer = await this.#request(
        operation,
        'GET',
        `/models/${encodeURIComponent(model)}`,
        undefined,
        options?.signal,
      );
      if (!modelResponseSchema.safeParse(answer.json).success) {
        throw invalidResponseError(operation, answer.status, 'no model id');
      }
      return { ...base, available: true, latencyMs: this.#clock.now() - started };
    } catch (error) {
      if (options?.signal?.aborted) throw error;
      const e = isSteadyCallError(error) ? error : new ProviderError('openai', `OpenAI ${operation} failed`);
      return {
        ...base,
        available: false,
        ...(this.apiKeyConfigured ? { latencyMs: this.#clock.now() - started } : {}),
        error: {
          code: e.code,
          message: String(this.#redact(e.message)),
          retryable: e.retryable,
          ...(isProviderError(e) && e.status !== undefined ? { status: e.status } : {}),
        },
      };
    }
  }

  #requireKey(): void {
    // A configuration problem, not OpenAI's health: thrown before (and outside) the breaker.
    if (!this.apiKeyConfigured) throw notConfigured();
  }

  /** One request through the breaker; resolves with a 2xx answer's parsed JSON, else throws mapped. */
  async #request(
    operation: string,
    method: Method,
    path: string,
    body: unknown,
    callerSignal: AbortSignal | undefined,
  ): Promise<{ status: number; json: unknown }> {
    if (callerSignal?.aborted) throw callerSignal.reason;
    const attempt = (breakerSignal: AbortSignal | undefined) =>
      this.#attempt(operation, method, path, body, [breakerSignal, callerSignal]);
    if (this.#breaker === undefined) return attempt(undefined);
    return this.#breaker.execute(attempt, callerSignal ? { signal: callerSignal } : undefined);
  }

  async #attempt(
    operation: string,
    method: Method,
    path: string,
    body: unknown,
    outer: readonly (AbortSignal | undefined)[],
  ): Promise<{ status: number; json: unknown }> {
    const outside = outer.filter((s): s is AbortSignal => s !== undefined);
    const aborted = outside.find((s) => s.aborted);
    if (aborted) throw aborted.reason;
    const controller = new AbortController();
    let timer: TimerHandle | undefined;
    if (this.#timeoutMs > 0) {
      timer = this.#clock.setTimeout(
        () => controller.abort(new TimeoutError(this.#timeoutMs, `OpenAI ${operation}`)),
        this.#timeoutMs,
      );
    }
    const signal = outside.length > 0 ? AbortSignal.any([controller.signal, ...outside]) : controller.signal;
    // A lost race against an abort: report why we stopped waiting, never the raw fetch error.
    const failure = (error: unknown): unknown => {
      const external = outside.find((s) => s.aborted);
      if (!controller.signal.aborted && external) return external.reason;
      const mapped = controller.signal.aborted
        ? (controller.signal.reason as TimeoutError)
        : networkError(operation, error, this.#redact);
      this.#logger.warn({ operation, code: mapped.code, ...mapped.details }, `OpenAI ${operation} failed`);
      return mapped;
    };
    try {
      let response: Response;
      let text: string;
      try {
        response = await this.#fetch(`${this.#baseUrl}${path}`, {
          method,
          headers: {
            Authorization: `Bearer ${this.#apiKey}`,
            Accept: 'application/json',
            ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          // A redirect would carry the Authorization header to wherever it points.
          redirect: 'error',
          signal,
        });
        text = await response.text();
      } catch (error) {
        throw failure(error);
      }
      if (!response.ok) {
        const mapped = mapOpenAiHttpError(
          operation,
          { status: response.status, headers: response.headers, bodyText: text },
          this.#redact,
        );
        this.#logger.warn({ operation, ...mapped.details }, `OpenAI ${operation} failed`);
        throw mapped;
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw invalidResponseError(operation, response.status, 'body is not JSON');
      }
      return { status: response.status, json };
    } finally {
      if (timer !== undefined) this.#clock.clearTimeout(timer);
    }
  }
}

function notConfigured(): ProviderError {
  return new ProviderError('openai', 'OpenAI API key is not configured', {
    retryable: false,
    httpStatus: 503,
    details: { provider: 'openai', providerCode: 'api_key_missing' },
  });
}
