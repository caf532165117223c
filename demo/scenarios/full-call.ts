import { createApp } from '../../examples/express/app.js';
import { CallSimulator, SIMULATOR_OPS_TOKEN } from '../../src/testing/call-simulator.js';
import type { Report } from '../report.js';

/**
 * A whole call, offline: the Express example places it through the fake Twilio, the signed voice
 * webhook streams it to the (fake) OpenAI Realtime model, the caller speaks two turns and talks over
 * the second reply, the model calls a tool, and the status callbacks arrive duplicated and shuffled.
 */
export async function fullCallScenario(report: Report): Promise<boolean> {
  report.section(
    '0. A full simulated call: Express example + fake Twilio + media stream + fake OpenAI Realtime',
  );
  const sim = await CallSimulator.start({
    api: 'realtime',
    tool: { turn: 1, name: 'get_time' },
    app: (env, deps) => {
      const built = createApp(env, { twilioClient: deps.twilioClient });
      return { handler: built.app, attachMedia: (server, options) => built.attachMedia(server, options) };
    },
  });
  try {
    const call = await sim.runCall([
      { speakMs: 1000, pauseMs: 3000 },
      { speakMs: 900, bargeInAfterMs: 300, pauseMs: 2000 },
    ]);
    report.line('Timeline:');
    for (const entry of call.timeline) report.line(`  +${String(entry.atMs).padStart(5)} ms  ${entry.event}`);
    report.line();
    report.line(
      'Per-turn latency (end of caller speech -> first model audio -> first audio played at Twilio):',
    );
    report.table([
      ['turn', 'speech end -> audio', 'audio -> played', 'total'],
      ...call.turns.map((t) => [
        t.turn,
        `${t.speechEndToFirstAudioMs} ms`,
        `${t.firstAudioToPlayedMs} ms`,
        `${t.totalMs} ms`,
      ]),
    ]);
    const providers = (await fetch(`${sim.baseUrl}/ops/providers`, {
      headers: { authorization: `Bearer ${SIMULATOR_OPS_TOKEN}` },
    }).then((r) => r.json())) as { providers: { provider: string; circuit: string; failureCount: number }[] };
    report.line();
    report.table([
      ['measure', 'value'],
      ['AI provider', `${call.provider} (Realtime API, mu-law passthrough)`],
      [
        'caller frames to the model / model frames to Twilio',
        `${call.framesToModel} / ${call.framesFromModel}`,
      ],
      ['barge-ins', call.bargeIns],
      [
        'truncated at what was heard',
        call.truncations.map((t) => `${t.itemId} @ ${t.audioEndMs} ms`).join(', ') || '-',
      ],
      ['tool calls answered', call.toolOutputs.map((o) => o.output).join(', ') || '-'],
      [
        'status callbacks delivered / distinct',
        `${call.statusCallbacks.delivered} / ${call.statusCallbacks.distinct}`,
      ],
      [
        'breakers',
        providers.providers.map((p) => `${p.provider}: ${p.circuit}`).join(', ') || 'all closed (no row yet)',
      ],
      ['bridge ended', call.endReason ?? '-'],
    ]);
    return [
      report.check(call.endReason === 'twilio_stop', 'the call ran to the caller hanging up'),
      report.check(
        call.bargeIns >= 1 && call.truncations.every((t) => t.accepted),
        'barge-in truncated at what was heard',
      ),
      report.check(call.toolOutputs.length === 1, 'the tool call was answered'),
      report.check(call.statusCallbacks.distinct === 4, 'every status event applied once'),
    ].every(Boolean);
  } finally {
    await sim.close();
  }
}
