/**
 * Bookkeeping for tools under the Live API's Responses delegation, kept apart from the socket so
 * the rule is easy to read and test.
 *
 * Rule (LiveKit's, preferred over the per-output `response.create` of Twilio's bridge because it
 * handles parallel calls): every output is sent at once as `response.item.create`; one
 * `response.create` follows when the delegation's `response.completed` has arrived and every
 * `call_id` of that delegation has an output. `response.failed` / `response.incomplete` abandon
 * the delegation's pending calls.
 *
 * @module
 */

import { liveFunctionCallSchema } from './openai-live-wire.js';

interface Pending {
  callIds: Set<string>;
  returned: Set<string>;
  completed: boolean;
}

/** What a nested `response.event` asks the session to do. */
export type DelegationAction =
  | { type: 'call'; callId: string; name: string; arguments: string }
  | { type: 'continue' }
  | null;

/**
 * Tracks function calls per delegation (`delegation_id`, `''` when the event had none).
 *
 * @example
 * ```ts
 * const d = new LiveDelegations();
 * d.onResponseEvent('dlg_1', 'response.created');
 * d.onResponseEvent('dlg_1', 'response.output_item.done', item); // { type: 'call', ... }
 * d.onResponseEvent('dlg_1', 'response.completed'); // null: the call has no output yet
 * d.onOutput('call_1'); // 'continue': send response.create now
 * ```
 */
export class LiveDelegations {
  readonly #pending = new Map<string, Pending>();
  readonly #callToKey = new Map<string, string>();

  onResponseEvent(key: string, type: string, item?: unknown): DelegationAction {
    switch (type) {
      case 'response.created':
        this.#pending.set(key, { callIds: new Set(), returned: new Set(), completed: false });
        return null;
      case 'response.output_item.done': {
        const parsed = liveFunctionCallSchema.safeParse(item);
        // Messages, reasoning and hosted-tool items need nothing from us. Interrupted calls can
        // carry truncated arguments: only completed ones run.
        if (!parsed.success || parsed.data.status !== 'completed') return null;
        const { call_id: callId, name } = parsed.data;
        let pending = this.#pending.get(key);
        if (!pending) {
          // A call outside a known response: nothing more will complete it, so it is complete.
          pending = { callIds: new Set(), returned: new Set(), completed: true };
          this.#pending.set(key, pending);
        }
        if (pending.callIds.has(callId)) return null; // duplicate delivery
        pending.callIds.add(callId);
        this.#callToKey.set(callId, key);
        return { type: 'call', callId, name, arguments: parsed.data.arguments };
      }
      case 'response.completed': {
        const pending = this.#pending.get(key);
        if (!pending) return null;
        pending.completed = true;
        return this.#ready(key) ? { type: 'continue' } : null;
      }
      case 'response.failed':
      case 'response.incomplete':
        this.#drop(key);
        return null;
      default:
        return null; // tolerate new nested event types
    }
  }

  /**
   * Records a tool output. `'unknown'`: no pending call has this id (abandoned, or never seen);
   * `'continue'`: send `response.create` now; `'wait'`: other outputs or `response.completed` due.
   */
  onOutput(callId: string): 'unknown' | 'continue' | 'wait' {
    const key = this.#callToKey.get(callId);
    const pending = key === undefined ? undefined : this.#pending.get(key);
    if (key === undefined || !pending || pending.returned.has(callId)) return 'unknown';
    pending.returned.add(callId);
    return this.#ready(key) ? 'continue' : 'wait';
  }

  /** Calls still waiting for an output. */
  get pendingCalls(): number {
    let n = 0;
    for (const p of this.#pending.values()) n += p.callIds.size - p.returned.size;
    return n;
  }

  clear(): void {
    this.#pending.clear();
    this.#callToKey.clear();
  }

  #ready(key: string): boolean {
    const p = this.#pending.get(key);
    if (!p?.completed || [...p.callIds].some((id) => !p.returned.has(id))) return false;
    this.#drop(key);
    return p.callIds.size > 0; // a delegation without function calls continues by itself
  }

  #drop(key: string): void {
    const p = this.#pending.get(key);
    for (const callId of p?.callIds ?? []) this.#callToKey.delete(callId);
    this.#pending.delete(key);
  }
}
