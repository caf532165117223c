import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { geminiHealthCheck, openAiHealthCheck, storeHealthCheck } from '../../src/health/checks.js';
import { HealthRunner, liveness } from '../../src/health/runner.js';
import type { HealthCheck } from '../../src/health/types.js';
import { IncidentRecorder } from '../../src/incidents/recorder.js';
import { MemoryIdempotencyStore } from '../../src/storage/memory/idempotency.js';
import { MemoryIncidentLog } from '../../src/storage/memory/incidents.js';
import { MemoryProviderStatusStore } from '../../src/storage/memory/provider-status.js';
import { faultyStore } from '../../src/testing/store-probes.js';
import { capturingLogger, GEMINI_KEY, OPENAI_KEY, recordingFetch } from './helpers.js';

const T0 = 1_700_000_000_000;
const DAY = 24 * 60 * 60 * 1000;
const GEMINI = 'https://generativelanguage.googleapis.com';

const healthy = (provider: string): HealthCheck => ({
  provider,
  check: async () => ({ status: 'healthy', latencyMs: 1 }),
});
const down = (provider: string): HealthCheck => ({
  provider,
  check: async () => ({ status: 'down', latencyMs: 1, message: 'server error (HTTP 503)' }),
});

async function seedKeys(store: MemoryIdempotencyStore, keys: string[], now: number, ttlMs: number) {
  for (const key of keys) {
    await store.claim({ key, fingerprint: 'f', ownerToken: 'o', leaseMs: 1000, ttlMs, now });
  }
}

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterEach(() => {
  nock.abortPendingRequests();
  nock.cleanAll();
});
afterAll(() => {
  nock.enableNetConnect();
});

describe('HealthRunner idempotency purge', () => {
  it('purges expired idempotency keys and reports how many', async () => {
    const clock = new FakeClock(T0);
    const idempotency = new MemoryIdempotencyStore();
    await seedKeys(idempotency, ['old-1', 'old-2', 'old-3'], T0 - 2 * DAY, DAY);
    await seedKeys(idempotency, ['fresh'], T0 - 1000, DAY);
    const runner = new HealthRunner({ checks: [healthy('twilio')], idempotency, clock });
    const report = await runner.run();
    expect(report.purgedIdempotencyKeys).toBe(3);
    expect(await idempotency.get('old-1')).toBeNull();
    expect(await idempotency.get('fresh')).not.toBeNull();
    expect((await runner.run()).purgedIdempotencyKeys).toBe(0);
  });

  it('reports null when no idempotency store is configured', async () => {
    const report = await new HealthRunner({ checks: [healthy('twilio')] }).run();
    expect(report.purgedIdempotencyKeys).toBeNull();
  });
});

describe('HealthRunner with broken stores', () => {
  it('never throws: results are still reported, and storeErrors says what failed', async () => {
    const clock = new FakeClock(T0);
    const [providerStatus, psFault] = faultyStore(new MemoryProviderStatusStore());
    const [log, logFault] = faultyStore(new MemoryIncidentLog());
    const [idempotency, idFault] = faultyStore(new MemoryIdempotencyStore());
    psFault.down = true;
    logFault.down = true;
    idFault.down = true;
    const [logger, lines] = capturingLogger();
    const incidents = new IncidentRecorder({ log, clock });
    const runner = new HealthRunner({
      checks: [down('openai'), healthy('twilio')],
      providerStatus,
      incidents,
      idempotency,
      clock,
      logger,
    });
    const report = await runner.run();
    expect(report.overall).toBe('down');
    expect(report.results.map((r) => r.status)).toEqual(['down', 'healthy']);
    expect(report.purgedIdempotencyKeys).toBeNull();
    expect(report.storeErrors.sort()).toEqual([
      'idempotency.purgeExpired: storage_unavailable',
      'incidents.record(openai): not stored',
      'providerStatus.recordHealth(openai): storage_unavailable',
      'providerStatus.recordHealth(twilio): storage_unavailable',
    ]);
    expect(lines.some((l) => l.level === 'warn')).toBe(true);
  });

  it('survives an incident sink and stores that throw outright', async () => {
    const throwing = () => Promise.reject(new Error('postgres://app:hunter2@db/app refused'));
    const [logger, lines] = capturingLogger();
    const runner = new HealthRunner({
      logger,
      checks: [down('gemini')],
      providerStatus: {
        ...new MemoryProviderStatusStore(),
        get: throwing,
        recordHealth: throwing,
      } as unknown as MemoryProviderStatusStore,
      incidents: { record: throwing },
      idempotency: { purgeExpired: throwing },
    });
    const report = await runner.run();
    expect(report.results[0]?.status).toBe('down');
    // recordHealth (which also returns the previous result), incidents, purge.
    expect(report.storeErrors).toHaveLength(3);
    expect(JSON.stringify(report)).not.toContain('hunter2');
    expect(lines.filter((l) => String(l.args[1]).includes('store error'))).toHaveLength(3);
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });

  it('recovers once the store is back', async () => {
    const clock = new FakeClock(T0);
    const [providerStatus, fault] = faultyStore(new MemoryProviderStatusStore());
    const runner = new HealthRunner({ checks: [healthy('twilio')], providerStatus, clock });
    fault.down = true;
    expect((await runner.run()).storeErrors).toHaveLength(1);
    fault.down = false;
    expect((await runner.run()).storeErrors).toEqual([]);
    expect((await providerStatus.get('twilio'))?.lastHealth?.status).toBe('healthy');
  });
});

