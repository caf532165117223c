import { describe, expect, it } from 'vitest';
import { MemoryFlagStore } from '../../src/storage/memory/flags.js';
import { flagStoreContract } from './flags.contract.js';

flagStoreContract('MemoryFlagStore', () => new MemoryFlagStore());

describe('MemoryFlagStore seed', () => {
  it('starts with the seed rows, filling in omitted fields', async () => {
    const store = new MemoryFlagStore([
      { key: 'b.flag', value: 'openai', updatedAt: 5 },
      { key: 'a.flag', value: false, tenantOverrides: { t1: true } },
    ]);
    expect(await store.list()).toEqual([
      {
        key: 'a.flag',
        value: false,
        tenantOverrides: { t1: true },
        rollout: null,
        description: null,
        updatedAt: 0,
      },
      { key: 'b.flag', value: 'openai', tenantOverrides: {}, rollout: null, description: null, updatedAt: 5 },
    ]);
  });
});
