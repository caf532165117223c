// Incident log helpers and the runbook's alert conditions.
export type * from './alerts.js';
export * from './conditions.js';
export * from './query.js';
export * from './recorder.js';
export type * from './store.js';
