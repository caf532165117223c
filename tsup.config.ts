import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    express: 'src/adapters/express-entry.ts',
    node: 'src/adapters/node-entry.ts',
    postgres: 'src/storage/postgres/index.ts',
    openfeature: 'src/openfeature/index.ts',
    'testing/index': 'src/testing/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
  splitting: true,
  treeshake: true,
});
