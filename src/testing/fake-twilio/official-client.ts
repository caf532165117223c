import { Agent } from 'node:http';
import type TwilioSDK from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';

/** The `twilio` package's default export (a factory with `RequestClient` and friends on it). */
export type TwilioModule = typeof TwilioSDK;

/**
 * Options of {@link FakeTwilio.client}.
 *
 * @example
 * ```ts
 * import type { FakeClientOptions } from 'steadycall/testing';
 *
 * const wrongToken: FakeClientOptions = { authToken: 'not-the-token', timeout: 500 };
 * const account = fake.client(wrongToken).api.v2010.accounts(fake.accountSid);
 * await expect(account.fetch()).rejects.toMatchObject({ status: 401, code: 20003 });
 * ```
 */
export interface FakeClientOptions {
  /** Per-request timeout in ms (the official client's `timeout`). Default 30 000, as in `twilio`. */
  timeout?: number;
  /** Credentials to use instead of the fake's own (to test authentication failures). */
  accountSid?: string;
  /** Auth token to use instead of the fake's own. Default: the fake's {@link FakeTwilio.authToken}. */
  authToken?: string;
  /** The official client's own 429 retry (`autoRetry`), off by default as in `twilio`. */
  autoRetry?: boolean;
  /** Most 429 retries with `autoRetry` (the official `maxRetries`). Default 3, as in `twilio`. */
  maxRetries?: number;
  /** Longest wait between 429 retries in ms (the official `maxRetryDelay`). Default 3000, as in `twilio`. */
  maxRetryDelay?: number;
}

/**
 * Rewrites any `https://*.twilio.com/...` URL the official client builds (edge and region
 * variants included) to the same path on the fake; nothing else is ever requested.
 */
export function toFakeUrl(uri: string, baseUrl: string): string {
  const url = new URL(uri);
  return baseUrl.replace(/\/+$/, '') + url.pathname + url.search;
}

/**
 * Builds an official `twilio` client whose HTTP goes to the fake. The supported seam is the
 * client's `httpClient` option: a `RequestClient` subclass that keeps all of the official
 * request building (auth header, form encoding, user agent) and only swaps the origin, plus an
 * http.Agent the fake owns so `close()` can drop its sockets.
 */
export function createOfficialClient(
  sdk: TwilioModule,
  target: { baseUrl: string; accountSid: string; authToken: string },
  options: FakeClientOptions,
  agents: Set<Agent>,
): TwilioSDK.Twilio {
  const agent = new Agent({ keepAlive: true, maxSockets: 20 });
  agents.add(agent);

  class LoopbackRequestClient extends sdk.RequestClient {
    constructor() {
      super({
        timeout: options.timeout,
        autoRetry: options.autoRetry,
        maxRetries: options.maxRetries,
        maxRetryDelay: options.maxRetryDelay,
      });
      // The fake is plain http on loopback: give axios our agent for http URLs.
      this.axios.defaults.httpAgent = agent;
    }

    override request<TData>(opts: RequestClient.RequestOptions<TData>) {
      return super.request<TData>({ ...opts, uri: toFakeUrl(opts.uri, target.baseUrl) });
    }
  }

  return sdk(options.accountSid ?? target.accountSid, options.authToken ?? target.authToken, {
    httpClient: new LoopbackRequestClient(),
  });
}
