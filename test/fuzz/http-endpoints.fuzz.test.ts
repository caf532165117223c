// Fuzzes every route of the web-standard router directly (fast, many runs): whatever arrives, the
// answer is a documented status with the JSON error shape, and nothing throws or rejects unhandled.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SteadyCallHandlers } from '../../src/http/handlers.js';
import { createRouter } from '../../src/http/router.js';
import { allowedMethods, requestSpec, toRequest } from './requests.js';
import {
  API_TOKEN,
  createService,
  enumerateRoutes,
  expectWellFormed,
  fuzzRuns,
  trackUnhandled,
} from './service.js';

const RUNS = fuzzRuns(500);
const routes = enumerateRoutes();
const counts: Record<string, number> = {};
const statuses: Record<number, number> = {};
let unhandled: ReturnType<typeof trackUnhandled>;

beforeAll(() => {
  unhandled = trackUnhandled();
});
afterAll(() => {
  unhandled.stop();
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  console.log(
    `[fuzz] http handlers: ${total} requests over ${routes.length} routes (${Object.entries(counts)
      .map(([r, n]) => `${r}=${n}`)
      .join(' ')}); statuses ${JSON.stringify(statuses)}`,
  );
});

describe('fuzzing every route through the web-standard router', () => {
  it('enumerates the routes from the router table', () => {
    expect(routes.length).toBeGreaterThanOrEqual(14);
    expect(routes.map((r) => r.template)).toEqual(
      expect.arrayContaining(['/calls-start', '/twilio-voice', '/twilio-status', '/ops/flags/:key']),
    );
  });

  it('the route table reaches every handler (a handler routed elsewhere would escape the fuzz)', async () => {
    const reached = new Set<string>();
    const spy = new Proxy({} as SteadyCallHandlers, {
      get: (_target, name) => async () => {
        reached.add(String(name));
        return new Response('{}');
      },
    });
    const route = createRouter(spy);
    for (const r of routes) {
      await route(
        new Request(`http://localhost${r.template.replace(/:\w+/g, 'twilio')}`, { method: 'POST' }),
      );
    }
    expect([...reached].sort()).toEqual(Object.keys(createService().handlers).sort());
  });

  it.each(routes.map((r) => [r.template, r] as const))('%s', async (template, route) => {
    // One service per route: state carries over between runs (breakers forced open, flags set).
    const service = createService();
    const allowed = await allowedMethods(route, service.route);
    await fc.assert(
      fc.asyncProperty(requestSpec(route, allowed), async (spec) => {
        const request = await toRequest(route, spec);
        const response = await service.route(request);
        counts[template] = (counts[template] ?? 0) + 1;
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        await expectWellFormed(response, `${spec.method} ${template}`, spec.method);
      }),
      { numRuns: RUNS },
    );
    expect(unhandled.errors).toEqual([]);
  });

  it('every route, interleaved against one service (breakers opened by one route answer another)', async () => {
    const service = createService();
    const allowed = new Map<string, string[]>();
    for (const route of routes) allowed.set(route.template, await allowedMethods(route, service.route));
    const pick = fc
      .constantFrom(...routes)
      .chain((route) => requestSpec(route, allowed.get(route.template)!).map((spec) => ({ route, spec })));
    await fc.assert(
      fc.asyncProperty(fc.array(pick, { minLength: 1, maxLength: 8 }), async (sequence) => {
        for (const { route, spec } of sequence) {
          const response = await service.route(await toRequest(route, spec));
          counts.interleaved = (counts.interleaved ?? 0) + 1;
          statuses[response.status] = (statuses[response.status] ?? 0) + 1;
          await expectWellFormed(response, `${spec.method} ${route.template} (interleaved)`, spec.method);
        }
      }),
      { numRuns: RUNS },
    );
    expect(unhandled.errors).toEqual([]);
  });

  it('with every circuit forced open, valid calls answer only the documented 503 with Retry-After', async () => {
    const service = createService();
    for (const provider of ['twilio', 'openai', 'gemini'] as const) {
      await service.orchestrator.forceOpenBreaker(provider, Date.now() + 3_600_000);
    }
    const valid = fc.record({
      path: fc.constantFrom('/calls-start', '/openai-realtime-session'),
      tenantId: fc.option(fc.constantFrom('acme', 't-1', 'x_y'), { nil: undefined }),
      key: fc.option(fc.stringMatching(/^[!-~]{1,64}$/), { nil: undefined }),
    });
    let unavailable = 0;
    await fc.assert(
      fc.asyncProperty(valid, async ({ path, tenantId, key }) => {
        const body =
          path === '/calls-start' ? { to: '+14155550123', tenantId } : { api: 'realtime', tenantId };
        const headers: Record<string, string> = {
          authorization: `Bearer ${API_TOKEN}`,
          'content-type': 'application/json',
        };
        if (key !== undefined) headers['idempotency-key'] = key;
        const response = await service.route(
          new Request(`http://localhost${path}`, { method: 'POST', headers, body: JSON.stringify(body) }),
        );
        counts['circuits-open'] = (counts['circuits-open'] ?? 0) + 1;
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        if (response.status === 503) unavailable++;
        expect(await expectWellFormed(response, `${path} (circuits open)`)).toBe('circuit_open');
      }),
      { numRuns: Math.ceil(RUNS / 5) },
    );
    expect(unavailable).toBe(Math.ceil(RUNS / 5));
  });

  it('answers a path no route serves with the JSON 404', async () => {
    const { route } = createService();
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), async (segment) => {
        const response = await route(new Request(`http://localhost/nope/${encodeURIComponent(segment)}`));
        expect(response.status).toBe(404);
        await expectWellFormed(response, 'unknown path');
      }),
      { numRuns: Math.ceil(RUNS / 5) },
    );
  });
});
