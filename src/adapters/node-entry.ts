// `steadycall/node`: Twilio media streams on a Node http.Server, and the `ws` socket factory.

export { webSocketFactory, wsSocketFactory } from '../realtime/providers/ws-socket.js';
export * from './node.js';
