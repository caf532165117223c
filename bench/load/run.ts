// runLoad: N calls at a given concurrency through one harness, then every call verified.
import type { SteadyCallStores } from '../../src/storage/memory/index.js';
import { type CallTrace, runCall } from './call.js';
import { type Harness, startHarness } from './harness.js';
import { DEFAULT_RATES, type FaultRates, planCalls } from './plan.js';
import { type CallVerdict, type Outcome, verifyCall } from './verify.js';

export interface LoadOptions {
  label: string;
  stores: SteadyCallStores;
  calls: number;
  concurrency: number;
  seed: number;
  rates?: FaultRates;
  onProgress?: (done: number, total: number) => void;
}

const debug = (what: string) => {
  if (process.env.LOAD_DEBUG) console.error(`load: ${what} at ${new Date().toISOString()}`);
};

type Interval = { start: number; end: number };

export interface LoadResult {
  label: string;
  calls: number;
  concurrency: number;
  durationMs: number;
  callsPerSecond: number;
  outcomes: Record<Outcome, number>;
  successes: number;
  /** Failed calls during which no AI provider could be reached (injected, or its breaker open). */
  unrecoverable: number;
  /** successes / (calls - unrecoverable). */
  recoverableSuccessRate: number;
  fallbacks: { providerFailover: number; reconnect: number; fallbackMessage: number; startRetried: number };
  transitions: Record<string, number>;
  incidents: { circuitOpen: number; circuitClosed: number };
  status: {
    requests: number;
    events: number;
    acked: number;
    executions: number;
    /** Requests answered 2xx without a new execution: duplicates and retries of an applied event. */
    deduplicated: number;
    /** Replays PostgreSQL's one-call path reported (memory replays in the generic idempotency layer). */
    replays: number;
    lost: number;
    doubled: number;
    appliedUnacked: number;
    wrongStatus: number;
    endIncidentMismatch: number;
  };
  faults: Record<string, number>;
  /** A few failing calls, described. */
  samples: string[];
  verdicts: CallVerdict[];
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const rates = options.rates ?? DEFAULT_RATES;
  const plans = planCalls(options.calls, options.seed, rates);
  const h = await startHarness({ stores: options.stores, seed: options.seed, rates });
  try {
    const traces: CallTrace[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: Math.min(options.concurrency, plans.length) }, async () => {
        for (;;) {
          const plan = plans[next++];
          if (!plan) return;
          traces.push(await runCall(h, plan, options.seed));
          options.onProgress?.(traces.length, plans.length);
        }
      }),
    );
    const durationMs = performance.now() - started;
    debug('calls done');
    await h.fake.whenIdle(30_000).catch(() => undefined);
    debug('twilio idle');
    await settleBridges(h);
    debug('bridges settled');
    traces.sort((a, b) => a.plan.index - b.plan.index);
    const verdicts: CallVerdict[] = [];
    for (const trace of traces) verdicts.push(await verifyCall(trace, h.fake, h.stores, h.ledger, h.bridges));
    debug('verified');
    return await summarise(options, h, verdicts, durationMs);
  } finally {
    await h.close();
    debug('closed');
  }
}

