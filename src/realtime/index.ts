// The realtime audio bridge: Twilio media streams <-> realtime speech models.
export * from './audio/index.js';
export * from './base64.js';
export * from './bridge.js';
export * from './playback.js';
export {
  GeminiLiveSession,
  type GeminiLiveSessionOptions,
  type GeminiLiveState,
  type GeminiLiveStats,
  type GeminiLiveVad,
} from './providers/gemini-live.js';
export {
  type GeminiLiveCallbacks,
  type GeminiLiveConnect,
  type GeminiLiveConnection,
  type GeminiLiveConnectParams,
  type GeminiLiveFunctionResponse,
  type GeminiLiveTurn,
  type GoogleGenAiConnectOptions,
  googleGenAiConnect,
} from './providers/gemini-live-connect.js';
export { DEFAULT_GEMINI_LIVE_MODEL, type GeminiLiveSetupOptions } from './providers/gemini-live-wire.js';
export {
  OpenAiLiveSession,
  type OpenAiLiveSessionOptions,
  type OpenAiLiveStats,
} from './providers/openai-live.js';
export {
  OPENAI_LIVE_DEFAULT_BACKEND_MODEL,
  OPENAI_LIVE_DEFAULT_MODEL,
  OPENAI_LIVE_FATAL_CODES,
  OPENAI_LIVE_URL,
  type OpenAiLiveDelegationOptions,
} from './providers/openai-live-wire.js';
export {
  DEFAULT_OPENAI_REALTIME_MODEL,
  OpenAiRealtimeSession,
  type OpenAiRealtimeSessionOptions,
  type OpenAiRealtimeState,
  type OpenAiRealtimeStats,
  type OpenAiRealtimeVad,
} from './providers/openai-realtime.js';
export {
  type HeaderWebSocketConstructor,
  type SocketErrorEvent,
  webSocketFactory,
} from './providers/ws-socket.js';
export type * from './session.js';
export * from './sessions.js';
export * from './socket.js';
export * from './twilio-media.js';
