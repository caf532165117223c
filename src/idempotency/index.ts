// Idempotent webhooks and API requests: keys, fingerprints, the executor and the store port.
export { fingerprintPayload } from './fingerprint.js';
export * from './idempotency.js';
export * from './keys.js';
export type * from './store.js';
