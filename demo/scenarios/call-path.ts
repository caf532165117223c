import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../examples/express/app.js';
import { type Clock, silentLogger, systemClock } from '../../src/index.js';
import { FAKE_AUTH_TOKEN, FakeTwilio } from '../../src/testing/index.js';
import type { Report } from '../report.js';

const OPS = 'demo-ops-token-000000000000';
const API = 'demo-api-token-000000000000';

/** Real time plus a skippable offset, so a 30 s cooldown passes without waiting. */
class DemoClock implements Clock {
  offset = 0;
  now = () => systemClock.now() + this.offset;
  setTimeout = systemClock.setTimeout;
  clearTimeout = systemClock.clearTimeout;
}

/**
 * A call's control path through the real Express example and the fake Twilio: start, TwiML,
 * status callbacks with duplicates, then a Twilio outage and the recovery.
 */
export async function callPathScenario(report: Report): Promise<boolean> {
  report.section('1. The control path through the Express example and the fake Twilio (loopback HTTP)');
  const fake = await FakeTwilio.start({ duplicates: 2, shuffle: true, concurrent: true, seed: 3 });
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clock = new DemoClock();
  const { app, stores } = createApp(
    {
      PUBLIC_BASE_URL: base,
      STREAM_TOKEN_SECRET: 'demo-stream-secret-0000000000',
      TWILIO_AUTH_TOKEN: FAKE_AUTH_TOKEN,
      TWILIO_FROM_NUMBER: '+15005550006',
      OPS_TOKEN: OPS,
      API_TOKEN: API,
      BREAKER_FAILURES: '3',
      // A configured model whose socket (a closed loopback port) is never needed for this control path.
      OPENAI_API_KEY: 'sk-demo-not-a-real-key',
      OPENAI_VOICE_URL: 'ws://127.0.0.1:9/v1/live/sessions',
      PROVIDER_TIMEOUT_MS: '2000',
    },
    { twilioClient: fake.client({ timeout: 2000 }), logger: silentLogger, clock },
  );
  server.on('request', app);
  const t0 = Date.now();
  const at = (text: string) => report.line(`  +${String(Date.now() - t0).padStart(5)} ms  ${text}`);
  const post = (path: string, body: unknown, token = API) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });

  const checks: boolean[] = [];
  try {
    const res = await post('/calls-start', { to: '+14155550123' });
    const { call } = (await res.json()) as { call: { id: string; callSid: string } };
    at(`POST /calls-start -> ${res.status}; Twilio created ${call.callSid.slice(0, 10)}...`);
    await fake.waitForCall(call.callSid);
    await fake.whenIdle();
    const events = fake.callEvents(call.callSid);
    const voice = events.find((e) => e.kind === 'voice');
    const provider = /name="provider" value="(\w+)"/.exec(voice?.body ?? '')?.[1];
    at(`Twilio POST /twilio-voice (signed) -> ${voice?.status}: <Connect><Stream> to provider "${provider}"`);
    const statuses = events.filter((e) => e.kind === 'status');
    at(`Twilio sent ${statuses.length} status callbacks (4 events x 3 copies, shuffled, concurrent)`);
    report.line(`           order: ${statuses.map((s) => s.params.CallStatus).join(', ')}`);
    const record = await stores.calls.get(call.id);
    at(`call record: status ${record?.status}, last SequenceNumber ${record?.lastSequenceNumber}`);
    checks.push(
      report.check(
        record?.status === 'completed',
        'duplicated, out-of-order callbacks applied once each, in order',
      ),
    );

    fake.faults.failAll(503);
    at('Twilio starts answering 503');
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) codes.push((await post('/calls-start', { to: '+14155550123' })).status);
    const requestsDuringOutage = fake.requestCount;
    at(`6 call attempts -> ${codes.join(' ')} (3 failures open the circuit; then 503 + Retry-After, fast)`);
    checks.push(
      report.check(
        codes.slice(3).every((c) => c === 503),
        'calls failed fast while the circuit was open',
      ),
    );
    fake.faults.heal();
    clock.offset += 40_000;
    at('Twilio recovered; 40 s later (skipped) the next call is the half-open probe');
    const probe = await post('/calls-start', { to: '+14155550123' });
    const row = await stores.providerStatus.get('twilio');
    at(`POST /calls-start -> ${probe.status}; circuit ${row?.circuit}`);
    checks.push(
      report.check(probe.status === 201 && row?.circuit === 'closed', 'one probe closed the circuit'),
    );
    checks.push(
      report.check(
        fake.requestCount === requestsDuringOutage + 1,
        'the open circuit sent nothing to Twilio until the probe',
      ),
    );
  } finally {
    await fake.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return checks.every(Boolean);
}
