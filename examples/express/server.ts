// `npm run example:express`: starts the example server on PORT (default 3000).
import { createApp } from './app.js';

const port = Number(process.env.PORT ?? 3000);
const { app } = createApp(process.env);
const server = app.listen(port, process.env.HOST ?? '127.0.0.1', () => {
  console.log(`steadycall example listening on http://${process.env.HOST ?? '127.0.0.1'}:${port}`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
