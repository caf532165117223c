import {
  type Alert,
  CircuitBreaker,
  IncidentRecorder,
  isCircuitOpenError,
  MemoryIncidentLog,
  MemoryProviderStatusStore,
  ProviderError,
} from '../../src/index.js';
import { FakeClock } from '../../src/testing/index.js';
import type { Report } from '../report.js';

/**
 * A Twilio outage seen by two serverless instances sharing one store: the breaker opens once,
 * both fail fast without reaching Twilio, one probe goes out per cooldown, and it closes on recovery.
 */
export async function breakerScenario(report: Report, t0: number): Promise<boolean> {
  report.section('2. Circuit breaker: a Twilio outage across two instances');
  const clock = new FakeClock(t0);
  const store = new MemoryProviderStatusStore();
  const log = new MemoryIncidentLog();
  const alerts: Alert[] = [];
  const onAlert = (a: Alert) => {
    alerts.push(a);
  };
  const incidents = new IncidentRecorder({ log, clock, onAlert });
  const policy = { consecutiveFailures: 5, baseCooldownMs: 30_000, jitter: 0 };
  const make = () => new CircuitBreaker({ provider: 'twilio', store, clock, policy, incidents, onAlert });
  const instances = { A: make(), B: make() };

  let twilioDown = true;
  let twilioRequests = 0;
  const createCall = async () => {
    twilioRequests++;
    if (twilioDown) throw new ProviderError('twilio', 'Service Unavailable', { status: 503 });
    return { sid: `CA${twilioRequests}` };
  };

  for (const [name, breaker] of Object.entries(instances)) {
    breaker.onStateChange((e) => report.at(e.at, `instance ${name}: circuit ${e.from} -> ${e.to}`));
  }

  let failedFast = 0;
  const attempt = async (name: 'A' | 'B') => {
    const before = twilioRequests;
    try {
      await instances[name].execute(createCall);
      report.at(clock.now(), `instance ${name}: call placed`);
    } catch (err) {
      if (isCircuitOpenError(err)) {
        failedFast++;
        report.at(
          clock.now(),
          `instance ${name}: failed fast, retry in ${Math.round(err.retryAfterMs / 1000)} s`,
        );
      } else {
        report.at(
          clock.now(),
          `instance ${name}: Twilio error 503 (request ${twilioRequests - before ? 'sent' : '-'})`,
        );
      }
    }
  };

  report.line('Twilio starts answering 503. Calls alternate between instance A and B, one per second:');
  for (let i = 0; i < 10; i++) {
    await attempt(i % 2 === 0 ? 'A' : 'B');
    await clock.advance(1_000);
  }
  const requestsDuringOutage = twilioRequests;
  await clock.advance(30_000);
  report.at(clock.now(), 'cooldown passed; Twilio still down');
  await attempt('B');
  await attempt('A');
  twilioDown = false;
  await clock.advance(60_000);
  report.at(clock.now(), 'Twilio recovered; the longer cooldown passed');
  await attempt('A');
  await attempt('B');

  const row = await store.get('twilio');
  const incidentRows = await log.query({ provider: 'twilio' });
  report.line();
  report.table([
    ['measure', 'value'],
    ['Twilio requests sent in the first 10 attempts', requestsDuringOutage],
    ['attempts failed fast (never reached Twilio)', failedFast],
    [
      'alerts fired (circuit_open, once per opening)',
      alerts.filter((a) => a.condition === 'circuit_open').length,
    ],
    ['incidents written', incidentRows.map((i) => i.code).join(', ')],
    ['final circuit / failure_count', `${row?.circuit} / ${row?.failureCount}`],
  ]);
  const checks = [
    report.check(
      requestsDuringOutage === 5,
      'the circuit opened after 5 failures; later attempts sent nothing',
    ),
    report.check(
      alerts.filter((a) => a.condition === 'circuit_open').length === 2,
      'one alert per opening, not per instance',
    ),
    report.check(row?.circuit === 'closed', 'a successful probe closed the circuit'),
  ];
  return checks.every(Boolean);
}
