// OpenAiRealtimeSession against the loopback FakeOpenAIRealtimeServer: handshake, turns, barge-in, tools.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeOpenAIRealtimeServer } from '../../src/testing/fake-openai-realtime.js';
import {
  frames,
  KEY,
  type Logged,
  newSession,
  only,
  record,
  tone,
  turn,
  until,
} from './openai-realtime.helpers.js';

let fake: FakeOpenAIRealtimeServer | undefined;
const sessions: { close(): Promise<void> }[] = [];

afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
  await fake?.close();
  fake = undefined;
});

async function setup(
  fakeOptions: Parameters<typeof FakeOpenAIRealtimeServer.start>[0] = {},
  sessionOptions: Parameters<typeof newSession>[1] = {},
) {
  fake = await FakeOpenAIRealtimeServer.start({ apiKey: KEY, ...fakeOptions });
  const session = newSession(fake, sessionOptions);
  sessions.push(session);
  const log = record(session);
  return { fake, session, log };
}

function audioOf(log: Logged[], itemId: string): number {
  return only(log, 'audio')
    .filter((a) => a.itemId === itemId)
    .reduce((n, a) => n + a.mulaw.length, 0);
}

describe('OpenAiRealtimeSession: handshake', () => {
  it('waits for session.created, sends the GA session.update, and is ready on session.updated', async () => {
    const tools = [{ name: 'lookup_order', description: 'Find an order', parameters: { type: 'object' } }];
    const { fake, session } = await setup(
      {},
      {
        config: { instructions: 'Be brief.', voice: 'marin', tools },
        vad: { threshold: 0.6, silence_duration_ms: 400, interrupt_response: true },
      },
    );
    expect(session.provider).toBe('openai');
    expect(session.api).toBe('openai-realtime');
    await session.connect();
    expect(session.state).toBe('ready');
    const record = fake.lastSession!;
    expect(record.model).toBe('gpt-realtime-2');
    expect(record.headers['openai-beta']).toBeUndefined(); // the beta header selects the old protocol
    expect(record.sessionUpdates).toEqual([
      {
        type: 'realtime',
        output_modalities: ['audio'],
        instructions: 'Be brief.',
        audio: {
          input: {
            format: { type: 'audio/pcmu' },
            transcription: { model: 'gpt-4o-transcribe' },
            turn_detection: {
              type: 'server_vad',
              threshold: 0.6,
              silence_duration_ms: 400,
              interrupt_response: true,
            },
          },
          output: { format: { type: 'audio/pcmu' }, voice: 'marin' },
        },
        tools: [{ type: 'function', ...tools[0] }],
        tool_choice: 'auto',
      },
    ]);
    expect(record.errors).toEqual([]);
  });

  it('replays history as conversation items and greets with response.create', async () => {
    const { fake, session, log } = await setup(
      { accelerated: true },
      {
        config: {
          greeting: 'Hi, this is Dana from the clinic.',
          history: [
            { role: 'user', text: 'I need to move my appointment.' },
            { role: 'assistant', text: 'Sure, to which day?' },
          ],
        },
      },
    );
    await session.connect();
    await until(() => expect(only(log, 'responseDone')).toHaveLength(1));
    const sent = fake.lastSession!.events.filter((e) => e.type !== 'session.update');
    expect(sent.map((e) => e.event)).toEqual([
      {
        type: 'conversation.item.create',
        item: {
          type: 'message',
          role: 'user',
          content: [{ type: 'input_text', text: 'I need to move my appointment.' }],
        },
      },
      {
        type: 'conversation.item.create',
        item: {
          type: 'message',
          role: 'assistant',
          content: [{ type: 'output_text', text: 'Sure, to which day?' }],
        },
      },
      {
        type: 'response.create',
        response: {
          instructions: 'Greet the caller now by saying exactly: Hi, this is Dana from the clinic.',
        },
      },
    ]);
    expect(fake.lastSession!.responses[0]).toMatchObject({ status: 'completed', audioBytes: 1200 * 8 });
    expect(only(log, 'audio').reduce((n, a) => n + a.mulaw.length, 0)).toBe(1200 * 8);
  });
});

