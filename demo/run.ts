// `npm run demo`: an offline scripted scenario on the in-memory defaults. It prints a readable
// report and exits non-zero if any of its checks fails.

import { Report } from './report.js';
import { breakerScenario } from './scenarios/breaker.js';
import { callPathScenario } from './scenarios/call-path.js';
import { failoverScenario } from './scenarios/failover.js';
import { flagsScenario } from './scenarios/flags.js';
import { fullCallScenario } from './scenarios/full-call.js';
import { webhooksScenario } from './scenarios/webhooks.js';

const T0 = Date.UTC(2026, 10, 25, 9, 0, 0);
const report = new Report(T0);
report.title('steadycall demo: offline, on the in-memory defaults');
report.line(
  'No internet, no API keys: Twilio and the model are loopback fakes; cooldowns are skipped, not waited for.',
);

// `npm run demo -- --fail openai` (or gemini): a provider dies mid-call.
const failAt = process.argv.indexOf('--fail');
const fail = failAt >= 0 ? process.argv[failAt + 1] : undefined;
if (fail !== undefined && fail !== 'openai' && fail !== 'gemini') {
  console.error('usage: npm run demo -- [--fail openai|gemini]');
  process.exit(2);
}

const results = fail
  ? [await failoverScenario(report, fail)]
  : [
      await fullCallScenario(report),
      await callPathScenario(report),
      await breakerScenario(report, T0),
      await webhooksScenario(report),
      await flagsScenario(report, T0),
    ];

const failed = results.filter((ok) => !ok).length;
report.section('Result');
report.line(failed === 0 ? '  All checks passed.' : `  ${failed} scenario(s) had failing checks.`);
console.log(report.toString());
process.exitCode = failed === 0 ? 0 : 1;
