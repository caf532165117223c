// A steadycall service for the fuzz and security suites: memory stores, a telephony stub that
// always succeeds, an OpenAI stub answering like the real API, and the web-standard router.
import { expect } from 'vitest';
import { createHandlers, type HandlerOptions, type SteadyCallHandlers } from '../../src/http/handlers.js';
import { createRouter } from '../../src/http/router.js';
import { fixedRoutes, paramRoutes } from '../../src/http/routes.js';
import { OpenAiBrowserSessions } from '../../src/openai/browser-session.js';
import { CallOrchestrator } from '../../src/orchestrator/orchestrator.js';
import type { SteadyCallStores } from '../../src/storage/memory/index.js';
import { createMemoryStores } from '../../src/storage/memory/index.js';
import type { TelephonyProvider } from '../../src/telephony/provider.js';
import { TwilioSigner } from '../../src/telephony/signature.js';

export const BASE_URL = 'https://voice.fuzz.example';
export const API_TOKEN = 'fuzz-api-token-5b0c2e7d9a41f3';
export const OPS_TOKEN = 'fuzz-ops-token-8e3d1c6b4a92f7';
export const TWILIO_AUTH_TOKEN = 'fuzz-twilio-auth-token-77c1e9b2d4';
export const OPENAI_KEY = 'sk-fuzz-openai-key-3f9a1c7e5b';
export const STREAM_SECRET = 'fuzz-stream-secret-0d4e8b2a6c';
export const CALL_SID = `CA${'ab12'.repeat(8)}`;
export const ACCOUNT_SID = `AC${'cd34'.repeat(8)}`;

export const signer = new TwilioSigner(TWILIO_AUTH_TOKEN);

/** Telephony that always works and counts the calls it placed (each with its own SID, as Twilio's). */
export function stubTelephony(): TelephonyProvider & { created: number } {
  const t = {
    created: 0,
    createCall: async () => {
      t.created++;
      return { callSid: `CA${String(t.created).padStart(32, '0')}`, status: 'queued' as const };
    },
    hangUp: async () => {},
    redirect: async () => {},
    sendSms: async () => ({ messageSid: `SM${'1'.repeat(32)}`, status: 'queued' }),
    fetchAccount: async () => ({ accountSid: ACCOUNT_SID, status: 'active' }),
  };
  return t;
}

/** Answers OpenAI's three endpoints with valid bodies, anything else with 200 `{}`. */
export const stubFetch: typeof fetch = async (input) => {
  const url = String(input instanceof Request ? input.url : input);
  const body = url.includes('/live/sessions')
    ? { session: { id: 'sess_fuzz' }, transport: { type: 'webrtc', sdp: 'v=0\r\n' } }
    : url.includes('/realtime/client_secrets')
      ? { value: 'ek_fuzz', expires_at: Math.floor(Date.now() / 1000) + 60 }
      : url.includes('/models')
        ? { id: 'gpt-realtime', data: [{ id: 'gpt-realtime' }] }
        : {};
  return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
};

export interface Service {
  orchestrator: CallOrchestrator;
  handlers: SteadyCallHandlers;
  route: (request: Request) => Promise<Response>;
  telephony: ReturnType<typeof stubTelephony>;
}

export function createService(options: HandlerOptions = {}, stores?: SteadyCallStores): Service {
  const telephony = stubTelephony();
  const orchestrator = new CallOrchestrator({
    stores: stores ?? createMemoryStores(),
    publicBaseUrl: BASE_URL,
    streamTokenSecret: STREAM_SECRET,
    twilio: { telephony, authTokens: TWILIO_AUTH_TOKEN, defaultFrom: '+15005550006' },
    openai: {
      apiKey: OPENAI_KEY,
      browserSessions: new OpenAiBrowserSessions({ apiKey: OPENAI_KEY, fetch: stubFetch }),
    },
    fetch: stubFetch,
  });
  const handlers = createHandlers(orchestrator, {
    opsTokens: [OPS_TOKEN],
    apiTokens: [API_TOKEN],
    ...options,
  });
  return { orchestrator, handlers, route: createRouter(handlers), telephony };
}

