// Twilio webhook signatures: forged, replayed against another URL or with another body, missing, or
// made with the wrong token, every one is refused with 403 and the JSON error shape, and none has
// any effect (no status applied, no idempotency record, no incident).
import { beforeEach, describe, expect, it } from 'vitest';
import { bodySha256Hex, TwilioSigner } from '../../src/telephony/signature.js';
import { BASE_URL, createService, expectWellFormed, type Service, signer } from '../fuzz/service.js';

let service: Service;
let callSid: string;

const FORM = 'application/x-www-form-urlencoded';

beforeEach(async () => {
  service = createService();
  const { call } = await service.orchestrator.startCall({ to: '+14155550123' });
  callSid = call.callSid!;
});

const statusParams = (status = 'failed', extra: Record<string, string> = {}) => ({
  CallSid: callSid,
  AccountSid: `AC${'cd34'.repeat(8)}`,
  CallStatus: status,
  SequenceNumber: '3',
  ...extra,
});

function post(path: string, body: string, signature: string | null, type = FORM): Promise<Response> {
  const headers = new Headers({ 'content-type': type });
  if (signature !== null) headers.set('x-twilio-signature', signature);
  return service.route(new Request(`http://localhost${path}`, { method: 'POST', headers, body }));
}

async function expectRefused(response: Response): Promise<void> {
  expect(response.status).toBe(403);
  expect(await expectWellFormed(response, 'refused webhook')).toBe('invalid_signature');
}

/** Nothing happened: the call is as created, no incident, and the genuine request still applies once. */
async function expectNoEffect(): Promise<void> {
  const call = await service.orchestrator.stores.calls.getBySid(callSid);
  expect(call?.status).toBe('queued');
  expect(await service.orchestrator.listIncidents()).toEqual([]);
  const params = statusParams();
  const genuine = await post(
    '/twilio-status',
    new URLSearchParams(params).toString(),
    await signer.sign(`${BASE_URL}/twilio-status`, params),
  );
  expect(genuine.status).toBe(200);
  expect((await service.orchestrator.stores.calls.getBySid(callSid))?.status).toBe('failed');
}

describe('Twilio webhook signatures', () => {
  it('refuses a missing signature', async () => {
    await expectRefused(await post('/twilio-status', new URLSearchParams(statusParams()).toString(), null));
    await expectNoEffect();
  });

  it('refuses a forged signature (random, empty, the right one truncated or for an empty body)', async () => {
    const params = statusParams();
    const right = await signer.sign(`${BASE_URL}/twilio-status`, params);
    const body = new URLSearchParams(params).toString();
    for (const forged of [
      '',
      'AAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      right.slice(0, -2),
      right.toLowerCase(),
      await signer.sign(`${BASE_URL}/twilio-status`),
    ]) {
      if (forged === right) continue;
      await expectRefused(await post('/twilio-status', body, forged));
    }
    await expectNoEffect();
  });

  it('refuses a signature made with another auth token', async () => {
    const params = statusParams();
    const other = new TwilioSigner('another-accounts-auth-token-123');
    await expectRefused(
      await post(
        '/twilio-status',
        new URLSearchParams(params).toString(),
        await other.sign(`${BASE_URL}/twilio-status`, params),
      ),
    );
    await expectNoEffect();
  });

  it('refuses a signature valid for another URL (path, query, host, scheme)', async () => {
    const params = statusParams();
    const body = new URLSearchParams(params).toString();
    for (const url of [
      `${BASE_URL}/twilio-voice`,
      `${BASE_URL}/twilio-status?x=1`,
      'https://attacker.example/twilio-status',
      `${BASE_URL.replace('https:', 'http:')}/twilio-status`,
      `${BASE_URL}:8443/twilio-status`,
    ]) {
      await expectRefused(await post('/twilio-status', body, await signer.sign(url, params)));
    }
    // ... and a valid signature for this URL does not carry over to a request on another path.
    await expectRefused(
      await post('/twilio-voice', body, await signer.sign(`${BASE_URL}/twilio-status`, params)),
    );
    await expectNoEffect();
  });

  it('accepts the port variants Twilio is known to sign (default port added or dropped)', async () => {
    const params = statusParams('busy');
    const body = new URLSearchParams(params).toString();
    const response = await post(
      '/twilio-status',
      body,
      await signer.sign(`${BASE_URL}:443/twilio-status`, params),
    );
    expect(response.status).toBe(200);
  });

  it('refuses a valid signature replayed with another body', async () => {
    const signed = statusParams('completed');
    const signature = await signer.sign(`${BASE_URL}/twilio-status`, signed);
    const variants: Record<string, string>[] = [
      { ...signed, CallStatus: 'failed' },
      { ...signed, SequenceNumber: '4' },
      { ...signed, Extra: 'x' },
      Object.fromEntries(Object.entries(signed).filter(([k]) => k !== 'SequenceNumber')),
    ];
    for (const params of variants) {
      await expectRefused(await post('/twilio-status', new URLSearchParams(params).toString(), signature));
    }
    // A parameter whose name is an Object.prototype key is signed like any other.
    for (const key of ['__proto__', 'constructor', 'toString']) {
      const body = `${new URLSearchParams(signed).toString()}&${key}=x`;
      await expectRefused(await post('/twilio-status', body, signature));
    }
    await expectNoEffect();
  });

  it('refuses a voice webhook with a replayed signature and answers no TwiML', async () => {
    const params = { CallSid: callSid, AccountSid: `AC${'cd34'.repeat(8)}`, CallStatus: 'ringing' };
    const signature = await signer.sign(`${BASE_URL}/twilio-voice`, params);
    const response = await post(
      '/twilio-voice',
      new URLSearchParams({ ...params, From: '+14155550999' }).toString(),
      signature,
    );
    await expectRefused(response);
    expect((await service.orchestrator.stores.calls.getBySid(callSid))?.aiProvider).toBeNull();
  });

  it('bodySHA256 (JSON webhooks): the body must hash to the signed value', async () => {
    const body = JSON.stringify({ CallSid: callSid, CallStatus: 'failed' });
    const url = `${BASE_URL}/twilio-status?bodySHA256=${await bodySha256Hex(body)}`;
    const signature = await signer.sign(url);
    expect(await signer.validate({ url, signature, rawBody: body })).toBe(true);
    // Same signature and URL, another body.
    expect(await signer.validate({ url, signature, rawBody: body.replace('failed', 'completed') })).toBe(
      false,
    );
    expect(await signer.validate({ url, signature })).toBe(false);
    // The hash in the URL is signed: swapping it for the other body's hash breaks the signature.
    const other = `${BASE_URL}/twilio-status?bodySHA256=${await bodySha256Hex('{}')}`;
    expect(await signer.validate({ url: other, signature, rawBody: '{}' })).toBe(false);
  });

  it('refuses a signed form body sent with another content type', async () => {
    const params = statusParams();
    const signature = await signer.sign(`${BASE_URL}/twilio-voice`, params);
    const response = await post(
      '/twilio-voice',
      new URLSearchParams(params).toString(),
      signature,
      'text/plain',
    );
    expect(response.status).toBe(400);
    expect(await expectWellFormed(response, 'wrong content type')).toBe('validation_failed');
    await expectNoEffect();
  });
});