describe('OpenAiRealtimeSession: a caller turn', () => {
  it('reports speech start/stop, then the answer as audio with ids, transcripts and responseDone', async () => {
    const { fake, session, log } = await setup({ accelerated: true, voiceText: 'Your order has shipped.' });
    await session.connect();
    for (const frame of turn()) session.appendAudio(frame);
    await until(() => expect(only(log, 'responseDone')).toHaveLength(1));

    const names = log.map((e) => e.name);
    expect(names.indexOf('speechStarted')).toBeLessThan(names.indexOf('speechStopped'));
    expect(names.indexOf('speechStopped')).toBeLessThan(names.indexOf('audio'));
    expect(only(log, 'speechStarted')[0]!.audioStartMs).toEqual(expect.any(Number));
    expect(only(log, 'speechStopped')[0]!.audioEndMs).toEqual(expect.any(Number));

    const { id, itemId } = fake.lastSession!.responses[0]!;
    const audio = only(log, 'audio');
    expect(audio.length).toBe(60); // 1200 ms in 20 ms deltas
    expect(audio.every((a) => a.responseId === id && a.itemId === itemId)).toBe(true);
    expect(audioOf(log, itemId)).toBe(1200 * 8);

    const transcripts = only(log, 'transcript');
    expect(transcripts).toContainEqual({ role: 'user', text: 'caller turn 1', final: true });
    const assistant = transcripts.filter((t) => t.role === 'assistant');
    expect(
      assistant
        .filter((t) => !t.final)
        .map((t) => t.text)
        .join(''),
    ).toBe('Your order has shipped.');
    expect(assistant.at(-1)).toEqual({ role: 'assistant', text: 'Your order has shipped.', final: true });
    expect(only(log, 'responseDone')).toEqual([{ responseId: id }]);
    expect(fake.lastSession!.audioBytes).toBe(turn().reduce((n, f) => n + f.length, 0));
    expect(session.stats).toMatchObject({ unknownMessages: 0, malformedMessages: 0 });
  });
});

describe('OpenAiRealtimeSession: barge-in', () => {
  it('hears the caller over the answer; truncate reaches the server with the exact values', async () => {
    // Real-time deltas, so the caller can interrupt mid-answer.
    const { fake, session, log } = await setup({ responseAudioMs: 4000 });
    await session.connect();
    for (const frame of turn()) session.appendAudio(frame);
    await until(() => expect(only(log, 'audio').length).toBeGreaterThanOrEqual(5));

    for (const frame of frames(tone(200))) session.appendAudio(frame); // the caller talks over it
    await until(() => expect(only(log, 'speechStarted')).toHaveLength(2));
    await until(() => expect(only(log, 'responseDone')).toHaveLength(1));
    const response = fake.lastSession!.responses[0]!;
    expect(response.status).toBe('cancelled'); // interrupt_response: the server cancelled by itself

    const received = audioOf(log, response.itemId);
    expect(received).toBe(response.audioBytes);
    const played = Math.floor(received / 8) - 40; // 40 ms still in Twilio's buffer
    session.truncate(response.itemId, played);
    await until(() => expect(fake.lastSession!.truncations).toHaveLength(1));
    expect(fake.lastSession!.truncations[0]).toEqual({
      itemId: response.itemId,
      contentIndex: 0,
      audioEndMs: played,
      accepted: true,
    });
  });

  it('never over-reports: a truncate beyond the audio received is capped, so the server accepts it', async () => {
    const { fake, session, log } = await setup({ accelerated: true });
    await session.connect();
    for (const frame of turn()) session.appendAudio(frame);
    await until(() => expect(only(log, 'responseDone')).toHaveLength(1));
    const { itemId } = fake.lastSession!.responses[0]!;
    session.truncate(itemId, 1200 + 5000);
    await until(() => expect(fake.lastSession!.truncations).toHaveLength(1));
    expect(fake.lastSession!.truncations[0]).toMatchObject({ audioEndMs: 1200, accepted: true });
    expect(session.stats.cappedTruncations).toBe(1);
    expect(only(log, 'error')).toEqual([]);
  });

  it('cancelResponse sends response.cancel for the active response only', async () => {
    const { fake, session, log } = await setup(
      { responseAudioMs: 4000 },
      { vad: { interrupt_response: false } },
    );
    await session.connect();
    session.cancelResponse(); // nothing active: nothing sent
    for (const frame of turn()) session.appendAudio(frame);
    await until(() => expect(only(log, 'audio').length).toBeGreaterThanOrEqual(3));
    session.cancelResponse();
    await until(() => expect(only(log, 'responseDone')).toHaveLength(1));
    const response = fake.lastSession!.responses[0]!;
    expect(response.status).toBe('cancelled');
    expect(fake.lastSession!.cancels).toEqual([{ responseId: response.id, accepted: true }]);
    session.cancelResponse(); // done now: still nothing sent
    expect(fake.lastSession!.events.filter((e) => e.type === 'response.cancel')).toHaveLength(1);
    expect(only(log, 'error')).toEqual([]);
  });

  it('drops late deltas of an interrupted response and ignores response_cancel_not_active', async () => {
    const { fake, session, log } = await setup();
    await session.connect();
    const delta = {
      type: 'response.output_audio.delta',
      response_id: 'resp_x',
      item_id: 'item_x',
      delta: 'AAAA',
    };
    fake.inject({ type: 'response.created', response: { id: 'resp_x', status: 'in_progress' } });
    fake.inject(delta);
    fake.inject({ type: 'input_audio_buffer.speech_started', audio_start_ms: 10, item_id: 'item_in' });
    fake.inject(delta); // in flight when the server cancelled: must not reach the caller
    fake.inject({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        code: 'response_cancel_not_active',
        message: 'no active response',
      },
    });
    fake.inject({ type: 'response.done', response: { id: 'resp_x', status: 'cancelled' } });
    await until(() => expect(only(log, 'responseDone')).toHaveLength(1));
    expect(only(log, 'audio')).toHaveLength(1);
    expect(session.stats.lateAudioChunks).toBe(1);
    expect(only(log, 'error')).toEqual([]);
  });
});

