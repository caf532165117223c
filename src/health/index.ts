// Provider health checks: the runbook's `ops-health-run` and `health-check`.
export * from './checks.js';
export * from './runner.js';
export * from './types.js';
