import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { steadycallRouter } from '../../src/adapters/express.js';
import { CallOrchestrator, createMemoryStores } from '../../src/index.js';

function send(port: number, method: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let text = '';
      res.on('data', (chunk) => {
        text += chunk;
      });
      res.on('end', () => resolve(`${res.statusCode} ${text}`));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('steadycallRouter and methods fetch cannot express', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it('passes TRACE and CONNECT on to the host app instead of answering 500', async () => {
    const orchestrator = new CallOrchestrator({
      stores: createMemoryStores(),
      publicBaseUrl: 'http://127.0.0.1',
      streamTokenSecret: 'stream-secret-0123456789abcdef',
    });
    const app = express();
    app.use('/', steadycallRouter(orchestrator, { opsTokens: ['ops-token-methods-0123456789'] }));
    app.use((req, res) => {
      res.status(405).send(`host app: ${req.method}`);
    });
    server = createServer(app);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    expect(await send(port, 'TRACE', '/twilio-status')).toBe('405 host app: TRACE');
    expect(await send(port, 'TRACE', '/ops/providers')).toBe('405 host app: TRACE');
    // Ordinary methods still reach steadycall.
    expect(await send(port, 'GET', '/ops/providers')).toMatch(/^401 /);
  });
});
