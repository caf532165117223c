// A loopback Twilio for tests and offline demos (Node only): REST API + signed webhooks.

export type { CallPredicate } from './fake-twilio.js';
export { FAKE_ACCOUNT_SID, FAKE_AUTH_TOKEN, FakeTwilio } from './fake-twilio.js';
export type { FailOptions, FaultDecision, FaultMatcher, HangOptions } from './faults.js';
export { FakeTwilioFaults } from './faults.js';
export type { FakeClientOptions } from './official-client.js';
export type { TwilioErrorBody } from './rest-shapes.js';
export type * from './types.js';
