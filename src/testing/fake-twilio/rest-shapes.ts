import type { FakeCall, FakeMessage, FormParams } from './types.js';

/** JSON bodies shaped like Twilio's 2010-04-01 API (snake_case, RFC 2822 dates, string numbers). */

export const API_VERSION = '2010-04-01';

/**
 * Twilio's error body: `{ code, message, more_info, status }`, as the fake answers a rejected or
 * failed REST request.
 *
 * @example
 * ```ts
 * import type { TwilioErrorBody } from 'steadycall/testing';
 *
 * const res = await fetch(`${fake.baseUrl}/2010-04-01/Accounts/${fake.accountSid}.json`);
 * const body = (await res.json()) as TwilioErrorBody; // no credentials: 401
 * console.log(body.code, body.more_info);
 * ```
 */
export interface TwilioErrorBody {
  /** Twilio's error code, e.g. 21211 (invalid `To`) or 20003 (authentication failed). */
  code: number;
  /** A human-readable message. */
  message: string;
  /** Link to the error's page: `https://www.twilio.com/docs/errors/<code>`. */
  more_info: string;
  /** The HTTP status, repeated. */
  status: number;
}

/** An error the REST handler answers with. */
export class RestError extends Error {
  readonly status: number;
  readonly code: number;

  constructor(status: number, code: number, message: string) {
    super(message);
    this.name = 'RestError';
    this.status = status;
    this.code = code;
  }

  toBody(): TwilioErrorBody {
    return errorBody(this.status, this.code, this.message);
  }
}

export function errorBody(status: number, code: number, message: string): TwilioErrorBody {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

/** `Tue, 05 Mar 2024 10:00:00 +0000`, the format of Twilio's dates and `Timestamp` param. */
export function rfc2822(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

// E.164: '+', then 8 to 15 digits, no leading zero.
const E164 = /^\+[1-9]\d{7,14}$/;

export function isE164(value: string): boolean {
  return E164.test(value);
}

/** The last value of a param (Twilio takes the last of a repeated scalar). */
export function param(params: FormParams, key: string): string | undefined {
  const value = params[key];
  return Array.isArray(value) ? value.at(-1) : value;
}

/** Every value of a repeated param (`StatusCallbackEvent=initiated&StatusCallbackEvent=ringing`). */
export function paramList(params: FormParams, key: string): string[] {
  const value = params[key];
  if (value === undefined) return [];
  // Twilio also accepts one space-separated value.
  return (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(/\s+/)).filter(Boolean);
}

export function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

function accountUri(accountSid: string): string {
  return `/${API_VERSION}/Accounts/${accountSid}`;
}

export function callJson(call: FakeCall): Record<string, unknown> {
  const uri = `${accountUri(call.accountSid)}/Calls/${call.sid}`;
  const started = call.status === 'in-progress' || call.status === 'completed';
  const ended = ['completed', 'busy', 'failed', 'no-answer', 'canceled'].includes(call.status);
  return {
    account_sid: call.accountSid,
    annotation: null,
    answered_by: null,
    api_version: API_VERSION,
    caller_name: null,
    date_created: rfc2822(call.createdAt),
    date_updated: rfc2822(call.updatedAt),
    direction: call.direction,
    duration: call.durationSec === undefined ? null : String(call.durationSec),
    end_time: ended ? rfc2822(call.updatedAt) : null,
    forwarded_from: null,
    from: call.from,
    from_formatted: call.from,
    group_sid: null,
    parent_call_sid: null,
    phone_number_sid: null,
    price: null,
    price_unit: 'USD',
    queue_time: '0',
    sid: call.sid,
    start_time: started ? rfc2822(call.createdAt) : null,
    status: call.status,
    subresource_uris: {
      notifications: `${uri}/Notifications.json`,
      recordings: `${uri}/Recordings.json`,
      events: `${uri}/Events.json`,
    },
    to: call.to,
    to_formatted: call.to,
    trunk_sid: null,
    uri: `${uri}.json`,
  };
}

export function messageJson(message: FakeMessage): Record<string, unknown> {
  const uri = `${accountUri(message.accountSid)}/Messages/${message.sid}`;
  return {
    account_sid: message.accountSid,
    api_version: API_VERSION,
    body: message.body,
    date_created: rfc2822(message.createdAt),
    date_sent: null,
    date_updated: rfc2822(message.createdAt),
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: message.from ?? null,
    messaging_service_sid: null,
    num_media: '0',
    num_segments: String(Math.max(1, Math.ceil(message.body.length / 160))),
    price: null,
    price_unit: 'USD',
    sid: message.sid,
    status: message.status,
    subresource_uris: { media: `${uri}/Media.json` },
    to: message.to,
    uri: `${uri}.json`,
  };
}

export function accountJson(
  accountSid: string,
  friendlyName: string,
  createdAt: number,
): Record<string, unknown> {
  const uri = accountUri(accountSid);
  return {
    date_created: rfc2822(createdAt),
    date_updated: rfc2822(createdAt),
    friendly_name: friendlyName,
    owner_account_sid: accountSid,
    sid: accountSid,
    status: 'active',
    subresource_uris: { calls: `${uri}/Calls.json`, messages: `${uri}/Messages.json` },
    type: 'Full',
    uri: `${uri}.json`,
  };
}

/** Validation of `POST Calls.json`, with Twilio's error codes. */
export function validateCreateCall(params: FormParams): void {
  const to = param(params, 'To');
  const from = param(params, 'From');
  if (!to) throw new RestError(400, 21201, "No 'To' number is specified");
  if (!isE164(to)) throw new RestError(400, 21211, "Invalid 'To' Phone Number");
  if (!from) throw new RestError(400, 21213, "No 'From' number is specified");
  if (!isE164(from)) throw new RestError(400, 21212, "Invalid 'From' Phone Number");
  const url = param(params, 'Url');
  if (!url && !param(params, 'Twiml') && !param(params, 'ApplicationSid'))
    throw new RestError(400, 21205, 'Url parameter is required.');
  if (url && !isHttpUrl(url)) throw new RestError(400, 21205, 'Url is not a valid URL.');
  const statusCallback = param(params, 'StatusCallback');
  if (statusCallback && !isHttpUrl(statusCallback))
    throw new RestError(400, 21609, 'StatusCallback is not a valid URL.');
  const method = param(params, 'StatusCallbackMethod');
  if (method && !/^(GET|POST)$/i.test(method))
    throw new RestError(400, 21609, 'StatusCallbackMethod must be GET or POST');
  const events = paramList(params, 'StatusCallbackEvent');
  if (events.some((e) => !['initiated', 'ringing', 'answered', 'completed'].includes(e)))
    throw new RestError(400, 21626, 'Invalid StatusCallbackEvent');
}

/** Validation of `POST Messages.json`, with Twilio's error codes. */
export function validateCreateMessage(params: FormParams): void {
  const to = param(params, 'To');
  if (!to) throw new RestError(400, 21604, "A 'To' phone number is required.");
  if (!isE164(to)) throw new RestError(400, 21211, "Invalid 'To' Phone Number");
  if (!param(params, 'From') && !param(params, 'MessagingServiceSid'))
    throw new RestError(400, 21603, "A 'From' phone number is required.");
  if (!param(params, 'Body') && !param(params, 'MediaUrl'))
    throw new RestError(400, 21602, 'Message body is required.');
}
