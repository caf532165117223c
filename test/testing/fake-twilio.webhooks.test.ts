import { createServer, type IncomingMessage, type Server } from 'node:http';
import twilio from 'twilio';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/core/logger.js';
import { TwilioSigner } from '../../src/telephony/signature.js';
import { formParams, lastValues } from '../../src/telephony/webhooks.js';
import { FakeTwilio, type FakeTwilioOptions } from '../../src/testing/fake-twilio/index.js';

const TO = '+14155550100';
const FROM = '+14155550199';
const TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>hi</Say></Response>';
const ALL_EVENTS = ['initiated', 'ringing', 'answered', 'completed'];

interface Received {
  method: string;
  path: string;
  params: Record<string, string>;
  token: string | undefined;
  signature: string;
  validOurs: boolean;
  validOfficial: boolean;
}

type Responder = (r: Received, index: number) => Promise<{ status: number; body?: string } | 'hang'>;

/** A tiny app that records the webhooks it gets and checks their signatures two ways. */
class App {
  readonly received: Received[] = [];
  inFlight = 0;
  maxInFlight = 0;
  respond: Responder = async (r) => (r.path === '/voice' ? { status: 200, body: TWIML } : { status: 204 });
  #server!: Server;
  baseUrl = '';

  constructor(readonly authToken: string) {}

  async start(): Promise<this> {
    const signer = new TwilioSigner(this.authToken);
    this.#server = createServer(async (req, res) => {
      this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
      const body = await readAll(req);
      const url = `${this.baseUrl}${req.url}`;
      const signature = String(req.headers['x-twilio-signature'] ?? '');
      const signedParams = req.method === 'POST' ? formParams(body) : {};
      const parsed = new URL(url);
      const r: Received = {
        method: req.method ?? '',
        path: parsed.pathname,
        params:
          req.method === 'POST' ? lastValues(formParams(body)) : Object.fromEntries(parsed.searchParams),
        token: req.headers['i-twilio-idempotency-token'] as string | undefined,
        signature,
        validOurs: await signer.validate({ url, signature, params: signedParams }),
        validOfficial: twilio.validateRequest(this.authToken, signature, url, signedParams),
      };
      this.received.push(r);
      const answer = await this.respond(r, this.received.length - 1);
      this.inFlight--;
      if (answer === 'hang') return;
      res.writeHead(answer.status, { 'Content-Type': 'text/xml' }).end(answer.body ?? '');
    });
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const address = this.#server.address();
    this.baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return this;
  }

  statuses(): string[] {
    return this.received.filter((r) => r.path === '/status').map((r) => r.params.CallStatus ?? '');
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      data += c;
    });
    req.on('end', () => resolve(data));
  });
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(options: FakeTwilioOptions = {}) {
  const fake = await FakeTwilio.start(options);
  const app = await new App(fake.authToken).start();
  cleanups.push(
    () => fake.close(),
    () => app.close(),
  );
  const client = fake.client();
  const place = (events: string[] | null = ALL_EVENTS, method?: 'GET' | 'POST') =>
    client.calls.create({
      to: TO,
      from: FROM,
      url: `${app.baseUrl}/voice?tenant=t1`,
      statusCallback: `${app.baseUrl}/status`,
      ...(events ? { statusCallbackEvent: events } : {}),
      ...(method ? { statusCallbackMethod: method } : {}),
    });
  return { fake, app, client, place };
}

