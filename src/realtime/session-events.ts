import { EventSource } from '../core/disposable.js';
import type { RealtimeEventName, RealtimeSessionEvents } from './session.js';

/** One typed event source per {@link RealtimeSessionEvents} name: what every session emits through. */
export type SessionEventSources = { [E in RealtimeEventName]: EventSource<RealtimeSessionEvents[E]> };

/** Fresh sources; a session swaps in a new set to drop every subscriber at once. */
export function newSessionEventSources(): SessionEventSources {
  return {
    audio: new EventSource(),
    speechStarted: new EventSource(),
    speechStopped: new EventSource(),
    interrupted: new EventSource(),
    transcript: new EventSource(),
    toolCall: new EventSource(),
    responseDone: new EventSource(),
    error: new EventSource(),
    closed: new EventSource(),
  };
}
