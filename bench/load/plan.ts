// The seeded workload of the load bench: what each call does and which faults are injected, all
// drawn from one seed so a run can be repeated. Faults that hit shared resources (a Twilio REST
// rule, a model connection) land on whichever call reaches them first under concurrency; the
// schedule is reproducible, the exact victim may vary.

/** mulberry32: a small seeded PRNG. */
export function seededRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fault rates, each a probability per call, per connection or per webhook request. */
export interface FaultRates {
  /** Per Twilio `POST Calls.json`: answered 500 or 503 (the client retries). */
  twilio5xx: number;
  /** Per Twilio `POST Calls.json`: hangs until the REST timeout. */
  twilioTimeout: number;
  /** Per call: a Twilio outage starts (every create gets 503 for 1-2.5 s), enough to open the breaker. */
  twilioOutage: number;
  /** Per model connection: the handshake is refused (503). */
  modelRefuse: number;
  /** Per model connection: the socket is cut 0.1-1.5 s after it opened. */
  modelCloseMidCall: number;
  /** Per model connection: everything the model sends is delayed 100-300 ms. */
  modelSlow: number;
  /** Per call: OpenAI goes down (refuses and drops every socket) for 0.8-2 s. */
  openaiOutage: number;
  /** Share of OpenAI outages during which Gemini is down too (the fallback message is expected). */
  bothDown: number;
  /** Per status webhook request: answered 503 before the app sees it (Twilio retries). */
  webhook503: number;
  /** Per status webhook request: the app handles it, then the connection drops (Twilio retries). */
  webhookDropAfter: number;
}

export const DEFAULT_RATES: FaultRates = {
  twilio5xx: 0.05,
  twilioTimeout: 0.02,
  twilioOutage: 0.006,
  modelRefuse: 0.04,
  modelCloseMidCall: 0.05,
  modelSlow: 0.05,
  openaiOutage: 0.008,
  bothDown: 0.3,
  webhook503: 0.04,
  webhookDropAfter: 0.04,
};

/** No fault at all (tests switch single ones on). */
export const NO_FAULTS: FaultRates = Object.fromEntries(
  Object.keys(DEFAULT_RATES).map((k) => [k, 0]),
) as unknown as FaultRates;

/** What Twilio does with one call, and what the harness injects when the call starts. */
export interface CallPlan {
  index: number;
  direction: 'outbound' | 'inbound';
  /** Unique per call, so the harness can find the call from the fake Twilio's side. */
  to: string;
  /** How the callee answers (outbound only; inbound calls are always answered). */
  finalStatus: 'completed' | 'busy' | 'no-answer';
  duplicates: number;
  shuffle: boolean;
  concurrent: boolean;
  jitterMs: number;
  speechSeed: number;
  /** ms of a Twilio REST outage that starts with this call (0: none). */
  twilioOutageMs: number;
  /** ms of an OpenAI outage that starts with this call (0: none). */
  openaiOutageMs: number;
  /** ms of a Gemini outage starting at the same time (0: none). */
  geminiOutageMs: number;
}

export function planCalls(count: number, seed: number, rates: FaultRates): CallPlan[] {
  const r = seededRng(seed);
  return Array.from({ length: count }, (_, index) => {
    const direction = r() < 0.2 ? 'inbound' : 'outbound';
    const answer = r();
    const finalStatus =
      direction === 'inbound' || answer < 0.94 ? 'completed' : answer < 0.97 ? 'busy' : 'no-answer';
    const twilioOutage = r() < rates.twilioOutage;
    const outage = r() < rates.openaiOutage;
    const both = outage && r() < rates.bothDown;
    return {
      index,
      direction,
      to: `+1415${String(5_000_000 + index).padStart(7, '0')}`,
      finalStatus,
      duplicates: Math.floor(r() * 3),
      shuffle: r() < 0.5,
      concurrent: r() < 0.3,
      jitterMs: r() < 0.5 ? 0 : Math.floor(r() * 30),
      speechSeed: 1 + Math.floor(r() * 1_000_000),
      twilioOutageMs: twilioOutage ? 1000 + Math.floor(r() * 1500) : 0,
      openaiOutageMs: outage ? 800 + Math.floor(r() * 1200) : 0,
      geminiOutageMs: both ? 500 + Math.floor(r() * 700) : 0,
    };
  });
}
