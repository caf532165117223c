import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallStatus, CallStore, NewCall, StatusApplyResult } from '../../src/calls/store.js';
import { isValidationError } from '../../src/core/errors.js';

const T0 = 1_700_000_000_000;

function newCall(id: string, overrides: Partial<NewCall> = {}): NewCall {
  return { id, to: '+14155550123', from: '+14155550000', ...overrides };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

// Deterministic shuffle (mulberry32) so a failing run can be replayed.
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let s = seed >>> 0;
  const random = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * The `CallStore` contract: every implementation (memory, PostgreSQL) must pass it.
 * `makeStore` must return an empty store; `cleanup` runs after each test.
 */
export function callStoreContract(
  name: string,
  makeStore: () => Promise<CallStore> | CallStore,
  cleanup?: () => Promise<void>,
): void {
  describe(`CallStore contract: ${name}`, () => {
    let store: CallStore;

    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await cleanup?.();
    });

    describe('create / get', () => {
      it('creates a call with defaults and reads it back', async () => {
        const created = await store.create(newCall('c1'), T0);
        expect(created).toEqual({
          id: 'c1',
          callSid: null,
          tenantId: null,
          direction: 'outbound',
          to: '+14155550123',
          from: '+14155550000',
          status: 'queued',
          lastSequenceNumber: null,
          aiProvider: null,
          metadata: {},
          createdAt: T0,
          updatedAt: T0,
          endedAt: null,
        });
        expect(await store.get('c1')).toEqual(created);
        expect(await store.get('missing')).toBeNull();
      });

      it('stores every optional field, including JSON metadata', async () => {
        const metadata = { campaign: 'spring', tags: ['a', 'b'], nested: { n: 1, ok: true, none: null } };
        const created = await store.create(
          newCall('c1', {
            callSid: 'CA1',
            tenantId: 't1',
            direction: 'inbound',
            status: 'ringing',
            aiProvider: 'openai',
            metadata,
          }),
          T0,
        );
        expect(created).toMatchObject({
          callSid: 'CA1',
          tenantId: 't1',
          direction: 'inbound',
          status: 'ringing',
          aiProvider: 'openai',
          metadata,
        });
        expect(await store.getBySid('CA1')).toEqual(created);
        expect(await store.getBySid('CA-missing')).toBeNull();
      });

      it('rejects a duplicate id with ValidationError and keeps the original', async () => {
        await store.create(newCall('c1', { tenantId: 'first' }), T0);
        expect(isValidationError(await rejection(store.create(newCall('c1'), T0 + 1)))).toBe(true);
        expect((await store.get('c1'))?.tenantId).toBe('first');
      });

      it('rejects a duplicate non-null callSid, but allows many calls without one', async () => {
        await store.create(newCall('c1', { callSid: 'CA1' }), T0);
        expect(isValidationError(await rejection(store.create(newCall('c2', { callSid: 'CA1' }), T0)))).toBe(
          true,
        );
        expect(await store.get('c2')).toBeNull();
        await store.create(newCall('c3'), T0);
        await store.create(newCall('c4', { callSid: null }), T0);
        expect(await store.list()).toHaveLength(3);
      });

      it('returns copies: mutating a returned record never changes the store', async () => {
        const created = await store.create(newCall('c1', { metadata: { n: 1 } }), T0);
        created.status = 'failed';
        created.metadata.n = 2;
        const got = await store.get('c1');
        expect(got).toMatchObject({ status: 'queued', metadata: { n: 1 } });
        if (got) got.metadata.n = 3;
        expect((await store.get('c1'))?.metadata).toEqual({ n: 1 });
      });
    });

    describe('attachSid / setAiProvider', () => {
      it('attaches the CallSid and bumps updatedAt', async () => {
        await store.create(newCall('c1'), T0);
        const attached = await store.attachSid('c1', 'CA1', T0 + 5);
        expect(attached).toMatchObject({ id: 'c1', callSid: 'CA1', createdAt: T0, updatedAt: T0 + 5 });
        expect(await store.getBySid('CA1')).toEqual(attached);
        expect(await store.attachSid('missing', 'CA2', T0)).toBeNull();
        expect(await store.getBySid('CA2')).toBeNull();
      });

      it('re-attaching the same sid is harmless; a sid owned by another call is rejected', async () => {
        await store.create(newCall('c1', { callSid: 'CA1' }), T0);
        await store.create(newCall('c2'), T0);
        expect(await store.attachSid('c1', 'CA1', T0 + 1)).toMatchObject({ callSid: 'CA1' });
        expect(isValidationError(await rejection(store.attachSid('c2', 'CA1', T0 + 2)))).toBe(true);
        expect((await store.get('c2'))?.callSid).toBeNull();
        expect((await store.getBySid('CA1'))?.id).toBe('c1');
      });

      it('sets and clears the AI provider', async () => {
        await store.create(newCall('c1'), T0);
        expect(await store.setAiProvider('c1', 'gemini', T0 + 1)).toMatchObject({
          aiProvider: 'gemini',
          updatedAt: T0 + 1,
        });
        expect(await store.setAiProvider('c1', null, T0 + 2)).toMatchObject({
          aiProvider: null,
          updatedAt: T0 + 2,
        });
        expect(await store.setAiProvider('missing', 'openai', T0)).toBeNull();
      });

      it('keeps every provider that served the call in metadata.aiProviders, with when and why', async () => {
        await store.create({ ...newCall('c2'), metadata: { crm: 'x' } }, T0);
        await store.setAiProvider('c2', 'gemini', T0 + 1);
        await store.setAiProvider('c2', 'openai', T0 + 2, 'failover from gemini: closed');
        const record = await store.setAiProvider('c2', null, T0 + 3);
        expect(record?.metadata).toEqual({
          crm: 'x',
          aiProviders: [
            { provider: 'gemini', at: T0 + 1, reason: 'chosen' },
            { provider: 'openai', at: T0 + 2, reason: 'failover from gemini: closed' },
          ],
        });
      });
    });

    describe('list', () => {
      beforeEach(async () => {
        await store.create(newCall('a', { tenantId: 't1', status: 'completed' }), T0 + 1);
        await store.create(newCall('b', { tenantId: 't2', status: 'ringing' }), T0 + 2);
        await store.create(newCall('c', { tenantId: 't1', status: 'ringing' }), T0 + 3);
        await store.create(newCall('d', { status: 'failed' }), T0 + 3);
      });
      const ids = (records: { id: string }[]) => records.map((r) => r.id);

      it('lists newest first, creation ties by insertion (newest first)', async () => {
        expect(ids(await store.list())).toEqual(['d', 'c', 'b', 'a']);
      });

      it('filters by tenant and status (one or many)', async () => {
        expect(ids(await store.list({ tenantId: 't1' }))).toEqual(['c', 'a']);
        expect(ids(await store.list({ status: 'ringing' }))).toEqual(['c', 'b']);
        expect(ids(await store.list({ status: ['completed', 'failed'] }))).toEqual(['d', 'a']);
        expect(ids(await store.list({ tenantId: 't1', status: 'ringing' }))).toEqual(['c']);
        expect(await store.list({ tenantId: 'nobody' })).toEqual([]);
      });

      it('limits: explicit, and 100 by default', async () => {
        expect(ids(await store.list({ limit: 2 }))).toEqual(['d', 'c']);
        for (let i = 0; i < 110; i++) await store.create(newCall(`bulk-${i}`), T0 + 10 + i);
        const all = await store.list();
        expect(all).toHaveLength(100);
        expect(all[0]?.id).toBe('bulk-109');
      });
    });

    describe('applyStatus', () => {
      beforeEach(async () => {
        await store.create(newCall('c1', { callSid: 'CA1' }), T0);
      });

      it('reports not_found for an unknown call', async () => {
        expect(await store.applyStatus({ callSid: 'CA-x', status: 'ringing', at: T0 })).toEqual({
          applied: false,
          record: null,
          reason: 'not_found',
        });
        expect(await store.applyStatus({ id: 'missing', status: 'ringing', at: T0 })).toMatchObject({
          applied: false,
          reason: 'not_found',
        });
      });

      it('applies forward updates by callSid or by id and returns the stored record', async () => {
        const r1 = await store.applyStatus({
          callSid: 'CA1',
          status: 'initiated',
          sequenceNumber: 0,
          at: T0 + 1,
        });
        expect(r1).toMatchObject({
          applied: true,
          record: { status: 'initiated', lastSequenceNumber: 0, updatedAt: T0 + 1, endedAt: null },
        });
        const r2 = await store.applyStatus({ id: 'c1', status: 'ringing', sequenceNumber: 1, at: T0 + 2 });
        expect(r2).toMatchObject({ applied: true, record: { status: 'ringing', lastSequenceNumber: 1 } });
        expect(await store.get('c1')).toEqual(r2.record);
      });

      it('finds a call by id when its CallSid is not attached yet', async () => {
        await store.create(newCall('c2'), T0);
        const r = await store.applyStatus({ callSid: 'CA2', id: 'c2', status: 'initiated', at: T0 + 1 });
        expect(r).toMatchObject({ applied: true, record: { id: 'c2', status: 'initiated' } });
        // ...but never applies another call's sid to a call already linked to a different one.
        const other = await store.applyStatus({
          callSid: 'CA-other',
          id: 'c1',
          status: 'ringing',
          at: T0 + 2,
        });
        expect(other).toMatchObject({ applied: false, reason: 'not_found' });
      });

      it('sets endedAt on a terminal status and then never changes again (terminal)', async () => {
        const done = await store.applyStatus({
          callSid: 'CA1',
          status: 'busy',
          sequenceNumber: 2,
          at: T0 + 9,
        });
        expect(done).toMatchObject({ applied: true, record: { status: 'busy', endedAt: T0 + 9 } });
        for (const status of ['completed', 'in-progress', 'failed'] as CallStatus[]) {
          const r = await store.applyStatus({ callSid: 'CA1', status, sequenceNumber: 10, at: T0 + 10 });
          expect(r).toMatchObject({ applied: false, reason: 'terminal', record: { status: 'busy' } });
        }
        expect(await store.get('c1')).toMatchObject({
          status: 'busy',
          lastSequenceNumber: 2,
          endedAt: T0 + 9,
        });
      });

      it('rejects a lower or equal SequenceNumber (stale_sequence)', async () => {
        await store.applyStatus({ callSid: 'CA1', status: 'ringing', sequenceNumber: 5, at: T0 + 1 });
        const lower = await store.applyStatus({
          callSid: 'CA1',
          status: 'in-progress',
          sequenceNumber: 4,
          at: T0 + 2,
        });
        expect(lower).toMatchObject({
          applied: false,
          reason: 'stale_sequence',
          record: { status: 'ringing' },
        });
        const equal = await store.applyStatus({
          callSid: 'CA1',
          status: 'completed',
          sequenceNumber: 5,
          at: T0 + 3,
        });
        expect(equal).toMatchObject({ applied: false, reason: 'stale_sequence' });
        expect(await store.get('c1')).toMatchObject({
          status: 'ringing',
          lastSequenceNumber: 5,
          updatedAt: T0 + 1,
        });
      });

      it('rejects updates that do not move forward (not_forward)', async () => {
        await store.applyStatus({ callSid: 'CA1', status: 'in-progress', sequenceNumber: 2, at: T0 + 1 });
        const back = await store.applyStatus({
          callSid: 'CA1',
          status: 'ringing',
          sequenceNumber: 3,
          at: T0 + 2,
        });
        expect(back).toMatchObject({
          applied: false,
          reason: 'not_forward',
          record: { status: 'in-progress' },
        });
        const same = await store.applyStatus({ callSid: 'CA1', status: 'in-progress', at: T0 + 3 });
        expect(same).toMatchObject({ applied: false, reason: 'not_forward' });
        expect(await store.get('c1')).toMatchObject({ lastSequenceNumber: 2, updatedAt: T0 + 1 });
      });

      it('applies by rank alone when a SequenceNumber is missing on either side', async () => {
        const noSeq = await store.applyStatus({ callSid: 'CA1', status: 'ringing', at: T0 + 1 });
        expect(noSeq).toMatchObject({
          applied: true,
          record: { status: 'ringing', lastSequenceNumber: null },
        });
        const withSeq = await store.applyStatus({
          callSid: 'CA1',
          status: 'in-progress',
          sequenceNumber: 7,
          at: T0 + 2,
        });
        expect(withSeq).toMatchObject({ applied: true, record: { lastSequenceNumber: 7 } });
        const laterNoSeq = await store.applyStatus({ callSid: 'CA1', status: 'completed', at: T0 + 3 });
        expect(laterNoSeq).toMatchObject({
          applied: true,
          record: { status: 'completed', lastSequenceNumber: 7, endedAt: T0 + 3 },
        });
      });

      it('keeps the state right under concurrent, duplicated, shuffled callbacks', async () => {
        const lifecycle: CallStatus[] = ['initiated', 'ringing', 'in-progress', 'completed'];
        const callIds = Array.from({ length: 20 }, (_, i) => `conc-${i}`);
        for (const [i, id] of callIds.entries())
          await store.create(newCall(id, { callSid: `CA-conc-${i}` }), T0);
        const updates = callIds.flatMap((_, i) =>
          lifecycle.flatMap((status, seq) =>
            Array.from({ length: 4 }, () => ({
              callSid: `CA-conc-${i}`,
              status,
              sequenceNumber: seq,
              at: T0 + 100 + seq,
            })),
          ),
        );
        const order = shuffled(updates, 20240611);
        const results: [(typeof order)[number], StatusApplyResult][] = await Promise.all(
          order.map(async (u) => [u, await store.applyStatus(u)] as const),
        );

        for (const [i, id] of callIds.entries()) {
          const record = await store.get(id);
          expect(record).toMatchObject({ status: 'completed', lastSequenceNumber: 3, endedAt: T0 + 103 });
          const applied = results.filter(([u, r]) => u.callSid === `CA-conc-${i}` && r.applied);
          expect(applied.length).toBeGreaterThanOrEqual(1);
          expect(applied.length).toBeLessThanOrEqual(4);
          const appliedStatuses = applied.map(([u]) => u.status);
          expect(new Set(appliedStatuses).size).toBe(appliedStatuses.length);
          expect(appliedStatuses).toContain('completed');
        }
        for (const [, r] of results) if (!r.applied) expect(r.reason).not.toBe('not_found');
      });
    });
  });
}
