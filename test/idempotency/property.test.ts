import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeClock, sleep } from '../../src/core/clock.js';
import { isIdempotencyConflictError, isIdempotencyKeyReuseError } from '../../src/core/errors.js';
import { sequentialIds } from '../../src/core/ids.js';
import { fingerprintPayload, Idempotency } from '../../src/idempotency/index.js';
import { MemoryIdempotencyStore } from '../../src/storage/memory/idempotency.js';
import { allSettled, drive, realTick, type Tracked, track } from './helpers.js';

const LEASE = 1_000;
const KEYS = ['k0', 'k1', 'k2'] as const;

type Command =
  | {
      kind: 'execute';
      key: number;
      instance: number;
      fail: boolean;
      durationMs: number;
      otherPayload: boolean;
    }
  | { kind: 'advance'; ms: number }
  | { kind: 'crash'; key: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('execute' as const),
      key: fc.nat({ max: KEYS.length - 1 }),
      instance: fc.nat({ max: 1 }),
      fail: fc.boolean(),
      // Up to three leases: long handlers must be kept alive by the heartbeat.
      durationMs: fc.nat({ max: 3 * LEASE }),
      // Now and then the same key arrives with another payload (a 422).
      otherPayload: fc.nat({ max: 4 }).map((n) => n === 0),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.nat({ max: 2 * LEASE }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('crash' as const), key: fc.nat({ max: KEYS.length - 1 }) }),
  },
);

describe('Idempotency property', () => {
  it('applies each key’s handler at most once, and every success returns that one response', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 30 }), async (commands) => {
        const clock = new FakeClock(1_700_000_000_000);
        const store = new MemoryIdempotencyStore();
        // Two instances on one store stand for two processes (no shared in-process wake-ups).
        const instances = [0, 1].map(
          (i) =>
            new Idempotency({
              store,
              clock,
              ids: sequentialIds(`p${i}`),
              leaseMs: LEASE,
              waitTimeoutMs: 3_000,
            }),
        );
        const applied = new Map<string, string[]>();
        const calls: { key: string; call: Tracked<{ response: string; replayed: boolean }> }[] = [];
        let run = 0;

        for (const cmd of commands) {
          if (cmd.kind === 'advance') {
            await clock.advance(cmd.ms);
          } else if (cmd.kind === 'crash') {
            // A process claims the key and dies without completing or releasing.
            const key = KEYS[cmd.key]!;
            await store.claim({
              key,
              fingerprint: await fingerprintPayload({ key }),
              ownerToken: `dead-${run++}`,
              leaseMs: LEASE,
              ttlMs: 24 * 60 * 60 * 1000,
              now: clock.now(),
            });
          } else {
            const key = KEYS[cmd.key]!;
            const payload = cmd.otherPayload ? { key, variant: 'other' } : { key };
            const id = `run-${run++}`;
            const call = instances[cmd.instance]!.execute(key, payload, async ({ signal }) => {
              await sleep(clock, cmd.durationMs, signal);
              if (cmd.fail) throw new Error(`${id} failed`);
              applied.set(key, [...(applied.get(key) ?? []), id]);
              return id;
            });
            calls.push({ key, call: track(call) });
            await realTick();
          }
        }
        await drive(clock, allSettled(calls.map((c) => c.call)), { step: 200 });

        for (const key of KEYS) {
          const runs = applied.get(key) ?? [];
          expect(runs.length).toBeLessThanOrEqual(1);
          const record = await store.get<string>(key);
          if (runs.length === 1) expect(record).toMatchObject({ state: 'completed', response: runs[0] });
          else expect(record?.state).not.toBe('completed');
        }
        for (const { key, call } of calls) {
          if (call.rejected) {
            const err = call.error;
            const expected =
              isIdempotencyConflictError(err) ||
              isIdempotencyKeyReuseError(err) ||
              (err instanceof Error && /^run-\d+ failed$/.test(err.message));
            expect(expected).toBe(true);
          } else {
            // Fresh or replayed, a success always carries the single applied response.
            expect(call.value?.response).toBe(applied.get(key)?.[0]);
          }
        }
        const fresh = calls.filter((c) => c.call.value && !c.call.value.replayed);
        expect(fresh.length).toBe([...applied.values()].reduce((n, r) => n + r.length, 0));
      }),
      { numRuns: 100 },
    );
  });
});
