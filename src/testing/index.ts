// `steadycall/testing`: fakes and simulators for tests and offline demos.
export { FakeClock } from '../core/clock.js';
export { sequentialIds } from '../core/ids.js';
export * from './fake-twilio/index.js';
export * from './store-probes.js';
