// The use cases behind the runbook's endpoints.
export * from './inputs.js';
export * from './options.js';
export * from './orchestrator.js';
export * from './stream-token.js';
