// The router fuzz again on PostgreSQL stores (fewer runs: every request is store round trips):
// hostile input must not reach the database as a 500 (encoding errors, lone surrogates, huge
// numbers in jsonb, ...), and every incident written there is captured by the suite's leak check.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStores } from '../../src/storage/postgres/index.js';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../support/pg.js';
import { allowedMethods, requestSpec, toRequest } from './requests.js';
import {
  createService,
  enumerateRoutes,
  expectWellFormed,
  fuzzRuns,
  type Service,
  trackUnhandled,
} from './service.js';

const RUNS = fuzzRuns(500, 0.2);
const routes = enumerateRoutes();
const counts: Record<string, number> = {};
const statuses: Record<number, number> = {};

describe.skipIf(!databaseUrl)('fuzzing every route on PostgreSQL stores', () => {
  let db: TestDatabase;
  let service: Service;
  let unhandled: ReturnType<typeof trackUnhandled>;

  beforeAll(async () => {
    unhandled = trackUnhandled();
    db = await createTestDatabase('fuzz_http');
    service = createService({}, await createPostgresStores({ sql: db.sql }));
  });
  afterAll(async () => {
    await db?.drop();
    unhandled.stop();
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    console.log(
      `[fuzz] http handlers on PostgreSQL: ${total} requests (${Object.entries(counts)
        .map(([r, n]) => `${r}=${n}`)
        .join(' ')}); statuses ${JSON.stringify(statuses)}`,
    );
  });

  it.each(routes.map((r) => [r.template, r] as const))('%s', async (template, route) => {
    const allowed = await allowedMethods(route, service.route);
    await fc.assert(
      fc.asyncProperty(requestSpec(route, allowed), async (spec) => {
        const response = await service.route(await toRequest(route, spec));
        counts[template] = (counts[template] ?? 0) + 1;
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        await expectWellFormed(response, `${spec.method} ${template} (PostgreSQL)`, spec.method);
      }),
      { numRuns: RUNS },
    );
    expect(unhandled.errors).toEqual([]);
  });
});