describe('OpenAiRealtimeSession: tools', () => {
  it('runs a tool round trip: one toolCall, the output, then the spoken answer', async () => {
    const tools = [{ name: 'lookup_order', description: 'Find an order', parameters: { type: 'object' } }];
    const { fake, session, log } = await setup(
      { accelerated: true, tools: [{ turn: 1, name: 'lookup_order', arguments: { orderId: 'A-17' } }] },
      { config: { tools } },
    );
    await session.connect();
    for (const frame of turn()) session.appendAudio(frame);
    await until(() => expect(only(log, 'toolCall')).toHaveLength(1));
    const call = only(log, 'toolCall')[0]!;
    expect(call).toEqual({
      callId: expect.any(String),
      name: 'lookup_order',
      arguments: { orderId: 'A-17' },
    });

    session.sendToolResult(call.callId, { status: 'shipped' });
    await until(() => expect(only(log, 'responseDone')).toHaveLength(2));
    expect(fake.lastSession!.functionOutputs).toEqual([
      { callId: call.callId, output: '{"status":"shipped"}' },
    ]);
    expect(fake.lastSession!.responses.map((r) => r.kind)).toEqual(['function_call', 'audio']);
    expect(only(log, 'audio').length).toBe(60);
    expect(only(log, 'toolCall')).toHaveLength(1); // arguments.done and output_item.done: one call
  });

  it('never runs a call from a cancelled response, nor an incomplete one', async () => {
    const { fake, session, log } = await setup();
    await session.connect();
    const call = (response: string, callId: string, status: string) => {
      const item = {
        id: `fc_${callId}`,
        type: 'function_call',
        call_id: callId,
        name: 'hang_up',
        arguments: '{}',
      };
      fake.inject({
        type: 'response.function_call_arguments.done',
        response_id: response,
        call_id: callId,
        name: 'hang_up',
        arguments: '{}',
      });
      fake.inject({ type: 'response.output_item.done', response_id: response, item: { ...item, status } });
    };
    fake.inject({ type: 'response.created', response: { id: 'resp_a' } });
    fake.inject({ type: 'response.output_audio_transcript.delta', delta: 'sentinel' });
    await until(() => expect(only(log, 'transcript')).toHaveLength(1)); // resp_a is active now
    session.cancelResponse();
    call('resp_a', 'call_cancelled', 'completed');
    fake.inject({ type: 'response.done', response: { id: 'resp_a', status: 'cancelled' } });
    fake.inject({ type: 'response.created', response: { id: 'resp_b' } });
    call('resp_b', 'call_cut', 'incomplete');
    fake.inject({ type: 'response.done', response: { id: 'resp_b', status: 'incomplete' } });
    fake.inject({ type: 'response.created', response: { id: 'resp_c' } });
    call('resp_c', 'call_ok', 'completed');
    fake.inject({ type: 'response.done', response: { id: 'resp_c', status: 'completed' } });
    await until(() => expect(only(log, 'responseDone')).toHaveLength(3));
    expect(only(log, 'toolCall')).toEqual([{ callId: 'call_ok', name: 'hang_up', arguments: {} }]);
  });
});
