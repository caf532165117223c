/**
 * Overhead of a guarded no-op async call: steadycall's CircuitBreaker (memory store, defaults) vs
 * cockatiel and opossum, with an unguarded call as the baseline. All contenders run in the same
 * process, in interleaved rounds (the order rotates each round), after a warm-up; the median
 * ops/s per contender is reported.
 *
 * Run: `npx tsx bench/breaker.ts [callsPerRound] [rounds]`
 */
import { ConsecutiveBreaker, circuitBreaker, handleAll } from 'cockatiel';
import Opossum from 'opossum';
import { CircuitBreaker } from '../src/breaker/breaker.js';
import { MemoryProviderStatusStore } from '../src/storage/memory/provider-status.js';

const CALLS = Number(process.argv[2] ?? 200_000);
const ROUNDS = Number(process.argv[3] ?? 7);

const TARGETS = { cockatiel: 0.8, opossum: 1 } as const;

const noop = async (): Promise<number> => 1;

const ours = new CircuitBreaker({ provider: 'bench', store: new MemoryProviderStatusStore() });
const cockatiel = circuitBreaker(handleAll, { halfOpenAfter: 30_000, breaker: new ConsecutiveBreaker(5) });
const opossum = new Opossum(noop);

type Contender = { name: string; run: () => Promise<unknown> };

const contenders: Contender[] = [
  { name: 'unguarded', run: () => noop() },
  { name: 'steadycall', run: () => ours.execute(noop) },
  { name: 'cockatiel', run: () => cockatiel.execute(noop) },
  { name: 'opossum', run: () => opossum.fire() },
];

async function opsPerSecond(run: () => Promise<unknown>, calls: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < calls; i++) await run();
  const seconds = (performance.now() - start) / 1000;
  return calls / seconds;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  console.log(
    `node ${process.version}; ${ROUNDS} rounds x ${fmt(CALLS)} sequential awaited calls per contender`,
  );
  for (const c of contenders) await opsPerSecond(c.run, Math.min(CALLS, 50_000)); // warm-up (JIT, caches)

  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order so no contender always runs first (GC and thermal effects even out).
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(round + k) % contenders.length]!;
      samples.get(c.name)!.push(await opsPerSecond(c.run, CALLS));
    }
  }

  const result = new Map([...samples].map(([name, values]) => [name, median(values)]));
  const baseline = result.get('unguarded')!;
  console.log('');
  console.log(`${'contender'.padEnd(12)} ${'median ops/s'.padStart(14)} ${'vs unguarded'.padStart(13)}`);
  for (const [name, ops] of result) {
    console.log(
      `${name.padEnd(12)} ${fmt(ops).padStart(14)} ${`${(ops / baseline).toFixed(2)}x`.padStart(13)}`,
    );
  }

  const oursOps = result.get('steadycall')!;
  console.log('');
  for (const [other, target] of Object.entries(TARGETS)) {
    const ratio = oursOps / result.get(other)!;
    const verdict = ratio >= target ? 'PASS' : 'MISS';
    console.log(`steadycall / ${other.padEnd(9)} = ${ratio.toFixed(2)}x  (target >= ${target}x)  ${verdict}`);
  }
  opossum.shutdown();
}

await main();
