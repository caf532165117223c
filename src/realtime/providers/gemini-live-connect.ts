/**
 * The slice of `@google/genai`'s Live client that {@link GeminiLiveSession} uses, as structural types,
 * so `ai.live.connect` can be injected (tests, proxies, a custom transport) and `@google/genai` stays
 * an optional peer dependency that is only loaded when the default connector runs.
 * Wire reference: `docs/protocols/gemini-live.md`.
 *
 * @module
 */

/** A content turn as `sendClientContent` takes it (`role` is `user` or `model`). */
export interface GeminiLiveTurn {
  role: 'user' | 'model';
  parts: { text: string }[];
}

/** One answer to a `toolCall.functionCalls[]` entry (the Gemini API requires the call's `id`). */
export interface GeminiLiveFunctionResponse {
  id: string;
  name: string;
  response: Record<string, unknown>;
}

/** The callbacks `live.connect` reports through. Messages are parsed server JSON (`LiveServerMessage`). */
export interface GeminiLiveCallbacks {
  onopen?: () => void;
  onmessage: (message: unknown) => void;
  onerror?: (event: unknown) => void;
  onclose?: (event: unknown) => void;
}

/** What `live.connect` is called with: `config` is a `LiveConnectConfig` (camelCase, SDK shape). */
export interface GeminiLiveConnectParams {
  model: string;
  config: Record<string, unknown>;
  callbacks: GeminiLiveCallbacks;
}

/** The connected Live session (`@google/genai`'s `Session`). */
export interface GeminiLiveConnection {
  sendRealtimeInput(params: { audio: { data: string; mimeType: string } }): void;
  sendClientContent(params: { turns: GeminiLiveTurn[]; turnComplete: boolean }): void;
  sendToolResponse(params: { functionResponses: GeminiLiveFunctionResponse[] }): void;
  close(): void;
}

/**
 * `ai.live.connect`, or anything shaped like it. Depending on the SDK version it resolves when the
 * socket opened (2.x) or after `setupComplete` (3.x); the session waits for `setupComplete` either way.
 *
 * @example
 * ```ts
 * import { GoogleGenAI } from '@google/genai';
 * const ai = new GoogleGenAI({ apiKey });
 * const connect: GeminiLiveConnect = (params) => ai.live.connect(params);
 * ```
 */
export type GeminiLiveConnect = (params: GeminiLiveConnectParams) => Promise<GeminiLiveConnection>;

/** Options of {@link googleGenAiConnect}. */
export interface GoogleGenAiConnectOptions {
  apiKey: string;
  /** `httpOptions.baseUrl` (a loopback fake in tests); the SDK derives the WebSocket URL from it. */
  baseUrl?: string;
  /** `httpOptions.apiVersion`; the SDK's default is `v1beta`. */
  apiVersion?: string;
}

interface GoogleGenAiModule {
  GoogleGenAI: new (options: {
    apiKey: string;
    httpOptions?: { baseUrl?: string; apiVersion?: string };
  }) => { live: { connect(params: unknown): Promise<unknown> } };
}

/**
 * The default connector: `new GoogleGenAI({ apiKey, httpOptions }).live.connect`, with `@google/genai`
 * imported on first use (one client per connector).
 *
 * @example
 * ```ts
 * const connect = googleGenAiConnect({ apiKey: process.env.GEMINI_API_KEY!, baseUrl: fake.baseUrl });
 * const session = new GeminiLiveSession({ apiKey: process.env.GEMINI_API_KEY!, connect });
 * ```
 */
export function googleGenAiConnect(options: GoogleGenAiConnectOptions): GeminiLiveConnect {
  let client: Promise<{ live: { connect(params: unknown): Promise<unknown> } }> | undefined;
  const load = async () => {
    let mod: GoogleGenAiModule;
    try {
      mod = (await import('@google/genai')) as unknown as GoogleGenAiModule;
    } catch {
      // The cause would carry a resolver path, nothing useful; say what to install instead.
      throw new Error('Gemini Live needs the optional peer dependency "@google/genai"');
    }
    const { apiKey, baseUrl, apiVersion } = options;
    const httpOptions = {
      ...(baseUrl === undefined ? {} : { baseUrl }),
      ...(apiVersion === undefined ? {} : { apiVersion }),
    };
    return new mod.GoogleGenAI({ apiKey, ...(baseUrl || apiVersion ? { httpOptions } : {}) });
  };
  return async (params) => {
    client ??= load().catch((error: unknown) => {
      client = undefined; // a later call may find the package
      throw error;
    });
    const ai = await client;
    return (await ai.live.connect(params)) as GeminiLiveConnection;
  };
}
