import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Clock } from '../core/clock.js';
import { isCircuitOpenError, isSteadyCallError } from '../core/errors.js';
import { type Logger, redactingLogger, silentLogger } from '../core/logger.js';
import { redact } from '../core/redact.js';
import type { AiProvider } from '../core/types.js';
import type { CallOrchestrator } from '../orchestrator/orchestrator.js';
import { type BridgeOptions, BridgeSession, type ModelLost } from '../realtime/bridge.js';
import type { RealtimeSession } from '../realtime/session.js';
import type { SessionContext, WarmSessions } from '../realtime/sessions.js';
import type { SocketLike } from '../realtime/socket.js';

/**
 * Options of {@link attachMediaStreams}.
 *
 * @example
 * ```ts
 * const options: MediaStreamOptions = {
 *   orchestrator,
 *   sessions,
 *   maxConnections: 50,
 *   bridge: { tools: { lookup_order: async (args) => ({ status: 'shipped' }) } },
 *   onBridge: (bridge) => bridge.onTurn((t) => metrics.histogram('turn_ms', t.totalMs)),
 * };
 * attachMediaStreams(server, options);
 * ```
 */
export interface MediaStreamOptions {
  /** Checks signatures and stream tokens, chooses providers and records what happens to each call. */
  orchestrator: CallOrchestrator;
  /** Where sessions come from (warm ones from the voice webhook first). Share it with the orchestrator. */
  sessions: WarmSessions;
  /** Upgrade path. Default: the orchestrator's `paths.mediaStream`. */
  path?: string;
  /** Concurrent streams accepted; more get 503. Default 200. */
  maxConnections?: number;
  /** Check `X-Twilio-Signature` on the upgrade (default true; turn off only for local experiments). */
  validateSignature?: boolean;
  /** Extra bridge settings (lead, marks, tools). */
  bridge?: Partial<Omit<BridgeOptions, 'twilio' | 'onStart'>>;
  /** Called with each new bridge, to subscribe to its events (turn metrics, transcripts). */
  onBridge?: (bridge: BridgeSession) => void;
  /** Time source of the bridges (pacing, latency). Default: the system clock. */
  clock?: Clock;
  /** Receives refused upgrades, socket errors and bridge events, redacted. Default: silent. */
  logger?: Logger;
}

/**
 * Handle returned by {@link attachMediaStreams}.
 *
 * @example
 * ```ts
 * const media: MediaStreamServer = attachMediaStreams(server, { orchestrator, sessions });
 * process.on('SIGTERM', async () => {
 *   console.log(`ending ${media.active} calls`);
 *   await media.close();
 *   server.close();
 * });
 * ```
 */
export interface MediaStreamServer {
  /** Streams currently bridged. */
  readonly active: number;
  /** Stops accepting streams, ends every bridge and closes the WebSocket server. */
  close(): Promise<void>;
}

/**
 * Serves Twilio media streams on an existing `http.Server`: validates the upgrade's Twilio
 * signature against the public `wss://` URL (never `Host`), enforces a connection limit, and runs
 * one {@link BridgeSession} per stream. The per-call token arrives in the stream's `start` message
 * (Twilio stream URLs carry no query string) and is checked before any audio reaches a model.
 *
 * @example
 * ```ts
 * const sessions = new WarmSessions({ factory: realtimeSessionFactory({ socketFactory: wsSocketFactory(), openai }) });
 * const orchestrator = new CallOrchestrator({ ..., warmSessions: sessions });
 * const server = app.listen(3000);
 * attachMediaStreams(server, { orchestrator, sessions });
 * ```
 */
