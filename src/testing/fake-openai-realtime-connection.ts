/**
 * One client connection of {@link FakeOpenAIRealtimeServer}: the OpenAI Realtime protocol as the
 * real server speaks it over WebSocket (see `docs/protocols/openai-realtime.md`, "Fake server
 * checklist"), with energy-based turn detection instead of a model.
 *
 * @module
 */

import type WebSocket from 'ws';
import { encodeBase64, tryDecodeBase64 } from '../realtime/base64.js';
import { messageText } from '../realtime/socket.js';
import { EnergyVad, type EnergyVadOptions } from './energy-vad.js';
import type { FakeRealtimeSessionRecord, FakeRealtimeToolTurn } from './fake-openai-realtime.js';

const FRAME_BYTES = 160; // 20 ms of 8 kHz mu-law
const BYTES_PER_MS = 8;

/** What a connection needs from its server. */
export interface ConnectionHost {
  readonly responseAudio: Uint8Array;
  readonly voiceText: string;
  readonly toolTurns: readonly FakeRealtimeToolTurn[];
  readonly accelerated: boolean;
  readonly vad: EnergyVadOptions;
  readonly recordAudio: boolean;
  /** True while the server is told to stall: nothing is sent. */
  stalled(): boolean;
}

type Json = Record<string, unknown>;

interface ActiveResponse {
  id: string;
  itemId: string;
  offset: number;
  words: string[];
  wordsSent: number;
  timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
}

const obj = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;

