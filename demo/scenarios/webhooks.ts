import {
  type CallStatus,
  Idempotency,
  MemoryCallStore,
  MemoryIdempotencyStore,
  twilioWebhookIdempotencyKey,
} from '../../src/index.js';
import type { Report } from '../report.js';

/** Twilio delivers each status callback three times, shuffled, all at once: each applies once. */
export async function webhooksScenario(report: Report): Promise<boolean> {
  report.section('3. Idempotent webhooks: duplicated, out-of-order status callbacks');
  const calls = new MemoryCallStore();
  const idempotency = new Idempotency({ store: new MemoryIdempotencyStore() });
  const callSid = `CA${'0'.repeat(31)}1`;
  await calls.create({ id: 'call-1', callSid, to: '+14155550123', from: '+14155550100' }, Date.now());

  const sequence: CallStatus[] = ['initiated', 'ringing', 'in-progress', 'completed'];
  const deliveries = sequence.flatMap((status, seq) => [0, 1, 2].map(() => ({ status, seq })));
  shuffle(deliveries, 42);
  report.line(`Delivery order (${deliveries.length} requests): ${deliveries.map((d) => d.seq).join(' ')}`);

  let handlerRuns = 0;
  const outcomes = await Promise.all(
    deliveries.map(async ({ status, seq }) => {
      const params = { CallSid: callSid, CallStatus: status, SequenceNumber: String(seq) };
      const key = twilioWebhookIdempotencyKey(new Headers(), params);
      return idempotency.execute(key, params, async () => {
        handlerRuns++;
        const result = await calls.applyStatus({ callSid, status, sequenceNumber: seq, at: Date.now() });
        return result.applied ? 'applied' : `ignored (${result.reason})`;
      });
    }),
  );
  const replays = outcomes.filter((o) => o.replayed).length;
  const final = await calls.get('call-1');
  report.table([
    ['measure', 'value'],
    ['requests delivered', deliveries.length],
    ['handler runs (one per distinct event)', handlerRuns],
    ['duplicates answered by replay', replays],
    ['final status / last SequenceNumber', `${final?.status} / ${final?.lastSequenceNumber}`],
  ]);
  return [
    report.check(handlerRuns === 4, 'each distinct event ran exactly once'),
    report.check(replays === 8, 'every duplicate got the stored answer'),
    report.check(final?.status === 'completed', 'out-of-order events never moved the call backwards'),
  ].every(Boolean);
}

/** Deterministic Fisher-Yates with a small LCG, so the demo prints the same order every run. */
function shuffle<T>(items: T[], seed: number): void {
  let s = seed;
  for (let i = items.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
}
