// Bearer authentication of the ops routes (every /ops route and /ops-health-run, read from the route
// table) and of the app routes: refused without, with a wrong, or with a misplaced token, before the
// body is read; compared in constant time.
import { describe, expect, it, vi } from 'vitest';
import { createHandlers } from '../../src/http/handlers.js';
import { createRouter } from '../../src/http/router.js';
import { timingSafeEqualString } from '../../src/telephony/signature.js';
import { allowedMethods, pathOf, type RequestSpec } from '../fuzz/requests.js';
import { API_TOKEN, createService, enumerateRoutes, expectWellFormed, OPS_TOKEN } from '../fuzz/service.js';

// Spy on the comparison the bearer check must use (the real implementation stays in place).
vi.mock('../../src/telephony/signature.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/telephony/signature.js')>();
  return { ...actual, timingSafeEqualString: vi.fn(actual.timingSafeEqualString) };
});

const routes = enumerateRoutes();
const opsRoutes = routes.filter((r) => r.kind === 'ops');
const apiRoutes = routes.filter((r) => r.kind === 'api');

function request(path: string, method: string, headers: Record<string, string> = {}): Request {
  const hasBody = method !== 'GET' && method !== 'HEAD';
  return new Request(`http://localhost${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: hasBody ? '{not json' : undefined,
  });
}

/** Every way of presenting a token that must be refused, given the route's right token. */
const refusals = (right: string, other: string): [string, string, Record<string, string>][] => [
  ['no token', '', {}],
  ['empty bearer', '', { authorization: 'Bearer ' }],
  ['wrong token', '', { authorization: `Bearer ${right.slice(0, -1)}X` }],
  ['token prefix', '', { authorization: `Bearer ${right.slice(0, 8)}` }],
  ['token with a suffix', '', { authorization: `Bearer ${right}x` }],
  ['the other route family token', '', { authorization: `Bearer ${other}` }],
  ['Basic scheme', '', { authorization: `Basic ${btoa(`ops:${right}`)}` }],
  ['bare token without scheme', '', { authorization: right }],
  ['two tokens', '', { authorization: `Bearer ${right} ${right}` }],
  ['token in ?token=', `?token=${right}`, {}],
  ['token in ?access_token=', `?access_token=${right}`, {}],
  ['token in ?authorization=', `?authorization=${encodeURIComponent(`Bearer ${right}`)}`, {}],
  ['token in another header', '', { 'x-ops-token': right, 'x-api-key': right }],
  ['token as a cookie', '', { cookie: `token=${right}` }],
];

describe.each([
  ['ops', opsRoutes, OPS_TOKEN, API_TOKEN],
  ['app', apiRoutes, API_TOKEN, OPS_TOKEN],
] as const)('%s routes', (_family, family, right, other) => {
  it('covers the routes of the family in the route table', () => {
    expect(family.length).toBeGreaterThan(0);
  });

  it.each(family.map((r) => [r.template, r] as const))(
    '%s refuses every misplaced or wrong token',
    async (_t, route) => {
      const { route: send } = createService();
      const path = pathOf(route, { params: route.params.map(() => 'twilio') } as RequestSpec);
      for (const method of await allowedMethods(route, send)) {
        for (const [what, query, headers] of refusals(right, other)) {
          const response = await send(request(path + query, method, headers));
          expect(response.status, `${method} ${path} with ${what}`).toBe(401);
          if (method !== 'HEAD') expect(await expectWellFormed(response, what, method)).toBe('unauthorized');
        }
        // The right token gets past authentication (whatever the garbage body then earns).
        const ok = await send(request(path, method, { authorization: `Bearer ${right}` }));
        expect(ok.status, `${method} ${path} with the right token`).not.toBe(401);
        await expectWellFormed(ok, 'authorised', method);
      }
    },
  );
});

describe('ops authentication without configured tokens', () => {
  it('refuses every ops route whatever is presented (no token configured means no access)', async () => {
    const { orchestrator } = createService();
    const send = createRouter(createHandlers(orchestrator, { apiTokens: [API_TOKEN] }));
    for (const route of opsRoutes) {
      const path = pathOf(route, { params: route.params.map(() => 'twilio') } as RequestSpec);
      for (const method of await allowedMethods(route, send)) {
        for (const authorization of [
          '',
          'Bearer ',
          'Bearer undefined',
          'Bearer null',
          `Bearer ${OPS_TOKEN}`,
        ]) {
          const response = await send(request(path, method, authorization ? { authorization } : {}));
          expect(response.status, `${method} ${path} '${authorization}'`).toBe(401);
        }
      }
    }
  });
});

describe('token comparison', () => {
  it('goes through the constant-time comparison, against every configured token', async () => {
    const spy = vi.mocked(timingSafeEqualString);
    spy.mockClear();
    const { orchestrator } = createService();
    const send = createRouter(
      createHandlers(orchestrator, { opsTokens: ['first-ops-token-aaaa', OPS_TOKEN] }),
    );
    const response = await send(
      request('/ops/providers', 'GET', { authorization: 'Bearer wrong-token-value' }),
    );
    expect(response.status).toBe(401);
    const compared = spy.mock.calls.map(([given, token]) => [given, token]);
    expect(compared).toEqual([
      ['wrong-token-value', 'first-ops-token-aaaa'],
      ['wrong-token-value', OPS_TOKEN],
    ]);
  });

  it('the comparison itself: equal only for equal strings, any length or prefix', () => {
    expect(timingSafeEqualString(OPS_TOKEN, OPS_TOKEN)).toBe(true);
    expect(timingSafeEqualString(OPS_TOKEN, `${OPS_TOKEN}x`)).toBe(false);
    expect(timingSafeEqualString(OPS_TOKEN.slice(0, 5), OPS_TOKEN)).toBe(false);
    expect(timingSafeEqualString('', OPS_TOKEN)).toBe(false);
    expect(timingSafeEqualString('é', 'e\u0301')).toBe(false);
  });
});
