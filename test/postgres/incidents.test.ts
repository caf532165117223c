import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Severity } from '../../src/core/types.js';
import type { Incident, IncidentQuery } from '../../src/incidents/store.js';
import { MemoryIncidentLog } from '../../src/storage/memory/incidents.js';
import { PostgresIncidentLog } from '../../src/storage/postgres/incidents.js';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../support/pg.js';

const T0 = 1_795_000_000_000;
const strip = (list: Incident[]) => list.map(({ id: _id, ...rest }) => rest);

// A small deterministic PRNG (mulberry32) so a failure replays exactly.
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.skipIf(!databaseUrl)('PostgresIncidentLog on PostgreSQL', () => {
  let db: TestDatabase;
  let log: PostgresIncidentLog;
  beforeAll(async () => {
    db = await createTestDatabase('incidents');
    log = new PostgresIncidentLog(db.sql);
  });
  afterEach(async () => {
    await db.sql`truncate incident_log`;
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('answers the runbook alert query, accepts operator inserts and rejects unknown severities', async () => {
    await log.append({
      severity: 'critical',
      provider: 'twilio',
      code: 'circuit_open',
      message: 'open',
      context: {},
      callId: null,
      at: T0,
    });
    await db.sql`insert into incident_log (severity, code) values ('info', 'manual_note')`;
    const critical = await db.sql<
      { code: string }[]
    >`select code from incident_log where severity = 'critical'`;
    expect(critical.map((r) => r.code)).toEqual(['circuit_open']);
    const [manual] = await log.query({ code: 'manual_note' });
    expect(manual).toMatchObject({
      severity: 'info',
      provider: null,
      message: '',
      context: {},
      callId: null,
    });
    expect(Math.abs(manual!.at - Date.now())).toBeLessThan(60_000);
    await expect(
      log.append({
        severity: 'fatal' as Severity,
        provider: null,
        code: 'x',
        message: 'x',
        context: {},
        callId: null,
        at: T0,
      }),
    ).rejects.toThrow(/check constraint/);
  });

  it('answers random queries exactly like the memory log (order, ties, filters, limits)', async () => {
    const random = prng(42);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const severities: Severity[] = ['info', 'warning', 'critical'];
    const providers = ['twilio', 'openai', 'gemini', null] as const;
    const codes = ['call_failed', 'circuit_open', 'ai_unavailable'];
    const callIds = ['c1', 'c2', null] as const;
    const memory = new MemoryIncidentLog();
    for (let i = 0; i < 300; i++) {
      const draft = {
        severity: pick(severities),
        provider: pick(providers),
        code: pick(codes),
        message: `m${i}`,
        context: { i },
        callId: pick(callIds),
        at: T0 + Math.floor(random() * 60), // many ties in `at`
      };
      await log.append(draft);
      await memory.append(draft);
    }
    for (let q = 0; q < 200; q++) {
      const query: IncidentQuery = {};
      if (random() < 0.3) query.since = T0 + Math.floor(random() * 60);
      if (random() < 0.3) query.until = T0 + Math.floor(random() * 60);
      if (random() < 0.3)
        query.severity = random() < 0.5 ? pick(severities) : severities.filter(() => random() < 0.5);
      if (random() < 0.3) query.minSeverity = pick(severities);
      if (random() < 0.3) query.provider = pick(['twilio', 'openai', 'gemini']);
      if (random() < 0.3) query.code = pick(codes);
      if (random() < 0.3) query.callId = pick(['c1', 'c2', 'c3']);
      if (random() < 0.5) query.limit = pick([0, 1, 7, 50, 2000, 3.7]);
      expect(strip(await log.query(query)), JSON.stringify(query)).toEqual(strip(await memory.query(query)));
    }
  });

  it('serves every query shape from an index', async () => {
    await db.sql`
      insert into incident_log (severity, provider, code, message, call_id, at)
      select (array['info','warning','critical'])[1 + n % 3], (array['twilio','openai','gemini'])[1 + n % 3],
             'code' || (n % 50), 'm', 'call-' || (n % 500), steadycall_ms_to_ts(${T0}::double precision + n)
      from generate_series(1, 20000) n`;
    await db.sql`analyze incident_log`;
    const captured: { text: string; params: unknown[] }[] = [];
    const probe = postgres(db.url, {
      prepare: false,
      onnotice: () => {},
      max: 1,
      debug: (_conn, text, params) => captured.push({ text, params }),
    });
    const plan = async (run: (l: PostgresIncidentLog) => Promise<unknown>) => {
      captured.length = 0;
      await run(new PostgresIncidentLog(probe));
      // Skip postgres.js's own type lookup on a fresh connection.
      const { text, params } = captured.find((c) => c.text.includes('incident_log'))!;
      const rows = await probe.unsafe(`explain ${text}`, params as never[]);
      return rows.map((r) => String(r['QUERY PLAN'])).join('\n');
    };
    try {
      expect(await plan((l) => l.query())).toMatch(/incident_log_at_idx/);
      expect(await plan((l) => l.query({ since: T0 + 19_000, until: T0 + 19_500 }))).toMatch(
        /incident_log_at_idx/,
      );
      expect(await plan((l) => l.query({ severity: 'critical' }))).toMatch(/incident_log_severity_at_idx/);
      expect(await plan((l) => l.query({ severity: ['info', 'critical'], limit: 1000 }))).toMatch(
        /Index|incident_log_\w+_idx/,
      );
      expect(await plan((l) => l.query({ provider: 'gemini' }))).toMatch(/incident_log_provider_at_idx/);
      expect(await plan((l) => l.query({ code: 'code7' }))).toMatch(/incident_log_code_at_idx/);
      expect(await plan((l) => l.query({ callId: 'call-7' }))).toMatch(/incident_log_call_id_idx/);
      expect(await plan((l) => l.purgeBefore(T0 + 10))).toMatch(/incident_log_at_idx/);
    } finally {
      await probe.end({ timeout: 1 });
    }
  });

  it('appends concurrently from several instances with unique ids and no loss', async () => {
    const pools = [db.pool(4), db.pool(4), db.pool(4)];
    const appended = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        new PostgresIncidentLog(pools[i % 3]!).append({
          severity: 'info',
          provider: null,
          code: `c${i}`,
          message: 'm',
          context: {},
          callId: null,
          at: T0,
        }),
      ),
    );
    expect(new Set(appended.map((a) => a.id)).size).toBe(60);
    expect(await log.query({ limit: 1000 })).toHaveLength(60);
  });

  it('keeps contexts intact through a client with a JSON transform (postgres.camel)', async () => {
    const camel = postgres(db.url, { prepare: false, onnotice: () => {}, max: 1, transform: postgres.camel });
    try {
      const context = { snake_key: { inner_key: [1] } };
      const a = await new PostgresIncidentLog(camel).append({
        severity: 'warning',
        provider: 'openai',
        code: 'x',
        message: 'y',
        context,
        callId: 'call_1',
        at: T0,
      });
      expect(a).toMatchObject({ context, callId: 'call_1' });
      expect(await new PostgresIncidentLog(camel).query()).toEqual([a]);
    } finally {
      await camel.end({ timeout: 1 });
    }
  });

  it('reports an unreachable database as StorageUnavailableError', async () => {
    const closed = db.pool(1);
    await closed.end();
    await expect(new PostgresIncidentLog(closed).query()).rejects.toMatchObject({
      code: 'storage_unavailable',
    });
    await expect(new PostgresIncidentLog(closed).purgeBefore(1)).rejects.toThrow(/incidents\.purgeBefore/);
  });
});
