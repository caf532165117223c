import { helpersMigration } from './0000_helpers.js';
import { providerStatusMigration } from './0001_provider_status.js';
import { featureFlagsMigration } from './0002_feature_flags.js';
import { idempotencyKeysMigration } from './0003_idempotency_keys.js';
import { incidentLogMigration } from './0004_incident_log.js';
import { callsMigration } from './0005_calls.js';
import { statusOnceMigration } from './0006_status_once.js';
import { rlsFlagsIncidentsMigration } from './0007_rls_flags_incidents.js';

/**
 * One schema migration: plain SQL, applied once, in order.
 *
 * @example
 * ```ts
 * import { migrate, migrations, type Migration } from 'steadycall/postgres';
 *
 * const audit: Migration = { name: '9001_app_audit', sql: 'create table if not exists app_audit (id bigserial primary key)' };
 * await migrate(sql, { migrations: [...migrations, audit] });
 * ```
 */
export interface Migration {
  /** Sortable, unique: `0001_provider_status`. Also the file name under supabase/migrations. */
  name: string;
  /** The statements, applied in one transaction with `sql.unsafe`. */
  sql: string;
}

/**
 * Every migration, in order. Kept as strings (not files read at run time) so they ship inside the
 * bundle and work on Node, Deno and edge runtimes alike. `npm run migrations:export` writes them as
 * `.sql` files for `supabase db push`.
 *
 * @example
 * ```ts
 * import { migrations } from 'steadycall/postgres';
 *
 * for (const m of migrations) await writeFile(`supabase/migrations/${m.name}.sql`, m.sql);
 * ```
 */
export const migrations: readonly Migration[] = [
  helpersMigration,
  providerStatusMigration,
  featureFlagsMigration,
  idempotencyKeysMigration,
  incidentLogMigration,
  callsMigration,
  statusOnceMigration,
  rlsFlagsIncidentsMigration,
];
