import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FlagStore } from '../../src/flags/store.js';

/**
 * The `FlagStore` contract: every implementation (memory, PostgreSQL) must pass it. Uses only the
 * port. Keys are lowercase ASCII with dots so every collation sorts them the same way.
 *
 * @example
 * ```ts
 * flagStoreContract('MemoryFlagStore', () => new MemoryFlagStore());
 * ```
 */
export function flagStoreContract(
  name: string,
  makeStore: () => Promise<FlagStore> | FlagStore,
  cleanup?: () => Promise<void>,
): void {
  describe(`FlagStore contract: ${name}`, () => {
    let store: FlagStore;

    beforeEach(async () => {
      store = await makeStore();
    });

    afterEach(async () => {
      await cleanup?.();
    });

    it('starts empty', async () => {
      expect(await store.list()).toEqual([]);
      expect(await store.get('a.flag')).toBeNull();
    });

    it('creates a row with empty overrides, no rollout and updatedAt = now', async () => {
      const row = await store.set({ key: 'a.flag', value: true }, 1_000);
      expect(row).toMatchObject({
        key: 'a.flag',
        value: true,
        tenantOverrides: {},
        rollout: null,
        updatedAt: 1_000,
      });
      expect(row.description ?? null).toBeNull();
      expect(await store.get('a.flag')).toEqual(row);
    });

    it('lists every row sorted by key', async () => {
      await store.set({ key: 'c.flag', value: 3 }, 1);
      await store.set({ key: 'a.flag', value: 1 }, 2);
      await store.set({ key: 'b.flag', value: 2 }, 3);
      const rows = await store.list();
      expect(rows.map((r) => r.key)).toEqual(['a.flag', 'b.flag', 'c.flag']);
      expect(rows.map((r) => r.value)).toEqual([1, 2, 3]);
    });

    it('overwrites the value and updatedAt on a second set', async () => {
      await store.set({ key: 'a.flag', value: 'gemini' }, 1_000);
      const row = await store.set({ key: 'a.flag', value: 'openai' }, 2_000);
      expect(row.value).toBe('openai');
      expect(row.updatedAt).toBe(2_000);
      expect((await store.get('a.flag'))?.updatedAt).toBe(2_000);
      expect(await store.list()).toHaveLength(1);
    });

    it('keeps overrides, rollout and description that a partial set leaves out', async () => {
      await store.set(
        {
          key: 'a.flag',
          value: false,
          tenantOverrides: { t1: true },
          rollout: { percentage: 10, value: true, salt: 's1' },
          description: 'kill switch',
        },
        1,
      );
      const row = await store.set({ key: 'a.flag', value: true }, 2);
      expect(row).toMatchObject({
        value: true,
        tenantOverrides: { t1: true },
        rollout: { percentage: 10, value: true, salt: 's1' },
        description: 'kill switch',
        updatedAt: 2,
      });
      expect(await store.get('a.flag')).toEqual(row);
    });

    it('replaces overrides and clears the rollout when told to', async () => {
      await store.set(
        { key: 'a.flag', value: 1, tenantOverrides: { t1: 2 }, rollout: { percentage: 5, value: 3 } },
        1,
      );
      const row = await store.set({ key: 'a.flag', value: 1, tenantOverrides: { t2: 4 }, rollout: null }, 2);
      expect(row.tenantOverrides).toEqual({ t2: 4 });
      expect(row.rollout).toBeNull();
      expect(await store.get('a.flag')).toEqual(row);
    });

    it.each([
      ['boolean', false],
      ['string', 'openai'],
      ['empty string', ''],
      ['integer', 42],
      ['fraction', -0.25],
      ['object', { nested: { list: [1, 'two', null] }, on: true }],
      ['array', [1, 'a', { b: false }, []]],
      ['null', null],
    ])('round-trips a %s value, in overrides and rollouts too', async (_label, value) => {
      await store.set(
        { key: 'json.flag', value, tenantOverrides: { t1: value }, rollout: { percentage: 50, value } },
        1,
      );
      const row = await store.get('json.flag');
      expect(row?.value).toEqual(value);
      expect(row?.tenantOverrides).toEqual({ t1: value });
      expect(row?.rollout?.value).toEqual(value);
      expect((await store.list())[0]?.value).toEqual(value);
    });

    it('round-trips a fractional rollout percentage and its salt', async () => {
      await store.set(
        { key: 'a.flag', value: 'gemini', rollout: { percentage: 0.5, value: 'openai', salt: 'v2' } },
        1,
      );
      expect((await store.get('a.flag'))?.rollout).toEqual({ percentage: 0.5, value: 'openai', salt: 'v2' });
    });

    it('round-trips overrides for many tenants', async () => {
      const tenantOverrides = Object.fromEntries(
        Array.from({ length: 20 }, (_, i) => [`tenant-${i}`, i % 2 === 0]),
      );
      await store.set({ key: 'a.flag', value: true, tenantOverrides }, 1);
      expect((await store.get('a.flag'))?.tenantOverrides).toEqual(tenantOverrides);
    });

    it('deletes a row and says whether it existed', async () => {
      await store.set({ key: 'a.flag', value: true }, 1);
      await store.set({ key: 'b.flag', value: true }, 1);
      expect(await store.delete('a.flag')).toBe(true);
      expect(await store.delete('a.flag')).toBe(false);
      expect(await store.delete('never.existed')).toBe(false);
      expect(await store.get('a.flag')).toBeNull();
      expect((await store.list()).map((r) => r.key)).toEqual(['b.flag']);
    });

    it('returns copies: mutating a returned row or the written input changes nothing stored', async () => {
      const write = { key: 'a.flag', value: { list: [1] }, tenantOverrides: { t1: { list: [2] } } };
      const returned = await store.set(write, 1);
      write.value.list.push(99);
      write.tenantOverrides.t1.list.push(99);
      (returned.value as { list: number[] }).list.push(98);
      returned.tenantOverrides.t2 = 'x';
      const fromGet = await store.get('a.flag');
      (fromGet!.value as { list: number[] }).list.push(97);
      const fromList = await store.list();
      (fromList[0]!.value as { list: number[] }).list.push(96);

      const row = await store.get('a.flag');
      expect(row?.value).toEqual({ list: [1] });
      expect(row?.tenantOverrides).toEqual({ t1: { list: [2] } });
    });

    const T0 = 1_700_000_000_000;
    it('sets and removes tenant overrides atomically when the store offers it (no lost update)', async () => {
      if (!store.setTenantOverride) return; // optional capability; the resolver falls back to get + set
      const created = await store.setTenantOverride('ai.enabled', 't0', false, T0, true);
      expect(created).toMatchObject({ key: 'ai.enabled', value: true, tenantOverrides: { t0: false } });
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          store.setTenantOverride!('ai.enabled', `t${i + 1}`, i % 2 === 0, T0 + 1),
        ),
      );
      const row = await store.get('ai.enabled');
      expect(Object.keys(row?.tenantOverrides ?? {})).toHaveLength(41);
      const removed = await store.setTenantOverride('ai.enabled', 't0', undefined, T0 + 2);
      expect(removed?.tenantOverrides.t0).toBeUndefined();
      expect(removed?.value).toBe(true);
      expect(await store.setTenantOverride('missing.flag', 't', undefined, T0)).toBeNull();
    });
  });
}
