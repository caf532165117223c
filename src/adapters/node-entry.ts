/**
 * Node-only pieces: Twilio media streams served on an `http.Server` (the realtime audio bridge),
 * and the `ws`-based socket factory for model connections.
 *
 * @example
 * ```ts
 * import { attachMediaStreams, wsSocketFactory } from 'steadycall/node';
 *
 * const server = app.listen(3000);
 * attachMediaStreams(server, { orchestrator, sessions });
 * ```
 *
 * @packageDocumentation
 * @module steadycall/node
 */
// `steadycall/node`: Twilio media streams on a Node http.Server, and the `ws` socket factory.

export { webSocketFactory, wsSocketFactory } from '../realtime/providers/ws-socket.js';
export * from './node.js';
