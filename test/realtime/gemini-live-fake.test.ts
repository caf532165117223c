// FakeGeminiLiveServer on its own, with a raw `ws` client: it must refuse what the real server
// refuses (so a session can't pass by accident) and accept what the real SDK sends.
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { encodeBase64 } from '../../src/realtime/base64.js';
import { FakeGeminiLiveServer } from '../../src/testing/fake-gemini-live.js';
import { until } from './openai-realtime.helpers.js';

type Json = Record<string, unknown>;
const KEY = 'gemini-fake-key-1a2b3c4d5e';
const PATH = '//ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent';
const SETUP = { setup: { model: 'models/gemini-3.8-live', sessionResumption: {} } };

let fake: FakeGeminiLiveServer | undefined;
const clients: WebSocket[] = [];

afterEach(async () => {
  for (const ws of clients.splice(0)) ws.terminate();
  await fake?.close();
  fake = undefined;
});

async function connect(server: FakeGeminiLiveServer, options: { path?: string; headers?: Json } = {}) {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}${options.path ?? `${PATH}?key=${KEY}`}`, {
    headers: options.headers as Record<string, string>,
  });
  clients.push(ws);
  const messages: Json[] = [];
  let closed: { code: number; reason: string } | undefined;
  ws.on('message', (data) => messages.push(JSON.parse(String(data)) as Json));
  ws.on('close', (code, reason) => {
    closed = { code, reason: String(reason) };
  });
  ws.on('error', () => {});
  await once(ws, 'open');
  return {
    messages,
    closed: () => closed,
    send: (message: unknown) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
  };
}

async function refusedStatus(server: FakeGeminiLiveServer, path: string) {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`);
  clients.push(ws);
  const [error] = (await once(ws, 'error')) as [Error];
  return Number(/(\d{3})/.exec(error.message)?.[1]);
}

describe('FakeGeminiLiveServer', () => {
  it('routes by path suffix and takes the key from the query or the x-goog-api-key header', async () => {
    fake = await FakeGeminiLiveServer.start({ apiKey: KEY });
    expect(await refusedStatus(fake, `/v1/realtime?key=${KEY}`)).toBe(404);
    fake.failHandshake({ status: 500, times: 1 });
    expect(await refusedStatus(fake, `${PATH}?key=${KEY}`)).toBe(500);
    expect(fake.rejectedUpgrades.map((r) => r.status)).toEqual([404, 500]);

    const byQuery = await connect(fake);
    byQuery.send(SETUP);
    await until(() => expect(byQuery.messages[0]).toEqual({ setupComplete: {} }));
    expect(byQuery.messages[1]).toEqual({
      sessionResumptionUpdate: { newHandle: 'fake-handle-1', resumable: true },
    });

    const byHeader = await connect(fake, {
      path: PATH.replace('v1beta', 'v1').replace('//', '/'),
      headers: { 'x-goog-api-key': KEY },
    });
    byHeader.send(SETUP);
    await until(() => expect(byHeader.messages[0]).toEqual({ setupComplete: {} }));
    expect(fake.sessions.map((s) => s.keySource)).toEqual(['query', 'header']);
    expect(JSON.stringify(fake.sessions.map((s) => s.headers))).not.toContain(KEY);
  });

  it('closes with 1008 on a wrong key and 1007 on anything but a valid setup first', async () => {
    fake = await FakeGeminiLiveServer.start({ apiKey: KEY });
    const wrongKey = await connect(fake, { path: `${PATH}?key=nope` });
    wrongKey.send(SETUP);
    await until(() =>
      expect(wrongKey.closed()).toMatchObject({ code: 1008, reason: expect.stringMatching(/API key/) }),
    );

    const noSetup = await connect(fake);
    noSetup.send({ realtimeInput: { audioStreamEnd: true } });
    await until(() => expect(noSetup.closed()?.code).toBe(1007));

    const badModel = await connect(fake);
    badModel.send({ setup: { model: 'gemini-3.8-live' } }); // the SDK always sends models/…
    await until(() => expect(badModel.closed()?.code).toBe(1007));

    const twoKeys = await connect(fake);
    twoKeys.send({ ...SETUP, clientContent: {} });
    await until(() => expect(twoKeys.closed()?.code).toBe(1007));
    expect(fake.sessions.map((s) => s.closeCode)).toEqual([1008, 1007, 1007, 1007]);
  });

  it('accepts legacy mediaChunks, counts other formats, and refuses bad base64', async () => {
    fake = await FakeGeminiLiveServer.start({ apiKey: KEY });
    const c = await connect(fake);
    c.send(SETUP);
    const pcm = encodeBase64(new Uint8Array(640));
    c.send({ realtimeInput: { mediaChunks: [{ data: pcm, mimeType: 'audio/pcm;rate=16000' }] } });
    c.send({ realtimeInput: { audio: { data: pcm, mimeType: 'audio/pcm;rate=8000' } } });
    await until(() => expect(fake!.lastSession!.audioBytes).toBe(1280));
    expect(fake.lastSession!.otherAudioChunks).toBe(1);
    c.send({ realtimeInput: { audio: { data: '%%%', mimeType: 'audio/pcm;rate=16000' } } });
    await until(() => expect(c.closed()?.code).toBe(1007));
  });

  it('answers a client turn, records an unmatched tool response, and resumes only known handles', async () => {
    fake = await FakeGeminiLiveServer.start({ apiKey: KEY, accelerated: true, responseAudioMs: 80 });
    const c = await connect(fake);
    c.send({ setup: { ...SETUP.setup, outputAudioTranscription: {} } });
    c.send({ clientContent: { turns: [{ role: 'user', parts: [{ text: 'Hi' }] }], turnComplete: true } });
    await until(() => expect(c.messages.some((m) => (m.serverContent as Json)?.turnComplete)).toBe(true));
    const kinds = c.messages.map((m) => Object.keys((m.serverContent as Json) ?? m)[0]);
    expect(kinds).toEqual([
      'setupComplete',
      'sessionResumptionUpdate',
      'sessionResumptionUpdate', // resumable: false while generating
      'modelTurn',
      'outputTranscription',
      'modelTurn',
      'outputTranscription',
      'generationComplete',
      'turnComplete',
      'sessionResumptionUpdate',
    ]);
    c.send({ toolResponse: { functionResponses: [{ id: 'fc_404', name: 'x', response: {} }] } });
    await until(() => expect(fake!.lastSession!.toolResponses).toHaveLength(1));
    expect(fake.lastSession!.toolResponses[0]!.matched).toBe(false);

    const unknown = await connect(fake);
    unknown.send({ setup: { ...SETUP.setup, sessionResumption: { handle: 'made-up' } } });
    await until(() => expect(unknown.closed()?.code).toBe(1007));
    const known = await connect(fake);
    known.send({ setup: { ...SETUP.setup, sessionResumption: { handle: 'fake-handle-2' } } });
    await until(() => expect(known.messages[0]).toEqual({ setupComplete: {} }));
    expect(fake.resumptions.map((r) => [r.handle, r.accepted])).toEqual([
      ['made-up', false],
      ['fake-handle-2', true],
    ]);
  });
});
