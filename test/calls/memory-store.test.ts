import { describe, expect, it } from 'vitest';
import { isValidationError } from '../../src/core/errors.js';
import { MemoryCallStore } from '../../src/storage/memory/calls.js';

describe('MemoryCallStore specifics', () => {
  it('moves the sid index when a call gets a new CallSid', async () => {
    const store = new MemoryCallStore();
    await store.create({ id: 'c1', to: '+1', from: '+2', callSid: 'CA-old' }, 0);
    await store.attachSid('c1', 'CA-new', 1);
    expect(await store.getBySid('CA-old')).toBeNull();
    expect((await store.getBySid('CA-new'))?.id).toBe('c1');
    // The old sid is free again.
    await store.create({ id: 'c2', to: '+1', from: '+2', callSid: 'CA-old' }, 2);
    expect((await store.getBySid('CA-old'))?.id).toBe('c2');
  });

  it('a call created in a terminal status is ended at creation', async () => {
    const store = new MemoryCallStore();
    expect(await store.create({ id: 'c1', to: '+1', from: '+2', status: 'failed' }, 5)).toMatchObject({
      endedAt: 5,
    });
  });

  it('duplicate errors name the field and carry no phone number', async () => {
    const store = new MemoryCallStore();
    await store.create({ id: 'c1', to: '+14155550123', from: '+2' }, 0);
    const err = await store.create({ id: 'c1', to: '+14155550123', from: '+2' }, 0).catch((e: unknown) => e);
    expect(isValidationError(err)).toBe(true);
    expect(JSON.stringify(err)).not.toContain('4155550123');
    expect((err as { issues: { path: string }[] }).issues[0]?.path).toBe('id');
  });
});
