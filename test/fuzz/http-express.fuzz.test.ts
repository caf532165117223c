// Fuzzes every route through the real Express example over HTTP on 127.0.0.1: Node's parser, the
// Express adapter's body streaming and its 413 handling. Fewer runs than the direct suite.
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_BODY_BYTES } from '../../src/http/request.js';
import { type ExpressTarget, startExpressTarget } from './express-app.js';
import { allowedMethods, type RequestSpec, requestSpec, toRequest } from './requests.js';
import {
  API_TOKEN,
  enumerateRoutes,
  expectWellFormed,
  fuzzRuns,
  OPS_TOKEN,
  trackUnhandled,
} from './service.js';

const RUNS = fuzzRuns(500, 0.12);
const routes = enumerateRoutes();
const counts: Record<string, number> = {};
const statuses: Record<string, number> = {};
let target: ExpressTarget;
let unhandled: ReturnType<typeof trackUnhandled>;

beforeAll(async () => {
  unhandled = trackUnhandled();
  target = await startExpressTarget();
});
afterAll(async () => {
  await target?.close();
  unhandled.stop();
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  console.log(
    `[fuzz] express over HTTP: ${total} requests over ${routes.length} routes (${Object.entries(counts)
      .map(([r, n]) => `${r}=${n}`)
      .join(' ')}); statuses ${JSON.stringify(statuses)}`,
  );
});

const parseableByNode = (spec: RequestSpec) =>
  spec.method !== 'FOO' && spec.query.length + spec.params.join('').length < 8 * 1024;

/** Sends over HTTP; an oversize upload may see the connection closed after its 413 instead. */
async function send(request: Request, oversize: boolean): Promise<Response | 'reset'> {
  try {
    return await fetch(request);
  } catch (error) {
    if (oversize) return 'reset';
    throw error;
  }
}

describe('fuzzing every route through the Express example over HTTP', () => {
  it.each(routes.map((r) => [r.template, r] as const))('%s', async (template, route) => {
    const allowed = await allowedMethods(route, (r) =>
      fetch(new Request(target.origin + new URL(r.url).pathname, r)),
    );
    await fc.assert(
      // Node's HTTP parser answers an unknown method (`FOO`) with a bare 400 and a request line over
      // its 16 KiB header limit with a bare 431, before any application code runs; the direct suite
      // covers those against the router.
      fc.asyncProperty(requestSpec(route, allowed).filter(parseableByNode), async (spec) => {
        const request = await toRequest(route, spec, target);
        const size =
          typeof spec.body === 'string' ? Buffer.byteLength(spec.body) : (spec.body?.byteLength ?? 0);
        const response = await send(request, size > DEFAULT_MAX_BODY_BYTES);
        counts[template] = (counts[template] ?? 0) + 1;
        const key = response === 'reset' ? 'reset-after-413' : String(response.status);
        statuses[key] = (statuses[key] ?? 0) + 1;
        if (response !== 'reset')
          await expectWellFormed(response, `${spec.method} ${template} (express)`, spec.method);
      }),
      { numRuns: RUNS },
    );
    // The server is still up and answering.
    const health = await fetch(`${target.origin}/health-check`);
    expect(health.status).toBe(200);
    expect(unhandled.errors).toEqual([]);
  });

  it('survives raw malformed HTTP: lying lengths, broken chunking, aborted uploads', async () => {
    const { port } = new URL(target.origin);
    const raw = (bytes: string, cut: 'end' | 'destroy' = 'end') =>
      new Promise<string>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1');
        let answer = '';
        socket.on('data', (d) => {
          answer += d.toString('latin1');
        });
        socket.on('error', () => resolve(answer));
        socket.on('close', () => resolve(answer));
        // 'destroy' drops the connection mid-upload, after the handler has started reading.
        socket.write(bytes, () => (cut === 'end' ? socket.end() : setImmediate(() => socket.destroy())));
      });
    const head = (path: string, extra: string, method = 'POST', token = OPS_TOKEN) =>
      `${method} ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\n${extra}`;
    const answers = await Promise.all([
      // Bodies shorter than their Content-Length: the client half-closes (Node's parser answers 400)
      // or drops the connection while the handler reads (see regressions.test: no 500 any more).
      raw(`${head('/ops/flags/ai.enabled', 'Content-Length: 1000\r\n\r\n', 'PUT')}{"value":`),
      raw(`${head('/calls-start', 'Content-Length: 1000\r\n\r\n', 'POST', API_TOKEN)}{"to":`, 'destroy'),
      raw(`${head('/ops/flags/ai.enabled', 'Content-Length: 1000\r\n\r\n', 'PUT')}{"value":`, 'destroy'),
      raw(`${head('/twilio-status', 'Transfer-Encoding: chunked\r\n\r\n')}zz\r\nnot hex\r\n`),
      raw(`${head('/calls-start', 'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n')}0\r\n\r\n`),
      raw(`${head('/calls-start', 'Content-Length: -1\r\n\r\n')}{}`),
      raw('GARBAGE\r\n\r\n'),
    ]);
    for (const answer of answers) {
      // Either nothing (the upload was cut) or an HTTP answer; never a 5xx from the app.
      if (answer) expect(answer).toMatch(/^HTTP\/1\.1 [1-4]\d\d /);
    }
    const health = await fetch(`${target.origin}/health-check`);
    expect(health.status).toBe(200);
    expect(unhandled.errors).toEqual([]);
  });

  it('unknown paths fall through to the example 404, still JSON', async () => {
    const response = await fetch(`${target.origin}/definitely/not/here`, { method: 'POST', body: '\xff' });
    expect(response.status).toBe(404);
    await expectWellFormed(response, 'unknown path (express)');
  });
});
