import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultBreakerPolicy } from '../../src/breaker/policy.js';
import { isSteadyCallError } from '../../src/core/errors.js';
import { PostgresProviderStatusStore } from '../../src/storage/postgres/provider-status.js';
import { providerStatusStoreContract } from '../contracts/provider-status.contract.js';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../support/pg.js';

describe.skipIf(!databaseUrl)('PostgresProviderStatusStore', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('provider_status_contract');
  });
  afterAll(async () => {
    await db?.drop();
  });

  providerStatusStoreContract('postgres', () => new PostgresProviderStatusStore(db.sql));

  it('throws StorageUnavailableError (no connection string) when the server cannot be reached', async () => {
    // Port 1 on loopback: nothing listens, the connection is refused at once. One client per
    // attempt: postgres.js backs off between reconnects of the same client.
    const attempts: ((store: PostgresProviderStatusStore) => Promise<unknown>)[] = [
      (s) => s.get('twilio'),
      (s) => s.list(),
      (s) => s.recordOutcome('twilio', { kind: 'failure' }, defaultBreakerPolicy, 1),
      (s) => s.claimProbe('twilio', 't', defaultBreakerPolicy, 1),
      (s) => s.reset('twilio', 1),
      (s) => s.forceOpen('twilio', 2, 1),
      (s) => s.recordHealth('twilio', { status: 'healthy', latencyMs: 1, checkedAt: 1 }, 1),
    ];
    for (const attempt of attempts) {
      const down = postgres('postgres://steadycall:secret-pw@127.0.0.1:1/nowhere', {
        prepare: false,
        max: 1,
        connect_timeout: 2,
        onnotice: () => {},
      });
      const error = await attempt(new PostgresProviderStatusStore(down)).then(
        () => null,
        (e: unknown) => e,
      );
      await down.end({ timeout: 1 });
      expect(isSteadyCallError(error) && error.code).toBe('storage_unavailable');
      expect(String((error as Error).message)).toMatch(/^PostgreSQL unavailable during provider_status\.\w+/);
      expect(String((error as Error).message)).not.toContain('secret-pw');
    }
  });
});
