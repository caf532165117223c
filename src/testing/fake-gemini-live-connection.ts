/**
 * One client connection of {@link FakeGeminiLiveServer}: the `BidiGenerateContent` protocol as the
 * real server speaks it over WebSocket (see `docs/protocols/gemini-live.md`, "Fake server
 * checklist"), with energy-based turn detection instead of a model.
 *
 * @module
 */

import type WebSocket from 'ws';
import { encodeMulaw } from '../realtime/audio/mulaw.js';
import { pcm16FromBytes } from '../realtime/audio/pcm16.js';
import { encodeBase64, tryDecodeBase64 } from '../realtime/base64.js';
import { messageText } from '../realtime/socket.js';
import { EnergyVad, type EnergyVadOptions } from './energy-vad.js';
import type { FakeGeminiSessionRecord, FakeGeminiToolTurn } from './fake-gemini-live.js';

const FRAME_BYTES = 640; // 20 ms of 16 kHz PCM16
const INVALID = 'Request contains an invalid argument.';

/** The conversation a resumption handle restores (shared by the connections of one session). */
export interface Conversation {
  turns: number;
}

/** What a connection needs from its server. */
export interface ConnectionHost {
  readonly answerAudio: Uint8Array;
  readonly chunkBytes: number;
  readonly voiceText: string;
  readonly toolTurns: readonly FakeGeminiToolTurn[];
  readonly accelerated: boolean;
  readonly vad: EnergyVadOptions;
  readonly voiceActivity: boolean;
  readonly recordAudio: boolean;
  stalled(): boolean;
  issueHandle(conversation: Conversation): string;
  resumeWith(handle: string, sessionId: string): Conversation | undefined;
}

type Json = Record<string, unknown>;

interface Answer {
  record: FakeGeminiSessionRecord['answers'][number];
  offset: number;
  words: string[];
  wordsSent: number;
  timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
}

const obj = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;

export class FakeGeminiConnection {
  readonly #ws: WebSocket;
  readonly #host: ConnectionHost;
  readonly record: FakeGeminiSessionRecord;
  readonly #keyOk: boolean;
  readonly #vad: EnergyVad;
  #conversation: Conversation = { turns: 0 };
  #setupDone = false;
  #resumable = false;
  #remainder = new Uint8Array(0);
  #answer: Answer | undefined;
  #pendingTool: { id: string; name: string } | undefined;
  #held: string[] = [];
  #calls = 0;
  #closeTimer: NodeJS.Timeout | undefined;

