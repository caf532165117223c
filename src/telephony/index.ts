// Twilio: signatures, TwiML, webhook schemas and the telephony port.
export type * from './provider.js';
export * from './signature.js';
export * from './twilio-errors.js';
export * from './twilio-rest.js';
export * from './twiml.js';
export * from './webhooks.js';
