// Public surface of `steadycall`: re-exports only.

export type * from './breaker/store.js';
export type * from './breaker/types.js';
export type * from './calls/store.js';
export * from './core/index.js';
export type * from './flags/store.js';
export type * from './idempotency/store.js';
export type * from './incidents/alerts.js';
export type * from './incidents/store.js';