  constructor(ws: WebSocket, host: ConnectionHost, record: FakeGeminiSessionRecord, keyOk: boolean) {
    this.#ws = ws;
    this.#host = host;
    this.record = record;
    this.#keyOk = keyOk;
    this.#vad = new EnergyVad(host.vad);
    ws.on('message', (data: unknown) => this.#onMessage(messageText(data)));
    ws.on('close', () => this.dispose());
    ws.on('error', () => {}); // a reset socket ends with 'close'; nothing to report
  }

  /** Sends one message (or raw text); held while the server is stalled. */
  send(message: Json | string): void {
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    if (this.#host.stalled()) {
      this.#held.push(text);
      return;
    }
    if (this.#ws.readyState === this.#ws.OPEN) this.#ws.send(text);
  }

  /** Sends what was held while stalled, and picks up a paused answer. */
  flush(): void {
    const held = this.#held;
    this.#held = [];
    for (const text of held) this.send(text);
    if (this.#answer && this.#answer.timer === undefined) this.#schedule();
  }

  /** `goAway`, then the server ends the connection once `timeLeftMs` has passed. */
  goAway(timeLeftMs: number): void {
    this.record.goAways++;
    this.send({ goAway: { timeLeft: `${timeLeftMs / 1000}s` } });
    clearTimeout(this.#closeTimer);
    this.#closeTimer = setTimeout(
      () => this.#close(1011, 'Connection aborted: session lifetime reached'),
      timeLeftMs,
    );
  }

  /** Stops generating and every timer; the socket is closed by the server. */
  dispose(): void {
    this.#stopAnswer();
    this.#answer = undefined;
    clearTimeout(this.#closeTimer);
    this.#closeTimer = undefined;
    this.record.closed = true;
  }

  #close(code: number, reason: string) {
    this.record.closeCode ??= code;
    this.dispose();
    if (this.#ws.readyState === this.#ws.OPEN) this.#ws.close(code, reason);
  }

  #onMessage(text: string | null) {
    let message: Json | undefined;
    try {
      message = obj(JSON.parse(text ?? ''));
    } catch {
      message = undefined;
    }
    const keys = message ? Object.keys(message) : [];
    if (!message || keys.length !== 1) return this.#close(1007, INVALID);
    const [kind] = keys as [string];
    if (kind !== 'realtimeInput') this.record.messages.push(message);
    if (!this.#setupDone && kind !== 'setup') return this.#close(1007, INVALID);
    const body = obj(message[kind]);
    if (!body) return this.#close(1007, INVALID);
    switch (kind) {
      case 'setup':
        return this.#setup(body);
      case 'realtimeInput':
        return this.#realtimeInput(body);
      case 'clientContent':
        this.record.clientContents.push(body);
        if (body.turnComplete === true) this.#startAnswer();
        return;
      case 'toolResponse':
        return this.#toolResponse(body);
      default:
        return this.#close(1007, INVALID);
    }
  }

  #setup(setup: Json) {
    if (this.#setupDone) return this.#close(1007, INVALID);
    this.record.setup = setup;
    // Like the real service: the socket opens, the key is judged, the connection closed with 1008.
    if (!this.#keyOk) return this.#close(1008, 'API key not valid. Please pass a valid API key.');
    if (typeof setup.model !== 'string' || !setup.model.startsWith('models/'))
      return this.#close(1007, INVALID);
    const resumption = obj(setup.sessionResumption);
    const handle = typeof resumption?.handle === 'string' ? resumption.handle : undefined;
    if (handle !== undefined) {
      this.record.resumedFrom = handle;
      const conversation = this.#host.resumeWith(handle, this.record.id);
      if (!conversation) return this.#close(1007, 'Session resumption handle is invalid or expired.');
      this.#conversation = conversation;
    }
    this.#setupDone = true;
    this.#resumable = resumption !== undefined;
    this.send({ setupComplete: {} });
    this.#issueHandle();
  }

  #issueHandle() {
    if (!this.#resumable) return;
    const handle = this.#host.issueHandle(this.#conversation);
    this.record.handles.push(handle);
    this.send({ sessionResumptionUpdate: { newHandle: handle, resumable: true } });
  }

  #realtimeInput(input: Json) {
    this.record.messages.push({ realtimeInput: { ...input, ...(input.audio ? { audio: '(audio)' } : {}) } });
    const blobs = [obj(input.audio), ...(Array.isArray(input.mediaChunks) ? input.mediaChunks.map(obj) : [])];
    for (const blob of blobs) {
      if (!blob) continue;
      const bytes = typeof blob.data === 'string' ? tryDecodeBase64(blob.data) : null;
      const mime = typeof blob.mimeType === 'string' ? blob.mimeType.replace(/\s/g, '').toLowerCase() : '';
      if (bytes === null || !mime.startsWith('audio/')) return this.#close(1007, INVALID);
      this.record.audioBytes += bytes.length;
      if (this.#host.recordAudio) this.record.audioChunks.push(bytes);
      if (mime === 'audio/pcm;rate=16000' || mime === 'audio/pcm') this.#listen(bytes);
      else this.record.otherAudioChunks++;
    }
  }

  /** Feeds 16 kHz PCM through the VAD in 20 ms frames (mu-law encoded: what {@link EnergyVad} reads). */
  #listen(bytes: Uint8Array) {
    let data = bytes;
    if (this.#remainder.length > 0) {
      data = new Uint8Array(this.#remainder.length + bytes.length);
      data.set(this.#remainder);
      data.set(bytes, this.#remainder.length);
    }
    let at = 0;
    for (; at + FRAME_BYTES <= data.length; at += FRAME_BYTES) {
      const transition = this.#vad.push(encodeMulaw(pcm16FromBytes(data.subarray(at, at + FRAME_BYTES))));
      if (transition === 'speech_started') this.#speechStarted();
      if (transition === 'speech_stopped') this.#speechStopped();
    }
    this.#remainder = data.slice(at);
  }

  #activityHandling(): unknown {
    return obj(obj(this.record.setup)?.realtimeInputConfig)?.activityHandling;
  }

  #speechStarted() {
    if (this.#host.voiceActivity) this.send({ voiceActivity: { voiceActivityType: 'ACTIVITY_START' } });
    if (!this.#answer || this.#activityHandling() === 'NO_INTERRUPTION') return;
    // Barge-in: the generation is discarded; no generationComplete, straight to turnComplete.
    this.#stopAnswer();
    this.#answer.record.status = 'interrupted';
    this.#answer = undefined;
    this.send({ serverContent: { interrupted: true } });
    this.send({ serverContent: { turnComplete: true } });
  }

  #speechStopped() {
    const turn = ++this.#conversation.turns;
    if (this.#host.voiceActivity) this.send({ voiceActivity: { voiceActivityType: 'ACTIVITY_END' } });
    if (obj(this.record.setup)?.inputAudioTranscription) {
      this.send({ serverContent: { inputTranscription: { text: `caller turn ${turn}` } } });
    }
    const tool = this.#host.toolTurns.find((t) => t.turn === turn);
    if (tool && this.#declared(tool.name)) this.#toolCall(tool);
    else this.#startAnswer();
  }

  #declared(name: string): boolean {
    const tools = obj(this.record.setup)?.tools;
    return (
      Array.isArray(tools) &&
      tools.some((t) => {
        const declarations = obj(t)?.functionDeclarations;
        return Array.isArray(declarations) && declarations.some((d) => obj(d)?.name === name);
      })
    );
  }

  #toolCall(tool: FakeGeminiToolTurn) {
    const call = { id: `fc_${++this.#calls}`, name: tool.name, args: tool.args ?? {} };
    this.record.toolCalls.push(call);
    this.#pendingTool = { id: call.id, name: call.name };
    this.send({ toolCall: { functionCalls: [call] } });
  }

  #toolResponse(body: Json) {
    const responses = Array.isArray(body.functionResponses) ? body.functionResponses.map(obj) : [];
    for (const r of responses) {
      const id = typeof r?.id === 'string' ? r.id : '';
      const name = typeof r?.name === 'string' ? r.name : '';
      const matched = this.#pendingTool !== undefined && id === this.#pendingTool.id;
      this.record.toolResponses.push({ id, name, response: r?.response, matched });
      if (matched) {
        this.#pendingTool = undefined;
        this.#startAnswer();
      }
    }
  }

  #startAnswer() {
    if (this.#answer) return; // one generation at a time, like the real server
    const record: Answer['record'] = { turn: this.#conversation.turns, status: 'speaking', audioBytes: 0 };
    this.record.answers.push(record);
    const words = this.#host.voiceText.split(/\s+/).filter(Boolean);
    this.#answer = { record, offset: 0, words, wordsSent: 0, timer: undefined };
    // Mid-generation there is no state to resume from.
    if (this.#resumable) this.send({ sessionResumptionUpdate: { resumable: false } });
    this.#schedule();
  }

  #schedule() {
    const answer = this.#answer;
    if (!answer) return;
    const step = () => this.#chunk();
    const chunkMs = this.#host.chunkBytes / 48;
    answer.timer =
      this.#host.accelerated && !this.#host.stalled() ? setImmediate(step) : setTimeout(step, chunkMs);
  }

  #chunk() {
    const answer = this.#answer;
    if (!answer) return;
    answer.timer = undefined;
    if (this.#host.stalled()) return this.#schedule(); // paused: no generation while stalled
    const audio = this.#host.answerAudio;
    const chunk = audio.subarray(answer.offset, answer.offset + this.#host.chunkBytes);
    if (chunk.length > 0) {
      answer.offset += chunk.length;
      answer.record.audioBytes = answer.offset;
      const inlineData = { mimeType: 'audio/pcm;rate=24000', data: encodeBase64(chunk) };
      this.send({ serverContent: { modelTurn: { parts: [{ inlineData }] } } });
      const due = Math.ceil((answer.offset / audio.length) * answer.words.length);
      const said: string[] = [];
      while (answer.wordsSent < due) said.push(answer.words[answer.wordsSent++]!);
      if (said.length > 0 && obj(this.record.setup)?.outputAudioTranscription) {
        const text = `${answer.wordsSent > said.length ? ' ' : ''}${said.join(' ')}`;
        this.send({ serverContent: { outputTranscription: { text } } });
      }
    }
    if (answer.offset < audio.length) return this.#schedule();
    answer.record.status = 'completed';
    this.#answer = undefined;
    this.send({ serverContent: { generationComplete: true } });
    this.send({ serverContent: { turnComplete: true } });
    this.#issueHandle();
  }

  #stopAnswer() {
    const timer = this.#answer?.timer;
    if (timer === undefined) return;
    clearTimeout(timer as NodeJS.Timeout);
    clearImmediate(timer as NodeJS.Immediate);
    this.#answer!.timer = undefined;
  }
}
