import { describe, expect, it } from 'vitest';
import {
  CallOrchestrator,
  type CallOrchestratorOptions,
  createMemoryStores,
  voiceWebhookSchema,
} from '../../src/index.js';

const sid = (prefix: string, n: number) => `${prefix}${n.toString(16).padStart(32, '0')}`;
const inbound = (n: number) =>
  voiceWebhookSchema.parse({
    CallSid: sid('CA', n),
    AccountSid: sid('AC', 1),
    From: '+14155550123',
    To: '+14155550100',
    CallStatus: 'ringing',
    Direction: 'inbound',
  });

function orchestrator(keys: Pick<CallOrchestratorOptions, 'openai' | 'gemini'>) {
  return new CallOrchestrator({
    stores: createMemoryStores(),
    publicBaseUrl: 'https://voice.example.com',
    streamTokenSecret: 'stream-secret-0123456789abcdef',
    ...keys,
  });
}

describe('voice webhook provider choice without warm sessions', () => {
  it('skips the preferred provider when only the other one has a key', async () => {
    // The runbook's default prefers Gemini; a deployment with only an OpenAI key must not pick it.
    const result = await orchestrator({ openai: { apiKey: 'sk-test-choice-0123456789' } }).handleVoiceWebhook(
      inbound(1),
    );
    expect(result.provider).toBe('openai');
  });

  it('uses the preferred provider when its key is set', async () => {
    const result = await orchestrator({
      openai: { apiKey: 'sk-test-choice-0123456789' },
      gemini: { apiKey: 'gemini-test-choice-0123456789' },
    }).handleVoiceWebhook(inbound(2));
    expect(result.provider).toBe('gemini');
  });

  it('counts every provider when no key is given (the bridge runs on another host)', async () => {
    const result = await orchestrator({}).handleVoiceWebhook(inbound(3));
    expect(result.provider).toBe('gemini');
  });
});
