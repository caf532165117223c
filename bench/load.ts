// bench/load: simulated calls through the whole path (calls-start or an inbound call, the voice
// webhook, a media stream talking to a fake realtime model, status webhooks duplicated, shuffled
// and retried) with random provider faults, on the in-memory stores and on PostgreSQL. Counts
// successes, fallbacks, breaker transitions, and lost or doubled status events (must be zero).
//   npx tsx bench/load.ts [--calls 1000] [--concurrency 32] [--store memory|postgres|both] [--seed 1]
//                         [--min-success 0.99]
// Uses DATABASE_URL when set, else starts a throwaway server (Debian's PostgreSQL). A call lasts
// about a second of real-time audio, so calls/s measures the whole path; bench/storage measures
// the store alone. Exits non-zero on a lost or doubled event, a wrong final status, or too few
// successes among the calls some AI provider could have served. LOAD_DEBUG=1 traces the phases.
import postgres from 'postgres';
import { createMemoryStores } from '../src/storage/memory/index.js';
import { createPostgresStores } from '../src/storage/postgres/stores.js';
import { PgServer } from '../test/support/pg-server.js';
import { failures, formatResult } from './load/report.js';
import { type LoadResult, runLoad } from './load/run.js';

function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? (process.argv[at + 1] as string) : fallback;
}

const calls = Number(arg('calls', '1000'));
const concurrency = Number(arg('concurrency', '32'));
const seed = Number(arg('seed', '1'));
const store = arg('store', 'both');
// Every injected fault that leaves some AI provider reachable has a recovery path (client retry
// with the same Idempotency-Key, reconnect, failover), so such a call failing is a defect; the 1 %
// is slack for a caller starved past its answer wait (3 x 3 s) on a loaded 2-core machine.
const minSuccess = Number(arg('min-success', '0.99'));
if (!['memory', 'postgres', 'both'].includes(store) || !(calls > 0) || !(concurrency > 0)) {
  console.error(
    'usage: tsx bench/load.ts [--calls N] [--concurrency N] [--store memory|postgres|both] [--seed N]',
  );
  process.exit(2);
}

const progress = (label: string) => (done: number, total: number) => {
  if (done % 100 === 0 || done === total) process.stderr.write(`  ${label}: ${done}/${total}\n`);
};

async function onPostgres(): Promise<LoadResult> {
  const server = process.env.DATABASE_URL ? null : await PgServer.start();
  const adminUrl = process.env.DATABASE_URL ?? server!.url;
  const name = `steadycall_load_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(adminUrl, { max: 1, prepare: false, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = adminUrl.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
  const stores = await createPostgresStores({ url, migrate: true, max: 10 });
  try {
    return await runLoad({
      label: 'postgres',
      stores,
      calls,
      concurrency,
      seed,
      onProgress: progress('postgres'),
    });
  } finally {
    await stores.close();
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
    await server?.destroy();
  }
}

console.log(
  `bench/load: ${calls} calls per store, ${concurrency} concurrent, seed ${seed}; loopback fake Twilio, ` +
    'fake OpenAI Realtime and Gemini Live behind fault-injecting proxies',
);
const results: LoadResult[] = [];
if (store !== 'postgres') {
  results.push(
    await runLoad({
      label: 'memory',
      stores: createMemoryStores(),
      calls,
      concurrency,
      seed,
      onProgress: progress('memory'),
    }),
  );
  console.log(formatResult(results.at(-1)!));
}
if (store !== 'memory') {
  results.push(await onPostgres());
  console.log(formatResult(results.at(-1)!));
}
const memory = results.find((r) => r.label === 'memory');
const pg = results.find((r) => r.label === 'postgres');
if (memory && pg) {
  console.log(
    `PostgreSQL / memory throughput, same run: ${(pg.callsPerSecond / memory.callsPerSecond).toFixed(2)} ` +
      `(${pg.callsPerSecond.toFixed(2)} vs ${memory.callsPerSecond.toFixed(2)} calls/s)`,
  );
}
const failed = results.flatMap((r) => failures(r, minSuccess));
console.log(failed.length === 0 ? 'PASS' : `FAIL\n  ${failed.join('\n  ')}`);
process.exitCode = failed.length === 0 ? 0 : 1;
