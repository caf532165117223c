import { type Clock, systemClock } from '../core/clock.js';
import { isProviderError } from '../core/errors.js';
import type { ProviderName } from '../core/types.js';
import type { TelephonyProvider } from '../telephony/provider.js';
import { byLatency, errorCodeOf, isAbortLike, messageScrubber, msOption } from './internal.js';
import type { HealthCheck, HealthCheckOutcome } from './types.js';

const DEFAULT_DEGRADED_MS = 2000;

/**
 * Options every built-in check accepts.
 *
 * @example
 * ```ts
 * const common: CommonCheckOptions = { degradedAboveMs: 1_500, provider: 'twilio-eu' };
 * const check = twilioHealthCheck({ ...common, telephony });
 * ```
 */
export interface CommonCheckOptions {
  /** A provider that answers slower than this is `degraded`. Default 2000. */
  degradedAboveMs?: number;
  /** Measures latency. Default: the system clock. */
  clock?: Clock;
  /** Name the result is reported (and stored in `provider_status`) under. */
  provider?: ProviderName;
}

/**
 * Options of {@link twilioHealthCheck}.
 *
 * @example
 * ```ts
 * const options: TwilioHealthCheckOptions = { telephony, secrets: [process.env.TWILIO_AUTH_TOKEN!], degradedAboveMs: 3_000 };
 * const check = twilioHealthCheck(options);
 * ```
 */
export interface TwilioHealthCheckOptions extends CommonCheckOptions {
  /** The Twilio adapter; undefined when Twilio's credentials are missing (`not_configured`). */
  telephony?: TelephonyProvider | undefined;
  /** Secret values (the auth token) scrubbed from messages, in case an error quotes one. */
  secrets?: readonly string[];
}

/**
 * Checks Twilio with its cheapest authenticated request, `fetchAccount`: an `active` account is
 * healthy (degraded when slow), a `suspended` or `closed` one is down, and so is any error.
 *
 * @example
 * ```ts
 * const telephony = sid && token ? new TwilioRestAdapter({ client: twilio(sid, token) }) : undefined;
 * const check = twilioHealthCheck({ telephony, secrets: [token] });
 * ```
 */
export function twilioHealthCheck(options: TwilioHealthCheckOptions = {}): HealthCheck {
  const { telephony } = options;
  const clock = options.clock ?? systemClock;
  const degradedAboveMs = msOption(options.degradedAboveMs, DEFAULT_DEGRADED_MS, 'degradedAboveMs');
  const scrub = messageScrubber(options.secrets);
  return {
    provider: options.provider ?? 'twilio',
    async check(signal) {
      if (!telephony) return notConfigured('Twilio credentials are not configured');
      const started = clock.now();
      try {
        const account = await telephony.fetchAccount({ signal });
        const latencyMs = clock.now() - started;
        const status = String(account.status).toLowerCase();
        if (status === 'active') return byLatency(latencyMs, degradedAboveMs);
        if (status === 'suspended' || status === 'closed') {
          return { status: 'down', latencyMs, message: `account ${status}` };
        }
        // Twilio answered and authenticated us, but with a status we do not know: flag, don't fail.
        return { status: 'degraded', latencyMs, message: 'unexpected account status' };
      } catch (error) {
        if (isAbortLike(error) || signal.aborted)
          return { status: 'down', latencyMs: null, message: 'timed out' };
        const latencyMs = clock.now() - started;
        const text = error instanceof Error ? error.message : String(error);
        const code = errorCodeOf(error);
        const auth = isProviderError(error) && (error.status === 401 || error.status === 403);
        const prefix = auth ? 'invalid credentials: ' : code ? `${code}: ` : '';
        return { status: 'down', latencyMs, message: scrub(`${prefix}${text}`) };
      }
    },
  };
}

/**
 * Options of the HTTP-based AI provider checks.
 *
 * @example
 * ```ts
 * const options: ApiHealthCheckOptions = { apiKey: process.env.OPENAI_API_KEY, baseUrl: 'https://openai-proxy.internal/v1' };
 * const check = openAiHealthCheck(options);
 * ```
 */
export interface ApiHealthCheckOptions extends CommonCheckOptions {
  /** The provider's API key; missing or empty means `not_configured`. */
  apiKey?: string | undefined;
  /** Injected `fetch` (default: the global one, looked up at call time). */
  fetch?: typeof fetch;
  /** The API's base URL. Default: the provider's public API (`https://api.openai.com/v1`, `https://generativelanguage.googleapis.com/v1beta`). */
  baseUrl?: string;
  /** Check this model specifically (GET models/{model}) instead of listing models. */
  model?: string;
}

/**
 * Checks OpenAI with `GET {baseUrl}/models` (or `/models/{model}`), authenticated with
 * `Authorization: Bearer`. 2xx: healthy (degraded when slow); 401/403: down, "invalid
 * credentials"; 429: degraded (rate-limited but up); 404 for a model: down; 5xx or no answer: down.
 *
 * @example
 * ```ts
 * const check = openAiHealthCheck({ apiKey: process.env.OPENAI_API_KEY, model: 'gpt-live-1' });
 * ```
 */
export function openAiHealthCheck(options: ApiHealthCheckOptions = {}): HealthCheck {
  const base = trimSlash(options.baseUrl ?? 'https://api.openai.com/v1');
  const model = options.model?.trim();
  return httpCheck(options, 'openai', (key) => ({
    url: model ? `${base}/models/${encodeURIComponent(model)}` : `${base}/models`,
    headers: { authorization: `Bearer ${key}`, accept: 'application/json' },
  }));
}