describe('FakeTwilio call webhooks', () => {
  it('drives a call: signed voice webhook then status callbacks 0..3, in order', async () => {
    const { fake, app, place } = await setup();
    const call = await place();
    const deliveries = await fake.waitForCall(call.sid);

    expect(app.received.map((r) => (r.path === '/voice' ? 'voice' : r.params.CallStatus))).toEqual([
      'initiated',
      'ringing',
      'voice',
      'in-progress',
      'completed',
    ]);
    expect(app.received.every((r) => r.validOurs && r.validOfficial)).toBe(true);
    expect(deliveries.every((d) => d.status >= 200 && d.status < 300 && d.attempt === 1)).toBe(true);

    const voice = app.received.find((r) => r.path === '/voice');
    expect(voice?.params).toMatchObject({
      CallSid: call.sid,
      AccountSid: fake.accountSid,
      From: FROM,
      To: TO,
      CallStatus: 'in-progress',
      Direction: 'outbound-api',
      ApiVersion: '2010-04-01',
    });
    const statuses = app.received.filter((r) => r.path === '/status');
    expect(statuses.map((r) => r.params.SequenceNumber)).toEqual(['0', '1', '2', '3']);
    for (const s of statuses) {
      expect(s.params.CallbackSource).toBe('call-progress-events');
      expect(s.params.Timestamp).toMatch(
        /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/,
      );
    }
    expect(statuses.map((r) => r.params.CallDuration)).toEqual([undefined, undefined, undefined, '1']);
    expect(new Set(statuses.map((r) => r.token)).size).toBe(4);

    expect(fake.call(call.sid)).toMatchObject({ status: 'completed', twiml: TWIML });
    expect((await fake.client().calls(call.sid).fetch()).status).toBe('completed');
  });

  it('sends only the completed callback when no StatusCallbackEvent was given', async () => {
    const { fake, app, place } = await setup();
    const call = await place(null);
    await fake.waitForCall(call.sid);
    expect(app.statuses()).toEqual(['completed']);
    expect(app.received.at(-1)?.params.SequenceNumber).toBe('0');
  });

  it('signs GET status callbacks over the URL with its query', async () => {
    const { fake, app, place } = await setup();
    const call = await place(['completed'], 'GET');
    await fake.waitForCall(call.sid);
    const status = app.received.find((r) => r.path === '/status');
    expect(status).toMatchObject({ method: 'GET', validOurs: true, validOfficial: true });
    expect(status?.params.CallStatus).toBe('completed');
  });

  it('duplicates + shuffle: every event delivered 1 + n times, same token per event, reordered', async () => {
    const { fake, app, place } = await setup({ duplicates: 2, shuffle: true, seed: 7 });
    const call = await place();
    await fake.waitForCall(call.sid);

    const statuses = app.received.filter((r) => r.path === '/status');
    expect(statuses).toHaveLength(12);
    expect(statuses.every((r) => r.validOurs && r.validOfficial)).toBe(true);
    const counts = new Map<string, number>();
    for (const s of statuses)
      counts.set(s.params.CallStatus ?? '', (counts.get(s.params.CallStatus ?? '') ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({ initiated: 3, ringing: 3, 'in-progress': 3, completed: 3 });
    const tokensBySeq = new Map<string, Set<string | undefined>>();
    for (const s of statuses) {
      const seq = s.params.SequenceNumber ?? '';
      tokensBySeq.set(seq, (tokensBySeq.get(seq) ?? new Set()).add(s.token));
    }
    expect([...tokensBySeq.values()].map((t) => t.size)).toEqual([1, 1, 1, 1]);
    expect(new Set(statuses.map((s) => s.token)).size).toBe(4);
    const order = statuses.map((s) => Number(s.params.SequenceNumber));
    expect(order).not.toEqual([...order].sort((a, b) => a - b));

    // Same seed, same order: failures found with a seed can be replayed.
    const again = await setup({ duplicates: 2, shuffle: true, seed: 7 });
    const call2 = await again.place();
    await again.fake.waitForCall(call2.sid);
    const order2 = again.app.received
      .filter((r) => r.path === '/status')
      .map((s) => Number(s.params.SequenceNumber));
    expect(order2).toEqual(order);
  });

  it('concurrent delivery sends duplicates at the same time', async () => {
    const { fake, app, place } = await setup();
    app.respond = async (r) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return r.path === '/voice' ? { status: 200, body: TWIML } : { status: 204 };
    };
    fake.nextCall({ duplicates: 3, concurrent: true });
    const call = await place(['completed']);
    await fake.waitForCall(call.sid);
    expect(app.statuses()).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(app.maxInFlight).toBeGreaterThan(1);
  });

  it('retries a webhook that got a 5xx, with the same token and signature', async () => {
    const { fake, app, place } = await setup({ retryOn5xx: 2, retryDelayMs: 5 });
    let failures = 0;
    app.respond = async (r) => {
      if (r.path === '/status' && r.params.CallStatus === 'completed' && failures++ < 2)
        return { status: 503 };
      return r.path === '/voice' ? { status: 200, body: TWIML } : { status: 204 };
    };
    const call = await place(['completed']);
    const deliveries = await fake.waitForCall(call.sid);
    const completed = deliveries.filter((d) => d.params.CallStatus === 'completed');
    expect(completed.map((d) => [d.attempt, d.status])).toEqual([
      [1, 503],
      [2, 503],
      [3, 204],
    ]);
    expect(new Set(completed.map((d) => d.idempotencyToken)).size).toBe(1);
    expect(new Set(app.received.filter((r) => r.path === '/status').map((r) => r.signature)).size).toBe(1);
  });

  it('records a timed-out webhook (status 0) and does not retry by default', async () => {
    const { fake, app, place } = await setup({ webhookTimeoutMs: 100 });
    app.respond = async (r) => (r.path === '/voice' ? 'hang' : { status: 204 });
    const call = await place(['completed']);
    const deliveries = await fake.waitForCall(call.sid);
    expect(deliveries.find((d) => d.kind === 'voice')).toMatchObject({
      status: 0,
      error: 'timeout',
      attempt: 1,
    });
    expect(fake.call(call.sid)?.twiml).toBeUndefined();
    expect(app.statuses()).toEqual(['completed']);
  });

  it('plays out busy / failed calls without a voice webhook', async () => {
    const { fake, app, place } = await setup({ finalStatus: 'busy' });
    const call = await place();
    await fake.waitForCall(call.sid);
    expect(app.received.some((r) => r.path === '/voice')).toBe(false);
    expect(app.statuses()).toEqual(['initiated', 'ringing', 'busy']);
    expect(app.received.at(-1)?.params.CallDuration).toBe('0');

    fake.nextCall({ finalStatus: 'failed' });
    const failed = await place();
    await fake.waitForCall(failed.sid);
    expect(fake.callEvents(failed.sid).map((d) => d.params.CallStatus)).toEqual(['initiated', 'failed']);
  });

  it('spaces deliveries by delayMs', async () => {
    const { fake, place } = await setup({ delayMs: 20, jitterMs: 5 });
    const started = Date.now();
    const call = await place();
    await fake.waitForCall(call.sid);
    expect(Date.now() - started).toBeGreaterThanOrEqual(5 * 20 - 5);
  });

  it('stops the simulation when the app hangs up through the API', async () => {
    const { fake, app, client, place } = await setup();
    app.respond = async (r) => {
      if (r.path === '/voice') await client.calls(r.params.CallSid ?? '').update({ status: 'completed' });
      return r.path === '/voice' ? { status: 200, body: TWIML } : { status: 204 };
    };
    const call = await place();
    await fake.waitForCall(call.sid);
    await fake.whenIdle();
    // in-progress was never reported: the call ended while its TwiML was being fetched.
    expect(app.statuses()).toEqual(['initiated', 'ringing', 'completed']);
  });

  it('delivers a late, out-of-order status callback on demand', async () => {
    const { fake, app, place } = await setup({ autoProgress: false });
    const call = await place();
    await fake.simulateCall(call.sid);
    const ringing = fake.callEvents(call.sid).find((d) => d.params.CallStatus === 'ringing');
    const [late] = await fake.deliverStatus(call.sid, 'ringing', {
      sequenceNumber: 1,
      idempotencyToken: ringing?.idempotencyToken,
      duplicates: 1,
    });
    expect(late).toMatchObject({ status: 204, sequenceNumber: 1 });
    expect(app.received.at(-1)).toMatchObject({ token: ringing?.idempotencyToken, validOfficial: true });
    expect(app.statuses()).toEqual([
      'initiated',
      'ringing',
      'in-progress',
      'completed',
      'ringing',
      'ringing',
    ]);
    expect(fake.call(call.sid)?.status).toBe('completed');
  });

  it('triggers an inbound call', async () => {
    const { fake, app } = await setup();
    const call = fake.triggerInboundCall({
      to: FROM,
      from: TO,
      voiceUrl: `${app.baseUrl}/voice`,
      statusCallbackUrl: `${app.baseUrl}/status`,
    });
    await fake.waitForCall(call.sid);
    expect(app.received[0]?.params).toMatchObject({ CallStatus: 'ringing', Direction: 'inbound', To: FROM });
    expect(app.received.every((r) => r.validOfficial && r.validOurs)).toBe(true);
    expect(app.statuses()).toEqual(['completed']);
    expect(fake.call(call.sid)).toMatchObject({ direction: 'inbound', status: 'completed', twiml: TWIML });
  });

  it('waitForCall rejects with what it saw when the predicate never holds', async () => {
    const { fake, place } = await setup();
    const call = await place(['completed']);
    await expect(fake.waitForCall(call.sid, (d) => d.length > 10, 100)).rejects.toThrow(
      /timed out after 100 ms/,
    );
    expect(fake.pendingTimers).toBe(0);
  });

  it('never logs a full phone number or the auth token', async () => {
    const lines: string[] = [];
    const record = (a: unknown, b?: unknown) => {
      lines.push(JSON.stringify([a, b]));
    };
    const logger: Logger = { debug: record, info: record, warn: record, error: record };
    const { fake, place } = await setup({ logger });
    const call = await place();
    await fake.waitForCall(call.sid);
    expect(lines.length).toBeGreaterThan(0);
    const all = lines.join('\n');
    expect(all).not.toContain('4155550100');
    expect(all).not.toContain(fake.authToken);
  });
});
