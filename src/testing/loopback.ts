import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebSocketServer } from 'ws';

/** Listens on 127.0.0.1 (port 0 = any free port) and resolves with the port: every fake's start. */
export async function listenLoopback(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/**
 * Shuts a fake's WebSocket server down completely: its connections' own timers, every client
 * socket, the WebSocket server and the HTTP server with its keep-alive connections.
 */
export async function closeUpgradeServer(
  wss: WebSocketServer,
  server: Server,
  connections: Set<{ dispose(): void }>,
): Promise<void> {
  for (const connection of connections) connection.dispose();
  connections.clear();
  for (const client of wss.clients) client.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
