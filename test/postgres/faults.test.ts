// PostgreSQL stops mid-run: typed errors and 503s with Retry-After, the process stays up, it
// recovers by itself once the server is back, and no half-written row is left behind.
// (No nock here: its socket interception resets postgres.js connections; everything is loopback.)
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import postgres from 'postgres';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../examples/express/app.js';
import { isStorageUnavailableError, silentLogger } from '../../src/index.js';
import { createPostgresStores, type PostgresStores } from '../../src/storage/postgres/index.js';
import { FAKE_AUTH_TOKEN, FakeTwilio } from '../../src/testing/index.js';
import { databaseUrl } from '../support/pg.js';
import { PgServer } from '../support/pg-server.js';

const API = 'api-token-0123456789abcdef';
const OPS = 'ops-token-0123456789abcdef';

describe.skipIf(!databaseUrl)('PostgreSQL outage', () => {
  let pg: PgServer;
  let stores: PostgresStores;
  let fake: FakeTwilio;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    pg = await PgServer.start({ durable: true });
    stores = await createPostgresStores({ url: pg.url, migrate: true, max: 4 });
    fake = await FakeTwilio.start();
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { app } = createApp(
      {
        PUBLIC_BASE_URL: base,
        STREAM_TOKEN_SECRET: 'stream-secret-0123456789abcdef',
        TWILIO_AUTH_TOKEN: FAKE_AUTH_TOKEN,
        TWILIO_FROM_NUMBER: '+15005550006',
        API_TOKEN: API,
        OPS_TOKEN: OPS,
      },
      { stores, twilioClient: fake.client({ timeout: 2000 }), logger: silentLogger },
    );
    server.on('request', app);
  }, 120_000);

  afterAll(async () => {
    await fake?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await stores?.close();
    await pg?.destroy();
  });

  const startCall = () =>
    fetch(`${base}/calls-start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API}` },
      body: JSON.stringify({ to: '+14155550123' }),
    });
  const statusWebhook = (callSid: string, status: string, seq: number) => {
    const params = {
      CallSid: callSid,
      AccountSid: `AC${'b'.repeat(32)}`,
      CallStatus: status,
      SequenceNumber: String(seq),
    };
    const url = `${base}/twilio-status`;
    return fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(FAKE_AUTH_TOKEN, url, params),
      },
      body: new URLSearchParams(params),
    });
  };

  it('answers 503 with Retry-After while the database is down and recovers by itself', async () => {
    const first = await startCall();
    expect(first.status).toBe(201);
    const { call } = (await first.json()) as { call: { id: string; callSid: string } };
    await fake.waitForCall(call.callSid);
    await fake.whenIdle();

    pg.stopServer();
    const webhook = await statusWebhook(call.callSid, 'completed', 9);
    expect(webhook.status).toBe(503);
    expect(Number(webhook.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await webhook.json()) as { error: { code: string } }).error.code).toBe('storage_unavailable');
    const start = await startCall();
    expect(start.status).toBe(503);
    expect(start.headers.get('retry-after')).not.toBeNull();
    const live = await fetch(`${base}/health-check`);
    expect(live.status).toBe(503);
    expect(await live.json()).toMatchObject({ store: 'unreachable' });
    await expect(stores.calls.get(call.id)).rejects.toSatisfy(isStorageUnavailableError);
    // Twilio was not asked to place a call that could not be recorded.
    expect(fake.calls).toHaveLength(1);

    pg.startServer();
    // The pool reconnects on its own: no restart, no manual step. Bounded retries, no timing assertion.
    let recovered = 0;
    for (let i = 0; i < 50 && recovered !== 200; i++) {
      recovered = (await fetch(`${base}/health-check`)).status;
      if (recovered !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(recovered).toBe(200);
    const retried = await statusWebhook(call.callSid, 'completed', 9);
    expect(retried.status).toBe(200);
    const again = await startCall();
    expect(again.status).toBe(201);
    const { call: second } = (await again.json()) as { call: { callSid: string } };
    await fake.waitForCall(second.callSid);
    await fake.whenIdle();

    // No half-written row: every call has its CallSid and a final status, every ledger row completed.
    const sql = postgres(pg.url, { prepare: false, max: 1, onnotice: () => {} });
    try {
      const calls = await sql`select id, call_sid, status from calls`;
      expect(calls, JSON.stringify(calls)).toHaveLength(2);
      for (const row of calls) {
        expect(row.call_sid).not.toBeNull();
        expect(row.status).toBe('completed');
      }
      const pending = await sql`select key from idempotency_keys where state <> 'completed'`;
      expect(pending).toHaveLength(0);
    } finally {
      await sql.end();
    }
  }, 120_000);
});
