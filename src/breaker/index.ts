// The breaker module's public surface.
export { CircuitBreaker } from './breaker.js';
export { type ClassifyContext, defaultClassifier, type ErrorClassifier } from './classify.js';
export type * from './events.js';
export type { IncidentSink } from './notify.js';
export type { CircuitBreakerOptions, ExecuteOptions } from './options.js';
export { defaultBreakerPolicy, resolveBreakerPolicy } from './policy.js';
export {
  applyOutcome,
  canClaimProbe,
  claimProbe,
  cooldownMs,
  forceOpenStatus,
  initialProviderStatus,
  type ProbeClaim,
  resetStatus,
  retryAfterMs,
  type StateChange,
  type Transition,
  withHealth,
} from './state.js';
export type * from './store.js';
export type * from './types.js';
