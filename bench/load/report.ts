// Prints a LoadResult and decides whether it passes.
import type { LoadResult } from './run.js';

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;

export function formatResult(r: LoadResult): string {
  const lines: string[] = [];
  const row = (name: string, value: string | number) => lines.push(`  ${name.padEnd(56)} ${value}`);
  lines.push(
    `[${r.label}] ${r.calls} calls, ${r.concurrency} concurrent, ${(r.durationMs / 1000).toFixed(1)} s`,
  );
  row('throughput', `${r.callsPerSecond.toFixed(2)} calls/s`);
  row(
    'successful (conversation or scripted busy/no-answer)',
    `${r.successes} (${pct(r.successes / r.calls)})`,
  );
  for (const [k, v] of Object.entries(r.outcomes)) row(`  outcome ${k}`, v);
  row('failed while no AI provider was reachable (excluded)', r.unrecoverable);
  row('success rate excluding those', pct(r.recoverableSuccessRate));
  row('fell back: moved to the other AI provider', r.fallbacks.providerFailover);
  row('fell back: reconnected to the same provider', r.fallbacks.reconnect);
  row('fell back: fallback message (no AI left)', r.fallbacks.fallbackMessage);
  row('calls-start retried by the client', r.fallbacks.startRetried);
  const transitions = Object.entries(r.transitions).sort();
  row('breaker transitions', transitions.length === 0 ? 'none' : '');
  for (const [k, v] of transitions) row(`  ${k}`, v);
  row('incidents circuit_open / circuit_closed', `${r.incidents.circuitOpen} / ${r.incidents.circuitClosed}`);
  const s = r.status;
  row('status webhook requests (copies + retries)', s.requests);
  row('distinct status events / acknowledged', `${s.events} / ${s.acked}`);
  row('executed by the store', s.executions);
  row('answered 2xx without executing again (deduplicated)', s.deduplicated);
  row('executed but every answer lost (retried later)', s.appliedUnacked);
  row('LOST (acknowledged, never executed)', s.lost);
  row('DOUBLED (executed more than once)', s.doubled);
  row('wrong final status', s.wrongStatus);
  row('busy/no-answer calls without exactly one incident', s.endIncidentMismatch);
  lines.push('  faults injected:');
  for (const [k, v] of Object.entries(r.faults)) row(`  ${k}`, v);
  if (r.samples.length > 0) {
    lines.push('  failing calls (first few):');
    for (const sample of r.samples) lines.push(`    ${sample}`);
  }
  return lines.join('\n');
}

/** The reasons a result fails; empty when it passes. */
export function failures(r: LoadResult, minSuccessRate: number): string[] {
  const out: string[] = [];
  if (r.status.lost > 0) out.push(`${r.label}: ${r.status.lost} status events lost`);
  if (r.status.doubled > 0) out.push(`${r.label}: ${r.status.doubled} status events doubled`);
  if (r.status.wrongStatus > 0) out.push(`${r.label}: ${r.status.wrongStatus} calls in a wrong final status`);
  if (r.status.endIncidentMismatch > 0)
    out.push(`${r.label}: ${r.status.endIncidentMismatch} busy/no-answer calls without exactly one incident`);
  if (r.recoverableSuccessRate < minSuccessRate)
    out.push(`${r.label}: success rate ${pct(r.recoverableSuccessRate)} below ${pct(minSuccessRate)}`);
  return out;
}
