// The load bench's run, small: 60 whole calls with injected faults, on memory and on PostgreSQL.
// Every status event Twilio got an answer for must be applied exactly once and every call must end
// in the status the monotonic rule gives; the faults must have happened and been survived.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RATES, type FaultRates } from '../../bench/load/plan.js';
import { type LoadResult, runLoad } from '../../bench/load/run.js';
import { createMemoryStores } from '../../src/storage/memory/index.js';
import { createPostgresStores } from '../../src/storage/postgres/stores.js';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../support/pg.js';

const CALLS = 60;
// Heavier than the bench's defaults, so 60 calls surely see an outage of each kind.
const RATES: FaultRates = {
  ...DEFAULT_RATES,
  twilioOutage: 0.05,
  openaiOutage: 0.05,
  bothDown: 0.3,
  modelRefuse: 0.08,
  modelCloseMidCall: 0.08,
};
const SEED = 7;

function expectSound(r: LoadResult): void {
  expect(r.calls).toBe(CALLS);
  expect(r.samples.filter((s) => /LOST|DOUBLED/.test(s))).toEqual([]);
  expect(r.status.lost).toBe(0);
  expect(r.status.doubled).toBe(0);
  expect(r.status.wrongStatus).toBe(0);
  expect(r.status.endIncidentMismatch).toBe(0);
  // Not vacuous: events were duplicated and retried, faults were injected and acted on.
  expect(r.status.acked).toBeGreaterThan(CALLS * 2);
  expect(r.status.requests).toBeGreaterThan(r.status.events);
  expect(r.faults['status webhooks answer dropped after the app']).toBeGreaterThan(0);
  expect(r.faults['model sockets refused/cut by outages']).toBeGreaterThan(0);
  expect(r.faults['twilio creates answered 5xx']).toBeGreaterThan(0);
  const fellBack = r.fallbacks.providerFailover + r.fallbacks.reconnect + r.fallbacks.fallbackMessage;
  expect(fellBack).toBeGreaterThan(0);
  expect(r.fallbacks.startRetried).toBeGreaterThan(0);
  expect(Object.values(r.transitions).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  expect(r.incidents.circuitOpen).toBe(
    Object.entries(r.transitions)
      .filter(([k]) => k.endsWith('-> open'))
      .reduce((n, [, v]) => n + v, 0),
  );
  expect(r.successes).toBeGreaterThan(0);
  expect(r.outcomes.harness_error).toBe(0);
}

describe('load: whole calls with injected faults on the in-memory stores', () => {
  it('applies every acknowledged status event exactly once and survives the faults', async () => {
    const r = await runLoad({
      label: 'memory',
      stores: createMemoryStores(),
      calls: CALLS,
      concurrency: 16,
      seed: SEED,
      rates: RATES,
    });
    expectSound(r);
  }, 120_000);
});

describe.skipIf(!databaseUrl)('load: whole calls with injected faults on PostgreSQL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('load');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('applies every acknowledged status event exactly once and survives the faults', async () => {
    const stores = await createPostgresStores({ sql: db.pool(10) });
    const r = await runLoad({
      label: 'postgres',
      stores,
      calls: CALLS,
      concurrency: 16,
      seed: SEED,
      rates: RATES,
    });
    expectSound(r);
    // The one-call path replays duplicates inside the database.
    expect(r.status.replays).toBeGreaterThan(0);
  }, 120_000);
});
