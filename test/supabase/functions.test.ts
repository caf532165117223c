// The Supabase example, for real: every function runs in its own process on the real Deno binary,
// offline, against the test PostgreSQL and the loopback FakeTwilio, reached through a stand-in for
// Supabase's gateway (`/functions/v1/<name>`), so the URLs Twilio signs are the functions' URLs.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeTwilio } from '../../src/testing/index.js';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../support/pg.js';
import {
  type DenoFunction,
  type DenoProject,
  FUNCTIONS,
  type FunctionName,
  prepareDenoProject,
  startFunction,
  startGateway,
} from './deno-harness.js';

const API_TOKEN = 'api-token-supabase-0123456789';
const OPS_TOKEN = 'ops-token-supabase-0123456789';
const STREAM_TOKEN_SECRET = 'stream-secret-supabase-0123456789';
const FROM = '+15005550006';
const TO = '+14155550123';
const MEDIA_STREAM_URL = 'wss://bridge.example.test/media-stream';

describe.skipIf(!databaseUrl)('Supabase example on Deno (each function its own process)', () => {
  let db: TestDatabase;
  let fake: FakeTwilio;
  let project: DenoProject;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  const running: DenoFunction[] = [];
  const routes = new Map<string, string>();
  /** health-check started without STREAM_TOKEN_SECRET, reached directly. */
  let misconfigured: DenoFunction;

  const call = (name: FunctionName, init: RequestInit & { token?: string; json?: unknown } = {}) => {
    const headers = new Headers(init.headers);
    if (init.token) headers.set('authorization', `Bearer ${init.token}`);
    if (init.json !== undefined) headers.set('content-type', 'application/json');
    return fetch(`${gateway.baseUrl}/${name}`, {
      ...init,
      headers,
      body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
    });
  };
  const logs = () => running.map((f) => `--- ${f.name}\n${f.output()}`).join('\n');

  beforeAll(async () => {
    [db, fake, project] = await Promise.all([
      createTestDatabase('supabase_functions'),
      // Every status callback twice, in a shuffled order: each must still be applied once.
      FakeTwilio.start({ duplicates: 1, shuffle: true }),
      prepareDenoProject(),
    ]);
    gateway = await startGateway(() => routes);
    const env = {
      SUPABASE_DB_URL: db.url,
      PUBLIC_BASE_URL: gateway.baseUrl,
      MEDIA_STREAM_URL,
      STREAM_TOKEN_SECRET,
      TWILIO_ACCOUNT_SID: fake.accountSid,
      TWILIO_AUTH_TOKEN: fake.authToken,
      TWILIO_FROM_NUMBER: FROM,
      TWILIO_API_BASE_URL: fake.baseUrl,
      API_TOKEN,
      OPS_TOKEN,
      PROVIDER_TIMEOUT_MS: '5000',
      // Everything logged, so the test below can check that no secret ever is.
      LOG_LEVEL: 'debug',
    };
    const { STREAM_TOKEN_SECRET: _, ...withoutSecret } = env;
    const started = await Promise.allSettled([
      ...Object.keys(FUNCTIONS).map((name) => startFunction(project, name, env)),
      startFunction(project, 'health-check', withoutSecret),
    ]);
    for (const result of started) if (result.status === 'fulfilled') running.push(result.value);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    misconfigured = running.pop()!;
    for (const fn of running) routes.set(fn.name, fn.url);
  });

  afterAll(async () => {
    if (misconfigured) running.push(misconfigured);
    await Promise.all(running.map((fn) => fn.stop()));
    await gateway?.close();
    await fake?.close();
    await db?.drop();
    project?.remove();
    for (const fn of running) expect(fn.child.exitCode !== null || fn.child.signalCode !== null).toBe(true);
  });

  it('health-check is public and says the store is reachable, nothing secret', async () => {
    const res = await call('health-check');
    expect(res.status, logs()).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ store: 'reachable' });
    for (const secret of [API_TOKEN, OPS_TOKEN, STREAM_TOKEN_SECRET, fake.authToken, db.url]) {
      expect(text).not.toContain(secret);
    }
  });

  it('places a call, answers the signed webhooks and applies every status event once', async () => {
    expect((await call('calls-start', { method: 'POST', json: { to: TO } })).status).toBe(401);

    const start = () =>
      call('calls-start', {
        method: 'POST',
        token: API_TOKEN,
        headers: { 'idempotency-key': 'supabase-call-1' },
        json: { to: TO },
      });
    const res = await start();
    const body = (await res.json()) as { call: { id: string; callSid: string; to: string } };
    expect(res.status, JSON.stringify(body) + logs()).toBe(201);
    expect(body.call.to).toBe('********0123');
    const again = await start();
    expect(again.status).toBe(200);
    expect(((await again.json()) as typeof body).call.id).toBe(body.call.id);
    expect(fake.calls).toHaveLength(1);

    const sid = body.call.callSid;
    const deliveries = await fake.waitForCall(sid, undefined, 15_000);
    // The URLs Twilio was given (and signed) are the functions' public URLs.
    const created = fake.call(sid)!;
    expect(created.url).toBe(`${gateway.baseUrl}/twilio-voice?callId=${body.call.id}`);
    expect(created.statusCallback).toBe(`${gateway.baseUrl}/twilio-status?callId=${body.call.id}`);
    expect(
      deliveries.every((d) => d.status === 200),
      deliveries.map((d) => `${d.kind}:${d.params.CallStatus}->${d.status}`).join(' ') + logs(),
    ).toBe(true);
    const voice = deliveries.filter((d) => d.kind === 'voice');
    expect(voice).toHaveLength(1);
    expect(voice[0]!.body).toContain(`<Stream url="${MEDIA_STREAM_URL}"`);
    const status = deliveries.filter((d) => d.kind === 'status');
    expect(status).toHaveLength(8); // 4 events x (original + 1 duplicate)
    expect(status.filter((d) => d.copy === 1)).toHaveLength(4);

    const [row] = await db.sql`
      select status, last_sequence_number, ai_provider, call_sid from calls where id = ${body.call.id}`;
    expect(row).toMatchObject({ status: 'completed', call_sid: sid, last_sequence_number: 3 });
    // One idempotency key per status event (Twilio's token, shared by the duplicate), all completed.
    const tokens = new Set(status.map((d) => d.idempotencyToken));
    expect(tokens.size).toBe(4);
    const keys = await db.sql`select key, state from idempotency_keys`;
    const statusKeys = keys.filter((k) => [...tokens].some((t) => String(k.key).includes(t)));
    expect(statusKeys.map((k) => k.state)).toEqual(['completed', 'completed', 'completed', 'completed']);
    // A completed call writes no failure incident.
    const incidents = await db.sql`select code from incident_log where code like 'call_%'`;
    expect(incidents).toHaveLength(0);
  });

  it('rejects a forged webhook with 403 and changes nothing', async () => {
    const [before] = await db.sql`select count(*)::int as n from idempotency_keys`;
    const form = new URLSearchParams({
      AccountSid: fake.accountSid,
      CallSid: `CA${'f'.repeat(32)}`,
      CallStatus: 'completed',
      SequenceNumber: '9',
    });
    for (const name of ['twilio-status', 'twilio-voice'] as const) {
      const res = await call(name, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'Zm9yZ2Vk' },
        body: form.toString(),
      });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_signature');
    }
    const [after] = await db.sql`select count(*)::int as n from idempotency_keys`;
    expect(after!.n).toBe(before!.n);
  });

  it('ops-health-run needs the ops token and reports Twilio healthy', async () => {
    expect((await call('ops-health-run', { method: 'POST', token: API_TOKEN })).status).toBe(401);
    const res = await call('ops-health-run', { method: 'POST', token: OPS_TOKEN });
    const report = (await res.json()) as { results: { provider: string; status: string }[] };
    expect(res.status, JSON.stringify(report)).toBe(200);
    const byProvider = Object.fromEntries(report.results.map((r) => [r.provider, r.status]));
    expect(byProvider).toMatchObject({
      twilio: 'healthy',
      store: 'healthy',
      openai: 'not_configured',
      gemini: 'not_configured',
    });
    expect(fake.requests.some((r) => r.method === 'GET' && /Accounts\/AC\w+\.json$/.test(r.path))).toBe(true);
    const [twilio] =
      await db.sql`select last_health->>'status' as status from provider_status where provider = 'twilio'`;
    expect(twilio?.status).toBe('healthy');
  });

  it('openai-realtime-status answers without an OpenAI key (not configured)', async () => {
    const res = await call('openai-realtime-status', { token: API_TOKEN });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ configured: false, available: false });
  });

  it('a misconfigured function answers a generic 500 and logs which variable is missing', async () => {
    const res = await fetch(`${misconfigured.url}/health-check`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      error: { code: 'internal', message: 'The function is misconfigured; see its logs' },
    });
    await vi.waitFor(() =>
      expect(misconfigured.output()).toContain('Missing environment variable STREAM_TOKEN_SECRET'),
    );
  });

  it('logs no secret and no full phone number', () => {
    const output = running.map((fn) => fn.output()).join('\n') + misconfigured.output();
    expect(output).toContain('call placed'); // the logs were written, with the number masked
    for (const secret of [API_TOKEN, OPS_TOKEN, STREAM_TOKEN_SECRET, fake.authToken, TO, TO.slice(1)]) {
      expect(output).not.toContain(secret);
    }
  });

  it('ran offline: Deno downloaded nothing', () => {
    const npmCache = join(project.denoDir, 'npm');
    expect(existsSync(npmCache) ? readdirSync(npmCache) : []).toEqual([]);
    expect(
      existsSync(join(project.denoDir, 'remote')) ? readdirSync(join(project.denoDir, 'remote')) : [],
    ).toEqual([]);
  });
});
