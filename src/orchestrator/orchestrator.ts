import { CircuitBreaker } from '../breaker/breaker.js';
import { defaultClassifier } from '../breaker/classify.js';
import { invokeWithTimeout } from '../breaker/invoke.js';
import type { ProviderStatus } from '../breaker/types.js';
import type { CallRecord, CallStatus, StatusApplyResult, StatusSummary } from '../calls/store.js';
import { type Clock, systemClock } from '../core/clock.js';
import {
  FeatureDisabledError,
  IdempotencyConflictError,
  IdempotencyKeyReuseError,
  isCircuitOpenError,
  ProviderError,
  SignatureError,
  ValidationError,
} from '../core/errors.js';
import { type IdGenerator, randomId } from '../core/ids.js';
import { type Logger, redactingLogger, silentLogger } from '../core/logger.js';
import { createRedactor, maskPhone } from '../core/redact.js';
import { AI_PROVIDERS, type AiProvider, type ProviderName } from '../core/types.js';
import { parseWith } from '../core/validate.js';
import { VERSION } from '../core/version.js';
import { type RunbookFlags, runbookFlags } from '../flags/catalog.js';
import { chooseAiProvider } from '../flags/choose-provider.js';
import type { FlagDefinitions } from '../flags/define.js';
import type { EvaluationContext } from '../flags/evaluate.js';
import { FlagResolver } from '../flags/resolver.js';
import {
  geminiHealthCheck,
  openAiHealthCheck,
  storeHealthCheck,
  twilioHealthCheck,
} from '../health/checks.js';
import { HealthRunner, liveness } from '../health/runner.js';
import type { HealthReport } from '../health/types.js';
import { fingerprintPayload } from '../idempotency/fingerprint.js';
import { IDEMPOTENCY_DEFAULTS, Idempotency } from '../idempotency/idempotency.js';
import { twilioWebhookIdempotencyKey } from '../idempotency/keys.js';
import { IncidentRecorder } from '../incidents/recorder.js';
import type { Incident, IncidentQuery } from '../incidents/store.js';
import type { SteadyCallStores } from '../storage/memory/index.js';
import { TwilioSigner } from '../telephony/signature.js';
import { fallbackTwiml, streamTwiml } from '../telephony/twiml.js';
import type { StatusWebhook, VoiceWebhook } from '../telephony/webhooks.js';
import {
  type BrowserSessionInput,
  browserSessionInputSchema,
  type SmsRequest,
  type StartCallInput,
  sendSmsInputSchema,
  startCallInputSchema,
} from './inputs.js';
import { type CallOrchestratorOptions, defaultEndpointPaths, type EndpointPaths } from './options.js';
import { StreamTokens } from './stream-token.js';

const DEFAULT_FALLBACK = 'Sorry, our assistant is unavailable right now. Please try again later.';
/** Budget of the fallback redirect made while the twilio circuit is open. */
const FALLBACK_REDIRECT_TIMEOUT_MS = 3000;
const NOTIFY_STATUSES: Partial<Record<CallStatus, 'warning'>> = {
  failed: 'warning',
  busy: 'warning',
  'no-answer': 'warning',
};

/**
 * Result of {@link CallOrchestrator.startCall}.
 *
 * @example
 * ```ts
 * import type { StartCallResult } from 'steadycall';
 *
 * const result: StartCallResult = await orchestrator.startCall({ to: '+14155550123' }, { idempotencyKey });
 * const status = result.replayed ? 200 : 201;
 * const response = Response.json({ callId: result.call.id, callSid: result.call.callSid }, { status });
 * ```
 */
export interface StartCallResult {
  /** The call record (as first created, when replayed). */
  call: CallRecord;
  /** True when an earlier request with the same `Idempotency-Key` created the call. */
  replayed: boolean;
}