/** Bridges report when they end; the last ones end just after their caller hung up. */
async function settleBridges(h: Harness): Promise<void> {
  let last = -1;
  while (h.bridges.size !== last) {
    last = h.bridges.size;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/**
 * When `provider` could not take a call: injected outages, its breaker's cooldowns, and its
 * half-open probes (while the one probe is out, the breaker refuses every other call by design).
 */
function unavailableIntervals(h: Harness, provider: 'openai' | 'gemini', endOfRun: number): Interval[] {
  const out: Interval[] = h.proxies[provider].outages.map((o) => ({
    start: o.start,
    end: Math.min(o.end, endOfRun),
  }));
  const own = h.transitions.filter((t) => t.provider === provider).sort((a, b) => a.at - b.at);
  own.forEach((t, i) => {
    if (t.to === 'open') out.push({ start: t.at, end: t.cooldownUntil ?? t.at });
    if (t.to === 'half_open') out.push({ start: t.at, end: own[i + 1]?.at ?? endOfRun });
  });
  return out;
}

/** True when, at some moment of `window`, neither AI provider could take a call. */
function noProviderDuring(window: Interval, a: Interval[], b: Interval[]): boolean {
  for (const x of a)
    for (const y of b) {
      const start = Math.max(x.start, y.start, window.start);
      const end = Math.min(x.end, y.end, window.end);
      if (start < end) return true;
    }
  return false;
}

async function summarise(
  options: LoadOptions,
  h: Harness,
  verdicts: CallVerdict[],
  durationMs: number,
): Promise<LoadResult> {
  const now = Date.now();
  const openaiDown = unavailableIntervals(h, 'openai', now);
  const geminiDown = unavailableIntervals(h, 'gemini', now);
  const outcomes: Record<Outcome, number> = {
    conversation: 0,
    unanswered: 0,
    fallback_message: 0,
    no_audio: 0,
    not_placed: 0,
    harness_error: 0,
  };
  let unrecoverable = 0;
  const samples: string[] = [];
  for (const v of verdicts) {
    outcomes[v.outcome]++;
    const ok = v.outcome === 'conversation' || v.outcome === 'unanswered';
    const aiOutcome = v.outcome === 'fallback_message' || v.outcome === 'no_audio';
    const window = { start: v.trace.voiceAt ?? v.trace.startedAt, end: v.trace.endedAt };
    if (!ok && aiOutcome && noProviderDuring(window, openaiDown, geminiDown)) unrecoverable++;
    else if (!ok || v.lost || v.doubled || v.wrongStatus) {
      if (samples.length < 12) samples.push(describe(v));
    }
  }
  const successes = outcomes.conversation + outcomes.unanswered;
  const transitions: Record<string, number> = {};
  for (const t of h.transitions) {
    const k = `${t.provider}: ${t.from} -> ${t.to}`;
    transitions[k] = (transitions[k] ?? 0) + 1;
  }
  const count = async (code: string) => (await h.stores.incidents.query({ code, limit: 1000 })).length;
  const sum = (f: (v: CallVerdict) => number) => verdicts.reduce((n, v) => n + f(v), 0);
  const plans = verdicts.map((v) => v.trace.plan);
  const requests = h.fake.requests;
  return {
    label: options.label,
    calls: verdicts.length,
    concurrency: options.concurrency,
    durationMs,
    callsPerSecond: verdicts.length / (durationMs / 1000),
    outcomes,
    successes,
    unrecoverable,
    recoverableSuccessRate: successes / Math.max(1, verdicts.length - unrecoverable),
    fallbacks: {
      providerFailover: verdicts.filter((v) => v.failoverProviders > 0).length,
      reconnect: verdicts.filter((v) => v.reconnects > 0).length,
      fallbackMessage: outcomes.fallback_message,
      startRetried: verdicts.filter((v) => v.trace.startAttempts.length > 1).length,
    },
    transitions,
    incidents: { circuitOpen: await count('circuit_open'), circuitClosed: await count('circuit_closed') },
    status: {
      requests: sum((v) => v.events.reduce((n, e) => n + e.attempts, 0)),
      events: sum((v) => v.events.length),
      acked: sum((v) => v.events.filter((e) => e.acked).length),
      executions: sum((v) => v.events.reduce((n, e) => n + e.executions, 0)),
      deduplicated: sum((v) => v.events.reduce((n, e) => n + Math.max(0, e.answered - e.executions), 0)),
      replays: h.ledger.replays,
      lost: sum((v) => v.lost),
      doubled: sum((v) => v.doubled),
      appliedUnacked: sum((v) => v.appliedUnacked),
      wrongStatus: verdicts.filter((v) => v.wrongStatus).length,
      endIncidentMismatch: verdicts.filter((v) => v.endIncidents !== null && v.endIncidents !== 1).length,
    },
    faults: {
      'twilio outages (every create 503 for 1-2.5 s)': plans.filter((p) => p.twilioOutageMs > 0).length,
      'twilio creates answered 5xx': requests.filter((r) => r.fault === 'fail').length,
      'twilio creates hung (client timeout)': requests.filter((r) => r.fault === 'hang').length,
      'openai outages': plans.filter((p) => p.openaiOutageMs > 0).length,
      'openai+gemini outages': plans.filter((p) => p.geminiOutageMs > 0).length,
      'model sockets refused': h.proxies.openai.counts.refuse + h.proxies.gemini.counts.refuse,
      'model sockets cut mid-call':
        h.proxies.openai.counts.close_mid_call + h.proxies.gemini.counts.close_mid_call,
      'model sockets slow': h.proxies.openai.counts.slow + h.proxies.gemini.counts.slow,
      'model sockets refused/cut by outages':
        h.proxies.openai.counts.outage_refused +
        h.proxies.openai.counts.outage_dropped +
        h.proxies.gemini.counts.outage_refused +
        h.proxies.gemini.counts.outage_dropped,
      'status webhooks 503 before the app': h.webhookFaults.rejected503,
      'status webhooks answer dropped after the app': h.webhookFaults.droppedAfterHandling,
    },
    samples,
    verdicts,
  };
}

function describe(v: CallVerdict): string {
  const t = v.trace;
  const parts = [
    `#${t.plan.index} ${t.plan.direction} ${v.outcome}`,
    `status ${v.finalStatus ?? '-'} (expected ${v.expectedStatus ?? '-'})`,
    `start ${t.startAttempts.join(',') || '-'}`,
    `bridge ${v.bridge?.endReason ?? '-'}`,
    `failovers ${v.bridge?.failovers.map((f) => `${f.from.provider}->${f.to.provider}`).join(',') || '-'}`,
    `audio ${t.audioFrames}`,
  ];
  if (v.lost) parts.push(`LOST ${v.lost}`);
  if (v.doubled) parts.push(`DOUBLED ${v.doubled}`);
  if (t.error) parts.push(`error: ${t.error}`);
  return parts.join('; ');
}
