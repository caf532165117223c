import type { Migration } from './index.js';

/**
 * Row-level security on `feature_flags` and `incident_log`, as the other steadycall tables already
 * have it: Supabase exposes the public schema through its REST API, and without RLS the anon key
 * could read the incident log and rewrite flags (switch providers off, say). No policies: the
 * table owner (migrations, SUPABASE_DB_URL) and service_role bypass RLS; other roles need an
 * explicit policy.
 */
export const rlsFlagsIncidentsMigration: Migration = {
  name: '0007_rls_flags_incidents',
  sql: /* sql */ `
alter table feature_flags enable row level security;
alter table incident_log enable row level security;
`,
};