/**
 * Result of {@link CallOrchestrator.handleVoiceWebhook}.
 *
 * @example
 * ```ts
 * import { voiceWebhookSchema, type VoiceWebhookResult } from 'steadycall';
 *
 * const result: VoiceWebhookResult = await orchestrator.handleVoiceWebhook(voiceWebhookSchema.parse(params));
 * if (result.provider === null) console.warn(`call ${result.callId} got the fallback`);
 * const response = new Response(result.twiml, { headers: { 'content-type': 'text/xml' } });
 * ```
 */
export interface VoiceWebhookResult {
  /** The TwiML to answer with: `<Connect><Stream>`, or the fallback. */
  twiml: string;
  /** The AI provider chosen for the call; null when the fallback was served. */
  provider: AiProvider | null;
  /** Our id of the call (created for an inbound call seen for the first time). */
  callId: string;
}

/**
 * Result of {@link CallOrchestrator.handleStatusWebhook}.
 *
 * @example
 * ```ts
 * import type { StatusWebhookResult } from 'steadycall';
 *
 * const result: StatusWebhookResult = await orchestrator.handleStatusWebhook(event, request.headers);
 * if (!result.applied) console.log(`status ignored: ${result.reason}`); // e.g. 'stale_sequence'
 * ```
 */
export interface StatusWebhookResult {
  /** Whether the callback changed the call. */
  applied: boolean;
  /** The call's status afterwards; null when the call is unknown. */
  status: CallStatus | null;
  /** Why it was not applied: `not_found`, `terminal`, `stale_sequence` or `not_forward`. */
  reason?: string;
  /** True when this was a duplicate delivery, answered from the first one's result. */
  replayed: boolean;
}

/**
 * The use cases behind every runbook endpoint, independent of HTTP: place a call, answer Twilio's
 * voice and status webhooks, send an SMS, open a browser session with OpenAI, run health checks,
 * and the ops actions. Handlers in `steadycall`'s http module and the Express adapter are thin
 * shells around it.
 *
 * @example
 * ```ts
 * const orchestrator = new CallOrchestrator({
 *   stores: createMemoryStores(),
 *   publicBaseUrl: 'https://voice.example.com',
 *   streamTokenSecret: process.env.STREAM_TOKEN_SECRET!,
 *   twilio: { telephony: new TwilioRestAdapter({ client }), authTokens: process.env.TWILIO_AUTH_TOKEN! },
 * });
 * const { call } = await orchestrator.startCall({ to: '+14155550123' }, { idempotencyKey: 'abc' });
 * ```
 */
export class CallOrchestrator {
  /** Typed for the runbook's flags; user flags are resolvable too (see `flagsByKey`). */
  readonly flags: FlagResolver<RunbookFlags>;
  /** The incident log, with alerting and redaction. */
  readonly incidents: IncidentRecorder;
  /** The idempotency ledger used by `startCall` and the status webhook. */
  readonly idempotency: Idempotency;
  /** The storage ports the orchestrator was given. */
  readonly stores: SteadyCallStores;
  /** The endpoint paths in effect (defaults merged with the options). */
  readonly paths: EndpointPaths;
  /** Validates Twilio signatures; null when Twilio is not configured. */
  readonly signer: TwilioSigner | null;
  /** Mints and verifies the per-call media-stream tokens. */
  readonly streamTokens: StreamTokens;

  readonly #options: CallOrchestratorOptions;
  readonly #clock: Clock;
  readonly #ids: IdGenerator;
  readonly #logger: Logger;
  readonly #breakers = new Map<ProviderName, CircuitBreaker>();
  readonly #health: HealthRunner;
  readonly #base: string;

