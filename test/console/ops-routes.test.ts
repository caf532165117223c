// What the ops routes add for the console (server time, cooldown remaining, flag editors), and the
// console mounted through steadycall/express under a prefix, on a real loopback server.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { opsConsole, steadycallRouter } from '../../src/adapters/express-entry.js';
import { flagInput } from '../../src/http/ops-views.js';
import {
  CallOrchestrator,
  createHandlers,
  createMemoryStores,
  createRouter,
  defineFlag,
  defineFlags,
  OPS_CONSOLE_CSP,
  runbookFlags,
} from '../../src/index.js';
import { FakeClock } from '../../src/testing/index.js';

const OPS = 'ops-token-console-0123456789';
const retries = defineFlag({
  key: 'calls.retry_policy',
  schema: z.object({ attempts: z.number().int().min(1) }),
  defaultValue: { attempts: 2 },
  description: 'Retries',
});
const region = defineFlag({
  key: 'calls.region',
  schema: z.enum(['us1', 'ie1']),
  defaultValue: 'us1',
  description: 'Region',
});

interface ProviderRow {
  provider: string;
  circuit: string;
  cooldownRemainingMs: number;
}
interface FlagRow {
  flagKey: string;
  value: unknown;
  input: unknown;
}
interface OpsBody {
  now: number;
  providers: ProviderRow[];
  flags: FlagRow[];
}

function setup() {
  const clock = new FakeClock(1_700_000_000_000);
  const orchestrator = new CallOrchestrator({
    stores: createMemoryStores(),
    publicBaseUrl: 'https://voice.example.com',
    streamTokenSecret: 'stream-secret-0123456789abcdef',
    flags: defineFlags([retries, region]),
    clock,
  });
  const route = createRouter(createHandlers(orchestrator, { opsTokens: [OPS] }));
  const call = async (path: string, init: RequestInit = {}) => {
    const res = await route(
      new Request(`http://localhost${path}`, {
        ...init,
        headers: { authorization: `Bearer ${OPS}`, 'content-type': 'application/json' },
      }),
    );
    return { status: res.status, body: (await res.json()) as OpsBody };
  };
  return { clock, orchestrator, call };
}

describe('ops routes for the console', () => {
  it('GET /ops/providers carries the server time and each open circuit’s cooldown remaining', async () => {
    const { clock, call } = setup();
    const open = await call('/ops/breakers/twilio/force-open', {
      method: 'POST',
      body: JSON.stringify({ forMs: 60_000 }),
    });
    expect(open.status).toBe(200);
    await call('/ops/breakers/openai/reset', { method: 'POST' });
    await clock.advance(15_000);
    const { status, body } = await call('/ops/providers');
    expect(status).toBe(200);
    expect(body.now).toBe(clock.now());
    const byName = Object.fromEntries(body.providers.map((p) => [p.provider, p]));
    expect(byName.twilio).toMatchObject({ circuit: 'open', cooldownRemainingMs: 45_000 });
    expect(byName.openai).toMatchObject({ circuit: 'closed', cooldownRemainingMs: 0 });
    await clock.advance(60_000);
    const later = await call('/ops/providers');
    const twilio = later.body.providers.find((p) => p.provider === 'twilio');
    expect(twilio?.cooldownRemainingMs).toBe(0);
  });

  it('GET /ops/flags says how each flag is edited; values stay as before', async () => {
    const { call } = setup();
    const { body } = await call('/ops/flags');
    const flags = body.flags;
    const inputs = Object.fromEntries(flags.map((f) => [f.flagKey, f.input]));
    expect(inputs['ai.enabled']).toEqual({ kind: 'boolean' });
    expect(inputs['ai.provider.preferred']).toEqual({ kind: 'enum', options: ['gemini', 'openai'] });
    expect(inputs['calls.region']).toEqual({ kind: 'enum', options: ['us1', 'ie1'] });
    expect(inputs['calls.retry_policy']).toEqual({ kind: 'json' });
    expect(flags.find((f) => f.flagKey === 'calls.retry_policy')).toMatchObject({
      value: { attempts: 2 },
      reason: 'DEFAULT',
      description: 'Retries',
      defaultValue: { attempts: 2 },
    });
    const bad = await call('/ops/flags/calls.retry_policy', {
      method: 'PUT',
      body: JSON.stringify({ value: { attempts: 0 } }),
    });
    expect(bad.status).toBe(400);
  });

  it('flagInput falls back to JSON for anything but booleans and string enums', () => {
    expect(flagInput(runbookFlags['sms.enabled'])).toEqual({ kind: 'boolean' });
    expect(flagInput(undefined)).toEqual({ kind: 'json' });
    const optional = defineFlag({
      key: 'x',
      schema: z.boolean().optional(),
      defaultValue: true,
      description: 'x',
    });
    expect(flagInput(optional)).toEqual({ kind: 'json' });
    const numbers = defineFlag({ key: 'n', schema: z.number(), defaultValue: 1, description: 'n' });
    expect(flagInput(numbers)).toEqual({ kind: 'json' });
  });
});

describe('opsConsole (steadycall/express)', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it('serves the console next to the router under a prefix; its API base resolves to the ops routes', async () => {
    const { orchestrator } = setup();
    const app = express();
    app.use('/steadycall', steadycallRouter(orchestrator, { opsTokens: [OPS] }));
    app.use('/steadycall', opsConsole());
    app.use((_req, res) => {
      res.status(404).send('fell through');
    });
    server = createServer(app);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const bare = await fetch(`${base}/steadycall/ops/console`, { redirect: 'manual' });
    expect(bare.status).toBe(308);
    const pageUrl = new URL(bare.headers.get('location')!, `${base}/steadycall/ops/console`);
    expect(pageUrl.pathname).toBe('/steadycall/ops/console/');
    const page = await fetch(pageUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(OPS_CONSOLE_CSP);
    const html = await page.text();
    const apiBase = /name="steadycall-ops-api" content="([^"]*)"/.exec(html)![1]!;
    const providers = await fetch(new URL('ops/providers', new URL(apiBase, pageUrl)), {
      headers: { authorization: `Bearer ${OPS}` },
    });
    expect(providers.status).toBe(200);
    expect(await providers.json()).toMatchObject({ providers: [] });
    const script = await fetch(new URL('console.js', pageUrl));
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    // Other paths and methods pass through to what follows.
    expect(await (await fetch(`${base}/steadycall/ops/console/nope`)).text()).toBe('Not found');
    expect(await (await fetch(`${base}/elsewhere`)).text()).toBe('fell through');
    const post = await fetch(pageUrl, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
  });

  it('passes on methods fetch cannot express instead of failing the request', async () => {
    const app = express();
    app.use(opsConsole());
    app.use((req, res) => {
      res.status(404).send(`fell through: ${req.method}`);
    });
    server = createServer(app);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const answer = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/ops/console/', method: 'TRACE' }, (res) => {
        let text = '';
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => resolve(`${res.statusCode} ${text}`));
      });
      req.on('error', reject);
      req.end();
    });
    expect(answer).toBe('404 fell through: TRACE');
  });
});
