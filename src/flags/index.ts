// The flags module: typed catalog, pure evaluation, cached resolver and AI provider choice.
export * from './catalog.js';
export * from './choose-provider.js';
export * from './define.js';
export * from './evaluate.js';
export * from './resolver.js';
export * from './rollout.js';
export type * from './store.js';
