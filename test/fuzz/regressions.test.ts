// Plain regression tests for the bugs the fuzz and security suites found, one per bug.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { attachMediaStreams, type MediaStreamServer } from '../../src/adapters/node.js';
import { type Logger, redactingLogger } from '../../src/core/logger.js';
import { createRedactor } from '../../src/core/redact.js';
import { createHandlers } from '../../src/http/handlers.js';
import { CallOrchestrator } from '../../src/orchestrator/orchestrator.js';
import { WarmSessions } from '../../src/realtime/sessions.js';
import { createMemoryStores } from '../../src/storage/memory/index.js';
import { createPostgresStores } from '../../src/storage/postgres/index.js';
import { formParams } from '../../src/telephony/webhooks.js';
import { ScriptedRealtimeSession } from '../../src/testing/index.js';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../support/pg.js';
import {
  API_TOKEN,
  BASE_URL,
  createService,
  OPS_TOKEN,
  STREAM_SECRET,
  signer,
  stubTelephony,
  TWILIO_AUTH_TOKEN,
} from './service.js';

function recordingLogger(): Logger & { lines: unknown[] } {
  const lines: unknown[] = [];
  const push = (...args: unknown[]) => lines.push(args);
  return { lines, debug: push, info: push, warn: push, error: push, child: () => recordingLogger() };
}

describe('media stream: a frame over the 64 KiB limit', () => {
  let server: Server;
  let media: MediaStreamServer;
  afterEach(async () => {
    await media.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  // Found by media-stream.fuzz: ws emits 'error' (WS_ERR_UNSUPPORTED_MESSAGE_LENGTH) on the server
  // socket; with no listener it was thrown as an uncaught exception, ending the process.
  it('closes that stream with 1009 and throws nothing', async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const factory = Object.assign(() => new ScriptedRealtimeSession('openai-realtime'), {
      providers: ['openai' as const],
    });
    const sessions = new WarmSessions({ factory });
    const orchestrator = new CallOrchestrator({
      stores: createMemoryStores(),
      publicBaseUrl: base,
      streamTokenSecret: STREAM_SECRET,
      twilio: { telephony: stubTelephony(), authTokens: TWILIO_AUTH_TOKEN },
      warmSessions: sessions,
    });
    const logger = recordingLogger();
    media = attachMediaStreams(server, { orchestrator, sessions, logger });
    const uncaught: unknown[] = [];
    const onError = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onError);
    try {
      const url = `${base.replace('http', 'ws')}/media-stream`;
      const ws = new WebSocket(url, { headers: { 'x-twilio-signature': await signer.sign(url) } });
      ws.on('error', () => {});
      await new Promise((resolve) => ws.once('open', resolve));
      const code = new Promise<number>((resolve) => ws.once('close', resolve));
      ws.send('x'.repeat(65 * 1024));
      expect(await code).toBe(1009);
      await expect.poll(() => media.active).toBe(0);
      expect(uncaught).toEqual([]);
      expect(JSON.stringify(logger.lines)).toContain('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
    } finally {
      process.off('uncaughtException', onError);
    }
  });
});

describe('Twilio form params named like Object.prototype members', () => {
  // Found by signatures.test: `formParams` built a plain object, so `__proto__=x` replaced its
  // prototype instead of becoming a param (left out of the signed string: a signed body could gain
  // it unnoticed), and `constructor=x` was merged with Object's constructor function (a genuine
  // webhook carrying it failed its signature).
  it('keeps every key as an own param', () => {
    const params = formParams('__proto__=a&constructor=b&toString=c&CallSid=d');
    expect(Object.keys(params).sort()).toEqual(['CallSid', '__proto__', 'constructor', 'toString']);
    expect(params.constructor).toBe('b');
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('refuses a signed body with such a param added, accepts one genuinely signed with it', async () => {
    const { route, orchestrator } = createService();
    const { call } = await orchestrator.startCall({ to: '+14155550123' });
    const params = { CallSid: call.callSid!, AccountSid: `AC${'cd34'.repeat(8)}`, CallStatus: 'ringing' };
    const post = (body: string, signature: string) =>
      route(
        new Request('http://localhost/twilio-status', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
          body,
        }),
      );
    const signature = await signer.sign(`${BASE_URL}/twilio-status`, params);
    const body = new URLSearchParams(params).toString();
    expect((await post(`${body}&__proto__=x`, signature)).status).toBe(403);
    const withKey = { ...params, constructor: 'x' };
    const genuine = await signer.sign(`${BASE_URL}/twilio-status`, withKey);
    expect((await post(`${body}&constructor=x`, genuine)).status).toBe(200);
  });
});

describe('redaction of what the HTTP handlers and child loggers log', () => {
  // Found by the suite-wide leak check: the handlers logged unexpected errors to the caller's
  // logger unredacted, and a redacting logger passed child bindings through unredacted.
  it('an unexpected error is logged with its tokens and phone numbers masked', async () => {
    const { orchestrator } = createService();
    const logger = recordingLogger();
    const handlers = createHandlers(orchestrator, {
      apiTokens: [API_TOKEN],
      logger,
      authorize: () => {
        throw new Error(`lookup of ${API_TOKEN} for +14155550123 failed`);
      },
    });
    const response = await handlers.openaiRealtimeStatus(
      new Request('http://localhost/openai-realtime-status'),
    );
    expect(response.status).toBe(500);
    const logged = JSON.stringify(logger.lines);
    expect(logged).toContain('lookup of [REDACTED] for +*******0123 failed');
    expect(logged).not.toContain(API_TOKEN);
    expect(logged).not.toContain('4155550123');
  });

  it('child bindings are redacted like entries', () => {
    const bindings: unknown[] = [];
    const inner: Logger = {
      debug: () => {},
      info: () => {},
      warn: () => {},
      error: () => {},
      child: (b) => {
        bindings.push(b);
        return inner;
      },
    };
    redactingLogger(inner, createRedactor({ secrets: [API_TOKEN] })).child?.({
      to: '+14155550123',
      key: API_TOKEN,
    });
    expect(JSON.stringify(bindings)).not.toContain('4155550123');
    expect(JSON.stringify(bindings)).not.toContain(API_TOKEN);
  });
});

describe('a request body that breaks off mid-upload', () => {
  // Found by the raw-socket case of http-express.fuzz: an upload cut by the client (ECONNRESET on
  // the body stream) became a 500 and an 'unexpected error' log line for every hang-up.
  it('is bad input (400, the JSON error shape), not an unexpected error', async () => {
    const { orchestrator } = createService();
    const logger = recordingLogger();
    const handlers = createHandlers(orchestrator, { apiTokens: [API_TOKEN], logger });
    let sent = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) return controller.error(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
        sent = true;
        controller.enqueue(new TextEncoder().encode('{"to":'));
      },
    });
    const response = await handlers.callsStart(
      new Request('http://localhost/calls-start', {
        method: 'POST',
        headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
        body,
        duplex: 'half',
      } as RequestInit),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'validation_failed' } });
    expect(logger.lines).toEqual([]);
  });
});

