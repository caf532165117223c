// bench/storage: status webhooks per second on PostgreSQL at 32-way concurrency across 4 pools
// (4 "serverless instances"), ours (one atomic call per webhook) against a naive read-then-write
// implementation measured in the same run, with the naive one's lost and doubled events counted.
//   npx tsx bench/storage.ts [calls=250]
// Uses DATABASE_URL when set, else starts a throwaway server (Debian's PostgreSQL).
import postgres from 'postgres';
import { fingerprintPayload } from '../src/idempotency/fingerprint.js';
import { PostgresCallStore } from '../src/storage/postgres/calls.js';
import { migrate } from '../src/storage/postgres/migrate.js';
import type { Sql } from '../src/storage/postgres/sql.js';
import { PgServer } from '../test/support/pg-server.js';

const CALLS = Number(process.argv[2] ?? 250);
const COPIES = 4;
const CONCURRENCY = 32;
const STATUSES = ['initiated', 'ringing', 'in-progress', 'completed'] as const;
const RANK: Record<string, number> = { queued: 0, initiated: 1, ringing: 2, 'in-progress': 3, completed: 4 };
const TTL = 24 * 3600_000;

interface Delivery {
  callSid: string;
  status: (typeof STATUSES)[number];
  seq: number;
  key: string;
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function workload(seed: number): Delivery[] {
  const out: Delivery[] = [];
  for (let c = 0; c < CALLS; c++) {
    const callSid = `CA${c.toString(16).padStart(32, '0')}`;
    STATUSES.forEach((status, seq) => {
      for (let k = 0; k < COPIES; k++)
        out.push({ callSid, status, seq, key: `twilio:status:${callSid}:${status}:${seq}` });
    });
  }
  const r = rng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function run(deliveries: Delivery[], handle: (d: Delivery, instance: number) => Promise<void>) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      for (;;) {
        const i = next++;
        const d = deliveries[i];
        if (!d) return;
        await handle(d, (worker + i) % 4);
      }
    }),
  );
  return deliveries.length / ((performance.now() - started) / 1000);
}

async function reset(sql: Sql) {
  await sql`truncate calls, idempotency_keys`;
  await sql`insert into calls (id, call_sid, direction, "to", "from", status, metadata, created_at, updated_at)
    select 'call-' || g, 'CA' || lpad(to_hex(g), 32, '0'), 'outbound', '+14155550123', '+15005550006', 'queued', '{}', now(), now()
    from generate_series(0, ${CALLS - 1}) g`;
}

async function verify(sql: Sql) {
  const rows = await sql<
    { status: string; last_sequence_number: number | null }[]
  >`select status, last_sequence_number from calls`;
  return rows.filter((r) => r.status !== 'completed' || r.last_sequence_number !== 3).length;
}

const server = process.env.DATABASE_URL ? null : await PgServer.start();
const url = process.env.DATABASE_URL ?? server!.url;
const pools = [0, 1, 2, 3].map(() => postgres(url, { prepare: false, max: 8, onnotice: () => {} }));
try {
  await migrate(pools[0]!);
  const ours = pools.map((sql) => new PostgresCallStore(sql));
  const results: { name: string; rate: number; wrong: number; doubled: number; roundTrips: number }[] = [];

  for (let round = 0; round < 3; round++) {
    // ours: one atomic call per webhook (ledger + conditional update)
    await reset(pools[0]!);
    const fingerprints = new Map<string, string>();
    const work = workload(round + 1);
    for (const d of work) if (!fingerprints.has(d.key)) fingerprints.set(d.key, await fingerprintPayload(d));
    let appliedOurs = 0;
    const rateOurs = await run(work, async (d, i) => {
      const r = await ours[i]!.applyStatusOnce(
        { callSid: d.callSid, status: d.status, sequenceNumber: d.seq, at: Date.now() },
        { key: d.key, fingerprint: fingerprints.get(d.key)!, ttlMs: TTL },
      );
      if (r.outcome === 'applied') appliedOurs++;
    });
    results.push({
      name: 'steadycall',
      rate: rateOurs,
      wrong: await verify(pools[0]!),
      doubled: appliedOurs - CALLS * 4,
      roundTrips: 1,
    });

    // naive: look the key up, read the call, decide in JS, write the call, write the key
    await reset(pools[0]!);
    let appliedNaive = 0;
    const rateNaive = await run(workload(round + 1), async (d, i) => {
      const sql = pools[i]!;
      const [seen] = await sql`select 1 from idempotency_keys where key = ${d.key}`;
      if (seen) return;
      const [call] = await sql<{ status: string; last_sequence_number: number | null }[]>`
        select status, last_sequence_number from calls where call_sid = ${d.callSid}`;
      if (call && RANK[d.status]! > RANK[call.status]!) {
        await sql`update calls set status = ${d.status}, last_sequence_number = ${d.seq}, updated_at = now() where call_sid = ${d.callSid}`;
      }
      appliedNaive++;
      await sql`insert into idempotency_keys (key, fingerprint, state, response, created_at, updated_at, expires_at)
        values (${d.key}, 'f', 'completed', '{}', now(), now(), now() + interval '1 day') on conflict do nothing`;
    });
    results.push({
      name: 'naive read-then-write',
      rate: rateNaive,
      wrong: await verify(pools[0]!),
      doubled: appliedNaive - CALLS * 4,
      roundTrips: 4,
    });
  }

  const median = (name: string) => {
    const xs = results.filter((r) => r.name === name);
    const sorted = [...xs].sort((a, b) => a.rate - b.rate);
    return {
      ...sorted[Math.floor(sorted.length / 2)]!,
      wrong: Math.max(...xs.map((x) => x.wrong)),
      doubled: Math.max(...xs.map((x) => x.doubled)),
    };
  };
  const a = median('steadycall');
  const b = median('naive read-then-write');
  console.log(
    `${CALLS} calls x 4 events x ${COPIES} copies = ${CALLS * 16} webhooks, shuffled, ${CONCURRENCY}-way over 4 pools; median of 3 rounds`,
  );
  console.log('');
  console.log(
    'implementation           webhooks/s  round trips/webhook  calls wrong at end  events applied twice',
  );
  for (const r of [a, b]) {
    console.log(
      `${r.name.padEnd(24)} ${Math.round(r.rate).toString().padStart(10)}  ${String(r.roundTrips).padStart(19)}  ${String(r.wrong).padStart(18)}  ${String(r.doubled).padStart(20)}`,
    );
  }
  console.log('');
  console.log(
    `steadycall / naive throughput = ${(a.rate / b.rate).toFixed(2)}x (and only steadycall is correct when wrong/doubled > 0 for naive)`,
  );
} finally {
  await Promise.all(pools.map((p) => p.end({ timeout: 2 })));
  await server?.destroy();
}
