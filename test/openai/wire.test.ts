import { describe, expect, it } from 'vitest';
import { isValidationError, type ValidationError } from '../../src/core/errors.js';
import {
  buildLiveSessionRequest,
  buildRealtimeClientSecretRequest,
  mapOpenAiHttpError,
  OpenAiBrowserSessions,
  validateSdpOffer,
} from '../../src/openai/index.js';
import { OFFER } from './helpers.js';

describe('request builders', () => {
  it('buildLiveSessionRequest: minimal body', () => {
    expect(
      buildLiveSessionRequest({ sdpOffer: OFFER, model: 'gpt-live-1', allowedClientEvents: [] }),
    ).toEqual({
      session: { model: 'gpt-live-1', client: { data_channel: { allowed_client_events: [] } } },
      transport: { type: 'webrtc', sdp: OFFER },
    });
  });

  it('buildRealtimeClientSecretRequest: minimal body', () => {
    expect(buildRealtimeClientSecretRequest({ model: 'gpt-realtime-2' })).toEqual({
      session: { type: 'realtime', model: 'gpt-realtime-2' },
    });
  });

  it('validateSdpOffer returns the offer unchanged', () => {
    expect(validateSdpOffer(OFFER)).toBe(OFFER);
  });

  it('mapOpenAiHttpError keeps OpenAI error.type as providerCode when there is no code', () => {
    const error = mapOpenAiHttpError(
      'x',
      {
        status: 400,
        headers: new Headers(),
        bodyText: JSON.stringify({ error: { message: 'm', type: 't' } }),
      },
      (v) => v,
    );
    expect(error.providerCode).toBe('t');
    expect(error.details).toMatchObject({ type: 't', operation: 'x' });
  });
});

describe('OpenAiBrowserSessions options', () => {
  it('lists every invalid option at once', () => {
    let error: unknown;
    try {
      new OpenAiBrowserSessions({
        apiKey: 'k',
        timeoutMs: -1,
        baseUrl: 'ftp://x',
        allowedDataChannelEvents: ['Session Close'],
        defaults: { voice: '' },
      });
    } catch (e) {
      error = e;
    }
    expect(isValidationError(error)).toBe(true);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual([
      'timeoutMs',
      'baseUrl',
      'allowedDataChannelEvents',
      'defaults.voice',
    ]);
  });

  it('reports whether a key is configured without revealing it', () => {
    expect(new OpenAiBrowserSessions({ apiKey: 'sk-x' }).apiKeyConfigured).toBe(true);
    expect(new OpenAiBrowserSessions({ apiKey: '' }).apiKeyConfigured).toBe(false);
    expect(JSON.stringify(new OpenAiBrowserSessions({ apiKey: 'sk-secret-value' }))).not.toContain(
      'sk-secret',
    );
  });
});
