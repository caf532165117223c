// One simulated call through the whole path: placed through `POST /calls-start` (retried with the
// same Idempotency-Key, as a client should) or arriving inbound; the fake Twilio fetches the TwiML,
// the caller's media stream speaks until the model answers, then the caller hangs up and the status
// callbacks arrive duplicated, reordered and retried.
import type { FakeCall } from '../../src/testing/fake-twilio/types.js';
import { FAKE_AUTH_TOKEN, FakeTwilioMediaClient, speechLike } from '../../src/testing/index.js';
import { API_TOKEN, FROM, type Harness } from './harness.js';
import type { CallPlan } from './plan.js';

/** What the caller side saw of one call. */
export interface CallTrace {
  plan: CallPlan;
  startedAt: number;
  endedAt: number;
  callSid: string | null;
  callId: string | null;
  /** `POST /calls-start` attempts and their HTTP statuses (0: network error). */
  startAttempts: number[];
  /** The voice webhook answered a fallback (no `<Stream>`). */
  fallbackAtVoice: boolean;
  voiceAt: number | null;
  /** The app redirected the call to the fallback message mid-call. */
  fallbackMidCall: boolean;
  streamConnected: boolean;
  /** Model audio frames the caller received. */
  audioFrames: number;
  turns: number;
  /** The app closed the media stream before the caller hung up. */
  streamClosedByApp: boolean;
  error: string | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Injects the faults the plan starts with this call. */
function injectFaults(h: Harness, plan: CallPlan): void {
  if (plan.twilioOutageMs > 0) h.twilioOutage(plan.twilioOutageMs);
  if (plan.openaiOutageMs > 0) h.proxies.openai.outage(plan.openaiOutageMs);
  if (plan.geminiOutageMs > 0) h.proxies.gemini.outage(plan.geminiOutageMs);
}

export async function runCall(h: Harness, plan: CallPlan, seed: number): Promise<CallTrace> {
  const trace: CallTrace = {
    plan,
    startedAt: Date.now(),
    endedAt: 0,
    callSid: null,
    callId: null,
    startAttempts: [],
    fallbackAtVoice: false,
    voiceAt: null,
    fallbackMidCall: false,
    streamConnected: false,
    audioFrames: 0,
    turns: 0,
    streamClosedByApp: false,
    error: null,
  };
  injectFaults(h, plan);
  const delivery = {
    duplicates: plan.duplicates,
    shuffle: plan.shuffle,
    concurrent: plan.concurrent,
    jitterMs: plan.jitterMs,
    retryOn5xx: 4,
    retryDelayMs: 20,
    webhookTimeoutMs: 10_000,
    startDelayMs: 0,
    whileAnswered: (call: FakeCall) => talk(h, call, plan, trace),
  };
  try {
    if (plan.direction === 'inbound') {
      const call = h.fake.triggerInboundCall({
        to: FROM,
        from: plan.to,
        voiceUrl: `${h.baseUrl}/twilio-voice`,
        statusCallbackUrl: `${h.baseUrl}/twilio-status`,
        statusCallbackEvents: ['initiated', 'ringing', 'answered', 'completed'],
        ...delivery,
      });
      trace.callSid = call.sid;
    } else {
      const placed = await placeCall(h, plan, seed, trace);
      if (!placed) return finish(trace);
      trace.callSid = placed.callSid;
      trace.callId = placed.id;
      await h.fake.simulateCall(placed.callSid, { ...delivery, finalStatus: plan.finalStatus });
    }
    await h.fake.waitForCall(trace.callSid, undefined, 60_000);
  } catch (error) {
    trace.error = error instanceof Error ? error.message : String(error);
  }
  return finish(trace);
}

function finish(trace: CallTrace): CallTrace {
  trace.endedAt = Date.now();
  return trace;
}

/** `POST /calls-start` until it succeeds: 503 waits for Retry-After, other 5xx back off briefly. */
async function placeCall(
  h: Harness,
  plan: CallPlan,
  seed: number,
  trace: CallTrace,
): Promise<{ id: string; callSid: string } | null> {
  const key = `load-${seed}-${plan.index}`;
  for (let attempt = 1; attempt <= 20; attempt++) {
    let status = 0;
    let retryAfterSec = 0;
    try {
      const res = await fetch(`${h.baseUrl}/calls-start`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${API_TOKEN}`,
          'content-type': 'application/json',
          'idempotency-key': key,
        },
        body: JSON.stringify({ to: plan.to }),
        signal: AbortSignal.timeout(10_000),
      });
      status = res.status;
      retryAfterSec = Number(res.headers.get('retry-after') ?? 0);
      const body = (await res.json()) as { call?: { id: string; callSid: string | null } };
      if ((status === 200 || status === 201) && body.call?.callSid) {
        trace.startAttempts.push(status);
        return { id: body.call.id, callSid: body.call.callSid };
      }
    } catch {
      status = 0;
    }
    trace.startAttempts.push(status);
    if (status >= 400 && status < 500 && status !== 409 && status !== 429) return null;
    await sleep(retryAfterSec > 0 ? Math.min(retryAfterSec * 1000, 2000) : 100 * attempt);
  }
  return null;
}

/** The caller's side of an answered call: stream, speak until the model answers, hang up. */
async function talk(h: Harness, call: FakeCall, plan: CallPlan, trace: CallTrace): Promise<void> {
  trace.voiceAt = Date.now();
  const twiml = call.twiml ?? '';
  const url = /<Stream url="([^"]+)"/.exec(twiml)?.[1]?.replace(/&amp;/g, '&');
  if (!url) {
    trace.fallbackAtVoice = true;
    return;
  }
  const parameters = Object.fromEntries(
    [...twiml.matchAll(/<Parameter name="([^"]+)" value="([^"]*)"\/>/g)].map((m) => [m[1], m[2]]),
  ) as Record<string, string>;
  trace.callId ??= parameters.callId ?? null;
  let stream: FakeTwilioMediaClient;
  try {
    stream = await FakeTwilioMediaClient.connect({
      url,
      signature: { authToken: FAKE_AUTH_TOKEN, url },
      callSid: call.sid,
      customParameters: parameters,
      realtime: true,
    });
  } catch (error) {
    trace.error = `media connect: ${error instanceof Error ? error.message : String(error)}`;
    return;
  }
  trace.streamConnected = true;
  // Speak up to three short utterances, until the model's audio comes back.
  for (let turn = 1; turn <= 3 && stream.isOpen; turn++) {
    trace.turns = turn;
    const before = stream.received.media.length;
    await stream.play(speechLike({ durationMs: 400, seed: plan.speechSeed + turn }));
    const answered = await stream.idleUntil((c) => c.received.media.length > before || !c.isOpen, 3000);
    if (answered && stream.received.media.length > before) break;
  }
  trace.audioFrames = stream.received.media.length;
  trace.streamClosedByApp = !stream.isOpen;
  if (stream.isOpen) await stream.stop();
  else await stream.close();
  trace.fallbackMidCall = /<Say/.test(h.fake.call(call.sid)?.twiml ?? '');
}
