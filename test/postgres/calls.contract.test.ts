import { afterAll, beforeAll, describe } from 'vitest';
import { PostgresCallStore } from '../../src/storage/postgres/calls.js';
import { callStoreContract } from '../contracts/calls.contract.js';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../support/pg.js';

describe.skipIf(!databaseUrl)('PostgresCallStore', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('calls_contract');
  });
  afterAll(async () => {
    await db?.drop();
  });

  callStoreContract('postgres', async () => {
    await db.sql`truncate calls`;
    return new PostgresCallStore(db.sql);
  });
});