/**
 * Checks Gemini with `GET {baseUrl}/models?pageSize=1` (or `models/{model}`). The key travels in
 * the `x-goog-api-key` header, never in the URL, so it cannot end up in an access log. The status
 * mapping is the OpenAI check's, plus Google's `400 API_KEY_INVALID`, which is "invalid credentials".
 *
 * @example
 * ```ts
 * const check = geminiHealthCheck({ apiKey: process.env.GEMINI_API_KEY, model: 'gemini-3.8-live' });
 * ```
 */
export function geminiHealthCheck(options: ApiHealthCheckOptions = {}): HealthCheck {
  const base = trimSlash(options.baseUrl ?? 'https://generativelanguage.googleapis.com/v1beta');
  // Accept both `gemini-x` and the API's own `models/gemini-x` spelling.
  const model = options.model?.trim().replace(/^models\//, '');
  return httpCheck(options, 'gemini', (key) => ({
    url: model ? `${base}/models/${encodeURIComponent(model)}` : `${base}/models?pageSize=1`,
    headers: { 'x-goog-api-key': key, accept: 'application/json' },
  }));
}

/**
 * Options of {@link storeHealthCheck} (the name is its first argument).
 *
 * @example
 * ```ts
 * const options: StoreHealthCheckOptions = { degradedAboveMs: 500, secrets: [dbPassword] };
 * const check = storeHealthCheck('store', () => sql`select 1`, options);
 * ```
 */
export interface StoreHealthCheckOptions extends Omit<CommonCheckOptions, 'provider'> {
  /** Secret values (a connection password) scrubbed from messages. */
  secrets?: readonly string[];
}

/**
 * Checks a store with a cheap round trip: healthy when `ping` resolves (degraded when slow), down
 * when it throws. The error's message is not reported (drivers quote connection strings), only its code.
 *
 * @example
 * ```ts
 * const check = storeHealthCheck('store', () => sql`select 1`);
 * ```
 */
export function storeHealthCheck(
  name: ProviderName,
  ping: (signal: AbortSignal) => Promise<unknown>,
  options: StoreHealthCheckOptions = {},
): HealthCheck {
  const clock = options.clock ?? systemClock;
  const degradedAboveMs = msOption(options.degradedAboveMs, DEFAULT_DEGRADED_MS, 'degradedAboveMs');
  const scrub = messageScrubber(options.secrets);
  return {
    provider: name,
    async check(signal) {
      const started = clock.now();
      try {
        await ping(signal);
      } catch (error) {
        const code = errorCodeOf(error);
        return {
          status: 'down',
          latencyMs: null,
          message: scrub(code ? `unreachable (${code})` : 'unreachable'),
        };
      }
      return byLatency(clock.now() - started, degradedAboveMs);
    },
  };
}

interface HttpRequestSpec {
  url: string;
  headers: Record<string, string>;
}

function httpCheck(
  options: ApiHealthCheckOptions,
  defaultProvider: ProviderName,
  build: (apiKey: string) => HttpRequestSpec,
): HealthCheck {
  const apiKey = options.apiKey?.trim();
  const clock = options.clock ?? systemClock;
  const degradedAboveMs = msOption(options.degradedAboveMs, DEFAULT_DEGRADED_MS, 'degradedAboveMs');
  // Looked up per call so a fetch patched after construction (nock, msw) is used.
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const scrub = messageScrubber([apiKey, options.apiKey]);
  const hasModel = Boolean(options.model?.trim());
  return {
    provider: options.provider ?? defaultProvider,
    async check(signal) {
      if (!apiKey) return notConfigured('API key is not configured');
      const { url, headers } = build(apiKey);
      const started = clock.now();
      let response: Response;
      try {
        // No redirects: a redirect would carry the key header to wherever it points.
        response = await doFetch(url, { method: 'GET', headers, signal, redirect: 'manual' });
      } catch (error) {
        if (isAbortLike(error) || signal.aborted)
          return { status: 'down', latencyMs: null, message: 'timed out' };
        // Only the code: transport messages may quote the request.
        const code = errorCodeOf(error);
        return {
          status: 'down',
          latencyMs: null,
          message: scrub(code ? `network error (${code})` : 'network error'),
        };
      }
      const latencyMs = clock.now() - started;
      const body = response.status === 400 ? await readText(response) : await discard(response);
      const outcome = mapHttpStatus(response.status, latencyMs, degradedAboveMs, hasModel);
      if (response.status === 400 && body.includes('API_KEY_INVALID'))
        outcome.message = 'invalid credentials';
      return outcome;
    },
  };
}

function mapHttpStatus(
  status: number,
  latencyMs: number,
  degradedAboveMs: number,
  hasModel: boolean,
): HealthCheckOutcome {
  if (status >= 200 && status < 300) return byLatency(latencyMs, degradedAboveMs);
  if (status === 401 || status === 403) return { status: 'down', latencyMs, message: 'invalid credentials' };
  if (status === 429) return { status: 'degraded', latencyMs, message: 'rate limited' };
  if (status === 404 && hasModel) return { status: 'down', latencyMs, message: 'model not found' };
  if (status >= 500) return { status: 'down', latencyMs, message: `server error (HTTP ${status})` };
  // 3xx (we never follow redirects; status 0 is an opaque redirect in browsers) and other 4xx.
  return { status: 'down', latencyMs, message: `unexpected response (HTTP ${status})` };
}

function notConfigured(message: string): HealthCheckOutcome {
  return { status: 'not_configured', latencyMs: null, message };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

async function discard(response: Response): Promise<string> {
  try {
    await response.body?.cancel();
  } catch {
    // Nothing to free.
  }
  return '';
}

async function readText(response: Response): Promise<string> {
  try {
    return (await response.text()).slice(0, 4096);
  } catch {
    return '';
  }
}
