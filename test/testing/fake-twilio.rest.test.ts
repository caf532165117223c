import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeTwilio } from '../../src/testing/fake-twilio/index.js';

const TO = '+14155550100';
const FROM = '+14155550199';
const APP = 'http://127.0.0.1:9/unused'; // autoProgress is off here: nothing is ever sent to it

let fake: FakeTwilio;

beforeEach(async () => {
  fake = await FakeTwilio.start({ autoProgress: false });
});

afterEach(async () => {
  await fake.close();
});

function basicAuth(user: string, pass: string): string {
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}

async function rawPost(
  path: string,
  form: Record<string, string>,
  auth = basicAuth(fake.accountSid, fake.authToken),
) {
  const res = await fetch(`${fake.baseUrl}/2010-04-01/Accounts/${fake.accountSid}${path}`, {
    method: 'POST',
    headers: { Authorization: auth, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Runs `fn` and returns what it threw. */
async function caught(fn: () => Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await fn();
  } catch (err) {
    return err as Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}

describe('FakeTwilio REST API with the official twilio client', () => {
  it('creates, fetches and hangs up a call, sends a message and fetches the account', async () => {
    const client = fake.client();
    const call = await client.calls.create({
      to: TO,
      from: FROM,
      url: `${APP}/voice`,
      statusCallback: `${APP}/status`,
      statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      timeout: 20,
    });
    expect(call.sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(call.status).toBe('queued');
    expect(call.to).toBe(TO);
    expect(call.from).toBe(FROM);
    expect(call.accountSid).toBe(fake.accountSid);
    expect(call.direction).toBe('outbound-api');
    expect(call.dateCreated).toBeInstanceOf(Date);

    const fetched = await client.calls(call.sid).fetch();
    expect(fetched.sid).toBe(call.sid);

    const ended = await client.calls(call.sid).update({ status: 'completed' });
    expect(ended.status).toBe('completed');
    expect(fake.call(call.sid)?.status).toBe('completed');

    const message = await client.messages.create({ to: TO, from: FROM, body: 'hello' });
    expect(message.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(message.status).toBe('queued');
    expect(message.body).toBe('hello');
    expect(fake.messages).toHaveLength(1);

    const account = await client.api.v2010.accounts(fake.accountSid).fetch();
    expect(account.sid).toBe(fake.accountSid);
    expect(account.status).toBe('active');
    expect(account.friendlyName).toBeTruthy();
  });

  it('cancels a call that was not answered, and refuses to redirect an ended call', async () => {
    const client = fake.client();
    const call = await client.calls.create({ to: TO, from: FROM, url: `${APP}/voice` });
    expect((await client.calls(call.sid).update({ status: 'canceled' })).status).toBe('canceled');
    const err = await caught(() => client.calls(call.sid).update({ url: `${APP}/other` }));
    expect(err).toMatchObject({ status: 400, code: 21220 });
  });

  it('answers 401 with Twilio error JSON for bad credentials', async () => {
    const err = await caught(() =>
      fake.client({ authToken: 'wrong-token' }).calls.create({ to: TO, from: FROM, url: APP }),
    );
    expect(err).toMatchObject({
      status: 401,
      code: 20003,
      moreInfo: 'https://www.twilio.com/docs/errors/20003',
    });

    const res = await rawPost('/Calls.json', { To: TO, From: FROM, Url: APP }, '');
    expect(res).toEqual({
      status: 401,
      body: {
        code: 20003,
        message: 'Authenticate',
        more_info: 'https://www.twilio.com/docs/errors/20003',
        status: 401,
      },
    });
    expect(fake.calls).toHaveLength(0);
  });

  it('validates numbers like Twilio (21211 invalid To, 21201 / 21604 missing To)', async () => {
    const client = fake.client();
    const bad = await caught(() => client.calls.create({ to: '12345', from: FROM, url: APP }));
    expect(bad).toMatchObject({ status: 400, code: 21211, message: "Invalid 'To' Phone Number" });
    const badSms = await caught(() => client.messages.create({ to: '+1', from: FROM, body: 'x' }));
    expect(badSms).toMatchObject({ status: 400, code: 21211 });

    expect((await rawPost('/Calls.json', { From: FROM, Url: APP })).body).toMatchObject({
      code: 21201,
      status: 400,
    });
    expect((await rawPost('/Messages.json', { From: FROM, Body: 'x' })).body).toMatchObject({ code: 21604 });
    expect((await rawPost('/Calls.json', { To: TO, From: FROM })).body).toMatchObject({ code: 21205 });
    expect(fake.calls).toHaveLength(0);
  });

  it('answers 404 (20404) for an unknown call or another account', async () => {
    const err = await caught(() =>
      fake
        .client()
        .calls(`CA${'0'.repeat(32)}`)
        .fetch(),
    );
    expect(err).toMatchObject({ status: 404, code: 20404 });
    const other = await fetch(`${fake.baseUrl}/2010-04-01/Accounts/AC${'1'.repeat(32)}.json`, {
      headers: { Authorization: basicAuth(fake.accountSid, fake.authToken) },
    });
    expect(other.status).toBe(404);
  });

  it('logs every request with its params as sent', async () => {
    await fake.client().calls.create({
      to: TO,
      from: FROM,
      url: `${APP}/voice`,
      statusCallbackEvent: ['initiated', 'completed'],
    });
    expect(fake.requestCount).toBe(1);
    expect(fake.requests[0]).toMatchObject({
      method: 'POST',
      path: `/2010-04-01/Accounts/${fake.accountSid}/Calls.json`,
      params: { To: TO, From: FROM, Url: `${APP}/voice`, StatusCallbackEvent: ['initiated', 'completed'] },
      status: 201,
    });
    fake.clearRequests();
    expect(fake.requestCount).toBe(0);
  });
});

describe('FakeTwilio fault injection', () => {
  it('fails the next n requests with 500 / 503, then recovers', async () => {
    const client = fake.client();
    fake.faults.failNext(1, { status: 500 }).failNext(1, { status: 503 });
    expect(await caught(() => client.api.v2010.accounts(fake.accountSid).fetch())).toMatchObject({
      status: 500,
      code: 20500,
    });
    expect(await caught(() => client.api.v2010.accounts(fake.accountSid).fetch())).toMatchObject({
      status: 503,
      code: 20503,
    });
    await expect(client.api.v2010.accounts(fake.accountSid).fetch()).resolves.toMatchObject({
      status: 'active',
    });
    expect(fake.requests.map((r) => [r.status, r.fault])).toEqual([
      [500, 'fail'],
      [503, 'fail'],
      [200, undefined],
    ]);
  });

  it('answers 429 with Retry-After, and failAll lasts until heal()', async () => {
    fake.faults.failAll({ status: 429, retryAfterSec: 2 });
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${fake.baseUrl}/2010-04-01/Accounts/${fake.accountSid}.json`, {
        headers: { Authorization: basicAuth(fake.accountSid, fake.authToken) },
      });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('2');
      expect(await res.json()).toMatchObject({ code: 20429, status: 429 });
    }
    fake.faults.heal();
    expect(fake.faults.active).toBe(false);
    await expect(fake.client().api.v2010.accounts(fake.accountSid).fetch()).resolves.toBeDefined();
  });

  it('a faulted create places no call, unless afterApply (applied, answer lost)', async () => {
    const client = fake.client();
    fake.faults.failNext(1, { status: 500 });
    await caught(() => client.calls.create({ to: TO, from: FROM, url: APP }));
    expect(fake.calls).toHaveLength(0);
    fake.faults.failNext(1, { status: 502, afterApply: true });
    expect(await caught(() => client.calls.create({ to: TO, from: FROM, url: APP }))).toMatchObject({
      status: 502,
    });
    expect(fake.calls).toHaveLength(1);
  });

  it('faults can target some requests only', async () => {
    const client = fake.client();
    fake.faults.failAll({ status: 503, match: (r) => r.path.endsWith('/Calls.json') });
    await expect(client.messages.create({ to: TO, from: FROM, body: 'ok' })).resolves.toBeDefined();
    expect(await caught(() => client.calls.create({ to: TO, from: FROM, url: APP }))).toMatchObject({
      status: 503,
    });
  });

  it('hung requests make the official client time out; heal() closes them', async () => {
    const client = fake.client({ timeout: 150 });
    fake.faults.hangNext(1);
    const started = Date.now();
    const err = await caught(() => client.calls.create({ to: TO, from: FROM, url: APP }));
    expect(String(err.message)).toMatch(/timeout/i);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(fake.requests[0]).toMatchObject({ status: null, fault: 'hang' });
    expect(fake.calls).toHaveLength(0);
    fake.faults.heal();
    expect(fake.faults.hungCount).toBe(0);
    await expect(client.calls.create({ to: TO, from: FROM, url: APP })).resolves.toMatchObject({
      status: 'queued',
    });
  });

  it('hangAll holds requests until an AbortSignal gives up on them', async () => {
    fake.faults.hangAll();
    const signal = AbortSignal.timeout(100);
    await expect(
      fetch(`${fake.baseUrl}/2010-04-01/Accounts/${fake.accountSid}.json`, {
        headers: { Authorization: basicAuth(fake.accountSid, fake.authToken) },
        signal,
      }),
    ).rejects.toThrow();
    expect(fake.requestCount).toBe(1);
  });

  it('adds latency to every request', async () => {
    fake.faults.latencyMs = 60;
    const started = Date.now();
    await fake.client().api.v2010.accounts(fake.accountSid).fetch();
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
  });
});

describe('FakeTwilio.close', () => {
  it('leaves no server, socket or timer behind, even with hung requests and slow deliveries', async () => {
    const other = await FakeTwilio.start({ delayMs: 10_000, startDelayMs: 10_000 });
    const client = other.client({ timeout: 5_000 });
    await client.calls.create({ to: TO, from: FROM, url: APP });
    other.faults.hangAll();
    const hung = client.api.v2010
      .accounts(other.accountSid)
      .fetch()
      .catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    expect(other.faults.hungCount).toBe(1);
    expect(other.pendingTimers).toBeGreaterThan(0);

    await other.close();
    expect(other.listening).toBe(false);
    expect(other.pendingTimers).toBe(0);
    expect(other.openSockets).toBe(0);
    expect(other.faults.hungCount).toBe(0);
    expect(await hung).toBeInstanceOf(Error);
    await expect(client.api.v2010.accounts(other.accountSid).fetch()).rejects.toThrow();
    await other.close(); // idempotent
  });
});
