import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/storage/postgres/migrate.js';
import { migrations } from '../../src/storage/postgres/migrations/index.js';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../support/pg.js';

describe.skipIf(!databaseUrl)('migrate() on PostgreSQL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('migrate');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('applied every migration once; running again (from several instances at once) applies nothing', async () => {
    const rows = await db.sql<{ name: string }[]>`select name from steadycall_migrations order by name`;
    expect(rows.map((r) => r.name)).toEqual(migrations.map((m) => m.name));
    const again = await Promise.all([migrate(db.pool(2)), migrate(db.pool(2)), migrate(db.sql)]);
    expect(again).toEqual([[], [], []]);
  });

  it('creates the runbook tables', async () => {
    const rows = await db.sql<{ table_name: string }[]>`
      select table_name from information_schema.tables where table_schema = 'public' order by table_name`;
    expect(rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining([
        'provider_status',
        'feature_flags',
        'idempotency_keys',
        'incident_log',
        'calls',
      ]),
    );
  });

  it('converts epoch milliseconds exactly', async () => {
    const ms = 1_795_627_999_787;
    const [row] = await db.sql<
      { back: number }[]
    >`select steadycall_ts_to_ms(steadycall_ms_to_ts(${ms})) as back`;
    expect(row?.back).toBe(ms);
  });
});
