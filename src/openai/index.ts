// The OpenAI module's public surface: browser access to Live / Realtime without the API key.

export { OpenAiBrowserSessions } from './browser-session.js';
export { mapOpenAiHttpError, type UpstreamAnswer } from './errors.js';
export type {
  LiveWebRtcSession,
  LiveWebRtcSessionInput,
  OpenAiBrowserSessionsOptions,
  OpenAiRealtimeStatus,
  OpenAiRequestOptions,
  RealtimeClientSecret,
  RealtimeClientSecretInput,
} from './types.js';
export {
  buildLiveSessionRequest,
  buildRealtimeClientSecretRequest,
  CLIENT_SECRET_TTL_BOUNDS,
  DEFAULT_LIVE_DATA_CHANNEL_CLIENT_EVENTS,
  type LiveSessionRequestBody,
  type LiveSessionRequestInput,
  MAX_SDP_OFFER_BYTES,
  type RealtimeClientSecretRequestBody,
  type RealtimeClientSecretRequestInput,
  validateSdpOffer,
} from './wire.js';
