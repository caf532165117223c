// The headline scenario of idempotent webhooks: Twilio delivers every status callback several times,
// in any order, to any of several serverless instances that share nothing but PostgreSQL. Each
// event must be applied exactly once, none may be lost, and no call may move backwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallStatus, StatusApplyResult } from '../../src/calls/store.js';
import { isIdempotencyConflictError } from '../../src/core/errors.js';
import { Idempotency } from '../../src/idempotency/idempotency.js';
import { twilioWebhookIdempotencyKey } from '../../src/idempotency/keys.js';
import type { ClaimRequest, ClaimResult } from '../../src/idempotency/store.js';
import { PostgresCallStore } from '../../src/storage/postgres/calls.js';
import { PostgresIdempotencyStore } from '../../src/storage/postgres/idempotency.js';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../support/pg.js';

const INSTANCES = 4;
const CALLS = 125;
const COPIES = 4; // deliveries of every event
const CONCURRENCY = 32;
const FAILING_FRACTION = 0.05; // handlers that throw on their first run
const MAX_ATTEMPTS = 20; // per delivery, before the test gives up on it
const LIFECYCLE: CallStatus[] = ['initiated', 'ringing', 'in-progress', 'completed'];

/** Deterministic PRNG (mulberry32), so a failing run can be replayed from its seed. */
function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

interface StatusEvent {
  key: string;
  callId: string;
  callSid: string;
  status: CallStatus;
  sequenceNumber: number;
  /** The form body Twilio posts: the idempotency payload (same on every retry). */
  params: Record<string, string>;
}

interface Instance {
  idempotency: Idempotency;
  calls: PostgresCallStore;
}

class InjectedFailure extends Error {}

/** Claim outcomes across all instances ('in_progress' = a duplicate found its twin running). */
const claimOutcomes = new Map<string, number>();

class ObservedIdempotencyStore extends PostgresIdempotencyStore {
  override async claim<R = unknown>(request: ClaimRequest): Promise<ClaimResult<R>> {
    const result = await super.claim<R>(request);
    claimOutcomes.set(result.status, (claimOutcomes.get(result.status) ?? 0) + 1);
    return result;
  }
}

