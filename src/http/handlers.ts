import { SignatureError, ValidationError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { redactingLogger, silentLogger } from '../core/logger.js';
import { createRedactor } from '../core/redact.js';
import type { Severity } from '../core/types.js';
import { requestIdempotencyKey } from '../idempotency/keys.js';
import type { CallOrchestrator } from '../orchestrator/orchestrator.js';
import { publicWebhookUrl } from '../telephony/signature.js';
import { emptyTwiml } from '../telephony/twiml.js';
import {
  formParams,
  lastValues,
  parseWith,
  statusWebhookSchema,
  voiceWebhookSchema,
} from '../telephony/webhooks.js';
import { flagView, providerStatusView } from './ops-views.js';
import { isForm, readJsonObject, readText, requireBearer } from './request.js';
import { errorResponse, json, methodNotAllowed, xml } from './respond.js';

/**
 * A web-standard request handler.
 *
 * @example
 * ```ts
 * import type { Handler } from 'steadycall';
 *
 * const withCors = (inner: Handler): Handler => async (request) => {
 *   const response = await inner(request);
 *   response.headers.set('access-control-allow-origin', 'https://app.example.com');
 *   return response;
 * };
 * ```
 */
export type Handler = (request: Request) => Promise<Response>;

/**
 * Options of {@link createHandlers}.
 *
 * @example
 * ```ts
 * const options: HandlerOptions = {
 *   opsTokens: [process.env.OPS_TOKEN!],
 *   apiTokens: [process.env.API_TOKEN!],
 *   maxBodyBytes: 64 * 1024,
 *   mountPath: '/steadycall',
 * };
 * const handlers = createHandlers(orchestrator, options);
 * ```
 */
export interface HandlerOptions {
  /** Bearer tokens for the ops routes and `ops-health-run`. Without one, those routes answer 401. */
  opsTokens?: readonly string[];
  /**
   * Authorises app-facing calls (`calls-start`, `openai-realtime-session`, `openai-realtime-status`).
   * Default: bearer check against `apiTokens`; without tokens or a hook those routes answer 401.
   */
  authorize?: (request: Request) => boolean | Promise<boolean>;
  /** Bearer tokens accepted on the app-facing routes when there is no `authorize` hook. Default: none. */
  apiTokens?: readonly string[];
  /** Request body limit in bytes (413 above). Default 128 KiB. */
  maxBodyBytes?: number;
  /** Path prefix the handlers are mounted under in `request.url` (stripped before rebuilding signed URLs). */
  mountPath?: string;
  /** Receives unexpected errors and 5xx answers, redacted (the ops and API tokens are scrubbed). Default: silent. */
  logger?: Logger;
}

/**
 * The runbook's edge functions, plus ops routes, as web-standard handlers.
 *
 * @example
 * ```ts
 * const handlers: SteadyCallHandlers = createHandlers(orchestrator, { opsTokens: [env.OPS_TOKEN] });
 * Deno.serve((request) => {
 *   const path = new URL(request.url).pathname;
 *   return path === '/twilio-status' ? handlers.twilioStatus(request) : handlers.healthCheck(request);
 * });
 * ```
 */
export interface SteadyCallHandlers {
  /** `POST /calls-start` (API bearer): places an outbound call; honours `Idempotency-Key`. 201, or 200 when replayed. */
  callsStart: Handler;
  /** `POST /twilio-voice` (Twilio signature): answers with `<Connect><Stream>` TwiML, or the fallback. */
  twilioVoice: Handler;
  /** `POST /twilio-status` (Twilio signature): applies a status callback once; JSON `{"action":"check_config"}` reports the wiring. */
  twilioStatus: Handler;
  /** `POST /openai-realtime-session` (API bearer): a browser session (SDP answer or ephemeral secret). 201. */
  openaiRealtimeSession: Handler;
  /** `GET`/`POST /openai-realtime-status` (API bearer): OpenAI availability and its circuit. */
  openaiRealtimeStatus: Handler;
  /** `POST /ops-health-run` (ops bearer): runs every health check and answers the report. */
  opsHealthRun: Handler;
  /** `GET /health-check` (public): liveness; 503 with `Retry-After` when the store is unreachable. */
  healthCheck: Handler;
  /** `GET /ops/providers` (ops bearer): every `provider_status` row, with the server's `now`. */
  opsProviders: Handler;
  /** `POST /ops/breakers/:provider/reset` (ops bearer): closes the circuit and zeroes its counters. */
  opsBreakerReset: (request: Request, provider: string) => Promise<Response>;
  /** `POST /ops/breakers/:provider/force-open` (ops bearer): body `{ until }` (epoch ms) or `{ forMs }`. */
  opsBreakerForceOpen: (request: Request, provider: string) => Promise<Response>;
  /** `GET /ops/flags` (ops bearer): every flag resolved, optionally for `?tenantId=`. */
  opsFlags: Handler;
  /** `GET`/`PUT /ops/flags/:key` (ops bearer): reads one flag, or sets `{ value, tenantOverrides?, rollout? }`. */
  opsFlag: (request: Request, key: string) => Promise<Response>;
  /** `GET /ops/incidents` (ops bearer): filters `severity`, `provider`, `since`, `limit`. */
  opsIncidents: Handler;
  /** `GET /ops/calls` (ops bearer): the latest 100 calls, phone numbers masked. */
  opsCalls: Handler;
}

const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical'];
/** The last time a `Date` (and so every store) can represent, in epoch ms. */
const MAX_TIME_MS = 8.64e15;

/**
 * Builds one handler per endpoint around a {@link CallOrchestrator}. Each handler validates its
 * input, authenticates (Twilio signature, bearer token) and maps every error to the JSON error
 * shape with an honest status; none throws.
 *
 * @example
 * ```ts
 * const handlers = createHandlers(orchestrator, { opsTokens: [env.OPS_TOKEN], apiTokens: [env.API_TOKEN] });
 * Deno.serve(handlers.twilioStatus);
 * ```
 */
export function createHandlers(
  orchestrator: CallOrchestrator,
  options: HandlerOptions = {},
): SteadyCallHandlers {
  // Unexpected errors are logged whole: redacted like every other steadycall log line.
  const logger = redactingLogger(
    options.logger ?? silentLogger,
    createRedactor({ secrets: [...(options.opsTokens ?? []), ...(options.apiTokens ?? [])] }),
  );
  const limit = options.maxBodyBytes;
  const opsTokens = options.opsTokens ?? [];
  const apiTokens = options.apiTokens ?? [];

  const guard =
    (methods: readonly string[], fn: Handler): Handler =>
    async (request) => {
      if (!methods.includes(request.method)) return methodNotAllowed(methods);
      try {
        return await fn(request);
      } catch (err) {
        return errorResponse(err, logger);
      }
    };
  const guardWith =
    <A>(methods: readonly string[], fn: (request: Request, arg: A) => Promise<Response>) =>
    (request: Request, arg: A) =>
      guard(methods, (r) => fn(r, arg))(request);

  const ops = (request: Request) => requireBearer(request, opsTokens);
  const app = async (request: Request) => {
    if (options.authorize) {
      if (!(await options.authorize(request))) requireBearer(request, []);
      return;
    }
    requireBearer(request, apiTokens);
  };

  /** Reads a Twilio form webhook and checks its signature against the public URL. */
  const twilioForm = async (request: Request) => {
    if (!isForm(request)) throw new ValidationError('Expected a form-encoded Twilio webhook');
    const signer = orchestrator.signer;
    if (!signer) throw new SignatureError('Twilio is not configured; webhook signatures cannot be checked');
    const body = await readText(request, limit);
    const params = formParams(body);
    const url = publicWebhookUrl(orchestrator.endpointUrl(''), request, options.mountPath);
    const valid = await signer.validate({
      url,
      signature: request.headers.get('x-twilio-signature'),
      params,
    });
    if (!valid) throw new SignatureError();
    return { params: lastValues(params), url: new URL(url) };
  };

  return {
    callsStart: guard(['POST'], async (request) => {
      await app(request);
      const body = await readJsonObject(request, limit);
      // The body is not validated yet: a tenant id with a lone surrogate cannot be URI-encoded into
      // the key scope (it was a 500); it falls back here and fails the body's validation next.
      const tenant =
        typeof body.tenantId === 'string' && !/\p{Cs}/u.test(body.tenantId) ? body.tenantId : '_';
      const idempotencyKey = requestIdempotencyKey(request.headers, `calls-start:${tenant}`);
      const { call, replayed } = await orchestrator.startCall(body, { idempotencyKey });
      return json(
        { call: publicCall(call), replayed },
        replayed ? 200 : 201,
        replayed ? { 'idempotent-replayed': 'true' } : {},
      );
    }),

    twilioVoice: guard(['POST'], async (request) => {
      const { params, url } = await twilioForm(request);
      const body = parseWith(voiceWebhookSchema, 'voice webhook', params);
      const result = await orchestrator.handleVoiceWebhook(body, { callId: url.searchParams.get('callId') });
      return xml(result.twiml);
    }),

    twilioStatus: guard(['POST'], async (request) => {
      // The runbook's config probe: `{"action":"check_config"}` says whether Twilio is wired up.
      if (!isForm(request)) {
        const body = await readJsonObject(request, limit);
        if (body.action !== 'check_config') throw new ValidationError('Unknown action');
        return json({
          twilio: {
            configured: orchestrator.signer !== null,
            voiceUrl: orchestrator.endpointUrl(orchestrator.paths.voice),
            statusCallbackUrl: orchestrator.endpointUrl(orchestrator.paths.status),
          },
        });
      }
      const { params } = await twilioForm(request);
      const body = parseWith(statusWebhookSchema, 'status callback', params);
      await orchestrator.handleStatusWebhook(body, request.headers);
      return xml(emptyTwiml());
    }),

    openaiRealtimeSession: guard(['POST'], async (request) => {
      await app(request);
      return json(await orchestrator.createBrowserSession(await readJsonObject(request, limit)), 201);
    }),

    openaiRealtimeStatus: guard(['GET', 'POST'], async (request) => {
      await app(request);
      return json(await orchestrator.realtimeStatus());
    }),

    opsHealthRun: guard(['POST'], async (request) => {
      ops(request);
      const report = await orchestrator.runHealthChecks();
      return json(report);
    }),

    healthCheck: guard(['GET', 'POST', 'HEAD'], async () => {
      const live = await orchestrator.liveness();
      return json(
        live,
        live.store === 'reachable' ? 200 : 503,
        live.store === 'reachable' ? {} : { 'retry-after': '5' },
      );
    }),

    opsProviders: guard(['GET'], async (request) => {
      ops(request);
      const rows = await orchestrator.listProviderStatus();
      const now = orchestrator.now();
      return json({ providers: rows.map((row) => providerStatusView(row, now)), now });
    }),

    opsBreakerReset: guardWith(['POST'], async (request, provider: string) => {
      ops(request);
      return json({ provider: await orchestrator.resetBreaker(provider) });
    }),

    opsBreakerForceOpen: guardWith(['POST'], async (request, provider: string) => {
      ops(request);
      const body = await readJsonObject(request, limit);
      const until =
        typeof body.until === 'number'
          ? body.until
          : typeof body.forMs === 'number'
            ? orchestrator.now() + body.forMs
            : Number.NaN;
      // Past the last representable time the store cannot hold it (PostgreSQL answered 500).
      if (Math.abs(until) > MAX_TIME_MS) {
        throw new ValidationError('until is out of range', [
          { path: 'until', message: 'too far in the future' },
        ]);
      }
      return json({ provider: await orchestrator.forceOpenBreaker(provider, until) });
    }),

    opsFlags: guard(['GET'], async (request) => {
      ops(request);
      const tenantId = new URL(request.url, 'http://x').searchParams.get('tenantId') ?? undefined;
      const resolver = orchestrator.flagsByKey;
      const flags = await resolver.list({ tenantId });
      return json({ flags: flags.map((entry) => flagView(entry, resolver.definitions)) });
    }),

    opsFlag: guardWith(['GET', 'PUT'], async (request, key: string) => {
      ops(request);
      if (request.method === 'GET') return json({ flag: await orchestrator.flagsByKey.resolve(key) });
      const body = await readJsonObject(request, limit);
      if (!('value' in body))
        throw new ValidationError('Missing value', [{ path: 'value', message: 'required' }]);
      const { value, tenantOverrides, rollout } = body as Record<string, never>;
      // A map of tenant id -> value, or absent (null used to surface as a 500, a number was stored).
      if (
        tenantOverrides !== undefined &&
        (typeof tenantOverrides !== 'object' || tenantOverrides === null || Array.isArray(tenantOverrides))
      ) {
        throw new ValidationError('Invalid tenantOverrides', [
          { path: 'tenantOverrides', message: 'must be an object of tenant id to value' },
        ]);
      }
      await orchestrator.flagsByKey.set(key, value, { tenantOverrides, rollout });
      return json({ flag: await orchestrator.flagsByKey.resolve(key) });
    }),

    opsIncidents: guard(['GET'], async (request) => {
      ops(request);
      const q = new URL(request.url, 'http://x').searchParams;
      const severity = q.get('severity');
      if (severity && !SEVERITIES.includes(severity as Severity))
        throw new ValidationError('Unknown severity');
      const sinceParam = q.get('since');
      const since = sinceParam ? Number(sinceParam) : undefined;
      // A time in epoch ms; NaN or one out of range reached PostgreSQL as a 500.
      if (since !== undefined && !(Math.abs(since) <= MAX_TIME_MS)) {
        throw new ValidationError('Invalid since', [
          { path: 'since', message: 'must be a time in epoch ms' },
        ]);
      }
      const provider = q.get('provider') ?? undefined;
      // Provider names as the breakers accept them; a NUL byte reached PostgreSQL as a 500.
      if (provider !== undefined && !/^[a-z][a-z0-9_-]{0,31}$/.test(provider)) {
        throw new ValidationError('Unknown provider name', [
          { path: 'provider', message: 'must be a provider name' },
        ]);
      }
      const limitParam = q.get('limit');
      return json({
        incidents: await orchestrator.listIncidents({
          severity: (severity as Severity | null) ?? undefined,
          provider,
          since,
          limit: limitParam ? Math.min(1000, Math.max(1, Number(limitParam) || 100)) : undefined,
        }),
      });
    }),

    opsCalls: guard(['GET'], async (request) => {
      ops(request);
      const calls = await orchestrator.listCalls({ limit: 100 });
      return json({ calls: calls.map(publicCall) });
    }),
  };
}

/** A call as API clients see it: phone numbers masked to their last four digits. */
function publicCall(call: import('../calls/store.js').CallRecord) {
  const mask = (n: string) => (n.length > 4 ? `${'*'.repeat(n.length - 4)}${n.slice(-4)}` : n);
  return { ...call, to: mask(call.to), from: mask(call.from) };
}
