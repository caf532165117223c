import nock from 'nock';
import twilio from 'twilio';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_AUTH_TOKEN } from '../../src/testing/index.js';
import { FROM, type Harness, OPS_TOKEN, startHarness } from './harness.js';

const TO = '+14155550123';

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
});
afterAll(() => {
  nock.enableNetConnect();
});

async function signedPost(
  h: Harness,
  path: string,
  params: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const url = `${h.baseUrl}${path}`;
  const signature = twilio.getExpectedTwilioSignature(FAKE_AUTH_TOKEN, url, params);
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signature,
      ...headers,
    },
    body: new URLSearchParams(params),
  });
}

const sid = (prefix: string, n: number) => `${prefix}${n.toString(16).padStart(32, '0')}`;

describe('Express example against the fake Twilio', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ fake: { duplicates: 2, shuffle: true, concurrent: true, seed: 7 } });
  });
  afterEach(async () => {
    await h.close();
  });

  it('places a call; the voice webhook streams to the preferred AI; duplicated, shuffled callbacks apply once', async () => {
    const res = await h.api('/calls-start', {
      method: 'POST',
      json: { to: TO },
      headers: { 'idempotency-key': 'k-1' },
    });
    expect(res.status).toBe(201);
    const { call } = (await res.json()) as { call: { id: string; callSid: string; to: string } };
    expect(call.to).toBe('********0123');
    await h.fake.waitForCall(call.callSid);
    await h.fake.whenIdle();
    const fakeCall = h.fake.call(call.callSid)!;
    expect(fakeCall.twiml).toContain('<Connect><Stream url="ws://127.0.0.1');
    // Gemini is preferred by default but not configured in this app: OpenAI takes the call.
    expect(fakeCall.twiml).toContain('<Parameter name="provider" value="openai"/>');
    expect(fakeCall.twiml).toContain(`<Parameter name="callId" value="${call.id}"/>`);

    const statusDeliveries = h.fake.callEvents(call.callSid).filter((d) => d.kind === 'status');
    expect(statusDeliveries).toHaveLength(4 * 3);
    expect(statusDeliveries.every((d) => d.status === 200)).toBe(true);
    const record = await h.stores.calls.get(call.id);
    expect(record).toMatchObject({ status: 'completed', lastSequenceNumber: 3, aiProvider: 'openai' });
    // Each distinct event was applied once: one idempotency record per event, all completed.
    const tokens = new Set(statusDeliveries.map((d) => d.idempotencyToken));
    expect(tokens.size).toBe(4);
    for (const token of tokens) {
      const row = await h.stores.idempotency.get(`twilio:token:${token}`);
      expect(row?.state).toBe('completed');
      expect(row?.attempts).toBe(1);
    }

    // The same Idempotency-Key replays the call instead of dialling again.
    const before = h.fake.requestCount;
    const again = await h.api('/calls-start', {
      method: 'POST',
      json: { to: TO },
      headers: { 'idempotency-key': 'k-1' },
    });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(h.fake.requestCount).toBe(before);
    const reused = await h.api('/calls-start', {
      method: 'POST',
      json: { to: '+14155550199' },
      headers: { 'idempotency-key': 'k-1' },
    });
    expect(reused.status).toBe(422);
  });

  it('rejects forged, unsigned and replayed-with-another-body webhooks', async () => {
    const params = {
      CallSid: sid('CA', 1),
      AccountSid: sid('AC', 2),
      CallStatus: 'ringing',
      SequenceNumber: '1',
    };
    const url = `${h.baseUrl}/twilio-status`;
    const signature = twilio.getExpectedTwilioSignature(FAKE_AUTH_TOKEN, url, params);
    const post = (body: Record<string, string>, sig: string | null) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(sig === null ? {} : { 'x-twilio-signature': sig }),
        },
        body: new URLSearchParams(body),
      });
    expect((await post(params, signature)).status).toBe(200);
    const forged = await post(
      params,
      twilio.getExpectedTwilioSignature('not-the-token-xxxxxxxxxxxxxxxxxxxx', url, params),
    );
    expect(forged.status).toBe(403);
    expect(await forged.json()).toEqual({
      error: { code: 'invalid_signature', message: expect.any(String) },
    });
    expect((await post(params, null)).status).toBe(403);
    expect((await post({ ...params, CallStatus: 'completed' }, signature)).status).toBe(403);
    // Signed for another URL (e.g. replayed against the voice endpoint).
    const other = await fetch(`${h.baseUrl}/twilio-voice`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: new URLSearchParams(params),
    });
    expect(other.status).toBe(403);
    // A signed but malformed body is a 400, not a crash.
    const bad = await signedPost(h, '/twilio-status', { CallSid: 'nope', CallStatus: 'exploded' });
    expect(bad.status).toBe(400);
  });

  it('opens the Twilio breaker on failures, fails fast without reaching Twilio, probes and recovers', async () => {
    h.fake.faults.failAll(503);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await h.api('/calls-start', { method: 'POST', json: { to: TO } })).status);
    }
    expect(statuses).toEqual([502, 502, 502]);
    const sent = h.fake.requestCount;
    for (let i = 0; i < 5; i++) {
      const res = await h.api('/calls-start', { method: 'POST', json: { to: TO } });
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('circuit_open');
    }
    expect(h.fake.requestCount).toBe(sent); // proved: nothing reached Twilio while open
    const providers = await (await h.api('/ops/providers', { token: OPS_TOKEN })).json();
    expect(providers.providers.find((p: { provider: string }) => p.provider === 'twilio')).toMatchObject({
      circuit: 'open',
      failureCount: 3,
    });

    // Cooldown passes while Twilio is still down: exactly one probe goes out and re-opens it.
    h.clock.skip(37_000); // base 30 s + up to 20% jitter
    expect((await h.api('/calls-start', { method: 'POST', json: { to: TO } })).status).toBe(502);
    expect(h.fake.requestCount).toBe(sent + 1);
    expect((await h.api('/calls-start', { method: 'POST', json: { to: TO } })).status).toBe(503);

    // Twilio recovers; after the (doubled) cooldown a probe succeeds and closes the circuit.
    h.fake.faults.heal();
    h.clock.skip(73_000); // doubled: 60 s + up to 20% jitter
    expect((await h.api('/calls-start', { method: 'POST', json: { to: TO } })).status).toBe(201);
    expect((await h.api('/calls-start', { method: 'POST', json: { to: TO } })).status).toBe(201);
    const row = await h.stores.providerStatus.get('twilio');
    expect(row?.circuit).toBe('closed');
    const incidents = await h.orchestrator.listIncidents({ provider: 'twilio' });
    expect(incidents.map((i) => i.code)).toEqual(expect.arrayContaining(['circuit_open', 'circuit_closed']));
  });

  it('honours calls.outbound.enabled=false and needs tokens', async () => {
    expect((await h.api('/calls-start', { method: 'POST', json: { to: TO }, token: null })).status).toBe(401);
    expect((await h.api('/calls-start', { method: 'POST', json: { to: TO }, token: 'wrong' })).status).toBe(
      401,
    );
    expect(
      (await h.api('/ops/flags/calls.outbound.enabled', { method: 'PUT', json: { value: false } })).status,
    ).toBe(401);
    const set = await h.api('/ops/flags/calls.outbound.enabled', {
      method: 'PUT',
      json: { value: false },
      token: OPS_TOKEN,
    });
    expect(set.status).toBe(200);
    const res = await h.api('/calls-start', { method: 'POST', json: { to: TO } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('feature_disabled');
    expect(h.fake.requestCount).toBe(0);
    const badType = await h.api('/ops/flags/calls.outbound.enabled', {
      method: 'PUT',
      json: { value: 'yes' },
      token: OPS_TOKEN,
    });
    expect(badType.status).toBe(400);
  });

  it('answers fallback TwiML with an incident when both AI providers are disabled or broken', async () => {
    await h.api('/ops/flags/ai.openai.enabled', { method: 'PUT', json: { value: false }, token: OPS_TOKEN });
    const open = await h.api('/ops/breakers/gemini/force-open', {
      method: 'POST',
      json: { forMs: 60_000 },
      token: OPS_TOKEN,
    });
    expect(open.status).toBe(200);
    const res = await signedPost(h, '/twilio-voice', {
      CallSid: sid('CA', 9),
      AccountSid: sid('AC', 2),
      From: TO,
      To: FROM,
      CallStatus: 'ringing',
      Direction: 'inbound',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/xml');
    const twiml = await res.text();
    expect(twiml).toContain('<Say>');
    expect(twiml).not.toContain('<Stream');
    const incidents = await h.orchestrator.listIncidents({ severity: 'critical' });
    expect(incidents[0]?.code).toBe('ai_unavailable');
    // Switching the preferred provider to openai and enabling it sends the next call there.
    await h.api('/ops/flags/ai.openai.enabled', { method: 'PUT', json: { value: true }, token: OPS_TOKEN });
    await h.api('/ops/flags/ai.provider.preferred', {
      method: 'PUT',
      json: { value: 'openai' },
      token: OPS_TOKEN,
    });
    const next = await signedPost(h, '/twilio-voice', {
      CallSid: sid('CA', 10),
      AccountSid: sid('AC', 2),
      From: TO,
      To: FROM,
    });
    expect(await next.text()).toContain('<Parameter name="provider" value="openai"/>');
  });

  it('health run reports Twilio and OpenAI healthy and the unconfigured Gemini as not_configured', async () => {
    expect((await h.api('/ops-health-run', { method: 'POST', token: null })).status).toBe(401);
    const openai = nock('https://api.openai.com').get('/v1/models').reply(200, { object: 'list', data: [] });
    const res = await h.api('/ops-health-run', { method: 'POST', token: OPS_TOKEN });
    expect(res.status).toBe(200);
    const report = (await res.json()) as { results: { provider: string; status: string }[] };
    const byProvider = Object.fromEntries(report.results.map((r) => [r.provider, r.status]));
    expect(byProvider).toMatchObject({
      twilio: 'healthy',
      openai: 'healthy',
      gemini: 'not_configured',
      store: 'healthy',
    });
    expect(openai.isDone()).toBe(true);
    const live = await fetch(`${h.baseUrl}/health-check`);
    expect(live.status).toBe(200);
    const text = await live.text();
    expect(text).not.toContain(FAKE_AUTH_TOKEN);
    expect(text).not.toContain(OPS_TOKEN);
  });

  it('bad input gets typed 4xx errors', async () => {
    const tooBig = await h.api('/calls-start', {
      method: 'POST',
      json: { to: TO, metadata: { x: 'y'.repeat(200_000) } },
    });
    expect(tooBig.status).toBe(413);
    const notJson = await h.api('/calls-start', {
      method: 'POST',
      body: '{nope',
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.status).toBe(400);
    const wrongType = await h.api('/calls-start', {
      method: 'POST',
      body: 'to=1',
      headers: { 'content-type': 'text/plain' },
    });
    expect(wrongType.status).toBe(400);
    const badNumber = await h.api('/calls-start', { method: 'POST', json: { to: '12345' } });
    expect(badNumber.status).toBe(400);
    expect(
      ((await badNumber.json()) as { error: { details: { issues: { path: string }[] } } }).error.details
        .issues[0]?.path,
    ).toBe('to');
    const get = await h.api('/calls-start');
    expect(get.status).toBe(405);
    const config = await fetch(`${h.baseUrl}/twilio-status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'check_config' }),
    });
    expect(await config.json()).toMatchObject({ twilio: { configured: true } });
  });

  it('never logs a secret or a full phone number', async () => {
    await h.api('/calls-start', { method: 'POST', json: { to: TO } });
    await h.fake.whenIdle();
    h.fake.faults.failAll(400);
    await h.api('/calls-start', { method: 'POST', json: { to: TO } });
    const dump = h.logs.join('\n');
    expect(dump).not.toContain(TO);
    expect(dump).not.toContain(FAKE_AUTH_TOKEN);
    expect(dump).not.toContain(OPS_TOKEN);
  });
});
