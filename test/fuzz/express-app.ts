// The Express example on a loopback port for the fuzz suites: FakeTwilio behind the official client,
// the OpenAI stub, memory stores. Requests travel through Node's HTTP parser and the Express adapter.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type ExampleApp } from '../../examples/express/app.js';
import type { Logger } from '../../src/core/logger.js';
import { TwilioSigner } from '../../src/telephony/signature.js';
import { FAKE_AUTH_TOKEN, FakeTwilio } from '../../src/testing/index.js';
import type { Target } from './requests.js';
import { API_TOKEN, OPENAI_KEY, OPS_TOKEN, STREAM_SECRET, stubFetch } from './service.js';

export interface ExpressTarget extends Target, ExampleApp {
  server: Server;
  fake: FakeTwilio;
  close(): Promise<void>;
}

const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

export async function startExpressTarget(logger: Logger = quiet): Promise<ExpressTarget> {
  const fake = await FakeTwilio.start();
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const built = createApp(
    {
      PUBLIC_BASE_URL: origin,
      STREAM_TOKEN_SECRET: STREAM_SECRET,
      TWILIO_AUTH_TOKEN: FAKE_AUTH_TOKEN,
      TWILIO_FROM_NUMBER: '+15005550006',
      OPS_TOKEN,
      API_TOKEN,
      OPENAI_API_KEY: OPENAI_KEY,
      // A closed loopback port: no voice socket is ever opened by these suites.
      OPENAI_VOICE_URL: 'ws://127.0.0.1:9/v1/live/sessions',
      PROVIDER_TIMEOUT_MS: '2000',
    },
    { twilioClient: fake.client({ timeout: 2000 }), fetch: stubFetch, logger },
  );
  server.on('request', built.app);
  return {
    ...built,
    server,
    fake,
    origin,
    publicBaseUrl: origin,
    signer: new TwilioSigner(FAKE_AUTH_TOKEN),
    async close() {
      await fake.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
