import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(`./src/${p}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Examples import the package by name; in tests that name means this source tree.
    alias: [
      { find: /^steadycall\/express$/, replacement: src('adapters/express-entry.ts') },
      { find: /^steadycall\/testing$/, replacement: src('testing/index.ts') },
      { find: /^steadycall\/node$/, replacement: src('adapters/node-entry.ts') },
      { find: /^steadycall\/postgres$/, replacement: src('storage/postgres/index.ts') },
      { find: /^steadycall\/openfeature$/, replacement: src('openfeature/index.ts') },
      { find: /^steadycall$/, replacement: src('index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Captures every log line and incident for the leak check run at global teardown.
    setupFiles: ['test/support/capture-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
