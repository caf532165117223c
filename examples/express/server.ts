// `npm run example:express`: starts the example server on PORT (default 3000), on PostgreSQL when
// DATABASE_URL is set, in memory otherwise.
import { createAppFromEnv } from './app.js';

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const { app, close, attachMedia } = await createAppFromEnv(process.env);
const server = app.listen(port, host, () => {
  const store = process.env.DATABASE_URL ? 'PostgreSQL' : 'in-memory';
  console.log(`steadycall example listening on http://${host}:${port} (${store} stores)`);
});
// The audio bridge: Twilio media streams on the same port, at /media-stream.
const media = attachMedia(server);
const stop = () =>
  void media.close().then(() =>
    server.close(() => {
      void close().finally(() => process.exit(0));
    }),
  );
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