  constructor(options: CallOrchestratorOptions) {
    this.#options = options;
    this.stores = options.stores;
    this.#clock = options.clock ?? systemClock;
    this.#ids = options.ids ?? randomId;
    this.#base = validateBaseUrl(options.publicBaseUrl);
    this.paths = { ...defaultEndpointPaths, ...options.paths };
    const secrets = [
      ...(options.twilio ? [options.twilio.authTokens].flat() : []),
      ...(options.openai ? [options.openai.apiKey] : []),
      ...(options.gemini ? [options.gemini.apiKey] : []),
      options.streamTokenSecret,
    ];
    const redactor = createRedactor({ secrets });
    this.#logger = redactingLogger(options.logger ?? silentLogger, redactor);
    this.streamTokens = new StreamTokens(options.streamTokenSecret);
    this.signer = options.twilio ? new TwilioSigner(options.twilio.authTokens) : null;
    this.incidents = new IncidentRecorder({
      log: options.stores.incidents,
      clock: this.#clock,
      logger: this.#logger,
      secrets,
      onAlert: options.onAlert,
    });
    // User flags sit next to the runbook's; the runbook keys keep their precise types.
    this.flags = new FlagResolver<FlagDefinitions>({
      store: options.stores.flags,
      flags: { ...runbookFlags, ...options.flags },
      clock: this.#clock,
      logger: this.#logger,
    }) as unknown as FlagResolver<RunbookFlags>;
    this.idempotency = new Idempotency({
      store: options.stores.idempotency,
      clock: this.#clock,
      logger: this.#logger,
    });
    const fetchImpl = options.fetch;
    this.#health = new HealthRunner({
      checks: [
        twilioHealthCheck({ telephony: options.twilio?.telephony }),
        openAiHealthCheck({ apiKey: options.openai?.apiKey, fetch: fetchImpl }),
        geminiHealthCheck({ apiKey: options.gemini?.apiKey, fetch: fetchImpl }),
        storeHealthCheck('store', () => this.#pingStore()),
        ...(options.healthChecks ?? []),
      ],
      providerStatus: options.stores.providerStatus,
      incidents: this.incidents,
      idempotency: options.stores.idempotency,
      clock: this.#clock,
      logger: this.#logger,
      secrets,
    });
  }

  /** The resolver with string keys, for ops routes that take any registered flag key. */
  get flagsByKey(): FlagResolver<FlagDefinitions> {
    return this.flags as unknown as FlagResolver<FlagDefinitions>;
  }

  /** The shared breaker of a provider (created on first use). */
  breaker(provider: ProviderName): CircuitBreaker {
    let breaker = this.#breakers.get(provider);
    if (!breaker) {
      breaker = new CircuitBreaker({
        provider,
        store: this.stores.providerStatus,
        policy: this.#options.breakerPolicy,
        clock: this.#clock,
        logger: this.#logger,
        timeoutMs: this.#options.providerTimeoutMs ?? 10_000,
        incidents: this.incidents,
        onAlert: this.#options.onAlert,
        ids: this.#ids,
      });
      this.#breakers.set(provider, breaker);
    }
    return breaker;
  }

  /** URL of an endpoint as Twilio calls it. */
  endpointUrl(path: string, query?: Record<string, string>): string {
    const qs = query ? `?${new URLSearchParams(query)}` : '';
    return `${this.#base}${path}${qs}`;
  }

  /** `calls-start`: flag, breaker and (optional) idempotency key, then Twilio creates the call. */
  async startCall(
    input: unknown,
    options: { idempotencyKey?: string | null } = {},
  ): Promise<StartCallResult> {
    const body = parseWith(startCallInputSchema, 'call request', input);
    const context: EvaluationContext = { tenantId: body.tenantId, targetingKey: body.tenantId };
    if (!(await this.flags.getValue('calls.outbound.enabled', context))) {
      throw new FeatureDisabledError('calls.outbound.enabled');
    }
    if (!options.idempotencyKey) return { call: await this.#placeCall(body), replayed: false };
    const { response, replayed } = await this.idempotency.execute(options.idempotencyKey, body, () =>
      this.#placeCall(body),
    );
    return { call: response, replayed };
  }

  async #placeCall(body: StartCallInput): Promise<CallRecord> {
    const twilio = this.#requireTwilio();
    const from = body.from ?? twilio.defaultFrom;
    if (!from)
      throw new ValidationError('No caller id', [{ path: 'from', message: 'required (no default set)' }]);
    const id = this.#ids();
    const now = this.#clock.now();
    const call = await this.stores.calls.create(
      {
        id,
        to: body.to,
        from,
        tenantId: body.tenantId ?? null,
        direction: 'outbound',
        metadata: body.metadata ?? {},
      },
      now,
    );
    try {
      const created = await this.breaker('twilio').execute((signal) =>
        twilio.telephony.createCall(
          {
            to: body.to,
            from,
            voiceUrl: this.endpointUrl(this.paths.voice, { callId: id }),
            statusCallbackUrl: this.endpointUrl(this.paths.status, { callId: id }),
            timeoutSeconds: body.timeoutSeconds,
          },
          { signal },
        ),
      );
      const linked = await this.stores.calls.attachSid(id, created.callSid, this.#clock.now());
      this.#logger.info({ callId: id, to: maskPhone(body.to) }, 'call placed');
      return linked ?? call;
    } catch (err) {
      // The call never reached (or was refused by) Twilio: close the record so it is not left queued.
      await this.stores.calls
        .applyStatus({ id, status: 'failed', at: this.#clock.now() })
        .catch(() => undefined);
      if (!isCircuitOpenError(err)) {
        await this.incidents.record({
          severity: 'warning',
          provider: 'twilio',
          code: 'call_start_failed',
          message: `Could not place call ${id}`,
          callId: id,
          context: { error: err },
        });
      }
      throw err;
    }
  }

  /** `twilio-voice`: choose the AI provider and answer `<Connect><Stream>`, or the fallback TwiML. */
  async handleVoiceWebhook(
    params: VoiceWebhook,
    options: { callId?: string | null } = {},
  ): Promise<VoiceWebhookResult> {
    const call = await this.#findOrCreateInbound(params, options.callId ?? null);
    const context: EvaluationContext = {
      tenantId: call.tenantId ?? undefined,
      targetingKey: call.id,
      callId: call.id,
    };
    const choice = await chooseAiProvider({
      flags: this.flags,
      context,
      breakers: (p) => this.breaker(p),
      isConfigured: this.#providerConfigured(),
      logger: this.#logger,
    });
    const now = this.#clock.now();
    if (!choice.provider) {
      const disabled = choice.reason === 'ai_disabled';
      await this.incidents.record({
        severity: disabled ? 'info' : 'critical',
        code: disabled ? 'ai_disabled' : 'ai_unavailable',
        message: disabled
          ? `AI is disabled by flag; call ${call.id} got the fallback`
          : `No AI provider available for call ${call.id}`,
        callId: call.id,
        context: { skipped: choice.skipped },
      });
      const fb = this.#options.fallback ?? {};
      return {
        twiml: fallbackTwiml({ message: fb.message ?? DEFAULT_FALLBACK, dialTo: fb.dialTo, voice: fb.voice }),
        provider: null,
        callId: call.id,
      };
    }
    await this.stores.calls.setAiProvider(call.id, choice.provider, now);
    // Through the provider's breaker: the handshake's outcome counts, an open circuit refuses it.
    this.#options.warmSessions?.prewarm(call.id, choice.provider, { breaker: this.breaker(choice.provider) });
    const token = await this.streamTokens.mint({ callId: call.id, provider: choice.provider }, now);
    return {
      twiml: streamTwiml({
        url: this.#mediaStreamUrl(),
        parameters: { callId: call.id, provider: choice.provider, token },
      }),
      provider: choice.provider,
      callId: call.id,
    };
  }

  async #findOrCreateInbound(params: VoiceWebhook, callId: string | null): Promise<CallRecord> {
    const byId = callId ? await this.stores.calls.get(callId) : null;
    if (byId) {
      if (!byId.callSid)
        return (await this.stores.calls.attachSid(byId.id, params.CallSid, this.#clock.now())) ?? byId;
      return byId;
    }
    const bySid = await this.stores.calls.getBySid(params.CallSid);
    if (bySid) return bySid;
    // An inbound call (or one placed outside steadycall): record it on first sight.
    return this.stores.calls.create(
      {
        id: this.#ids(),
        callSid: params.CallSid,
        direction: 'inbound',
        to: params.To ?? '',
        from: params.From ?? '',
        status: 'ringing',
      },
      this.#clock.now(),
    );
  }

  /**
   * `twilio-status`: applied once per event (idempotent on Twilio's token or CallSid + status +
   * SequenceNumber) and monotonically; failed / busy / no-answer write an incident.
   */
  async handleStatusWebhook(params: StatusWebhook, headers: Headers): Promise<StatusWebhookResult> {
    const key = twilioWebhookIdempotencyKey(headers, stringParams(params));
    const update = {
      callSid: params.CallSid,
      status: params.CallStatus,
      sequenceNumber: params.SequenceNumber ?? null,
      at: this.#clock.now(),
    };
    const calls = this.stores.calls;
    let summary: StatusSummary;
    let replayed: boolean;
    if (calls.applyStatusOnce) {
      // One atomic store operation: ledger + conditional update (one round trip on PostgreSQL).
      const once = await calls.applyStatusOnce(update, {
        key,
        fingerprint: await fingerprintPayload(params),
        ttlMs: IDEMPOTENCY_DEFAULTS.ttlMs,
      });
      if (once.outcome === 'mismatch') throw new IdempotencyKeyReuseError();
      if (once.outcome === 'in_progress') throw new IdempotencyConflictError();
      summary = once.summary;
      replayed = once.outcome === 'replayed';
    } else {
      const result = await this.idempotency.execute(key, params, async () =>
        summarise(await calls.applyStatus(update)),
      );
      summary = result.response;
      replayed = result.replayed;
    }
    if (!replayed && summary.applied && NOTIFY_STATUSES[params.CallStatus]) {
      await this.incidents.record({
        severity: 'warning',
        provider: 'twilio',
        code: `call_${params.CallStatus.replace('-', '_')}`,
        message: `Call ${summary.callId} ended ${params.CallStatus}`,
        callId: summary.callId,
        context: { sipResponseCode: params.SipResponseCode, errorCode: params.ErrorCode },
      });
    }
    return {
      applied: summary.applied,
      status: summary.status,
      ...(summary.reason ? { reason: summary.reason } : {}),
      replayed,
    };
  }

  /**
   * Authorises a media stream from its `start` message: the per-call token in `customParameters`
   * must be valid for that call and provider. Returns who the stream belongs to.
   */
  async authorizeStream(parameters: Record<string, string>): Promise<{
    /** Our id of the call. */
    callId: string;
    /** The AI provider chosen for the call. */
    provider: AiProvider;
  }> {
    const { callId, provider, token } = parameters;
    if (!callId || (provider !== 'openai' && provider !== 'gemini')) {
      throw new SignatureError('Media stream without a valid callId/provider');
    }
    if (!(await this.streamTokens.verify(token, { callId, provider }, this.#clock.now()))) {
      throw new SignatureError('Media stream token is invalid or expired');
    }
    return { callId, provider };
  }

  /**
   * Where a call goes when its model session fails mid-call: the failure counts on that provider's
   * breaker (unless `lost.recorded`); the first loss reconnects to the same provider if its breaker
   * still allows it, later ones (or an open breaker) move to the next provider flags and breakers
   * allow. Null when none is left. The call record and the incident log say which provider took
   * over and why.
   *
   * @param callId - The call whose session was lost.
   * @param lost - The provider lost, why, the loss's 1-based `attempt`, and `recorded: true` when
   *   the breaker already saw this failure: a handshake run through it (`guardedConnect`) failed or
   *   was refused by the open circuit. Default false: a session lost mid-call, counted here once.
   * @returns The provider to open a session with next, or null.
   * @example
   * ```ts
   * // A guarded handshake failed: the breaker counted it already.
   * const next = await orchestrator.failoverProvider(callId, {
   *   provider: 'openai',
   *   reason: 'connect failed (provider_error)',
   *   attempt: 1,
   *   recorded: true,
   * });
   * if (next === null) await orchestrator.playFallback(callSid);
   * ```
   */
  async failoverProvider(
    callId: string,
    lost: {
      /** The provider whose session was lost or never connected. */
      provider: AiProvider;
      /** Why, for the incident log and the call record. */
      reason: string;
      /** 1 for the call's first loss: that one reconnects to the same provider when allowed. */
      attempt: number;
      /** True when the breaker already recorded this failure (a guarded handshake). Default false. */
      recorded?: boolean;
    },
  ): Promise<AiProvider | null> {
    if (!lost.recorded) {
      await this.breaker(lost.provider).failure(
        new ProviderError(lost.provider, `realtime session lost (${lost.reason})`, { status: 503 }),
      );
    }
    const call = await this.stores.calls.get(callId);
    const choose = (exclude: AiProvider[]) =>
      chooseAiProvider({
        flags: this.flags,
        context: { tenantId: call?.tenantId ?? undefined, targetingKey: callId, callId },
        breakers: (p) => this.breaker(p),
        exclude,
        isConfigured: this.#providerConfigured(),
        logger: this.#logger,
      });
    // One reconnect to the same provider, if flags and its breaker still allow it; then move on.
    const others = AI_PROVIDERS.filter((p) => p !== lost.provider);
    const same = lost.attempt === 1 ? (await choose(others)).provider : null;
    const next = same ?? (await choose([lost.provider])).provider;
    await this.incidents.record({
      severity: next ? 'warning' : 'critical',
      provider: lost.provider,
      code: next ? 'ai_failover' : 'ai_unavailable',
      message: next
        ? `Call ${callId}: ${lost.provider} session lost (${lost.reason}); ${next === lost.provider ? 'reconnecting' : `failing over to ${next}`}`
        : `Call ${callId}: ${lost.provider} session lost (${lost.reason}); no provider left`,
      callId,
      context: { attempt: lost.attempt },
    });
    if (next) {
      const why =
        next === lost.provider
          ? `reconnect after ${lost.reason}`
          : `failover from ${lost.provider}: ${lost.reason}`;
      await this.stores.calls.setAiProvider(callId, next, this.#clock.now(), why);
    }
    return next;
  }

  /**
   * No AI provider can continue the call: the caller hears the configured fallback (and is
   * transferred to a human when `fallback.dialTo` is set), then Twilio hangs up. Guarded by the
   * `twilio` breaker; when its circuit refuses (e.g. open because `calls.create` is failing), one
   * best-effort redirect is still made with a short timeout, since it is the caller's last chance
   * to hear anything but silence; its outcome is recorded on the breaker (without closing it).
   * Never throws once Twilio is configured.
   *
   * @param callSid - The live call to redirect.
   * @throws `FeatureDisabledError` when Twilio is not configured.
   * @example
   * ```ts
   * const next = await orchestrator.failoverProvider(callId, { provider: 'gemini', reason: 'closed', attempt: 2 });
   * if (next === null) await orchestrator.playFallback(callSid); // even while the twilio circuit is open
   * ```
   */
  async playFallback(callSid: string): Promise<void> {
    const twilio = this.#requireTwilio();
    const fb = this.#options.fallback ?? {};
    const twiml = fallbackTwiml({
      message: fb.message ?? DEFAULT_FALLBACK,
      dialTo: fb.dialTo,
      voice: fb.voice,
    });
    const send = (signal: AbortSignal) =>
      twilio.telephony.redirect
        ? twilio.telephony.redirect(callSid, twiml, { signal })
        : twilio.telephony.hangUp(callSid, { signal });
    const breaker = this.breaker('twilio');
    try {
      await breaker.execute(send);
      return;
    } catch (error) {
      if (!isCircuitOpenError(error)) {
        this.#logger.warn({ err: error }, 'could not play the fallback');
        return;
      }
    }
    // Last resort past the open circuit: one request per call, bounded, counted like any other.
    const timeoutMs = Math.min(FALLBACK_REDIRECT_TIMEOUT_MS, this.#options.providerTimeoutMs || Infinity);
    try {
      await invokeWithTimeout(send, this.#clock, timeoutMs, undefined, 'Twilio fallback redirect');
      await breaker.success();
    } catch (error) {
      if (defaultClassifier(error) === 'record') await breaker.failure(error);
      this.#logger.warn({ err: error }, 'could not play the fallback (twilio circuit open)');
    }
  }

  /** Ends a call through Twilio (breaker `twilio`), e.g. when the model decides to hang up. */
  async hangUp(callSid: string): Promise<void> {
    const twilio = this.#requireTwilio();
    await this.breaker('twilio').execute((signal) => twilio.telephony.hangUp(callSid, { signal }));
  }

  /** Sends an SMS (flag `sms.enabled`, breaker `twilio`). */
  async sendSms(input: unknown): Promise<{
    /** Twilio's message SID. */
    messageSid: string;
    /** The message's initial status, e.g. `queued`. */
    status: string;
  }> {
    const body: SmsRequest = parseWith(sendSmsInputSchema, 'SMS request', input);
    if (
      !(await this.flags.getValue('sms.enabled', { tenantId: body.tenantId, targetingKey: body.tenantId }))
    ) {
      throw new FeatureDisabledError('sms.enabled');
    }
    const twilio = this.#requireTwilio();
    const from = body.from ?? twilio.defaultFrom;
    if (!from)
      throw new ValidationError('No sender', [{ path: 'from', message: 'required (no default set)' }]);
    return this.breaker('twilio').execute((signal) =>
      twilio.telephony.sendSms({ to: body.to, from, body: body.body }, { signal }),
    );
  }

  /** `openai-realtime-session`: a browser talks to OpenAI directly without seeing the API key. */
  async createBrowserSession(input: unknown): Promise<Record<string, unknown>> {
    const body: BrowserSessionInput = parseWith(browserSessionInputSchema, 'session request', input);
    const context = { tenantId: body.tenantId, targetingKey: body.tenantId };
    if (!(await this.flags.getValue('ai.enabled', context))) throw new FeatureDisabledError('ai.enabled');
    if (!(await this.flags.getValue('ai.openai.enabled', context)))
      throw new FeatureDisabledError('ai.openai.enabled');
    const sessions = this.#browserSessions();
    // Guarded by the shared `openai` breaker (pass the sessions object no breaker of its own).
    const breaker = this.breaker('openai');
    if (body.api === 'live') {
      const { sdpOffer, instructions, voice } = body;
      const session = await breaker.execute((signal) =>
        sessions.createLiveWebRtcSession({ sdpOffer, instructions, voice }, { signal }),
      );
      return { ...session };
    }
    const { instructions, voice, expiresAfterSeconds } = body;
    const secret = await breaker.execute((signal) =>
      sessions.createRealtimeClientSecret({ instructions, voice, expiresAfterSeconds }, { signal }),
    );
    return { ...secret };
  }

  /** `openai-realtime-status`: availability of OpenAI for realtime sessions, with the breaker's view. */
  async realtimeStatus(): Promise<Record<string, unknown>> {
    const enabled =
      (await this.flags.getValue('ai.enabled')) && (await this.flags.getValue('ai.openai.enabled'));
    const peek = await this.breaker('openai').peek();
    if (!this.#options.openai) return { configured: false, enabled, available: false, circuit: peek.state };
    const status = peek.retryAfterMs > 0 ? { available: false } : await this.#browserSessions().status();
    return { configured: true, enabled, circuit: peek.state, retryAfterMs: peek.retryAfterMs, ...status };
  }

  /** `ops-health-run`: every provider and the store; writes `provider_status`, incidents, purges keys. */
  async runHealthChecks(): Promise<HealthReport> {
    if (!(await this.flags.getValue('healthchecks.enabled')))
      throw new FeatureDisabledError('healthchecks.enabled');
    return this.#health.run();
  }

  /** `health-check`: public liveness; reveals nothing secret. */
  liveness() {
    return liveness({ ping: () => this.#pingStore(), version: this.#options.version ?? VERSION });
  }

  // --- ops -------------------------------------------------------------------------------------

  /** The orchestrator's clock (epoch ms): cooldowns and incident times are measured against it. */
  now(): number {
    return this.#clock.now();
  }

  /** `GET /ops/providers`: every provider's breaker state and health, as stored. */
  listProviderStatus(): Promise<ProviderStatus[]> {
    return this.stores.providerStatus.list();
  }

  /**
   * `POST /ops/breakers/:p/reset`: closes the provider's circuit and clears its failure count.
   *
   * @throws ValidationError when `provider` is not a valid provider name.
   */
  resetBreaker(provider: ProviderName): Promise<ProviderStatus> {
    return this.breaker(checkProvider(provider)).reset();
  }

  /**
   * `POST /ops/breakers/:p/force-open`: opens the provider's circuit until `untilEpochMs`.
   *
   * @throws ValidationError when `untilEpochMs` is not in the future or `provider` is invalid.
   */
  forceOpenBreaker(provider: ProviderName, untilEpochMs: number): Promise<ProviderStatus> {
    if (!Number.isFinite(untilEpochMs) || untilEpochMs <= this.#clock.now()) {
      throw new ValidationError('until must be a future time', [
        { path: 'until', message: 'must be in the future' },
      ]);
    }
    return this.breaker(checkProvider(provider)).forceOpen(untilEpochMs);
  }

  /** `GET /ops/incidents`: incidents matching `query`, newest first. */
  listIncidents(query?: IncidentQuery): Promise<Incident[]> {
    return this.incidents.query(query);
  }

  /** `GET /ops/calls`: call records matching `query`. */
  listCalls(query?: Parameters<SteadyCallStores['calls']['list']>[0]): Promise<CallRecord[]> {
    return this.stores.calls.list(query);
  }

  // Which providers the bridge can open: the warm sessions know; without them, the provider keys
  // given to the orchestrator tell (a host that gave none bridges elsewhere, so every one counts).
  #providerConfigured(): ((provider: AiProvider) => boolean) | undefined {
    const { warmSessions, openai, gemini } = this.#options;
    if (warmSessions) return (p) => warmSessions.supports(p);
    if (!openai && !gemini) return undefined;
    return (p) => (p === 'openai' ? Boolean(openai?.apiKey) : Boolean(gemini?.apiKey));
  }

  #mediaStreamUrl(): string {
    return this.#options.mediaStreamUrl || `${this.#base.replace(/^http/, 'ws')}${this.paths.mediaStream}`;
  }

  #requireTwilio(): NonNullable<CallOrchestratorOptions['twilio']> {
    const twilio = this.#options.twilio;
    if (!twilio) throw new FeatureDisabledError('twilio (not configured)');
    return twilio;
  }

  #browserSessions() {
    const sessions = this.#options.openai?.browserSessions;
    if (!sessions) throw new FeatureDisabledError('openai (not configured)');
    return sessions;
  }

  async #pingStore(): Promise<void> {
    await (this.stores.ping ? this.stores.ping() : this.stores.providerStatus.list());
  }
}

function validateBaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ValidationError('publicBaseUrl must be an absolute URL', [
      { path: 'publicBaseUrl', message: url },
    ]);
  }
  if (!/^https?:$/.test(parsed.protocol)) {
    throw new ValidationError('publicBaseUrl must be http(s)', [
      { path: 'publicBaseUrl', message: parsed.protocol },
    ]);
  }
  return url.replace(/\/+$/, '');
}

function checkProvider(provider: string): ProviderName {
  if (!/^[a-z][a-z0-9_-]{0,31}$/.test(provider)) {
    throw new ValidationError('Unknown provider name', [
      { path: 'provider', message: 'must be a provider name' },
    ]);
  }
  return provider;
}

function summarise(result: StatusApplyResult): StatusSummary {
  return result.applied
    ? { applied: true, status: result.record.status, callId: result.record.id }
    : {
        applied: false,
        status: result.record?.status ?? null,
        reason: result.reason,
        callId: result.record?.id ?? null,
      };
}

function stringParams(params: StatusWebhook): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined) out[k] = String(v);
  return out;
}
