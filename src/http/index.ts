// Web-standard HTTP handlers for every runbook endpoint.
export * from './handlers.js';
export * from './request.js';
export * from './respond.js';
export * from './router.js';
