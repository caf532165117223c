// TEST SEAM, not a production setting. When TWILIO_API_BASE_URL is set, the official Twilio client
// sends its REST requests there instead of https://*.twilio.com, e.g. to `steadycall/testing`'s
// FakeTwilio in the offline tests. It uses the client's supported `httpClient` option: a
// RequestClient subclass that keeps all of the official request building (Basic auth, form
// encoding, user agent) and only swaps the origin. Only loopback URLs are honoured, so a stray
// secret can never send your Twilio credentials to another host.
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The loopback base URL to use instead of Twilio's API, or null when the seam is off. */
export function twilioApiBaseUrl(value: string | undefined): string | null {
  if (!value) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('TWILIO_API_BASE_URL must be an absolute URL');
  }
  if (url.protocol !== 'http:' || !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new Error('TWILIO_API_BASE_URL is a test seam and only accepts http:// loopback URLs');
  }
  return url.origin;
}

/** An official-client `httpClient` whose requests go to `baseUrl` (same path and query). */
export function loopbackHttpClient(baseUrl: string, timeoutMs: number): RequestClient {
  class LoopbackRequestClient extends twilio.RequestClient {
    constructor() {
      super(timeoutMs > 0 ? { timeout: timeoutMs } : {});
    }

    override request<TData>(opts: RequestClient.RequestOptions<TData>) {
      const url = new URL(opts.uri);
      return super.request<TData>({ ...opts, uri: `${baseUrl}${url.pathname}${url.search}` });
    }
  }
  return new LoopbackRequestClient();
}
