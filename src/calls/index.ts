// Call records and their monotonic status rules.
export * from './status.js';
export type * from './store.js';
