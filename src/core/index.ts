export * from './clock.js';
export * from './disposable.js';
export * from './errors.js';
export * from './hash.js';
export * from './ids.js';
export * from './logger.js';
export * from './redact.js';
export * from './types.js';
