import { afterAll, beforeAll, describe } from 'vitest';
import { PostgresFlagStore } from '../../src/storage/postgres/flags.js';
import { flagStoreContract } from '../contracts/flags.contract.js';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../support/pg.js';

describe.skipIf(!databaseUrl)('PostgresFlagStore', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('flags_contract');
  });
  afterAll(async () => {
    await db?.drop();
  });

  // The migration seeds nothing, so a fresh database is already the empty store the suite expects.
  flagStoreContract(
    'PostgreSQL',
    () => new PostgresFlagStore(db.sql),
    async () => {
      await db.sql`truncate feature_flags`;
    },
  );
});
