import { afterAll, beforeAll, describe } from 'vitest';
import { PostgresIdempotencyStore } from '../../src/storage/postgres/idempotency.js';
import { idempotencyStoreContract } from '../contracts/idempotency.contract.js';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../support/pg.js';

describe.skipIf(!databaseUrl)('PostgresIdempotencyStore', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('idempotency_contract');
  });
  afterAll(async () => {
    await db?.drop();
  });

  // The contract wants an empty store per test (purgeExpired counts every row).
  idempotencyStoreContract('postgres', async () => {
    await db.sql`truncate idempotency_keys`;
    return new PostgresIdempotencyStore(db.sql);
  });
});