describe.skipIf(!databaseUrl)('idempotent status webhooks across instances (PostgreSQL)', () => {
  let db: TestDatabase;
  let instances: Instance[];

  beforeAll(async () => {
    db = await createTestDatabase('webhooks_cross');
    // Test-only audit of every committed status transition, to prove no call ever moved backwards.
    await db.sql.unsafe(`
      create table test_call_transitions (
        call_id text, old_status text, new_status text, old_seq integer, new_seq integer
      );
      create function test_audit_call_status() returns trigger language plpgsql as $$
      begin
        if new.status is distinct from old.status then
          insert into test_call_transitions
            values (old.id, old.status, new.status, old.last_sequence_number, new.last_sequence_number);
        end if;
        return new;
      end $$;
      create trigger test_audit_call_status after update on calls
        for each row execute function test_audit_call_status();
    `);
    // Each instance: its own pool, its own Idempotency (real clock, default timings), its own stores.
    instances = Array.from({ length: INSTANCES }, () => {
      const sql = db.pool(8);
      return {
        idempotency: new Idempotency({ store: new ObservedIdempotencyStore(sql) }),
        calls: new PostgresCallStore(sql),
      };
    });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('applies each of 500 events exactly once from 2000 shuffled, concurrent, duplicated deliveries', async () => {
    const random = mulberry32(20_240_611);
    const hex = (n: number) => n.toString(16).padStart(32, '0');

    const events: StatusEvent[] = [];
    const now = Date.now();
    await Promise.all(
      Array.from({ length: CALLS }, (_, i) => {
        const callId = `call-${i}`;
        const callSid = `CA${hex(i + 1)}`;
        for (const [sequenceNumber, status] of LIFECYCLE.entries()) {
          const params = {
            AccountSid: `AC${hex(7)}`,
            CallSid: callSid,
            CallStatus: status,
            SequenceNumber: String(sequenceNumber),
          };
          const key = twilioWebhookIdempotencyKey(new Headers(), params);
          events.push({ key, callId, callSid, status, sequenceNumber, params });
        }
        return instances[i % INSTANCES]!.calls.create(
          { id: callId, callSid, to: '+14155550123', from: '+14155550000' },
          now,
        );
      }),
    );
    expect(new Set(events.map((e) => e.key)).size).toBe(CALLS * LIFECYCLE.length);

    const failing = new Set(
      shuffle(
        events.map((e) => e.key),
        random,
      ).slice(0, Math.round(events.length * FAILING_FRACTION)),
    );
    const deliveries = shuffle(
      events.flatMap((e) => Array.from({ length: COPIES }, () => e)),
      random,
    );

    const runs = new Map<string, number>(); // handler invocations per key
    const applications = new Map<string, number>(); // successful handler runs per key
    const firstResult = new Map<string, StatusApplyResult>(); // what the successful run returned
    const answers = new Map<string, StatusApplyResult[]>(); // what every delivery was answered
    const failedOnce = new Set<string>();
    let attemptsMade = 0;
    let injected = 0;
    let conflicts = 0;
    let replays = 0;

    const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

    const deliver = async (event: StatusEvent): Promise<void> => {
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        attemptsMade++;
        const instance = instances[Math.floor(random() * INSTANCES)]!;
        try {
          const { response, replayed } = await instance.idempotency.execute(
            event.key,
            event.params,
            async () => {
              bump(runs, event.key);
              if (failing.has(event.key) && !failedOnce.has(event.key)) {
                failedOnce.add(event.key);
                throw new InjectedFailure(event.key);
              }
              const result = await instance.calls.applyStatus({
                callSid: event.callSid,
                status: event.status,
                sequenceNumber: event.sequenceNumber,
                at: Date.now(),
              });
              bump(applications, event.key);
              firstResult.set(event.key, result);
              return result;
            },
          );
          if (replayed) replays++;
          answers.set(event.key, [...(answers.get(event.key) ?? []), response]);
          return;
        } catch (error) {
          // A 500 (our injected failure) or a 409 (a duplicate still running): Twilio retries.
          if (error instanceof InjectedFailure) injected++;
          else if (isIdempotencyConflictError(error)) conflicts++;
          else throw error;
        }
      }
      throw new Error(`event ${event.key} was not delivered after ${MAX_ATTEMPTS} attempts`);
    };

    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < deliveries.length) await deliver(deliveries[next++]!);
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `[webhooks-cross-instance] ${deliveries.length} deliveries (${attemptsMade} attempts: ` +
        `${injected} injected failures, ${conflicts} conflicts, ${replays} replays) on ${INSTANCES} instances ` +
        `in ${seconds.toFixed(2)} s = ${Math.round(deliveries.length / seconds)} deliveries/s; ` +
        `claims: ${JSON.stringify(Object.fromEntries(claimOutcomes))}`,
    );

    // Every event's handler completed exactly once; failing ones ran exactly once more, and threw.
    expect(injected).toBe(failing.size);
    for (const event of events) {
      expect(applications.get(event.key), event.key).toBe(1);
      expect(runs.get(event.key), event.key).toBe(failing.has(event.key) ? 2 : 1);
      // Every delivery was answered with the response of the one run that applied it.
      const answered = answers.get(event.key) ?? [];
      expect(answered).toHaveLength(COPIES);
      for (const answer of answered) expect(answer).toEqual(firstResult.get(event.key));
    }

    // Exactly one completed row per event; a release deletes the row, so nobody needed a takeover.
    const rows = await db.sql<
      { key: string; state: string; attempts: number; response: StatusApplyResult }[]
    >`
      select key, state, attempts, response from idempotency_keys`;
    expect(rows).toHaveLength(events.length);
    expect(new Set(rows.map((r) => r.key))).toEqual(new Set(events.map((e) => e.key)));
    for (const row of rows) {
      expect(row).toMatchObject({ state: 'completed', attempts: 1 });
      expect(row.response).toEqual(firstResult.get(row.key));
    }

    // None lost: every call reached its last event.
    const calls = await db.sql<
      { id: string; status: string; last_sequence_number: number; ended: boolean }[]
    >`
      select id, status, last_sequence_number, ended_at is not null as ended from calls`;
    expect(calls).toHaveLength(CALLS);
    for (const call of calls) {
      expect(call).toMatchObject({ status: 'completed', last_sequence_number: 3, ended: true });
    }

    // No call moved backwards, and every committed transition was reported as applied exactly once.
    const [audit] = await db.sql<{ total: number; backwards: number }[]>`
      select count(*)::int as total,
        count(*) filter (
          where steadycall_call_status_rank(new_status) <= steadycall_call_status_rank(old_status)
             or (old_seq is not null and new_seq <= old_seq)
        )::int as backwards
      from test_call_transitions`;
    const appliedResults = [...firstResult.values()].filter((r) => r.applied).length;
    expect(audit).toEqual({ total: appliedResults, backwards: 0 });
    expect(appliedResults).toBeGreaterThanOrEqual(CALLS);
  }, 120_000);
});
