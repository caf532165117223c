import { afterAll, beforeAll, describe } from 'vitest';
import { PostgresIncidentLog } from '../../src/storage/postgres/incidents.js';
import { incidentLogContract } from '../contracts/incidents.contract.js';
import { createTestDatabase, databaseUrl, type TestDatabase } from '../support/pg.js';

describe.skipIf(!databaseUrl)('PostgresIncidentLog', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('incidents_contract');
  });
  afterAll(async () => {
    await db?.drop();
  });

  incidentLogContract(
    'PostgreSQL',
    () => new PostgresIncidentLog(db.sql),
    async () => {
      await db.sql`truncate incident_log`;
    },
  );
});
