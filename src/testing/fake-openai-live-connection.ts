/**
 * One connection of {@link FakeOpenAILiveServer}: the Live API protocol as the real server speaks
 * it (see `docs/protocols/openai-live.md`, fake server checklist), driven by an energy VAD over
 * the caller's audio instead of a model.
 *
 * @module
 */

import type { WebSocket } from 'ws';
import { z } from 'zod';
import { TWILIO_FRAME_BYTES } from '../realtime/twilio-media.js';
import { EnergyVad, type EnergyVadOptions } from './energy-vad.js';
import type { FakeLiveSessionRecord, FakeLiveToolDemo } from './fake-openai-live.js';

/** What a connection needs from its server (options and knobs). */
export interface FakeLiveHost {
  responseAudio: Uint8Array;
  voiceText: string;
  callerText: string;
  tools: FakeLiveToolDemo | undefined;
  accelerated: boolean;
  vad: EnergyVadOptions;
  recordAudio: boolean;
  stalled(): boolean;
  /** `undefined`: answer `session.start`; `null`: never answer; a string: answer with that error code. */
  handshakeFault(): string | null | undefined;
}

const startSchema = z.object({
  type: z.literal('session.start'),
  event_id: z.string().nullish(),
  session: z
    .object({
      model: z.string().min(1),
      audio: z.object({ format: z.object({ type: z.literal('audio/pcmu'), rate: z.literal(8000) }) }),
    })
    .loose(),
});
const WORD_EVERY_FRAMES = 10; // one caller word per 200 ms of speech

interface Speech {
  index: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  readonly record: FakeLiveSessionRecord['responses'][number];
  readonly words: string[];
}

export class FakeLiveConnection {
  readonly #ws: WebSocket;
  readonly #host: FakeLiveHost;
  readonly #record: FakeLiveSessionRecord;
  readonly #vad: EnergyVad;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #started = false;
  #pendingFrame = new Uint8Array(0);
  #frames = 0;
  #speechFrames = 0;
  #callerWord = 0;
  #speech: Speech | null = null;
  #tool: { callId: string; output: string | null } | null = null;
  #eventId = 0;

