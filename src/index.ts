// Public surface of `steadycall`: re-exports only.
export * from './breaker/index.js';
export * from './calls/index.js';
export * from './core/index.js';
export * from './flags/index.js';
export * from './health/index.js';
export * from './http/index.js';
export * from './idempotency/index.js';
export * from './incidents/index.js';
export * from './openai/index.js';
export * from './orchestrator/index.js';
export * from './realtime/index.js';
export * from './storage/memory/index.js';
export * from './telephony/index.js';
