import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { runbookFlags } from '../../src/flags/catalog.js';
import { FlagResolver } from '../../src/flags/resolver.js';
import { MemoryFlagStore } from '../../src/storage/memory/flags.js';
import { PostgresFlagStore, seedRunbookFlags } from '../../src/storage/postgres/flags.js';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../support/pg.js';

describe.skipIf(!databaseUrl)('PostgresFlagStore on PostgreSQL', () => {
  let db: TestDatabase;
  let store: PostgresFlagStore;
  beforeAll(async () => {
    db = await createTestDatabase('flags');
    store = new PostgresFlagStore(db.sql);
  });
  afterEach(async () => {
    await db.sql`truncate feature_flags`;
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('has the runbook columns, and an operator can edit flags with plain SQL', async () => {
    const columns = await db.sql<{ column_name: string; data_type: string; is_nullable: string }[]>`
      select column_name, data_type, is_nullable from information_schema.columns
      where table_name = 'feature_flags' order by ordinal_position`;
    expect(columns.map((c) => [c.column_name, c.data_type, c.is_nullable])).toEqual([
      ['key', 'text', 'NO'],
      ['value', 'jsonb', 'NO'],
      ['tenant_overrides', 'jsonb', 'NO'],
      ['rollout', 'jsonb', 'YES'],
      ['description', 'text', 'YES'],
      ['updated_at', 'timestamp with time zone', 'NO'],
    ]);

    await db.sql`insert into feature_flags (key, value) values ('ai.enabled', 'false')`;
    const row = await store.get('ai.enabled');
    expect(row).toMatchObject({ value: false, tenantOverrides: {}, rollout: null, description: null });
    expect(Math.abs(row!.updatedAt - Date.now())).toBeLessThan(60_000);

    await store.set({ key: 'ai.provider.preferred', value: 'gemini' }, 1_795_627_999_787);
    await db.sql`update feature_flags set value = '"openai"' where key = 'ai.provider.preferred'`;
    expect((await store.get('ai.provider.preferred'))?.value).toBe('openai');
    const [ts] = await db.sql<{ iso: string }[]>`
      select to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS') as iso
      from feature_flags where key = 'ai.provider.preferred'`;
    expect(ts?.iso).toBe(new Date(1_795_627_999_787).toISOString().slice(0, 23));
  });

  it('stores a JSON null value as jsonb null, and an absent rollout as SQL NULL', async () => {
    await store.set({ key: 'a.flag', value: null, tenantOverrides: { t1: null } }, 1);
    const [row] = await db.sql<{ value_type: string; rollout_is_null: boolean }[]>`
      select jsonb_typeof(value) as value_type, rollout is null as rollout_is_null
      from feature_flags where key = 'a.flag'`;
    expect(row).toEqual({ value_type: 'null', rollout_is_null: true });
    expect(await store.get('a.flag')).toMatchObject({
      value: null,
      tenantOverrides: { t1: null },
      rollout: null,
    });
  });

  it('lists in the same order as the memory store (code units, not the locale)', async () => {
    const keys = [
      'b.flag',
      'B.flag',
      'a_flag',
      'a.flag',
      'a.Flag',
      'A.flag',
      'é.flag',
      'e.flag',
      'z-1',
      'z.1',
      '~',
    ];
    const memory = new MemoryFlagStore();
    for (const key of keys) {
      await store.set({ key, value: key }, 1);
      await memory.set({ key, value: key }, 1);
    }
    expect((await store.list()).map((r) => r.key)).toEqual((await memory.list()).map((r) => r.key));
  });

  it('upserts atomically: concurrent first writes of one key from several instances all succeed', async () => {
    const pools = [db.pool(3), db.pool(3), db.pool(3)];
    const writes = Array.from({ length: 30 }, (_, i) =>
      new PostgresFlagStore(pools[i % 3]!).set(
        { key: 'race.flag', value: i, description: `w${i}` },
        1_000 + i,
      ),
    );
    const results = await Promise.all(writes);
    expect(results).toHaveLength(30);
    const [row] = await store.list();
    expect(results.map((r) => r.value)).toContain(row?.value);
    expect(row?.description).toBe(`w${row?.value as number}`);
  });

  describe('setTenantOverride (atomic patch, not yet on the port)', () => {
    it('creates the row with the default, then adds, replaces and removes single tenants', async () => {
      expect(await store.setTenantOverride('ai.enabled', 't1', false, 10, true)).toMatchObject({
        value: true,
        tenantOverrides: { t1: false },
        updatedAt: 10,
      });
      await store.setTenantOverride('ai.enabled', 't2', null, 11, true);
      const replaced = await store.setTenantOverride('ai.enabled', 't1', true, 12, false);
      // The shared value of an existing row is never touched by an override patch.
      expect(replaced).toMatchObject({ value: true, tenantOverrides: { t1: true, t2: null }, updatedAt: 12 });
      const removed = await store.setTenantOverride('ai.enabled', 't1', undefined, 13);
      expect(removed).toMatchObject({ tenantOverrides: { t2: null }, updatedAt: 13 });
      expect(await store.get('ai.enabled')).toEqual(removed);
    });

    it('removing from a flag with no row creates nothing', async () => {
      expect(await store.setTenantOverride('no.row', 't1', undefined, 1)).toBeNull();
      expect(await store.list()).toEqual([]);
    });

    it('keeps every override when many instances patch one flag at once', async () => {
      await store.set({ key: 'ai.enabled', value: true, tenantOverrides: { keep: true } }, 1);
      const pools = [db.pool(4), db.pool(4), db.pool(4)];
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          new PostgresFlagStore(pools[i % 3]!).setTenantOverride(
            'ai.enabled',
            `tenant-${i}`,
            i % 2 === 0,
            2,
            true,
          ),
        ),
      );
      const row = await store.get('ai.enabled');
      expect(Object.keys(row!.tenantOverrides)).toHaveLength(41);
      expect(row!.tenantOverrides).toMatchObject({ keep: true, 'tenant-0': true, 'tenant-39': false });
    });
  });

  describe('seedRunbookFlags', () => {
    it('inserts the seven runbook flags once, never overwriting an operator change', async () => {
      expect(await seedRunbookFlags(db.sql, 5)).toBe(7);
      const rows = await store.list();
      expect(rows.map((r) => [r.key, r.value, r.description, r.updatedAt])).toEqual(
        Object.values(runbookFlags)
          .map((d) => [d.key, d.defaultValue, d.description, 5])
          .sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)),
      );
      expect(rows.find((r) => r.key === 'ai.provider.preferred')?.value).toBe('gemini');

      await store.set({ key: 'ai.enabled', value: false }, 6);
      expect(await seedRunbookFlags(db.sql)).toBe(0);
      expect((await store.get('ai.enabled'))?.value).toBe(false);
    });

    it('seeded rows resolve to the same values as an empty table', async () => {
      const clock = new FakeClock(0);
      const empty = await new FlagResolver({ store, clock }).list({ tenantId: 't1' });
      await seedRunbookFlags(db.sql);
      const seeded = await new FlagResolver({ store, clock }).list({ tenantId: 't1' });
      expect(seeded.map((f) => [f.flagKey, f.value])).toEqual(empty.map((f) => [f.flagKey, f.value]));
      expect(new Set(empty.map((f) => f.reason))).toEqual(new Set(['DEFAULT']));
      expect(new Set(seeded.map((f) => f.reason))).toEqual(new Set(['STATIC']));
    });
  });

  it('serves the FlagResolver end to end (typed values, overrides, rollout)', async () => {
    const flags = new FlagResolver({ store, clock: new FakeClock(1_000) });
    await flags.set('ai.provider.preferred', 'openai', {
      tenantOverrides: { vip: 'gemini' },
      rollout: { percentage: 0, value: 'gemini', salt: 's' },
    });
    await flags.setTenantOverride('ai.enabled', 'blocked', false);
    const fresh = new FlagResolver({ store, clock: new FakeClock(2_000) });
    expect(await fresh.getValue('ai.provider.preferred', { tenantId: 'someone' })).toBe('openai');
    expect(await fresh.getValue('ai.provider.preferred', { tenantId: 'vip' })).toBe('gemini');
    expect(await fresh.isEnabled('ai.enabled', { tenantId: 'blocked' })).toBe(false);
    expect(await fresh.isEnabled('ai.enabled', { tenantId: 'other' })).toBe(true);
  });

  it('returns the same records through a client with a column/JSON transform (postgres.camel)', async () => {
    const camel = postgres(db.url, { prepare: false, onnotice: () => {}, max: 1, transform: postgres.camel });
    try {
      const write = { key: 'a.flag', value: { snake_key: [1] }, tenantOverrides: { tenant_one: { x_y: 1 } } };
      const viaCamel = await new PostgresFlagStore(camel).set(write, 7);
      expect(viaCamel).toMatchObject({
        value: { snake_key: [1] },
        tenantOverrides: { tenant_one: { x_y: 1 } },
      });
      expect(await new PostgresFlagStore(camel).list()).toEqual(await store.list());
    } finally {
      await camel.end({ timeout: 1 });
    }
  });

  it('reports an unreachable database as StorageUnavailableError naming the operation', async () => {
    const closed = db.pool(1);
    await closed.end();
    const down = new PostgresFlagStore(closed);
    await expect(down.list()).rejects.toMatchObject({ code: 'storage_unavailable', retryable: true });
    await expect(down.set({ key: 'a', value: 1 }, 1)).rejects.toThrow(/flags\.set/);
  });
});