  constructor(ws: WebSocket, host: FakeLiveHost, record: FakeLiveSessionRecord) {
    this.#ws = ws;
    this.#host = host;
    this.#record = record;
    this.#vad = new EnergyVad(host.vad);
    ws.on('message', (data, isBinary) => this.#onMessage(isBinary ? null : String(data)));
    ws.on('close', () => this.dispose());
  }

  /** Sends a raw string or an event (ignores {@link FakeLiveHost.stalled}: for injected faults). */
  send(message: string | Record<string, unknown>): void {
    if (this.#ws.readyState === this.#ws.OPEN) {
      this.#ws.send(typeof message === 'string' ? message : JSON.stringify(message));
    }
  }

  /** Ends the session with `session.closed` (e.g. `expired`), then closes the socket. */
  endSession(reason: string): void {
    this.#emit({ type: 'session.closed', reason, session: this.#resource(), usage: this.#usage() });
    this.#record.closedReason = reason;
    this.#ws.close(1000);
    this.dispose();
  }

  /** Releases every timer. */
  dispose(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    if (this.#speech?.record.status === 'speaking') this.#speech.record.status = 'cut';
    this.#speech = null;
    this.#record.closed = true;
  }

  #onMessage(text: string | null): void {
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(text ?? '') as Record<string, unknown>;
      if (typeof event !== 'object' || event === null || typeof event.type !== 'string') throw new Error();
    } catch {
      this.#error('invalid_json', 'Messages must be JSON objects with a type');
      return;
    }
    const type = event.type as string;
    const { audio, ...rest } = event;
    const bytes = type === 'session.input_audio.append' && typeof audio === 'string' ? decode(audio) : null;
    this.#record.events.push({ type, event: bytes ? { ...rest, audioBytes: bytes.length } : event });
    if (!this.#started) {
      this.#beforeStart(type, event);
      return;
    }
    switch (type) {
      case 'session.input_audio.append':
        if (bytes) this.#audio(bytes);
        else this.#error('invalid_audio', 'audio must be base64');
        return;
      case 'session.commentary.append':
      case 'session.instructions.append':
      case 'session.thinking.append': {
        const content = typeof event.content === 'string' ? event.content : '';
        this.#emit({ type: type.replace('.append', '.appended'), start_ms: this.#ms(), end_ms: this.#ms() });
        if (type === 'session.commentary.append' && content) {
          this.#record.commentary.push(content);
          // Commentary is "communicate this": speak its last paragraph (the greeting text).
          this.#speak('commentary', content.split('\n\n').at(-1)!.trim());
        }
        return;
      }
      case 'response.item.create': {
        const item = (event.item ?? {}) as Record<string, unknown>;
        if (item.type === 'function_call_output' && this.#tool && item.call_id === this.#tool.callId) {
          this.#tool.output = String(item.output);
          this.#record.toolOutputs.push({ callId: this.#tool.callId, output: this.#tool.output });
        } else this.#error('invalid_item', 'No function call is waiting for this output');
        return;
      }
      case 'response.create':
        this.#record.responseCreates++;
        if (this.#tool?.output != null) {
          const output = this.#tool.output;
          this.#tool = null;
          this.#speak('tool_result', `I checked that for you: ${output}`);
        }
        return;
      case 'session.update':
        this.#emit({ type: 'session.updated', session: this.#resource() });
        return;
      case 'session.input_audio.mute':
      case 'session.input_audio.unmute':
        this.#emit({ type: `${type}d` });
        return;
      case 'session.close':
        if (!this.#host.stalled()) this.endSession('close_requested'); // a stalled server never answers
        return;
      default:
        this.#error('unknown_event', `Unknown client event type ${type}`);
    }
  }

  #beforeStart(type: string, event: Record<string, unknown>): void {
    if (type === 'session.input_audio.append') {
      this.#record.appendsBeforeStart++; // ignored, as the real server does before session.started
      return;
    }
    const fault = this.#host.handshakeFault();
    if (fault === null) return; // a server that never answers: the client's handshake timeout
    const start = startSchema.safeParse(event);
    const code = fault ?? (start.success ? undefined : 'invalid_session_start');
    if (code !== undefined || !start.success) {
      this.#error(
        code ?? 'invalid_session_start',
        'Send session.start first, with model and audio/pcmu at 8000',
      );
      this.#ws.close(1008, 'session.start required');
      return;
    }
    this.#record.start = event.session as Record<string, unknown>; // as sent, unknown fields too
    this.#started = true;
    this.#emit({ type: 'session.started', session: this.#resource() });
  }

  #audio(bytes: Uint8Array): void {
    this.#record.audioBytes += bytes.length;
    if (this.#host.recordAudio) this.#record.audioChunks.push(bytes);
    let data = bytes;
    if (this.#pendingFrame.length > 0) {
      data = new Uint8Array(this.#pendingFrame.length + bytes.length);
      data.set(this.#pendingFrame);
      data.set(bytes, this.#pendingFrame.length);
    }
    let offset = 0;
    for (; offset + TWILIO_FRAME_BYTES <= data.length; offset += TWILIO_FRAME_BYTES) {
      this.#frame(data.subarray(offset, offset + TWILIO_FRAME_BYTES));
    }
    this.#pendingFrame = data.slice(offset);
  }

  #frame(frame: Uint8Array): void {
    this.#frames++;
    if (this.#frames % 50 === 0) this.#emit({ type: 'session.usage.updated', usage: this.#usage() });
    const change = this.#vad.push(frame);
    if (change === 'speech_started') {
      this.#speechFrames = 0;
      this.#interrupt();
      this.#callerWordDelta();
    } else if (change === 'speech_stopped') {
      this.#record.turns++;
      this.#answer();
    } else if (this.#vad.speaking && ++this.#speechFrames % WORD_EVERY_FRAMES === 0) {
      this.#callerWordDelta();
    }
  }

  #callerWordDelta(): void {
    const words = this.#host.callerText.split(' ');
    const word = words[this.#callerWord++ % words.length]!;
    const end = this.#ms();
    this.#emit({
      type: 'session.input_transcript.delta',
      delta: this.#callerWord === 1 ? word : ` ${word}`,
      start_ms: Math.max(0, end - 200),
      end_ms: end,
    });
  }

  #answer(): void {
    const demo = this.#host.tools;
    if (demo && (demo.callOnTurn ?? 1) === this.#record.turns && this.#declared(demo.name)) {
      const n = this.#record.delegations.length + 1;
      const [delegationId, responseId, callId] = [`dlg_${n}`, `resp_${n}`, `call_${n}`];
      const args = typeof demo.arguments === 'string' ? demo.arguments : JSON.stringify(demo.arguments ?? {});
      this.#record.delegations.push({ id: delegationId, callId, name: demo.name });
      this.#tool = { callId, output: null };
      const response = (event: Record<string, unknown>) =>
        this.#emit({ type: 'response.event', delegation_id: delegationId, event });
      this.#emit({
        type: 'session.delegation.created',
        offset_ms: this.#ms(),
        delegation: { id: delegationId, type: 'delegation', target: 'responses', response_id: responseId },
      });
      response({ type: 'response.created', response: { id: responseId, status: 'in_progress' } });
      const item = {
        type: 'function_call',
        id: `fc_${n}`,
        status: 'completed',
        call_id: callId,
        name: demo.name,
      };
      response({ type: 'response.output_item.done', output_index: 0, item: { ...item, arguments: args } });
      response({ type: 'response.completed', response: { id: responseId, status: 'completed' } });
      return;
    }
    this.#speak('answer', this.#host.voiceText);
  }

  #declared(name: string): boolean {
    const delegation = (this.#record.start?.delegation ?? null) as {
      type?: string;
      responses?: { tools?: { type?: string; name?: string }[] };
    } | null;
    if (delegation?.type !== 'responses') return false;
    return (delegation.responses?.tools ?? []).some((t) => t.type === 'function' && t.name === name);
  }

  #speak(kind: 'commentary' | 'answer' | 'tool_result', text: string): void {
    this.#interrupt();
    const record = {
      id: `resp_audio_${this.#record.responses.length + 1}`,
      kind,
      text,
      status: 'speaking' as const,
      audioBytes: 0,
    };
    this.#record.responses.push(record);
    const speech: Speech = { index: 0, timer: undefined, record, words: text.split(' ').filter(Boolean) };
    this.#speech = speech;
    this.#step(speech);
  }

  /** Sends the next 20 ms of the answer (and its words), then schedules the one after. */
  #step(speech: Speech): void {
    if (this.#speech !== speech) return;
    if (this.#vad.speaking) {
      this.#interrupt(); // the real model stops while the caller talks
      return;
    }
    const audio = this.#host.responseAudio;
    const chunks = Math.max(1, Math.ceil(audio.length / TWILIO_FRAME_BYTES));
    const i = speech.index++;
    if (i >= chunks) {
      speech.record.status = 'done';
      this.#speech = null;
      return;
    }
    const chunk = audio.subarray(i * TWILIO_FRAME_BYTES, (i + 1) * TWILIO_FRAME_BYTES);
    if (!this.#host.stalled()) {
      speech.record.audioBytes += chunk.length;
      this.#emit({ type: 'session.output_audio.delta', delta: Buffer.from(chunk).toString('base64') }, false);
      const words = speech.words;
      for (let w = 0; w < words.length; w++) {
        if (Math.floor((w * chunks) / words.length) !== i) continue;
        const delta = w === 0 ? words[w] : ` ${words[w]}`;
        this.#emit({
          type: 'session.output_transcript.delta',
          delta,
          start_ms: this.#ms(),
          end_ms: this.#ms() + 20,
        });
      }
    }
    const timer = setTimeout(
      () => {
        this.#timers.delete(timer);
        this.#step(speech);
      },
      this.#host.accelerated ? 0 : 20,
    );
    this.#timers.add(timer);
    speech.timer = timer;
  }

  #interrupt(): void {
    const speech = this.#speech;
    if (!speech) return;
    this.#speech = null;
    if (speech.timer !== undefined) {
      clearTimeout(speech.timer);
      this.#timers.delete(speech.timer);
    }
    speech.record.status = 'interrupted';
    this.#record.interruptions++;
  }

  #emit(event: Record<string, unknown>, withId = true): void {
    if (this.#host.stalled()) return; // a stalled server says nothing, but keeps the socket
    this.send(withId ? { event_id: `ev_${++this.#eventId}`, ...event } : event);
  }

  #error(code: string, message: string): void {
    this.#record.errors.push({ code, message });
    this.#emit({ type: 'error', error: { code, message, type: 'invalid_request_error' } });
  }

  #resource(): Record<string, unknown> {
    const start = this.#record.start ?? {};
    return {
      ...start,
      id: this.#record.id,
      expires_at: Math.floor(Date.now() / 1000) + 3600,
      status: 'active',
      store: false,
    };
  }

  #usage(): { seconds: number } {
    return { seconds: this.#record.audioBytes / 8000 };
  }

  /** Position on the session timeline: caller audio received so far. */
  #ms(): number {
    return Math.round(this.#record.audioBytes / 8);
  }
}

function decode(base64: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) return null;
  return new Uint8Array(Buffer.from(base64, 'base64'));
}