/** One enumerated route: fixed paths as is, parameterised ones by template. */
export interface RouteUnderTest {
  template: string;
  /** Path parameter names of the template, in order. */
  params: string[];
  kind: 'twilio' | 'api' | 'ops' | 'public';
}

function kindOf(template: string): RouteUnderTest['kind'] {
  if (template.startsWith('/twilio-')) return 'twilio';
  if (template.startsWith('/ops')) return 'ops';
  if (template === '/health-check') return 'public';
  return 'api';
}

/** Every route the router serves, read from its route table (new routes are picked up). */
export function enumerateRoutes(): RouteUnderTest[] {
  const { handlers } = createService();
  const fixed = Object.keys(fixedRoutes(handlers)).map((template) => ({ template, params: [] }));
  const param = paramRoutes.map((r) => ({
    template: r.template,
    params: [...r.template.matchAll(/:(\w+)/g)].map((m) => m[1]!),
  }));
  return [...fixed, ...param].map((r) => ({ ...r, kind: kindOf(r.template) }));
}

/** Statuses >= 500 the endpoints document: an open circuit or an unreachable store, with Retry-After. */
export const DOCUMENTED_5XX: Record<number, readonly string[]> = {
  503: ['circuit_open', 'storage_unavailable'],
};

/** Checks the contract every answer keeps, whatever the input. Returns the parsed error code, if any. */
export async function expectWellFormed(
  response: Response,
  what: string,
  method = 'POST',
): Promise<string | undefined> {
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  // HEAD answers carry headers only (the body is dropped on the wire).
  const headOnly = method === 'HEAD' && text === '';
  if (response.status >= 500) {
    const code = headOnly ? DOCUMENTED_5XX[response.status]?.[0] : safeJson(text)?.error?.code;
    const allowed = DOCUMENTED_5XX[response.status] ?? [];
    expect(allowed, `${what}: undocumented ${response.status} ${text.slice(0, 300)}`).toContain(code);
    expect(response.headers.get('retry-after'), `${what}: 503 without Retry-After`).toMatch(/^\d+$/);
  }
  if (response.status >= 400) {
    expect(type, `${what}: error not JSON (${response.status})`).toMatch(/^application\/json/);
    if (headOnly) return undefined;
    const body = safeJson(text);
    expect(body, `${what}: error body not the JSON error shape: ${text.slice(0, 300)}`).toMatchObject({
      error: { code: expect.any(String), message: expect.any(String) },
    });
    return String(body?.error?.code);
  }
  expect(type, `${what}: success of an unexpected type`).toMatch(/^(application\/json|text\/xml)/);
  if (type.startsWith('application/json') && !headOnly)
    expect(safeJson(text), `${what}: invalid JSON`).not.toBeNull();
  return undefined;
}

function safeJson(text: string): { error?: { code?: unknown; message?: unknown } } | null {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as { error?: { code?: unknown } }) : null;
  } catch {
    return null;
  }
}

/** Fuzz runs per endpoint: `FUZZ_RUNS` or the default, scaled for the slower transports. */
export function fuzzRuns(defaultRuns: number, scale = 1): number {
  const given = Number(process.env.FUZZ_RUNS);
  const base = Number.isFinite(given) && given > 0 ? given : defaultRuns;
  return Math.max(1, Math.round(base * scale));
}

/** Collects unhandled rejections and uncaught exceptions while a fuzz suite runs. */
export function trackUnhandled(): { errors: unknown[]; stop(): void } {
  const errors: unknown[] = [];
  const onError = (error: unknown) => errors.push(error);
  process.on('unhandledRejection', onError);
  process.on('uncaughtException', onError);
  return {
    errors,
    stop() {
      process.off('unhandledRejection', onError);
      process.off('uncaughtException', onError);
    },
  };
}
