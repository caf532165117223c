// `steadycall/testing`: fakes and simulators for tests and offline demos.
export { FakeClock } from '../core/clock.js';
export { sequentialIds } from '../core/ids.js';
export * from './energy-vad.js';
export * from './fake-gemini-live.js';
export * from './fake-openai-live.js';
export * from './fake-openai-realtime.js';
export * from './fake-twilio/index.js';
export * from './fake-twilio-media.js';
export * from './memory-socket.js';
export * from './scripted-session.js';
export * from './speech-audio.js';
export * from './store-probes.js';
