import { type ClientRequest, Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { TwilioSigner } from '../../telephony/signature.js';
import type { Scheduler } from './scheduler.js';
import type { WebhookDelivery } from './types.js';

/** One webhook to send (all attempts share the signature inputs and the idempotency token). */
export interface WebhookRequest {
  kind: WebhookDelivery['kind'];
  callSid: string;
  method: 'POST' | 'GET';
  url: string;
  params: Record<string, string>;
  idempotencyToken: string;
  sequenceNumber: number;
  copy: number;
  retries: number;
  retryDelayMs: number;
  timeoutMs: number;
}

interface AttemptResult {
  status: number;
  body: string;
  error?: 'timeout' | 'connection';
}

/**
 * Sends signed webhooks the way Twilio does, over node:http(s) with agents it owns, so `close()`
 * can destroy every in-flight request and idle socket and leave nothing to keep the process alive.
 */
export class WebhookSender {
  readonly #signer: TwilioSigner;
  readonly #scheduler: Scheduler;
  /** In-flight requests and how to end each (resolving its attempt as a connection error). */
  readonly #inFlight = new Map<ClientRequest, () => void>();
  // No keep-alive: each delivery is its own connection, like Twilio's, and none lingers after close.
  readonly #httpAgent = new HttpAgent({ keepAlive: false });
  readonly #httpsAgent = new HttpsAgent({ keepAlive: false });

  constructor(signer: TwilioSigner, scheduler: Scheduler) {
    this.#signer = signer;
    this.#scheduler = scheduler;
  }

  /** Number of webhook requests waiting for the app's answer. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /**
   * Sends `webhook`, retrying a 5xx / timeout / connection error up to `webhook.retries` times.
   * Calls `onAttempt` with the record of every attempt; resolves with the last one.
   */
  async send(
    webhook: WebhookRequest,
    onAttempt: (delivery: WebhookDelivery) => void,
    signal: AbortSignal,
  ): Promise<WebhookDelivery> {
    const { url, body } = requestTarget(webhook);
    const signature = await this.#signer.sign(url, webhook.method === 'POST' ? webhook.params : {});
    for (let attempt = 1; ; attempt++) {
      const result = await this.#attempt(webhook, url, body, signature, signal);
      const delivery: WebhookDelivery = {
        kind: webhook.kind,
        callSid: webhook.callSid,
        method: webhook.method,
        url,
        params: webhook.params,
        signature,
        idempotencyToken: webhook.idempotencyToken,
        sequenceNumber: webhook.sequenceNumber,
        copy: webhook.copy,
        attempt,
        status: result.status,
        body: result.body,
        ...(result.error ? { error: result.error } : {}),
        at: Date.now(),
      };
      onAttempt(delivery);
      const failed = result.status === 0 || result.status >= 500;
      if (!failed || attempt > webhook.retries) return delivery;
      await this.#scheduler.sleep(webhook.retryDelayMs, signal);
    }
  }

  /** Destroys every in-flight request and the agents' sockets. */
  close(): void {
    for (const abort of [...this.#inFlight.values()]) abort();
    this.#inFlight.clear();
    this.#httpAgent.destroy();
    this.#httpsAgent.destroy();
  }

  #attempt(
    webhook: WebhookRequest,
    url: string,
    body: string | undefined,
    signature: string,
    signal: AbortSignal,
  ): Promise<AttemptResult> {
    return new Promise((resolve) => {
      if (signal.aborted) {
        resolve({ status: 0, body: '', error: 'connection' });
        return;
      }
      const target = new URL(url);
      const https = target.protocol === 'https:';
      const headers: Record<string, string> = {
        'User-Agent': 'TwilioProxy/1.1',
        Accept: '*/*',
        'X-Twilio-Signature': signature,
        'I-Twilio-Idempotency-Token': webhook.idempotencyToken,
        'X-Home-Region': 'us1',
      };
      if (body !== undefined) {
        headers['Content-Type'] = 'application/x-www-form-urlencoded';
        headers['Content-Length'] = String(Buffer.byteLength(body));
      }
      let settled = false;
      const finish = (result: AttemptResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.#inFlight.delete(req);
        resolve(result);
      };
      const req = (https ? httpsRequest : httpRequest)(
        target,
        { method: webhook.method, headers, agent: https ? this.#httpsAgent : this.#httpAgent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            finish({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', () => finish({ status: 0, body: '', error: 'connection' }));
        },
      );
      const timer = setTimeout(() => {
        finish({ status: 0, body: '', error: 'timeout' });
        req.destroy();
      }, webhook.timeoutMs);
      const onAbort = () => {
        finish({ status: 0, body: '', error: 'connection' });
        req.destroy();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      req.on('error', () => finish({ status: 0, body: '', error: 'connection' }));
      this.#inFlight.set(req, onAbort);
      req.end(body);
    });
  }
}

/** The exact URL to request (and sign) and the body: GET webhooks carry the params in the query. */
function requestTarget(webhook: WebhookRequest): { url: string; body: string | undefined } {
  const encoded = new URLSearchParams(webhook.params).toString();
  if (webhook.method === 'GET') {
    const url = encoded ? webhook.url + (webhook.url.includes('?') ? '&' : '?') + encoded : webhook.url;
    return { url, body: undefined };
  }
  return { url: webhook.url, body: encoded };
}
