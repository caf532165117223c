// The package's entry points as a consumer sees them, with a few exports each must carry and the
// bare imports its ESM build may load statically (anything else must stay behind a dynamic import).

export interface Entry {
  /** The specifier a consumer imports. */
  specifier: string;
  /** Short name for file names and the report. */
  slug: string;
  /** Runtime values (classes or functions) the entry must export, ESM and CJS alike. */
  exports: readonly string[];
  /** Optional peer dependencies its ESM build may import statically. */
  staticPeers: readonly string[];
  /** Whether its ESM build may import Node builtins statically (the core and postgres stay web-standard). */
  nodeBuiltins: boolean;
}

export const ENTRIES: readonly Entry[] = [
  {
    specifier: 'steadycall',
    slug: 'core',
    exports: [
      'CallOrchestrator',
      'CircuitBreaker',
      'Idempotency',
      'FlagResolver',
      'createMemoryStores',
      'createHandlers',
    ],
    staticPeers: [],
    nodeBuiltins: false,
  },
  {
    specifier: 'steadycall/postgres',
    slug: 'postgres',
    exports: ['PostgresCallStore', 'createPostgresStores', 'migrate'],
    staticPeers: ['postgres'],
    nodeBuiltins: false,
  },
  {
    specifier: 'steadycall/express',
    slug: 'express',
    exports: ['steadycallRouter', 'toWebRequest'],
    staticPeers: ['express'],
    nodeBuiltins: true,
  },
  {
    specifier: 'steadycall/node',
    slug: 'node',
    exports: ['attachMediaStreams', 'wsSocketFactory'],
    staticPeers: ['ws'],
    nodeBuiltins: true,
  },
  {
    specifier: 'steadycall/openfeature',
    slug: 'openfeature',
    exports: ['SteadyCallProvider', 'OpenFeatureFlagStore', 'ReadOnlyFlagStoreError', 'toSteadyCallContext'],
    staticPeers: ['@openfeature/server-sdk'],
    nodeBuiltins: false,
  },
  {
    specifier: 'steadycall/testing',
    slug: 'testing',
    exports: ['FakeTwilio', 'FakeTwilioMediaClient', 'CallSimulator', 'FakeClock'],
    staticPeers: ['ws'],
    nodeBuiltins: true,
  },
];

/** What Deno imports through the package (the Supabase example's entry points). */
export const DENO_ENTRIES = ENTRIES.filter((e) => e.slug === 'core' || e.slug === 'postgres');

/**
 * Packages installed next to the tarball in the scratch project: the optional peers the entries
 * and the examples need, and their types. Pinned to the versions in this repo's node_modules so
 * npm finds them in its cache.
 */
export const SCRATCH_PACKAGES = [
  'express',
  '@types/express',
  'ws',
  'postgres',
  'twilio',
  '@openfeature/server-sdk',
  '@openfeature/core',
  '@types/node',
] as const;