describe('PUT /ops/flags/:key with a tenantOverrides that is not a map', () => {
  // Found by http-endpoints.fuzz: `{"tenantOverrides":null,"value":true}` answered 500 (a TypeError
  // in the resolver), and a number or an array was stored as the flag's overrides.
  it.each(['null', '5', '[]', '"acme"', 'true'])(
    'refuses tenantOverrides: %s with 400',
    async (overrides) => {
      const { route } = createService();
      const response = await route(
        new Request('http://localhost/ops/flags/ai.enabled', {
          method: 'PUT',
          headers: { authorization: `Bearer ${OPS_TOKEN}`, 'content-type': 'application/json' },
          body: `{"value":true,"tenantOverrides":${overrides}}`,
        }),
      );
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        error: { code: 'validation_failed', details: { issues: [{ path: 'tenantOverrides' }] } },
      });
    },
  );

  it('still accepts a map of tenant overrides', async () => {
    const { route, orchestrator } = createService();
    const response = await route(
      new Request('http://localhost/ops/flags/ai.enabled', {
        method: 'PUT',
        headers: { authorization: `Bearer ${OPS_TOKEN}`, 'content-type': 'application/json' },
        body: '{"value":true,"tenantOverrides":{"acme":false}}',
      }),
    );
    expect(response.status).toBe(200);
    expect(await orchestrator.flags.getValue('ai.enabled', { tenantId: 'acme', targetingKey: 'acme' })).toBe(
      false,
    );
  });
});

describe('calls-start with an Idempotency-Key and a tenantId holding a lone surrogate', () => {
  // Found by http-endpoints.fuzz: the key scope URI-encodes the tenant id before the body is
  // validated, and encodeURIComponent throws on a lone surrogate: a 500.
  it('is refused as bad input (400)', async () => {
    const { route, telephony } = createService();
    const response = await route(
      new Request('http://localhost/calls-start', {
        method: 'POST',
        headers: {
          authorization: `Bearer ${API_TOKEN}`,
          'content-type': 'application/json',
          'idempotency-key': 'key-1',
        },
        body: '{"to":"+14155550123","tenantId":"\\ud800"}',
      }),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'validation_failed' } });
    expect(telephony.created).toBe(0);
  });
});

describe.skipIf(!databaseUrl)(
  'values PostgreSQL refuses (NUL bytes, lone surrogates, times out of range)',
  () => {
    // Found by http-postgres.fuzz: each reached PostgreSQL and came back as a 500.
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase('fuzz_regressions');
    });
    afterAll(async () => {
      await db?.drop();
    });

    it.each([
      ['/calls-start', 'POST', API_TOKEN, '{"to":"+14155550123","metadata":{"note":"\\u0000"}}'],
      ['/calls-start', 'POST', API_TOKEN, '{"to":"+14155550123","metadata":{"\\ud800":1}}'],
      ['/ops/flags/ai.enabled', 'PUT', OPS_TOKEN, '{"value":true,"tenantOverrides":{"a\\u0000":false}}'],
      ['/ops/breakers/twilio/force-open', 'POST', OPS_TOKEN, '{"until":9224318016000000}'],
      ['/ops/incidents?since=99999999999999999999999', 'GET', OPS_TOKEN, undefined],
      ['/ops/incidents?provider=%00', 'GET', OPS_TOKEN, undefined],
    ])('%s %s %s is refused with 400', async (path, method, token, body) => {
      const { route } = createService({}, await createPostgresStores({ sql: db.sql }));
      const response = await route(
        new Request(`http://localhost${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body,
        }),
      );
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'validation_failed' } });
    });
  },
);
