import { createApp } from '../../examples/express/app.js';
import { CallSimulator, SIMULATOR_OPS_TOKEN } from '../../src/testing/call-simulator.js';
import type { Report } from '../report.js';

/** `npm run demo -- --fail openai|gemini`: that provider dies mid-call; the call moves to the other. */
export async function failoverScenario(report: Report, fail: 'openai' | 'gemini'): Promise<boolean> {
  const other = fail === 'openai' ? 'gemini' : 'openai';
  report.section(`Failover: ${fail} goes down in the middle of a call`);
  const sim = await CallSimulator.start({
    api: 'realtime',
    gemini: true,
    prefer: fail,
    app: (env, deps) => {
      const built = createApp(env, { twilioClient: deps.twilioClient });
      return { handler: built.app, attachMedia: (server, options) => built.attachMedia(server, options) };
    },
  });
  try {
    const call = await sim.runCall(
      [
        { speakMs: 1000, pauseMs: 2500 },
        { speakMs: 900, pauseMs: 3000 },
      ],
      { failProviderAfterTurn: { turn: 1, provider: fail } },
    );
    report.line('Timeline:');
    for (const entry of call.timeline) report.line(`  +${String(entry.atMs).padStart(5)} ms  ${entry.event}`);
    report.line();
    report.table([
      ['switch', 'reason', 'gap'],
      ...call.failovers.map((f) => [
        `${f.from.provider} (${f.from.api}) -> ${f.to.provider} (${f.to.api})`,
        f.reason,
        `${f.gapMs} ms`,
      ]),
    ]);
    const incidents = (await fetch(`${sim.baseUrl}/ops/incidents?limit=20`, {
      headers: { authorization: `Bearer ${SIMULATOR_OPS_TOKEN}` },
    }).then((r) => r.json())) as { incidents: { severity: string; code: string; message: string }[] };
    report.line();
    report.line('Incident log:');
    for (const i of incidents.incidents.slice(0, 6))
      report.line(`  ${i.severity.padEnd(8)} ${i.code.padEnd(16)} ${i.message}`);
    return [
      report.check(call.failovers.at(-1)?.to.provider === other, `the call continued on ${other}`),
      report.check(call.endReason === 'twilio_stop', "the caller's leg was never dropped"),
    ].every(Boolean);
  } finally {
    await sim.close();
  }
}
