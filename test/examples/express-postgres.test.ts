import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppFromEnv } from '../../examples/express/app.js';
import { silentLogger } from '../../src/index.js';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../support/pg.js';

describe.skipIf(!databaseUrl)('Express example with DATABASE_URL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('example_env');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('uses the PostgreSQL stores (state lands in the runbook tables)', async () => {
    const { orchestrator, close } = await createAppFromEnv(
      {
        DATABASE_URL: db.url,
        PUBLIC_BASE_URL: 'https://voice.example.com',
        STREAM_TOKEN_SECRET: 'stream-secret-0123456789abcdef',
      },
      { logger: silentLogger },
    );
    try {
      await orchestrator.forceOpenBreaker('twilio', Date.now() + 60_000);
      const [row] = await db.sql<
        { circuit: string }[]
      >`select circuit from provider_status where provider = 'twilio'`;
      expect(row?.circuit).toBe('open');
      expect((await orchestrator.liveness()).store).toBe('reachable');
    } finally {
      await close();
    }
  });
});