export class FakeRealtimeConnection {
  readonly #ws: WebSocket;
  readonly #host: ConnectionHost;
  readonly record: FakeRealtimeSessionRecord;
  readonly #vad: EnergyVad;
  #remainder = new Uint8Array(0);
  #inputMs = 0;
  #n = 0;
  #turns = 0;
  #speechItem: string | undefined;
  #lastItem: string | undefined;
  #active: ActiveResponse | undefined;
  readonly #generated = new Map<string, number>(); // assistant item id -> audio bytes sent
  #session: Json = {
    type: 'realtime',
    object: 'realtime.session',
    model: 'gpt-realtime-2',
    output_modalities: ['audio'],
    audio: {
      input: { format: { type: 'audio/pcm', rate: 24000 }, turn_detection: { type: 'server_vad' } },
      output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'alloy' },
    },
  };
  #updated = false;

  constructor(ws: WebSocket, host: ConnectionHost, record: FakeRealtimeSessionRecord) {
    this.#ws = ws;
    this.#host = host;
    this.record = record;
    this.#vad = new EnergyVad(host.vad);
    this.#session.id = record.id;
    this.#session.model = record.model ?? 'gpt-realtime-2';
    ws.on('message', (data: unknown) => this.#onMessage(messageText(data)));
    ws.on('close', () => this.dispose());
    ws.on('error', () => {}); // a reset socket ends with 'close'; nothing to report
    this.send({ type: 'session.created', session: this.#session });
  }

  /** Sends one server event (or raw text), unless the server is stalled. */
  send(event: Json | string) {
    if (this.#host.stalled() || this.#ws.readyState !== this.#ws.OPEN) return;
    if (typeof event === 'string') return this.#ws.send(event);
    this.#ws.send(JSON.stringify({ event_id: `event_${++this.#n}`, ...event }));
  }

  /** Stops generating; the socket is closed by the server. */
  dispose(): void {
    this.#stopTimer();
    this.#active = undefined;
    this.record.closed = true;
  }

  #onMessage(text: string | null) {
    let event: Json | undefined;
    try {
      event = obj(JSON.parse(text ?? ''));
    } catch {
      event = undefined;
    }
    const type = event?.type;
    if (!event || typeof type !== 'string') {
      return this.#error('invalid_json', 'The client event is not valid JSON with a type', null);
    }
    const eventId = typeof event.event_id === 'string' ? event.event_id : null;
    // Appends are recorded by #append with their size: base64 audio would bloat the record.
    if (type !== 'input_audio_buffer.append') this.record.events.push({ type, event });
    switch (type) {
      case 'session.update':
        return this.#sessionUpdate(obj(event.session), eventId);
      case 'input_audio_buffer.append':
        return this.#append(typeof event.audio === 'string' ? event.audio : '', eventId);
      case 'response.create':
        return this.#startResponse(obj(event.response));
      case 'response.cancel':
        return this.#cancel(typeof event.response_id === 'string' ? event.response_id : undefined, eventId);
      case 'conversation.item.truncate':
        return this.#truncate(event, eventId);
      case 'conversation.item.create':
        return this.#createItem(obj(event.item), eventId);
      default:
        return this.#error('invalid_value', `Unsupported event type '${type}'`, eventId, 'type');
    }
  }

  #error(code: string, message: string, eventId: string | null, param: string | null = null) {
    this.record.errors.push({ code, message });
    this.send({
      type: 'error',
      error: { type: 'invalid_request_error', code, message, param, event_id: eventId },
    });
  }

  #sessionUpdate(update: Json | undefined, eventId: string | null) {
    this.record.sessionUpdates.push(update ?? {});
    if (update?.type !== 'realtime') {
      return this.#error('missing_required_parameter', "Missing 'session.type'", eventId, 'session.type');
    }
    for (const side of ['input', 'output'] as const) {
      const format = obj(obj(obj(update.audio)?.[side])?.format);
      if (format && 'rate' in format && format.type === 'audio/pcmu') {
        const param = `session.audio.${side}.format.rate`;
        return this.#error('unknown_parameter', `Unknown parameter: '${param}'.`, eventId, param);
      }
    }
    const merged = deepMerge(this.#session, update);
    const audio = obj(merged.audio);
    for (const side of ['input', 'output'] as const) {
      const type = obj(obj(audio?.[side])?.format)?.type;
      if (type !== 'audio/pcmu') {
        const param = `session.audio.${side}.format`;
        return this.#error('invalid_value', `The fake needs audio/pcmu, not ${String(type)}`, eventId, param);
      }
    }
    this.#session = merged;
    this.#updated = true;
    this.send({ type: 'session.updated', session: this.#session });
  }

  #turnDetection(): Json | undefined {
    return obj(obj(obj(this.#session.audio)?.input)?.turn_detection);
  }

  #append(audio: string, eventId: string | null) {
    const bytes = tryDecodeBase64(audio);
    this.record.events.push({
      type: 'input_audio_buffer.append',
      event: { audioBytes: bytes?.length ?? -1 },
    });
    if (bytes === null) return this.#error('invalid_value', 'Invalid base64 audio', eventId, 'audio');
    if (!this.#updated) this.record.appendsBeforeUpdate++;
    this.record.audioBytes += bytes.length;
    if (this.#host.recordAudio) this.record.audioChunks.push(bytes);
    const vadOn = this.#turnDetection() !== undefined;
    let data = bytes;
    if (this.#remainder.length > 0) {
      data = new Uint8Array(this.#remainder.length + bytes.length);
      data.set(this.#remainder);
      data.set(bytes, this.#remainder.length);
    }
    let at = 0;
    for (; at + FRAME_BYTES <= data.length; at += FRAME_BYTES) {
      this.#inputMs += FRAME_BYTES / BYTES_PER_MS;
      const transition = this.#vad.push(data.subarray(at, at + FRAME_BYTES));
      if (vadOn && transition === 'speech_started') this.#speechStarted();
      if (vadOn && transition === 'speech_stopped') this.#speechStopped();
    }
    this.#remainder = data.slice(at);
  }

  #speechStarted() {
    const td = this.#turnDetection() ?? {};
    const padding = typeof td.prefix_padding_ms === 'number' ? td.prefix_padding_ms : 300;
    const startFrames = this.#host.vad.startFrames ?? 3;
    this.#speechItem = `item_in_${++this.#n}`;
    const audioStartMs = Math.max(0, this.#inputMs - startFrames * 20 - padding);
    this.send({
      type: 'input_audio_buffer.speech_started',
      audio_start_ms: audioStartMs,
      item_id: this.#speechItem,
    });
    if (this.#active && td.interrupt_response !== false) this.#finish('cancelled', 'turn_detected');
  }

  #speechStopped() {
    const itemId = this.#speechItem ?? `item_in_${++this.#n}`;
    this.#speechItem = undefined;
    this.#turns++;
    this.send({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: this.#inputMs, item_id: itemId });
    this.send({
      type: 'input_audio_buffer.committed',
      item_id: itemId,
      previous_item_id: this.#lastItem ?? null,
    });
    this.send({
      type: 'conversation.item.created',
      previous_item_id: this.#lastItem ?? null,
      item: {
        id: itemId,
        type: 'message',
        role: 'user',
        status: 'completed',
        content: [{ type: 'input_audio' }],
      },
    });
    this.#lastItem = itemId;
    if (obj(obj(this.#session.audio)?.input)?.transcription) {
      this.send({
        type: 'conversation.item.input_audio_transcription.completed',
        item_id: itemId,
        content_index: 0,
        transcript: `caller turn ${this.#turns}`,
      });
    }
    if (this.#turnDetection()?.create_response === false) return;
    const tool = this.#host.toolTurns.find((t) => t.turn === this.#turns);
    const declared =
      Array.isArray(this.#session.tools) && this.#session.tools.some((t) => obj(t)?.name === tool?.name);
    if (tool && declared) this.#functionCall(tool);
    else this.#startResponse(undefined);
  }

  #functionCall(tool: FakeRealtimeToolTurn) {
    if (this.#active)
      return this.#error('conversation_already_has_active_response', 'Response in progress', null);
    const id = `resp_${++this.#n}`;
    const callId = `call_${++this.#n}`;
    const item = { id: `item_fc_${++this.#n}`, type: 'function_call', call_id: callId, name: tool.name };
    const args = JSON.stringify(tool.arguments ?? {});
    this.record.responses.push({
      id,
      itemId: item.id,
      kind: 'function_call',
      status: 'completed',
      audioBytes: 0,
    });
    this.send({ type: 'response.created', response: { id, status: 'in_progress' } });
    this.send({
      type: 'response.output_item.added',
      response_id: id,
      output_index: 0,
      item: { ...item, arguments: '', status: 'in_progress' },
    });
    const ids = { response_id: id, item_id: item.id, output_index: 0, call_id: callId };
    this.send({ type: 'response.function_call_arguments.delta', ...ids, delta: args });
    this.send({ type: 'response.function_call_arguments.done', ...ids, name: tool.name, arguments: args });
    const done = { ...item, arguments: args, status: 'completed' };
    this.send({ type: 'response.output_item.done', response_id: id, output_index: 0, item: done });
    this.send({ type: 'response.done', response: { id, status: 'completed', output: [done] } });
  }

  #createItem(item: Json | undefined, eventId: string | null) {
    if (item?.type === 'function_call_output') {
      if (typeof item.call_id !== 'string' || typeof item.output !== 'string') {
        return this.#error('invalid_value', 'call_id and output must be strings', eventId, 'item');
      }
      this.record.functionOutputs.push({ callId: item.call_id, output: item.output });
    } else if (item?.type !== 'message') {
      return this.#error('invalid_value', 'Unsupported item type', eventId, 'item.type');
    }
    const id = typeof item.id === 'string' ? item.id : `item_${++this.#n}`;
    this.send({
      type: 'conversation.item.created',
      previous_item_id: this.#lastItem ?? null,
      item: { ...item, id },
    });
    this.#lastItem = id;
  }

  #startResponse(options: Json | undefined) {
    if (this.#active)
      return this.#error('conversation_already_has_active_response', 'Response in progress', null);
    const id = `resp_${++this.#n}`;
    const itemId = `item_out_${++this.#n}`;
    const instructions = typeof options?.instructions === 'string' ? options.instructions : undefined;
    this.record.responses.push({
      id,
      itemId,
      kind: 'audio',
      status: 'in_progress',
      audioBytes: 0,
      instructions,
    });
    const words = this.#host.voiceText.split(/\s+/).filter(Boolean);
    this.#active = { id, itemId, offset: 0, words, wordsSent: 0, timer: undefined };
    this.#generated.set(itemId, 0);
    this.send({ type: 'response.created', response: { id, status: 'in_progress', output: [] } });
    this.send({
      type: 'rate_limits.updated',
      rate_limits: [{ name: 'tokens', limit: 40000, remaining: 39000, reset_seconds: 1.5 }],
    });
    const item = { id: itemId, type: 'message', role: 'assistant', status: 'in_progress', content: [] };
    this.send({ type: 'response.output_item.added', response_id: id, output_index: 0, item });
    this.#schedule();
  }

  #schedule() {
    const step = () => this.#chunk();
    const active = this.#active;
    if (!active) return;
    // Accelerated = faster than real time, like the real server; a stalled server idles in real time.
    active.timer =
      this.#host.accelerated && !this.#host.stalled() ? setImmediate(step) : setTimeout(step, 20);
  }

  #chunk() {
    const active = this.#active;
    if (!active) return;
    active.timer = undefined;
    const audio = this.#host.responseAudio;
    const chunk = audio.subarray(active.offset, active.offset + FRAME_BYTES);
    const ids = { response_id: active.id, item_id: active.itemId, output_index: 0, content_index: 0 };
    if (chunk.length > 0 && !this.#host.stalled()) {
      active.offset += chunk.length;
      this.#generated.set(active.itemId, active.offset);
      this.send({ type: 'response.output_audio.delta', ...ids, delta: encodeBase64(chunk) });
      // Words are spread over the audio, so a cut response has a partial transcript.
      const due = Math.ceil((active.offset / audio.length) * active.words.length);
      while (active.wordsSent < due) {
        const word = active.words[active.wordsSent++]!;
        this.send({
          type: 'response.output_audio_transcript.delta',
          ...ids,
          delta: active.wordsSent > 1 ? ` ${word}` : word,
        });
      }
    }
    if (active.offset < audio.length) return this.#schedule();
    this.send({ type: 'response.output_audio.done', ...ids });
    this.send({ type: 'response.output_audio_transcript.done', ...ids, transcript: active.words.join(' ') });
    this.#finish('completed');
  }

  /** Ends the active response: `completed`, or `cancelled` by the client or by turn detection. */
  #finish(status: 'completed' | 'cancelled', reason?: 'client_cancelled' | 'turn_detected') {
    const active = this.#active;
    if (!active) return;
    this.#stopTimer();
    this.#active = undefined;
    const record = this.record.responses.find((r) => r.id === active.id);
    if (record) Object.assign(record, { status, audioBytes: active.offset });
    const item = {
      id: active.itemId,
      type: 'message',
      role: 'assistant',
      status: status === 'completed' ? 'completed' : 'incomplete',
      content: [{ type: 'output_audio', transcript: active.words.slice(0, active.wordsSent).join(' ') }],
    };
    this.#lastItem = active.itemId;
    this.send({ type: 'response.output_item.done', response_id: active.id, output_index: 0, item });
    const details = reason ? { status_details: { type: 'cancelled', reason } } : {};
    this.send({ type: 'response.done', response: { id: active.id, status, ...details, output: [item] } });
  }

  #cancel(responseId: string | undefined, eventId: string | null) {
    const active = this.#active;
    const accepted = active !== undefined && (responseId === undefined || responseId === active.id);
    this.record.cancels.push({ responseId, accepted });
    if (!accepted) {
      return this.#error('response_cancel_not_active', 'No active response to cancel', eventId);
    }
    this.#finish('cancelled', 'client_cancelled');
  }

  #truncate(event: Json, eventId: string | null) {
    const itemId = typeof event.item_id === 'string' ? event.item_id : '';
    const audioEndMs = typeof event.audio_end_ms === 'number' ? event.audio_end_ms : Number.NaN;
    const contentIndex = typeof event.content_index === 'number' ? event.content_index : Number.NaN;
    const generated = this.#generated.get(itemId);
    const entry = { itemId, contentIndex, audioEndMs, accepted: false };
    this.record.truncations.push(entry);
    if (generated === undefined) {
      return this.#error('invalid_value', `No assistant audio item '${itemId}'`, eventId, 'item_id');
    }
    if (contentIndex !== 0)
      return this.#error('invalid_value', 'content_index must be 0', eventId, 'content_index');
    const generatedMs = Math.floor(generated / BYTES_PER_MS);
    if (!(audioEndMs >= 0) || audioEndMs > generatedMs) {
      // Like the real server: the end must lie within the audio produced for the item.
      const message = `Audio content of ${generatedMs}ms is already shorter than ${audioEndMs}ms`;
      return this.#error('invalid_value', message, eventId, 'audio_end_ms');
    }
    entry.accepted = true;
    this.send({
      type: 'conversation.item.truncated',
      item_id: itemId,
      content_index: 0,
      audio_end_ms: audioEndMs,
    });
  }

  #stopTimer() {
    const timer = this.#active?.timer;
    if (timer === undefined) return;
    clearTimeout(timer as NodeJS.Timeout);
    clearImmediate(timer as NodeJS.Immediate);
  }
}

function deepMerge(base: Json, patch: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const a = obj(out[key]);
    const b = obj(value);
    // `turn_detection: null` turns VAD off; other objects merge field by field, like the real server.
    out[key] = a && b ? deepMerge(a, b) : value;
  }
  return out;
}
