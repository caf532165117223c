// `steadycall/express`: the Express 5 router.
export * from './express.js';
