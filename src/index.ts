/**
 * Resilient voice-AI phone calls: circuit breakers shared by every instance, idempotent Twilio
 * webhooks, runbook feature flags, the incident log and alerts, health checks, web-standard HTTP
 * handlers, the realtime audio bridge and the in-memory stores. Runs on Node, Deno, Bun and workers.
 *
 * @example
 * ```ts
 * import { CircuitBreaker, Idempotency, createMemoryStores } from 'steadycall';
 *
 * const stores = createMemoryStores();
 * const twilio = new CircuitBreaker({ provider: 'twilio', store: stores.providerStatus, timeoutMs: 10_000 });
 * const idempotency = new Idempotency({ store: stores.idempotency });
 * ```
 *
 * @packageDocumentation
 * @module steadycall
 */
// Public surface of `steadycall`: re-exports only.
export * from './breaker/index.js';
export * from './calls/index.js';
export * from './console/index.js';
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
