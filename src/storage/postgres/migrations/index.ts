import { helpersMigration } from './0000_helpers.js';
import { providerStatusMigration } from './0001_provider_status.js';
import { featureFlagsMigration } from './0002_feature_flags.js';
import { idempotencyKeysMigration } from './0003_idempotency_keys.js';
import { incidentLogMigration } from './0004_incident_log.js';
import { callsMigration } from './0005_calls.js';
import { statusOnceMigration } from './0006_status_once.js';

/** One schema migration: plain SQL, applied once, in order. */
export interface Migration {
  /** Sortable, unique: `0001_provider_status`. Also the file name under supabase/migrations. */
  name: string;
  sql: string;
}

/**
 * Every migration, in order. Kept as strings (not files read at run time) so they ship inside the
 * bundle and work on Node, Deno and edge runtimes alike. `npm run migrations:export` writes them as
 * `.sql` files for `supabase db push`.
 */
export const migrations: readonly Migration[] = [
  helpersMigration,
  providerStatusMigration,
  featureFlagsMigration,
  idempotencyKeysMigration,
  incidentLogMigration,
  callsMigration,
  statusOnceMigration,
];
