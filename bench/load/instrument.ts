// What the bench observes inside the app: every status update the call store actually executed
// (per event, so a doubled or missing application shows), and every breaker transition.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CircuitState } from '../../src/breaker/types.js';
import type { CallStore, StatusOnce, StatusUpdate } from '../../src/calls/store.js';
import type { CallOrchestrator } from '../../src/orchestrator/orchestrator.js';
import type { SteadyCallStores } from '../../src/storage/memory/index.js';

/** `callSid|status|sequenceNumber`: one Twilio status event. */
export const eventKey = (callSid: string, status: string, seq: number | null | undefined) =>
  `${callSid}|${status}|${seq ?? ''}`;

/** Status updates the store executed (not replayed), per event. */
export class StatusLedger {
  readonly executions = new Map<string, number>();
  replays = 0;

  executed(update: StatusUpdate): void {
    if (update.callSid === undefined) return; // our own 'failed' for a call Twilio never took
    const key = eventKey(update.callSid, update.status, update.sequenceNumber);
    this.executions.set(key, (this.executions.get(key) ?? 0) + 1);
  }
}

/**
 * The stores with the call store wrapped to count executions. Memory stores apply status callbacks
 * through the generic idempotency path (one `applyStatus` per execution); PostgreSQL through one
 * `applyStatusOnce` whose outcome says whether it executed or replayed.
 */
export function instrumentStores(stores: SteadyCallStores, ledger: StatusLedger): SteadyCallStores {
  const inner = stores.calls;
  const calls: CallStore = {
    create: (call, now) => inner.create(call, now),
    get: (id) => inner.get(id),
    getBySid: (sid) => inner.getBySid(sid),
    attachSid: (id, sid, now) => inner.attachSid(id, sid, now),
    setAiProvider: (id, provider, now, reason) => inner.setAiProvider(id, provider, now, reason),
    list: (query) => inner.list(query),
    applyStatus: async (update) => {
      const result = await inner.applyStatus(update);
      ledger.executed(update);
      return result;
    },
  };
  if (inner.applyStatusOnce) {
    const once = inner.applyStatusOnce.bind(inner);
    calls.applyStatusOnce = async (update: StatusUpdate, key: StatusOnce) => {
      const result = await once(update, key);
      if (result.outcome === 'applied') ledger.executed(update);
      else if (result.outcome === 'replayed') ledger.replays++;
      return result;
    };
  }
  return { ...stores, calls };
}

export interface Transition {
  provider: string;
  from: CircuitState;
  to: CircuitState;
  at: number;
  /** For an opening: until when calls are refused without a try. */
  cooldownUntil: number | null;
}

/** Records every breaker transition of the app's providers. */
export function recordTransitions(
  orchestrator: CallOrchestrator,
  providers: readonly string[],
): Transition[] {
  const out: Transition[] = [];
  for (const provider of providers) {
    orchestrator
      .breaker(provider)
      .onStateChange((e) =>
        out.push({ provider, from: e.from, to: e.to, at: e.at, cooldownUntil: e.status.cooldownUntil }),
      );
  }
  return out;
}

export interface WebhookFaultCounts {
  rejected503: number;
  droppedAfterHandling: number;
  statusRequests: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Wraps the app's HTTP handler: some status webhooks get a 503 before the app sees them, some are
 * handled and then lose their answer (the connection drops), so Twilio retries an applied event.
 */
export function flakyWebhooks(
  handler: Handler,
  random: () => number,
  rates: { reject503: number; dropAfter: number },
  counts: WebhookFaultCounts,
): Handler {
  return (req, res) => {
    if (req.method !== 'POST' || !req.url?.startsWith('/twilio-status')) return handler(req, res);
    counts.statusRequests++;
    const x = random();
    if (x < rates.reject503) {
      counts.rejected503++;
      req.resume();
      res.writeHead(503, { 'content-type': 'text/plain', connection: 'close' }).end('injected');
      return;
    }
    if (x < rates.reject503 + rates.dropAfter) {
      counts.droppedAfterHandling++;
      // The app did its work; the answer never reaches Twilio.
      res.end = (() => {
        req.socket.destroy();
        return res;
      }) as ServerResponse['end'];
    }
    handler(req, res);
  };
}
