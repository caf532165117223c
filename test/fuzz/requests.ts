// Builds hostile requests for one route: the spec arbitrary and its translation to a web Request.
import fc from 'fast-check';
import type { TwilioSigner } from '../../src/telephony/signature.js';
import { formParams } from '../../src/telephony/webhooks.js';
import {
  anyBody,
  asBytes,
  type Body,
  contentType,
  formBody,
  method,
  pathParam,
  query,
  twilioishForm,
} from './arbitraries.js';
import { API_TOKEN, BASE_URL, OPS_TOKEN, type RouteUnderTest, signer } from './service.js';

export interface RequestSpec {
  method: string;
  params: string[];
  query: string;
  contentType: string | undefined;
  body: Body;
  auth: 'none' | 'api' | 'ops' | 'wrong' | 'garbage' | 'query';
  garbageAuth: string;
  sign: 'none' | 'valid' | 'forged';
  idempotencyKey: string | null;
}

const headerSafe = (s: string) => /^[\t\x20-\x7e]*$/.test(s);

/** Request specs for a route, biased so most runs get past authentication to the validation. */
export function requestSpec(route: RouteUnderTest, allowed: readonly string[]): fc.Arbitrary<RequestSpec> {
  const auth =
    route.kind === 'ops'
      ? fc.oneof(
          { weight: 6, arbitrary: fc.constant('ops' as const) },
          fc.constantFrom('none', 'api', 'wrong', 'garbage', 'query'),
        )
      : route.kind === 'api'
        ? fc.oneof(
            { weight: 6, arbitrary: fc.constant('api' as const) },
            fc.constantFrom('none', 'ops', 'wrong', 'garbage', 'query'),
          )
        : fc.constantFrom('none', 'api', 'ops', 'wrong', 'garbage');
  const twilio = route.kind === 'twilio';
  return fc.record({
    // Mostly the methods the route allows (a 405 is decided before anything else is read).
    method: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...allowed) }, method),
    params: fc.array(pathParam, { minLength: route.params.length, maxLength: route.params.length }),
    query,
    contentType: twilio
      ? fc.oneof({ weight: 4, arbitrary: fc.constant('application/x-www-form-urlencoded') }, contentType)
      : fc.oneof({ weight: 8, arbitrary: fc.constant('application/json') }, contentType),
    body: twilio ? fc.oneof({ weight: 2, arbitrary: twilioishForm }, formBody, anyBody) : anyBody,
    auth,
    garbageAuth: fc.string({ maxLength: 60 }).filter(headerSafe),
    sign: twilio
      ? fc.oneof({ weight: 4, arbitrary: fc.constant('valid' as const) }, fc.constantFrom('none', 'forged'))
      : fc.constantFrom('none', 'valid', 'forged'),
    idempotencyKey: fc.option(fc.string({ maxLength: 300 }).filter(headerSafe), { nil: null }),
  }) as fc.Arbitrary<RequestSpec>;
}

/** The methods a route allows, from the `Allow` header of its 405. */
export async function allowedMethods(
  route: RouteUnderTest,
  send: (request: Request) => Promise<Response>,
): Promise<string[]> {
  const probe = { params: route.params.map(() => 'twilio') } as RequestSpec;
  const response = await send(new Request(`http://localhost${pathOf(route, probe)}`, { method: 'PROPFIND' }));
  const allow = response.headers.get('allow') ?? '';
  const methods = allow
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  if (response.status !== 405 || methods.length === 0)
    throw new Error(`${route.template}: no 405 with Allow`);
  return methods;
}

/** The route's path with the spec's parameters filled in. */
export function pathOf(route: RouteUnderTest, spec: RequestSpec): string {
  let i = 0;
  return route.template.replace(/:(\w+)/g, () => spec.params[i++] ?? 'x');
}

function decodes(bytes: Uint8Array | undefined): string | null {
  if (!bytes) return '';
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** Where a request goes and how it is signed; defaults to the direct-handler service. */
export interface Target {
  origin: string;
  publicBaseUrl: string;
  signer: TwilioSigner;
}

const direct: Target = { origin: 'http://localhost', publicBaseUrl: BASE_URL, signer };

/** Builds the web Request for a spec; signatures are over the public URL. */
export async function toRequest(
  route: RouteUnderTest,
  spec: RequestSpec,
  target: Target = direct,
): Promise<Request> {
  const pathAndQuery =
    pathOf(route, spec) +
    spec.query +
    (spec.auth === 'query' ? `${spec.query ? '&' : '?'}access_token=${OPS_TOKEN}` : '');
  const headers = new Headers();
  if (spec.contentType !== undefined) headers.set('content-type', spec.contentType);
  if (spec.auth === 'api') headers.set('authorization', `Bearer ${API_TOKEN}`);
  if (spec.auth === 'ops') headers.set('authorization', `Bearer ${OPS_TOKEN}`);
  if (spec.auth === 'wrong') headers.set('authorization', `Bearer ${OPS_TOKEN.slice(0, -1)}x`);
  if (spec.auth === 'garbage') headers.set('authorization', spec.garbageAuth);
  if (spec.idempotencyKey !== null) headers.set('idempotency-key', spec.idempotencyKey);
  const hasBody = spec.method !== 'GET' && spec.method !== 'HEAD';
  const bytes = hasBody ? asBytes(spec.body) : undefined;
  if (spec.sign === 'valid') {
    const text = decodes(bytes);
    const params = text === null ? {} : formParams(text);
    headers.set('x-twilio-signature', await target.signer.sign(target.publicBaseUrl + pathAndQuery, params));
  } else if (spec.sign === 'forged') {
    headers.set('x-twilio-signature', 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=');
  }
  return new Request(target.origin + pathAndQuery, {
    method: spec.method,
    headers,
    body: bytes as BodyInit | undefined,
  });
}
