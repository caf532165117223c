/**
 * The slice of `@google/genai`'s Live client that {@link GeminiLiveSession} uses, as structural types,
 * so `ai.live.connect` can be injected (tests, proxies, a custom transport) and `@google/genai` stays
 * an optional peer dependency that is only loaded when the default connector runs.
 * Wire reference: `docs/protocols/gemini-live.md`.
 *
 * @module
 */

/**
 * A content turn as `sendClientContent` takes it (`role` is `user` or `model`).
 *
 * @example
 * ```ts
 * import type { GeminiLiveTurn } from 'steadycall';
 *
 * const turn: GeminiLiveTurn = { role: 'user', parts: [{ text: 'Where is my order?' }] };
 * connection.sendClientContent({ turns: [turn], turnComplete: false });
 * ```
 */
export interface GeminiLiveTurn {
  /** Who spoke: the caller (`user`) or the model (`model`). */
  role: 'user' | 'model';
  /** The turn's text parts. */
  parts: {
    /** The text. */
    text: string;
  }[];
}

/**
 * One answer to a `toolCall.functionCalls[]` entry (the Gemini API requires the call's `id`).
 *
 * @example
 * ```ts
 * import type { GeminiLiveFunctionResponse } from 'steadycall';
 *
 * const answer: GeminiLiveFunctionResponse = { id: call.id, name: 'lookup_order', response: { output: { status: 'shipped' } } };
 * connection.sendToolResponse({ functionResponses: [answer] });
 * ```
 */
export interface GeminiLiveFunctionResponse {
  /** The function call's `id`. */
  id: string;
  /** The function's name. */
  name: string;
  /** The result, as a JSON object. */
  response: Record<string, unknown>;
}

/**
 * The callbacks `live.connect` reports through. Messages are parsed server JSON (`LiveServerMessage`).
 *
 * @example
 * ```ts
 * import type { GeminiLiveCallbacks } from 'steadycall';
 *
 * const callbacks: GeminiLiveCallbacks = {
 *   onmessage: (message) => console.log(JSON.stringify(message)),
 *   onclose: () => console.log('Gemini Live closed'),
 * };
 * ```
 */
export interface GeminiLiveCallbacks {
  /** The socket opened. */
  onopen?: () => void;
  /** A server message, parsed from JSON. */
  onmessage: (message: unknown) => void;
  /** A socket error (a close follows). */
  onerror?: (event: unknown) => void;
  /** The socket closed (a `CloseEvent`-like object). */
  onclose?: (event: unknown) => void;
}

/**
 * What `live.connect` is called with: `config` is a `LiveConnectConfig` (camelCase, SDK shape).
 *
 * @example
 * ```ts
 * import { DEFAULT_GEMINI_LIVE_MODEL, type GeminiLiveConnectParams } from 'steadycall';
 *
 * const params: GeminiLiveConnectParams = {
 *   model: DEFAULT_GEMINI_LIVE_MODEL,
 *   config: { responseModalities: ['AUDIO'] },
 *   callbacks: { onmessage: (message) => handle(message) },
 * };
 * ```
 */
export interface GeminiLiveConnectParams {
  /** The model id. */
  model: string;
  /** The `LiveConnectConfig` (modalities, voice, VAD, tools, resumption...). */
  config: Record<string, unknown>;
  /** Where the connection reports. */
  callbacks: GeminiLiveCallbacks;
}

/**
 * The connected Live session (`@google/genai`'s `Session`).
 *
 * @example
 * ```ts
 * import type { GeminiLiveConnection } from 'steadycall';
 *
 * function sendPcm(connection: GeminiLiveConnection, base64Pcm16k: string): void {
 *   connection.sendRealtimeInput({ audio: { data: base64Pcm16k, mimeType: 'audio/pcm;rate=16000' } });
 * }
 * ```
 */
export interface GeminiLiveConnection {
  /** Streams caller audio (base64 PCM16, with its MIME type and rate). */
  sendRealtimeInput(params: { audio: { data: string; mimeType: string } }): void;
  /** Sends conversation turns (history, greeting prompt); `turnComplete` asks for a reply. */
  sendClientContent(params: { turns: GeminiLiveTurn[]; turnComplete: boolean }): void;
  /** Answers function calls. */
  sendToolResponse(params: { functionResponses: GeminiLiveFunctionResponse[] }): void;
  /** Closes the connection. */
  close(): void;
}

/**
 * `ai.live.connect`, or anything shaped like it. Depending on the SDK version it resolves when the
 * socket opened (2.x) or after `setupComplete` (3.x); the session waits for `setupComplete` either way.
 *
 * @example
 * ```ts
 * import { GoogleGenAI } from '@google/genai';
 * import type { GeminiLiveConnect, GeminiLiveConnection } from 'steadycall';
 *
 * const ai = new GoogleGenAI({ apiKey: process.env.GEMINI_API_KEY! });
 * const connect: GeminiLiveConnect = async (params) => (await ai.live.connect(params)) as GeminiLiveConnection;
 * ```
 */
export type GeminiLiveConnect = (params: GeminiLiveConnectParams) => Promise<GeminiLiveConnection>;

/**
 * Options of {@link googleGenAiConnect}.
 *
 * @example
 * ```ts
 * import { googleGenAiConnect, type GoogleGenAiConnectOptions } from 'steadycall';
 *
 * const options: GoogleGenAiConnectOptions = { apiKey: process.env.GEMINI_API_KEY!, apiVersion: 'v1alpha' };
 * const connect = googleGenAiConnect(options);
 * ```
 */
export interface GoogleGenAiConnectOptions {
  /** The Gemini API key. */
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
 * @returns A {@link GeminiLiveConnect}; its promise rejects if `@google/genai` is not installed.
 *
 * @example
 * ```ts
 * import { GeminiLiveSession, googleGenAiConnect } from 'steadycall';
 *
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