describe('secrets never leak', () => {
  it('the Gemini key is sent as a header and appears in no URL, message, row, incident or log line', async () => {
    gemini401();
    const clock = new FakeClock(T0);
    const fetchSpy = recordingFetch();
    const providerStatus = new MemoryProviderStatusStore();
    const log = new MemoryIncidentLog();
    const [logger, lines] = capturingLogger();
    const incidents = new IncidentRecorder({ log, clock, logger });
    const runner = new HealthRunner({
      checks: [
        geminiHealthCheck({ apiKey: GEMINI_KEY, fetch: fetchSpy, clock }),
        openAiHealthCheck({
          apiKey: OPENAI_KEY,
          clock,
          fetch: async () => {
            throw new TypeError(`fetch failed: Authorization: Bearer ${OPENAI_KEY}`);
          },
        }),
      ],
      providerStatus,
      incidents,
      clock,
      logger,
      secrets: [GEMINI_KEY, OPENAI_KEY],
    });
    const report = await runner.run();
    expect(report.results.map((r) => [r.provider, r.status, r.message])).toEqual([
      ['gemini', 'down', 'invalid credentials'],
      ['openai', 'down', 'network error'],
    ]);
    expect(fetchSpy.headers[0]?.get('x-goog-api-key')).toBe(GEMINI_KEY);
    const everything = JSON.stringify({
      urls: fetchSpy.urls,
      report,
      rows: await providerStatus.list(),
      incidents: await log.query(),
      lines,
    });
    expect(await log.query()).toHaveLength(2);
    expect(lines.length).toBeGreaterThan(0);
    expect(everything).not.toContain(GEMINI_KEY);
    expect(everything).not.toContain(OPENAI_KEY);
  });
});

function gemini401() {
  nock(GEMINI, { reqheaders: { 'x-goog-api-key': GEMINI_KEY } })
    .get('/v1beta/models')
    .query({ pageSize: '1' })
    .reply(403, {
      error: { message: `Permission denied for key ${GEMINI_KEY}`, status: 'PERMISSION_DENIED' },
    });
}

describe('liveness', () => {
  it('reports a reachable store and the version', async () => {
    const clock = new FakeClock(T0);
    expect(await liveness({ ping: async () => 'pong', version: '1.2.3', clock })).toEqual({
      status: 'ok',
      store: 'reachable',
      version: '1.2.3',
      time: new Date(T0).toISOString(),
    });
  });

  it('reports an unreachable store without quoting its error', async () => {
    const result = await liveness({
      ping: () => Promise.reject(new Error('postgres://app:hunter2@db/app refused')),
      version: '1.2.3',
      clock: new FakeClock(T0),
    });
    expect(result).toMatchObject({ status: 'degraded', store: 'unreachable' });
    expect(Object.keys(result).sort()).toEqual(['status', 'store', 'time', 'version']);
    expect(JSON.stringify(result)).not.toContain('hunter2');
  });

  it('treats a hung store as unreachable after its timeout', async () => {
    const clock = new FakeClock(T0);
    let signal: AbortSignal | undefined;
    const pending = liveness({
      ping: (s) => {
        signal = s;
        return new Promise(() => {});
      },
      version: '1.2.3',
      clock,
      timeoutMs: 500,
    });
    await clock.advance(500);
    expect(await pending).toMatchObject({ status: 'degraded', store: 'unreachable' });
    expect(signal?.aborted).toBe(true);
  });

  it('works with a store health check built from the same ping', async () => {
    const ping = async () => undefined;
    const report = await new HealthRunner({ checks: [storeHealthCheck('store', ping)] }).run();
    expect(report.results[0]).toMatchObject({ provider: 'store', status: 'healthy' });
  });
});