export function attachMediaStreams(server: Server, options: MediaStreamOptions): MediaStreamServer {
  const { orchestrator, sessions } = options;
  // The bridge logs errors from sockets and models whole: phone numbers masked like everywhere else.
  const log = redactingLogger(options.logger ?? silentLogger, redact);
  const path = options.path ?? orchestrator.paths.mediaStream;
  const max = options.maxConnections ?? 200;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const bridges = new Set<BridgeSession>();
  let closing = false;

  const refuse = (socket: Duplex, status: number, text: string) => {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== path) return; // another handler's upgrade
    socket.on('error', () => socket.destroy());
    void (async () => {
      if (closing) return refuse(socket, 503, 'Service Unavailable');
      if (bridges.size >= max) return refuse(socket, 503, 'Service Unavailable');
      if (options.validateSignature !== false) {
        const signer = orchestrator.signer;
        // Twilio signs the wss:// URL it was given (the TwiML's), with no body.
        const signedUrl = orchestrator.endpointUrl(req.url ?? path).replace(/^http/, 'ws');
        const signature = req.headers['x-twilio-signature'];
        const valid =
          signer !== null &&
          typeof signature === 'string' &&
          (await signer.validate({ url: signedUrl, signature }));
        if (!valid) return refuse(socket, 403, 'Forbidden');
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        // A protocol error (a frame over maxPayload, bad framing) is emitted as 'error' before ws
        // closes the socket itself (1009, 1002); with no listener it is thrown and ends the process.
        ws.on('error', (error: Error & { code?: string }) => {
          log.warn({ code: error.code ?? 'error' }, 'media stream socket error');
        });
        // Every session opens through its provider's breaker: an open circuit refuses it without a
        // connect, and the handshake's outcome is recorded there (so not again by failoverProvider).
        const open = (provider: AiProvider, context: SessionContext) =>
          sessions.open(provider, context, { breaker: orchestrator.breaker(provider) });
        // Reconnect or fail over a lost session (or one that never connected); null when no provider
        // is left. `recorded`: the breaker already saw this loss (a guarded handshake failed).
        const replaceSession = async (lost: ModelLost, recorded = false): Promise<RealtimeSession | null> => {
          const callId = bridge.start?.customParameters.callId;
          if (!callId) return null;
          let current: FailedAttempt = {
            provider: lost.provider,
            reason: lost.reason,
            attempt: lost.attempt,
            recorded,
          };
          if (lost.planned) {
            // Renewal near the session's maximum length: same provider, conversation replayed.
            const renewed = open(lost.provider, { callId, history: lost.history });
            try {
              await renewed.ready;
              return renewed.session;
            } catch (error) {
              await renewed.session.close('connect failed').catch(() => undefined);
              current = {
                ...afterConnectFailure(error, lost.provider, lost.attempt, renewed.guarded),
                reason: lost.reason,
              };
            }
          }
          // Reconnect or move on, until a session connects or no provider is left.
          for (let tries = 0; tries < 4; tries++) {
            const next = await orchestrator.failoverProvider(callId, current);
            if (!next) break;
            const opened = open(next, { callId, history: lost.history });
            try {
              await opened.ready;
              return opened.session;
            } catch (error) {
              const failed = afterConnectFailure(error, next, current.attempt + 1, opened.guarded);
              log.warn({ provider: next, code: failed.code }, 'failover connect failed');
              current = failed;
              await opened.session.close('connect failed').catch(() => undefined);
            }
          }
          // Last tier: an OpenAI Live session that failed can still fall back to OpenAI's older
          // Realtime API (another endpoint and protocol), when the breaker allows OpenAI at all.
          if (lost.api === 'openai-live' && sessions.supports('openai')) {
            const older = open('openai', { callId, history: lost.history, openaiApi: 'realtime' });
            try {
              await older.ready;
              await orchestrator.incidents.record({
                severity: 'warning',
                provider: 'openai',
                code: 'ai_failover',
                message: `Call ${callId}: continuing on the OpenAI Realtime API`,
                callId,
              });
              return older.session;
            } catch {
              await older.session.close('connect failed').catch(() => undefined);
            }
          }
          // Nobody left to talk: the caller hears the fallback instead of silence.
          const callSid = bridge.start?.callSid;
          if (callSid) await orchestrator.playFallback(callSid);
          return null;
        };
        const bridge = new BridgeSession({
          ...options.bridge,
          twilio: ws as unknown as SocketLike,
          clock: options.clock ?? options.bridge?.clock,
          logger: log,
          onHangUp: options.bridge?.onHangUp ?? ((callSid) => orchestrator.hangUp(callSid)),
          onModelLost: replaceSession,
          onStart: async (start) => {
            const { callId, provider } = await orchestrator.authorizeStream(start.customParameters);
            // Usually the session prewarmed (through the breaker) by the voice webhook.
            const taken = sessions.take(callId, provider, { breaker: orchestrator.breaker(provider) });
            try {
              // Caller audio waits in the bridge's bounded buffer while the model connects.
              await taken.ready;
              return taken.session;
            } catch (error) {
              const failed = afterConnectFailure(error, provider, 1, taken.guarded);
              log.warn({ provider, code: failed.code }, 'model connect failed');
              await taken.session.close('connect failed').catch(() => undefined);
              // A session that never connected is lost like any other: reconnect or fail over
              // (counted on the breaker once), else the caller hears the fallback and the bridge ends.
              const next = await replaceSession(
                {
                  provider,
                  api: taken.session.api,
                  reason: failed.reason,
                  planned: false,
                  history: [],
                  attempt: failed.attempt,
                },
                failed.recorded,
              );
              if (next) return next;
              throw error;
            }
          },
        });
        bridges.add(bridge);
        void bridge.done.then(() => bridges.delete(bridge));
        options.onBridge?.(bridge);
      });
    })().catch((error: unknown) => {
      log.warn({ err: error }, 'media stream upgrade failed');
      socket.destroy();
    });
  };

  server.on('upgrade', onUpgrade);
  return {
    get active() {
      return bridges.size;
    },
    async close() {
      closing = true;
      server.off('upgrade', onUpgrade);
      await Promise.all([...bridges].map((b) => b.end('server_closing')));
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** A session that failed or never connected, as `failoverProvider` takes it. */
interface FailedAttempt {
  provider: AiProvider;
  reason: string;
  attempt: number;
  /** The breaker already saw it (a guarded handshake): not to be counted again. */
  recorded: boolean;
}

/** What to tell `failoverProvider` after `provider`'s handshake failed with `error`. */
function afterConnectFailure(
  error: unknown,
  provider: AiProvider,
  attempt: number,
  guarded: boolean,
): FailedAttempt & { code: string } {
  const code = isSteadyCallError(error) ? error.code : 'error';
  return {
    provider,
    code,
    reason: `connect failed (${code})`,
    // Refused by its open circuit: a reconnect to it now would be refused too, so move on.
    attempt: isCircuitOpenError(error) ? Math.max(attempt, 2) : attempt,
    recorded: guarded,
  };
}
