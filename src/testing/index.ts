/**
 * Fakes and simulators for tests and offline demos: a loopback Twilio (REST API and signed
 * webhooks, with duplicates, reordering and injected faults), a fake Twilio media stream, fake
 * OpenAI Live / Realtime and Gemini Live servers, deterministic speech-like audio, in-memory
 * sockets, a scripted realtime session, and store probes that count round trips or inject outages.
 * Everything runs offline on 127.0.0.1 or in memory; the servers need Node.
 *
 * @example
 * ```ts
 * import { FakeTwilio } from 'steadycall/testing';
 *
 * const fake = await FakeTwilio.start({ duplicates: 1, shuffle: true });
 * const app = createApp({ twilioClient: fake.client() }); // the app under test
 * // ... place a call through the app ...
 * await fake.whenIdle();
 * await fake.close();
 * ```
 *
 * @packageDocumentation
 * @module steadycall/testing
 */
export { FakeClock } from '../core/clock.js';
export { sequentialIds } from '../core/ids.js';
export * from './call-simulator.js';
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
